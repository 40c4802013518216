//! The published figures the demo generator draws from, each with its source. The
//! product never reads ../shared at run time: these are copied here, and a test checks
//! them against the published files.
//!
//! Sources (DfE "Education, health and care plans", reporting year 2025, OGL v3.0):
//! `caseload`, `requests`, `assessments`, `timeliness_20_week`, `ceased_plans`,
//! `sen_needs_all_plans`, `annual_reviews` — Derby (LA 831) rows unless noted.

/// Primary need of all plans, Derby, January 2025 (`sen_needs_all_plans`, counts).
pub const NEED_MIX: &[(&str, u32)] = &[
    ("ASD", 1333),
    ("SEMH", 774),
    ("SLCN", 557),
    ("MLD", 429),
    ("PD", 174),
    ("HI", 134),
    ("SLD", 97),
    ("SPLD", 68),
    ("PMLD", 56),
    ("VI", 52),
    ("OTH", 48),
    ("MSI", 13),
];

/// Plans in place by age, Derby, January 2025 (`caseload`, "Child or young persons age").
/// Index = age in years (0-2 grouped as "under 3" at index 2).
pub const AGE_MIX: &[(u8, u32)] = &[
    (2, 3),
    (3, 14),
    (4, 123),
    (5, 160),
    (6, 171),
    (7, 171),
    (8, 179),
    (9, 192),
    (10, 210),
    (11, 258),
    (12, 249),
    (13, 251),
    (14, 271),
    (15, 280),
    (16, 284),
    (17, 233),
    (18, 198),
    (19, 178),
    (20, 110),
    (21, 67),
    (22, 61),
    (23, 39),
    (24, 33),
];

/// Derby plans in place at each January census 2019-2025 (`caseload`, "All EHC plans").
pub const CASELOAD_BY_YEAR: &[(i32, u32)] = &[
    (2019, 1895),
    (2020, 2298),
    (2021, 2613),
    (2022, 2900),
    (2023, 3301),
    (2024, 3564),
    (2025, 3735),
];

/// England plans in place, January 2019 and 2025: 353,995 → 638,745, i.e. 10.3% a year.
pub const ENGLAND_GROWTH_PER_YEAR: f64 = 0.103;

/// Derby requests for assessment, 2024 (`requests`): received 769; decided to assess 436;
/// decided not to assess 300; decided within 6 weeks 280 of 822 decisions (34.1%).
pub const REQUESTS_PER_NEW_PLAN: f64 = 769.0 / 492.0;
pub const SHARE_NOT_ASSESSED: f64 = 300.0 / 736.0;
/// Of requests that do not lead to a plan in the demo's steady state, the share refused
/// assessment (the rest: assessed without a plan, or withdrawn). Chosen so that refusals
/// are as close to Derby's 41% of decisions as 1.56 requests per new plan allows.
pub const NO_PLAN_SHARE_REFUSED: f64 = 0.75;
pub const SHARE_DECIDED_WITHIN_6_WEEKS: f64 = 0.341;

/// Derby assessments, 2024 (`assessments`): 472 issued, 101 not issued (17.6%).
pub const SHARE_ASSESSED_NOT_ISSUED: f64 = 0.176;

/// Derby 20-week timeliness by calendar year (`timeliness_20_week`, % including exceptions).
pub const WITHIN_20_WEEKS_BY_YEAR: &[(i32, f64)] = &[
    (2019, 0.247),
    (2020, 0.231),
    (2021, 0.425),
    (2022, 0.253),
    (2023, 0.226),
    (2024, 0.140),
];
/// Of late plans in 2024, the share issued after more than a year: 82 of 380.
pub const LATE_SHARE_OVER_A_YEAR: f64 = 82.0 / 380.0;
/// New plans given a multi-agency quality audit (local areas typically audit a sample;
/// about one in six here).
pub const SHARE_OF_NEW_PLANS_AUDITED: f64 = 0.16;
/// Plans issued late in 2024: 442 - 62 = 380 of 442.
pub const SHARE_LATE_2024: f64 = 380.0 / 442.0;
/// Plans with an exception, 2024: 442 - 377 = 65 of 442.
pub const SHARE_WITH_EXCEPTION: f64 = 65.0 / 442.0;

/// Derby plans ceased in 2024 by reason (`ceased_plans`), total 357; 77 were transfers.
pub const CEASE_REASONS: &[(&str, u32)] = &[
    ("max_age", 28),
    ("needs_met", 4),
    ("higher_education", 22),
    ("paid_employment", 64),
    ("transferred_to_another_la", 77),
    ("no_longer_wishes_to_engage", 153),
    ("moved_outside_england", 1),
    ("deceased", 6),
    ("other", 2),
];
/// Plans ceased or transferred out per plan in place, England 2024: 44,862 ceased
/// (`ceased_plans`, 13,953 of them transfers) / 576,474 plans in January 2024
/// (`caseload`). Derby's own rate was 357 / 3,564.
pub const CEASE_RATE_PER_YEAR: f64 = 44_862.0 / 576_474.0;

/// Annual review decisions within 4 weeks of the meeting, Derby 2024: 956 of 1,458.
pub const REVIEW_DECISION_WITHIN_4_WEEKS: f64 = 956.0 / 1458.0;
/// Review outcomes, Derby 2024: amend 1,319, maintain 137, cease 2.
pub const REVIEW_OUTCOMES: &[(&str, u32)] = &[("amend", 1319), ("maintain", 137), ("cease", 2)];

/// Placement of school-age plans, Derby January 2025 (`caseload`): mainstream 1,519 (of
/// which resourced provision/SEN unit 160), special 1,120 (independent 116,
/// non-maintained 45), AP/PRU 29.
pub const PLACEMENT_MIX: &[(&str, u32)] = &[
    ("mainstream", 1359),
    ("resourced_provision", 160),
    ("special", 959),
    ("independent_special", 161),
    ("alternative_provision", 29),
];

/// Approximate annual cost per place (Derby SEND Local Offer user group, 2024; domain.md §2.2).
pub const COST_ERP_POUNDS: i64 = 18_000;
pub const COST_SPECIAL_POUNDS: i64 = 23_000;
pub const COST_INDEPENDENT_SPECIAL_POUNDS: i64 = 86_000;
