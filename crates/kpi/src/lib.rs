//! The KPI engine. Each child's record is reduced to facts held in columns (one row per
//! request, one per plan), kept up to date as events are recorded (`upsert_case` with
//! the record after the event: a case's rows are rewritten in place, or retired and
//! appended when their number changes), and the measures are computed by scanning the
//! columns (`compute`). Recomputing from scratch is loading every record again.
//!
//! Definitions (DfE's, as in `domain::measures`):
//! - requests: requests for an EHC needs assessment received in the calendar year;
//! - decisions within 6 weeks: of requests decided (to assess or not) in the year, those
//!   decided within 42 days of receipt;
//! - new plans: final EHC plans issued in the year;
//! - within 20 weeks: of plans issued in the year, those issued within 140 days of the
//!   request; excluding exceptions, the same with the requests that have an exception
//!   recorded left out of both;
//! - plans in place at the year's end: plans started on or before 31 December and not
//!   ceased, replaced by a new plan or transferred to another area by then;
//! - plans ceased: plans whose cessation took effect in the period, by reason;
//! - quality: of plans issued in the period, those audited, by the grade of each plan's
//!   latest audit (before any later plan);
//! - reviews held: annual review meetings held in the period; review decisions within
//!   4 weeks: of decisions made in the period, those within 28 days of the meeting;
//! - the time each step took: request to decision, request to draft, draft to final,
//!   review meeting to decision, over the steps completed in the period;
//! - time to a final plan: days from request to final plan for plans issued in the year,
//!   median and 90th percentile by the nearest-rank method;
//! - statutory clocks (every time limit of `domain::clocks`, from each case's deadlines):
//!   of the deadlines falling due in the period, those met on time, met late, overdue
//!   and not yet due (on the day the figures are computed); and of the steps done in the
//!   period, the days each took from its trigger (median and 90th percentile). Annual
//!   reviews due and late, and phase transfers by their deadline, are two of these;
//! - disputes: mediations held in the period and, of them, those followed by an appeal;
//!   appeals registered in the period against the decisions that carried a right of
//!   appeal made in it (the appeal rate); appeals decided, by outcome;
//! - placements on the period's last day of children whose plan was in place, by the
//!   setting's type, with the annual cost (the provision's cost per place for the
//!   financial year containing that day: place funding, top-up, health and social care)
//!   where one is recorded; independent and non-maintained special school placements and
//!   their cost together.

pub mod trajectory;

use chrono::{Datelike, NaiveDate};
use sendscope_domain::clocks::ClockKind;
use sendscope_domain::event::{AppealOutcome, AssessDecision, SettingRef, SettingType};
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId, StaffId, TeamId};
use sendscope_domain::projection::CaseState;
use sendscope_domain::qa::{QaGrade, QualitySummary};
use sendscope_domain::sen::{CeaseReason, NeedType};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

const NONE: i32 = i32::MIN;

fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// The columns.
#[derive(Default)]
pub struct Engine {
    areas: Vec<AreaId>,
    area_ix: HashMap<AreaId, u32>,
    case_ix: HashMap<CaseId, u32>,
    case_ids: Vec<CaseId>,
    case_requests: Vec<Vec<u32>>,
    case_plans: Vec<Vec<u32>>,
    // Per case: what the figures are broken down by.
    case_need: Vec<u8>,
    case_team: Vec<u32>,
    case_worker: Vec<u32>,
    case_birth: Vec<i32>,
    /// Each area's cases (a case is listed under every area it has been in; its rows
    /// carry their area), so one area's figures read only its own rows.
    area_cases: Vec<Vec<u32>>,
    case_area: Vec<u32>,
    teams: Vec<TeamId>,
    team_ix: HashMap<TeamId, u32>,
    workers: Vec<StaffId>,
    worker_ix: HashMap<StaffId, u32>,
    /// Each member of staff's team now (a case's team is its caseworker's, unless the
    /// case records one of its own).
    staff_team: HashMap<StaffId, TeamId>,
    // One row per request.
    req_alive: Vec<bool>,
    req_case: Vec<u32>,
    req_area: Vec<u32>,
    req_received: Vec<i32>,
    req_decided: Vec<i32>,
    req_final: Vec<i32>,
    req_draft: Vec<i32>,
    req_exception: Vec<bool>,
    /// The grade of the latest audit of the plan issued for the request.
    req_grade: Vec<Option<QaGrade>>,
    // One row per plan (current and earlier).
    plan_alive: Vec<bool>,
    plan_case: Vec<u32>,
    plan_area: Vec<u32>,
    plan_start: Vec<i32>,
    plan_end: Vec<i32>,
    plan_ceased_on: Vec<i32>,
    plan_ceased_reason: Vec<Option<CeaseReason>>,
    // One row per annual review meeting held.
    case_reviews: Vec<Vec<u32>>,
    rev_alive: Vec<bool>,
    rev_case: Vec<u32>,
    rev_area: Vec<u32>,
    rev_meeting: Vec<i32>,
    rev_decided: Vec<i32>,
    // One row per statutory deadline (`domain::clocks::case_deadlines`).
    case_clocks: Vec<Vec<u32>>,
    clk_alive: Vec<bool>,
    clk_case: Vec<u32>,
    clk_area: Vec<u32>,
    clk_key: Vec<u8>,
    clk_trigger: Vec<i32>,
    clk_due: Vec<i32>,
    clk_done: Vec<i32>,
    /// The rules seen, by `clk_key`: key, step, kind, whether counted back.
    clock_rules: Vec<ClockMeta>,
    // One row per dispute (mediation, appeal).
    case_disputes: Vec<Vec<u32>>,
    dsp_alive: Vec<bool>,
    dsp_case: Vec<u32>,
    dsp_area: Vec<u32>,
    dsp_mediation: Vec<i32>,
    dsp_appeal: Vec<i32>,
    dsp_decided: Vec<i32>,
    dsp_outcome: Vec<Option<AppealOutcome>>,
    // One row per placement.
    case_placements: Vec<Vec<u32>>,
    plc_alive: Vec<bool>,
    plc_case: Vec<u32>,
    plc_area: Vec<u32>,
    plc_start: Vec<i32>,
    plc_end: Vec<i32>,
    plc_setting: Vec<u32>,
    plc_provision: Vec<u32>,
    // Settings' types and provisions' costs (from their own records).
    setting_ix: HashMap<SettingId, u32>,
    setting_type: Vec<Option<SettingType>>,
    provision_ix: HashMap<ProvisionId, u32>,
    /// Per provision: (financial year it starts in, cost per place in pence), sorted.
    provision_cost: Vec<Vec<(i32, i64)>>,
    /// The day "overdue" and "not yet due" are judged on (today in England unless set).
    today: Option<NaiveDate>,
}

#[derive(Clone, Copy)]
struct ClockMeta {
    key: &'static str,
    step: &'static str,
    duty: bool,
    counts_back: bool,
}

/// The figures a list of children can be drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Behind {
    Requests,
    DecidedLate,
    PlansIssued,
    PlansLate,
    ExceptionCases,
    PlansInPlace,
    Ceased,
    ReviewsLate,
    PhaseTransfersLate,
    Appeals,
}

impl Behind {
    pub const ALL: [Behind; 10] = [
        Behind::Requests,
        Behind::DecidedLate,
        Behind::PlansIssued,
        Behind::PlansLate,
        Behind::ExceptionCases,
        Behind::PlansInPlace,
        Behind::Ceased,
        Behind::ReviewsLate,
        Behind::PhaseTransfersLate,
        Behind::Appeals,
    ];
    pub fn key(self) -> &'static str {
        match self {
            Behind::Requests => "requests",
            Behind::DecidedLate => "decided_late",
            Behind::PlansIssued => "plans_issued",
            Behind::PlansLate => "plans_late",
            Behind::ExceptionCases => "exception_cases",
            Behind::PlansInPlace => "plans_in_place",
            Behind::Ceased => "ceased",
            Behind::ReviewsLate => "reviews_late",
            Behind::PhaseTransfersLate => "phase_transfers_late",
            Behind::Appeals => "appeals",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Behind::Requests => "Children whose request was received in the period",
            Behind::DecidedLate => "Children whose decision on assessment took more than 6 weeks",
            Behind::PlansIssued => "Children whose final plan was issued in the period",
            Behind::PlansLate => "Children whose final plan took more than 20 weeks",
            Behind::ExceptionCases => "Children whose plan was issued with an exception recorded",
            Behind::PlansInPlace => "Children with a plan in place at the end of the period",
            Behind::Ceased => "Children whose plan ceased in the period",
            Behind::ReviewsLate => {
                "Children whose annual review fell due in the period and was not held on time"
            }
            Behind::PhaseTransfersLate => {
                "Children whose phase transfer plan was due in the period and not amended on time"
            }
            Behind::Appeals => "Children whose family registered an appeal in the period",
        }
    }
}

/// A proportion with its numerator and denominator, never a rate alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Share {
    pub numerator: u64,
    pub denominator: u64,
}

impl Share {
    pub fn percent(&self) -> Option<f64> {
        (self.denominator > 0)
            .then(|| (self.numerator as f64 * 1000.0 / self.denominator as f64).round() / 10.0)
    }
}

/// A period the measures are counted over: a calendar, academic or financial year, a
/// quarter or a month (the first and last day, inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    pub label: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    fn make(label: String, from: Option<NaiveDate>, to: Option<NaiveDate>) -> Option<Period> {
        Some(Period {
            label,
            from: from?,
            to: to?,
        })
    }
    pub fn calendar_year(y: i32) -> Option<Period> {
        Period::make(
            format!("{y}"),
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31),
        )
    }
    /// September to August, named "2024/25" by the year it starts in.
    pub fn academic_year(y: i32) -> Option<Period> {
        Period::make(
            format!("{y}/{:02}", (y + 1) % 100),
            NaiveDate::from_ymd_opt(y, 9, 1),
            NaiveDate::from_ymd_opt(y + 1, 8, 31),
        )
    }
    /// April to March, named "2024-25" by the year it starts in.
    pub fn financial_year(y: i32) -> Option<Period> {
        Period::make(
            format!("{y}-{:02}", (y + 1) % 100),
            NaiveDate::from_ymd_opt(y, 4, 1),
            NaiveDate::from_ymd_opt(y + 1, 3, 31),
        )
    }
    /// Calendar quarters 1 to 4.
    pub fn quarter(y: i32, q: u32) -> Option<Period> {
        if !(1..=4).contains(&q) {
            return None;
        }
        let first = NaiveDate::from_ymd_opt(y, 3 * q - 2, 1);
        let last = if q == 4 {
            NaiveDate::from_ymd_opt(y, 12, 31)
        } else {
            NaiveDate::from_ymd_opt(y, 3 * q + 1, 1).and_then(|d| d.pred_opt())
        };
        Period::make(format!("{y} Q{q}"), first, last)
    }
    pub fn month(y: i32, m: u32) -> Option<Period> {
        let first = NaiveDate::from_ymd_opt(y, m, 1)?;
        let last = if m == 12 {
            NaiveDate::from_ymd_opt(y, 12, 31)
        } else {
            NaiveDate::from_ymd_opt(y, m + 1, 1).and_then(|d| d.pred_opt())
        };
        Period::make(first.format("%B %Y").to_string(), Some(first), last)
    }
}

/// DfE's age groups, by age on the last day of the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AgeGroup {
    Under5,
    From5To10,
    From11To15,
    From16To19,
    From20To25,
}

impl AgeGroup {
    pub const ALL: [AgeGroup; 5] = [
        AgeGroup::Under5,
        AgeGroup::From5To10,
        AgeGroup::From11To15,
        AgeGroup::From16To19,
        AgeGroup::From20To25,
    ];
    pub fn of(age: i32) -> Option<AgeGroup> {
        match age {
            ..0 => None,
            0..=4 => Some(AgeGroup::Under5),
            5..=10 => Some(AgeGroup::From5To10),
            11..=15 => Some(AgeGroup::From11To15),
            16..=19 => Some(AgeGroup::From16To19),
            _ => Some(AgeGroup::From20To25),
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AgeGroup::Under5 => "under 5",
            AgeGroup::From5To10 => "5 to 10",
            AgeGroup::From11To15 => "11 to 15",
            AgeGroup::From16To19 => "16 to 19",
            AgeGroup::From20To25 => "20 to 25",
        }
    }
}

/// Which children count: by primary need, age group, team and caseworker (any left
/// out means every one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Filter {
    pub need: Option<NeedType>,
    pub age: Option<AgeGroup>,
    pub team: Option<TeamId>,
    pub caseworker: Option<StaffId>,
}

/// Whole years between a birth day and a day (both as day numbers).
fn age_between(birth: i32, on: i32) -> i32 {
    match (
        NaiveDate::from_num_days_from_ce_opt(birth),
        NaiveDate::from_num_days_from_ce_opt(on),
    ) {
        (Some(b), Some(o)) => sendscope_domain::calendar::age_on(b, o),
        _ => -1,
    }
}

/// The measures for one area (or every area) and period.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Kpis {
    pub period: String,
    pub requests: u64,
    pub decisions_within_6_weeks: Share,
    pub new_plans: u64,
    pub within_20_weeks: Share,
    pub within_20_weeks_excluding_exceptions: Share,
    pub exception_cases: u64,
    /// The quality of the plans issued in the period: each plan's latest audit.
    pub quality: QualitySummary,
    /// Annual review meetings held in the period.
    pub reviews_held: u64,
    /// Of review decisions made in the period, those made within 4 weeks (28 days) of
    /// the meeting.
    pub review_decisions_within_4_weeks: Share,
    /// Plans in place on the period's last day.
    pub plans_in_place_at_end: u64,
    /// Plans ceased in the period, by the reason recorded.
    pub ceased: BTreeMap<CeaseReason, u64>,
    /// Days taken by each statutory step completed in the period.
    pub steps: StepTimes,
    /// The days behind `steps` until they are summarised (not shown).
    #[serde(skip)]
    step_days: [Vec<i32>; 4],
    pub median_days_to_final_plan: Option<i32>,
    pub p90_days_to_final_plan: Option<i32>,
    /// Every statutory time limit, by its key in the rule book.
    pub clocks: BTreeMap<&'static str, ClockFigures>,
    /// The days behind each clock's percentiles, by `clk_key` (not shown).
    #[serde(skip)]
    clock_days: Vec<Vec<i32>>,
    /// Per clock key while counting: due, on time, late, overdue, not yet due.
    #[serde(skip)]
    clock_acc: Vec<[u64; 5]>,
    /// Per setting type (`TYPES`) while counting: children, costed, cost.
    #[serde(skip)]
    place_acc: [[i64; 3]; TYPES.len()],
    pub disputes: DisputeFigures,
    /// Placements on the period's last day by the setting's type (`unknown` where the
    /// setting is not on the register).
    pub placements: BTreeMap<&'static str, PlacementFigures>,
    /// Independent and non-maintained special school placements together.
    pub independent: PlacementFigures,
}

impl Kpis {
    /// Of the annual reviews due in the period and already past due, those held on time.
    pub fn annual_reviews_on_time(&self) -> Share {
        self.clocks
            .get("annual_review")
            .map(|c| c.on_time())
            .unwrap_or_default()
    }

    /// Of the phase transfer deadlines (every kind) in the period and already past, those
    /// met.
    pub fn phase_transfers_on_time(&self) -> Share {
        self.clocks
            .iter()
            .filter(|(key, _)| key.starts_with("phase_transfer"))
            .fold(Share::default(), |a, (_, c)| Share {
                numerator: a.numerator + c.on_time().numerator,
                denominator: a.denominator + c.on_time().denominator,
            })
    }
}

/// One statutory time limit over a period.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClockFigures {
    pub step: &'static str,
    /// A duty of the council (else the family's or a setting's time, which closes
    /// rather than goes late).
    pub duty: bool,
    /// The council's deadlines falling due in the period, and what became of them
    /// (none for windows).
    pub due: u64,
    pub met_on_time: u64,
    pub met_late: u64,
    pub overdue: u64,
    pub not_yet_due: u64,
    /// Steps done in the period: days from the trigger (none for limits counted back
    /// from an event, such as a phase transfer).
    pub done: Percentiles,
}

impl ClockFigures {
    /// Of the deadlines due in the period and already past, those met on time.
    pub fn on_time(&self) -> Share {
        Share {
            numerator: self.met_on_time,
            denominator: self.due - self.not_yet_due,
        }
    }
}

/// Mediation and the Tribunal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DisputeFigures {
    /// Mediations held in the period.
    pub mediations_held: u64,
    /// Of mediations held in the period, those followed by an appeal.
    pub mediations_followed_by_appeal: Share,
    /// Appeals registered in the period over the decisions carrying a right of appeal
    /// made in the period (refusals to assess or to issue a plan, plans issued or
    /// amended, decisions to cease).
    pub appeal_rate: Share,
    /// Appeals decided in the period, by outcome.
    pub appeals_decided: BTreeMap<AppealOutcome, u64>,
}

/// Children placed, and their annual cost where one is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PlacementFigures {
    pub children: u64,
    /// Of them, those whose provision has a cost per place for the year.
    pub costed: u64,
    pub annual_cost_pence: i64,
}

impl PlacementFigures {
    fn add(&mut self, o: &PlacementFigures) {
        self.children += o.children;
        self.costed += o.costed;
        self.annual_cost_pence += o.annual_cost_pence;
    }
}

/// Every setting type placements are counted by (`None`: not on the register).
const TYPES: [Option<SettingType>; 13] = [
    None,
    Some(SettingType::MainstreamLaMaintained),
    Some(SettingType::MainstreamAcademy),
    Some(SettingType::MainstreamFreeSchool),
    Some(SettingType::MainstreamIndependent),
    Some(SettingType::SpecialLaMaintained),
    Some(SettingType::SpecialAcademy),
    Some(SettingType::SpecialIndependent),
    Some(SettingType::SpecialNonMaintained),
    Some(SettingType::AlternativeProvision),
    Some(SettingType::FurtherEducation),
    Some(SettingType::SpecialistPost16),
    Some(SettingType::EarlyYears),
];

/// The name a setting type is counted under.
pub fn setting_type_key(t: Option<SettingType>) -> &'static str {
    match t {
        None => "unknown",
        Some(SettingType::MainstreamLaMaintained) => "mainstream_la_maintained",
        Some(SettingType::MainstreamAcademy) => "mainstream_academy",
        Some(SettingType::MainstreamFreeSchool) => "mainstream_free_school",
        Some(SettingType::MainstreamIndependent) => "mainstream_independent",
        Some(SettingType::SpecialLaMaintained) => "special_la_maintained",
        Some(SettingType::SpecialAcademy) => "special_academy",
        Some(SettingType::SpecialIndependent) => "special_independent",
        Some(SettingType::SpecialNonMaintained) => "special_non_maintained",
        Some(SettingType::AlternativeProvision) => "alternative_provision",
        Some(SettingType::FurtherEducation) => "further_education",
        Some(SettingType::SpecialistPost16) => "specialist_post16",
        Some(SettingType::EarlyYears) => "early_years",
    }
}

fn is_independent(t: Option<SettingType>) -> bool {
    matches!(
        t,
        Some(
            SettingType::MainstreamIndependent
                | SettingType::SpecialIndependent
                | SettingType::SpecialNonMaintained
        )
    )
}

/// How long a statutory step took: how many were completed, the median and the 90th
/// percentile in days (nearest rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Percentiles {
    pub completed: u64,
    pub median_days: Option<i32>,
    pub p90_days: Option<i32>,
}

impl Percentiles {
    /// By selection rather than sorting (linear time; the order of `days` is lost).
    fn of(days: &mut [i32]) -> Percentiles {
        let n = days.len();
        let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
        let (median_days, p90_days) = if n == 0 {
            (None, None)
        } else {
            let (i50, i90) = (rank(0.5), rank(0.9));
            let p90 = *days.select_nth_unstable(i90).1;
            // The i50-th smallest of all is the i50-th smallest of the i90 + 1 below.
            let median = *days[..=i90].select_nth_unstable(i50).1;
            (Some(median), Some(p90))
        };
        Percentiles {
            completed: n as u64,
            median_days,
            p90_days,
        }
    }
}

/// The statutory steps timed: request to decision on assessment, request to draft plan,
/// draft to final plan, review meeting to review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct StepTimes {
    pub request_to_decision: Percentiles,
    pub request_to_draft: Percentiles,
    pub draft_to_final: Percentiles,
    pub review_meeting_to_decision: Percentiles,
}

/// The percentiles of the days to a final plan and of each step, once the days are in.
fn finish(k: &mut Kpis, days: &mut [i32], metas: &[ClockMeta]) {
    days.sort_unstable();
    k.median_days_to_final_plan = nearest_rank(days, 0.5);
    k.p90_days_to_final_plan = nearest_rank(days, 0.9);
    let [a, b, c, d] = &mut k.step_days;
    k.steps = StepTimes {
        request_to_decision: Percentiles::of(a),
        request_to_draft: Percentiles::of(b),
        draft_to_final: Percentiles::of(c),
        review_meeting_to_decision: Percentiles::of(d),
    };
    k.step_days = Default::default();
    let mut days = std::mem::take(&mut k.clock_days);
    let acc = std::mem::take(&mut k.clock_acc);
    for (i, meta) in metas.iter().enumerate() {
        let [due, on_time, late, overdue, not_yet] = acc.get(i).copied().unwrap_or_default();
        let mut d = days.get_mut(i).map(std::mem::take).unwrap_or_default();
        if due == 0 && d.is_empty() && !k.clocks.contains_key(meta.key) {
            continue;
        }
        let c = k.clocks.entry(meta.key).or_insert_with(|| ClockFigures {
            step: meta.step,
            duty: meta.duty,
            ..ClockFigures::default()
        });
        c.due += due;
        c.met_on_time += on_time;
        c.met_late += late;
        c.overdue += overdue;
        c.not_yet_due += not_yet;
        c.done = Percentiles::of(&mut d);
        if meta.counts_back {
            c.done.median_days = None;
            c.done.p90_days = None;
        }
    }
    for (t, [children, costed, cost]) in TYPES.iter().zip(std::mem::take(&mut k.place_acc)) {
        if children == 0 {
            continue;
        }
        let f = PlacementFigures {
            children: children as u64,
            costed: costed as u64,
            annual_cost_pence: cost,
        };
        k.placements
            .entry(setting_type_key(*t))
            .or_default()
            .add(&f);
        if is_independent(*t) {
            k.independent.add(&f);
        }
    }
}

/// Adds one area's clock, dispute and placement figures to the total (the days behind
/// the clocks' percentiles are added before).
fn merge(total: &mut Kpis, x: &Kpis) {
    for (key, c) in &x.clocks {
        let t = total.clocks.entry(key).or_insert_with(|| ClockFigures {
            step: c.step,
            duty: c.duty,
            ..ClockFigures::default()
        });
        t.due += c.due;
        t.met_on_time += c.met_on_time;
        t.met_late += c.met_late;
        t.overdue += c.overdue;
        t.not_yet_due += c.not_yet_due;
    }
    let (t, d) = (&mut total.disputes, &x.disputes);
    t.mediations_held += d.mediations_held;
    for (a, b) in [
        (
            &mut t.mediations_followed_by_appeal,
            d.mediations_followed_by_appeal,
        ),
        (&mut t.appeal_rate, d.appeal_rate),
    ] {
        a.numerator += b.numerator;
        a.denominator += b.denominator;
    }
    for (o, n) in &d.appeals_decided {
        *t.appeals_decided.entry(*o).or_default() += n;
    }
    for (ty, f) in &x.placements {
        total.placements.entry(ty).or_default().add(f);
    }
    total.independent.add(&x.independent);
}

/// Nearest rank: the value at rank ⌈p·n⌉ of the sorted values.
pub fn nearest_rank(sorted: &[i32], p: f64) -> Option<i32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    Some(sorted[rank - 1])
}

impl Engine {
    pub fn new() -> Engine {
        Engine::default()
    }

    fn area(&mut self, a: AreaId) -> u32 {
        if let Some(i) = self.area_ix.get(&a) {
            return *i;
        }
        self.areas.push(a);
        self.area_cases.push(Vec::new());
        let i = self.areas.len() as u32 - 1;
        self.area_ix.insert(a, i);
        i
    }

    /// Records a member of staff's team (from their staff record), for the team filter.
    pub fn set_staff_team(&mut self, staff: StaffId, team: Option<TeamId>) {
        match team {
            Some(t) => {
                self.staff_team.insert(staff, t);
            }
            None => {
                self.staff_team.remove(&staff);
            }
        }
    }

    /// Records a setting's type (from its register record), for placements by type.
    pub fn set_setting_type(&mut self, setting: SettingId, t: Option<SettingType>) {
        let i = self.setting(setting) as usize;
        self.setting_type[i] = t;
    }

    /// Records a provision's cost per place for each financial year (pence, every
    /// funder together), for the annual cost of placements.
    pub fn set_provision_costs(&mut self, provision: ProvisionId, costs: Vec<(i32, i64)>) {
        let i = self.provision(provision) as usize;
        let mut costs = costs;
        costs.sort_unstable();
        self.provision_cost[i] = costs;
    }

    /// Fixes the day overdue and not-yet-due deadlines are judged on (else today).
    pub fn set_today(&mut self, today: NaiveDate) {
        self.today = Some(today);
    }

    /// The day deadlines are judged on, as a day number.
    fn today(&self) -> i32 {
        day(self
            .today
            .unwrap_or_else(sendscope_domain::calendar::england_today))
    }

    fn setting(&mut self, s: SettingId) -> u32 {
        if let Some(i) = self.setting_ix.get(&s) {
            return *i;
        }
        self.setting_type.push(None);
        let i = self.setting_type.len() as u32 - 1;
        self.setting_ix.insert(s, i);
        i
    }

    fn provision(&mut self, p: ProvisionId) -> u32 {
        if let Some(i) = self.provision_ix.get(&p) {
            return *i;
        }
        self.provision_cost.push(Vec::new());
        let i = self.provision_cost.len() as u32 - 1;
        self.provision_ix.insert(p, i);
        i
    }

    fn clock_key(&mut self, key: &'static str) -> u8 {
        if let Some(i) = self.clock_rules.iter().position(|m| m.key == key) {
            return i as u8;
        }
        // Every rule book holds the key (it was just computed from one).
        let rule = sendscope_domain::clocks::RULE_BOOKS
            .iter()
            .rev()
            .flat_map(|b| b.rules.iter())
            .find(|r| r.key == key);
        self.clock_rules.push(ClockMeta {
            key,
            step: rule.map(|r| r.step).unwrap_or(key),
            duty: rule.is_some_and(|r| r.kind == ClockKind::Duty),
            counts_back: rule.is_some_and(|r| r.period.counts_back()),
        });
        self.clock_rules.len() as u8 - 1
    }

    /// Cases held.
    pub fn cases(&self) -> usize {
        self.case_ix.len()
    }

    /// Request and plan rows held (live and retired).
    pub fn rows(&self) -> (usize, usize) {
        (self.req_alive.len(), self.plan_alive.len())
    }

    /// Deadline, dispute and placement rows held (live and retired).
    pub fn other_rows(&self) -> (usize, usize, usize) {
        (
            self.clk_alive.len(),
            self.dsp_alive.len(),
            self.plc_alive.len(),
        )
    }

    /// Review rows held (live and retired).
    pub fn review_rows(&self) -> usize {
        self.rev_alive.len()
    }

    /// Brings one case's facts up to date with its record.
    pub fn upsert_case(&mut self, id: CaseId, area: AreaId, c: &CaseState) {
        let a = self.area(area);
        let ci = match self.case_ix.get(&id) {
            Some(i) => *i as usize,
            None => {
                self.case_ix.insert(id, self.case_requests.len() as u32);
                self.case_ids.push(id);
                self.case_requests.push(Vec::new());
                self.case_plans.push(Vec::new());
                self.case_reviews.push(Vec::new());
                self.case_clocks.push(Vec::new());
                self.case_disputes.push(Vec::new());
                self.case_placements.push(Vec::new());
                self.case_need.push(u8::MAX);
                self.case_team.push(u32::MAX);
                self.case_worker.push(u32::MAX);
                self.case_birth.push(NONE);
                self.case_area.push(u32::MAX);
                self.case_requests.len() - 1
            }
        };
        if self.case_area[ci] != a {
            self.case_area[ci] = a;
            let list = &mut self.area_cases[a as usize];
            if !list.contains(&(ci as u32)) {
                list.push(ci as u32);
            }
        }
        // What the figures break down by: the plan's primary need (else the latest
        // request's is unknown), the team and caseworker now, the birth date.
        self.case_need[ci] = c
            .plan
            .as_ref()
            .and_then(|p| p.needs.iter().min_by_key(|n| n.rank))
            .and_then(|n| NeedType::all().position(|x| x == n.need))
            .map(|i| i as u8)
            .unwrap_or(u8::MAX);
        self.case_team[ci] = match c.team {
            Some(t) => *self.team_ix.entry(t).or_insert_with(|| {
                self.teams.push(t);
                self.teams.len() as u32 - 1
            }),
            None => u32::MAX,
        };
        self.case_worker[ci] = match c.caseworker {
            Some(w) => *self.worker_ix.entry(w).or_insert_with(|| {
                self.workers.push(w);
                self.workers.len() as u32 - 1
            }),
            None => u32::MAX,
        };
        self.case_birth[ci] = c.child.as_ref().map(|x| day(x.birth_date)).unwrap_or(NONE);
        // Requests.
        let rows = std::mem::take(&mut self.case_requests[ci]);
        let rows = self.place(rows, c.requests.len(), Table::Requests);
        for (r, &row) in c.requests.iter().zip(&rows) {
            let row = row as usize;
            self.req_alive[row] = true;
            self.req_area[row] = a;
            self.req_case[row] = ci as u32;
            self.req_received[row] = day(r.received_on);
            self.req_decided[row] = match (r.decision, r.decided_on) {
                (Some(AssessDecision::Assess | AssessDecision::DoNotAssess), Some(d)) => day(d),
                _ => NONE,
            };
            self.req_final[row] = r.final_issued_on.map(day).unwrap_or(NONE);
            self.req_draft[row] = r.draft_served_on.map(day).unwrap_or(NONE);
            self.req_exception[row] = !r.exceptions.is_empty();
            // The plan's latest audit, before any later plan (as `domain::measures`).
            self.req_grade[row] = r
                .final_issued_on
                .and_then(|issued| sendscope_domain::measures::plan_grade(c, issued));
        }
        self.case_requests[ci] = rows;
        // Plans: earlier ones end where the next begins, unless ceased.
        let mut spans: Vec<(i32, i32, i32, Option<CeaseReason>)> = Vec::new();
        let all: Vec<&sendscope_domain::projection::PlanState> =
            c.earlier_plans.iter().chain(c.plan.as_ref()).collect();
        let current = all.len().saturating_sub(1);
        for (k, p) in all.iter().enumerate() {
            let next = all.get(k + 1).map(|n| day(n.start));
            // A plan ends when it is ceased, when the next plan replaces it, or (the
            // current one) when the child moves to another area's care.
            let moved = c
                .transferred_out
                .as_ref()
                .filter(|t| k == current && t.on >= p.start)
                .map(|t| day(t.on));
            let end = [p.ceased.as_ref().map(|x| day(x.on)), next, moved]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(i32::MAX);
            spans.push((
                day(p.start),
                end,
                p.ceased.as_ref().map(|x| day(x.on)).unwrap_or(NONE),
                p.ceased.as_ref().map(|x| x.reason),
            ));
        }
        let rows = std::mem::take(&mut self.case_plans[ci]);
        let rows = self.place(rows, spans.len(), Table::Plans);
        for ((start, end, ceased_on, reason), &row) in spans.iter().zip(&rows) {
            let row = row as usize;
            self.plan_ceased_on[row] = *ceased_on;
            self.plan_ceased_reason[row] = *reason;
            self.plan_alive[row] = true;
            self.plan_area[row] = a;
            self.plan_case[row] = ci as u32;
            self.plan_start[row] = *start;
            self.plan_end[row] = *end;
        }
        self.case_plans[ci] = rows;
        // Review meetings held (not those only planned).
        let held: Vec<&sendscope_domain::projection::ReviewState> =
            c.reviews.iter().filter(|r| !r.planned).collect();
        let rows = std::mem::take(&mut self.case_reviews[ci]);
        let rows = self.place(rows, held.len(), Table::Reviews);
        for (r, &row) in held.iter().zip(&rows) {
            let row = row as usize;
            self.rev_alive[row] = true;
            self.rev_case[row] = ci as u32;
            self.rev_area[row] = a;
            self.rev_meeting[row] = day(r.meeting_on);
            self.rev_decided[row] = r.decided_on.map(day).unwrap_or(NONE);
        }
        self.case_reviews[ci] = rows;
        // Statutory deadlines (their state is judged when the figures are computed). A
        // record the clocks cannot read (a date beyond the calendar) has none.
        let deadlines =
            sendscope_domain::clocks::case_deadlines(c, NaiveDate::MIN).unwrap_or_default();
        let keys: Vec<u8> = deadlines.iter().map(|d| self.clock_key(d.key)).collect();
        let rows = std::mem::take(&mut self.case_clocks[ci]);
        let rows = self.place(rows, deadlines.len(), Table::Clocks);
        for ((d, key), &row) in deadlines.iter().zip(keys).zip(&rows) {
            let row = row as usize;
            self.clk_alive[row] = true;
            self.clk_case[row] = ci as u32;
            self.clk_area[row] = a;
            self.clk_key[row] = key;
            self.clk_trigger[row] = day(d.trigger);
            self.clk_due[row] = day(d.due);
            self.clk_done[row] = d.done.map(day).unwrap_or(NONE);
        }
        self.case_clocks[ci] = rows;
        // Disputes.
        let rows = std::mem::take(&mut self.case_disputes[ci]);
        let rows = self.place(rows, c.disputes.len(), Table::Disputes);
        for (d, &row) in c.disputes.iter().zip(&rows) {
            let row = row as usize;
            self.dsp_alive[row] = true;
            self.dsp_case[row] = ci as u32;
            self.dsp_area[row] = a;
            self.dsp_mediation[row] = match (d.mediation_took_place, d.mediation_on) {
                (Some(true), Some(on)) => day(on),
                _ => NONE,
            };
            self.dsp_appeal[row] = d.appeal_on.map(day).unwrap_or(NONE);
            self.dsp_decided[row] = match (d.decided_on, d.outcome) {
                (Some(on), Some(_)) => day(on),
                _ => NONE,
            };
            self.dsp_outcome[row] = d.outcome;
        }
        self.case_disputes[ci] = rows;
        // Placements.
        let placed: Vec<(i32, i32, u32, u32)> = c
            .placements
            .iter()
            .map(|p| {
                let setting = match p.setting {
                    SettingRef::Setting(s) => self.setting(s),
                    SettingRef::Code(_) => u32::MAX,
                };
                let provision = p.provision.map(|x| self.provision(x)).unwrap_or(u32::MAX);
                (
                    day(p.start),
                    p.end.map(day).unwrap_or(i32::MAX),
                    setting,
                    provision,
                )
            })
            .collect();
        let rows = std::mem::take(&mut self.case_placements[ci]);
        let rows = self.place(rows, placed.len(), Table::Placements);
        for ((start, end, setting, provision), &row) in placed.iter().zip(&rows) {
            let row = row as usize;
            self.plc_alive[row] = true;
            self.plc_case[row] = ci as u32;
            self.plc_area[row] = a;
            self.plc_start[row] = *start;
            self.plc_end[row] = *end;
            self.plc_setting[row] = *setting;
            self.plc_provision[row] = *provision;
        }
        self.case_placements[ci] = rows;
    }

    /// Whether a case had a plan in place at the end of `to`.
    fn plan_in_place(&self, case: u32, to: i32) -> bool {
        self.case_plans[case as usize].iter().any(|&r| {
            let r = r as usize;
            self.plan_alive[r] && self.plan_start[r] <= to && self.plan_end[r] > to
        })
    }

    /// A provision's cost per place in the financial year starting in `fy`.
    fn cost_in(&self, provision: u32, fy: i32) -> Option<i64> {
        let costs = self.provision_cost.get(provision as usize)?;
        costs.iter().find(|(y, _)| *y == fy).map(|(_, c)| *c)
    }

    /// The rows for `n` facts: the case's own when the number is unchanged, else new
    /// rows at the end with the old ones retired.
    fn place(&mut self, rows: Vec<u32>, n: usize, t: Table) -> Vec<u32> {
        if rows.len() == n {
            return rows;
        }
        for r in rows {
            match t {
                Table::Requests => self.req_alive[r as usize] = false,
                Table::Plans => self.plan_alive[r as usize] = false,
                Table::Reviews => self.rev_alive[r as usize] = false,
                Table::Clocks => self.clk_alive[r as usize] = false,
                Table::Disputes => self.dsp_alive[r as usize] = false,
                Table::Placements => self.plc_alive[r as usize] = false,
            }
        }
        (0..n)
            .map(|_| match t {
                Table::Requests => {
                    self.req_alive.push(false);
                    self.req_area.push(0);
                    self.req_case.push(0);
                    self.req_received.push(NONE);
                    self.req_decided.push(NONE);
                    self.req_final.push(NONE);
                    self.req_draft.push(NONE);
                    self.req_exception.push(false);
                    self.req_grade.push(None);
                    self.req_alive.len() as u32 - 1
                }
                Table::Reviews => {
                    self.rev_alive.push(false);
                    self.rev_case.push(0);
                    self.rev_area.push(0);
                    self.rev_meeting.push(NONE);
                    self.rev_decided.push(NONE);
                    self.rev_alive.len() as u32 - 1
                }
                Table::Clocks => {
                    self.clk_alive.push(false);
                    self.clk_case.push(0);
                    self.clk_area.push(0);
                    self.clk_key.push(0);
                    self.clk_trigger.push(NONE);
                    self.clk_due.push(NONE);
                    self.clk_done.push(NONE);
                    self.clk_alive.len() as u32 - 1
                }
                Table::Disputes => {
                    self.dsp_alive.push(false);
                    self.dsp_case.push(0);
                    self.dsp_area.push(0);
                    self.dsp_mediation.push(NONE);
                    self.dsp_appeal.push(NONE);
                    self.dsp_decided.push(NONE);
                    self.dsp_outcome.push(None);
                    self.dsp_alive.len() as u32 - 1
                }
                Table::Placements => {
                    self.plc_alive.push(false);
                    self.plc_case.push(0);
                    self.plc_area.push(0);
                    self.plc_start.push(NONE);
                    self.plc_end.push(NONE);
                    self.plc_setting.push(u32::MAX);
                    self.plc_provision.push(u32::MAX);
                    self.plc_alive.len() as u32 - 1
                }
                Table::Plans => {
                    self.plan_alive.push(false);
                    self.plan_area.push(0);
                    self.plan_case.push(0);
                    self.plan_start.push(NONE);
                    self.plan_end.push(NONE);
                    self.plan_ceased_on.push(NONE);
                    self.plan_ceased_reason.push(None);
                    self.plan_alive.len() as u32 - 1
                }
            })
            .collect()
    }

    /// Every measure for a calendar year, for one area or (None) all of them together.
    pub fn compute(&self, area: Option<AreaId>, year: i32) -> Kpis {
        match Period::calendar_year(year) {
            Some(p) => self.compute_in(area, &p, &Filter::default()),
            None => Kpis::default(),
        }
    }

    /// Every measure over a period for the children a filter chooses, for one area or
    /// (None) all of them together.
    pub fn compute_in(&self, area: Option<AreaId>, period: &Period, filter: &Filter) -> Kpis {
        match area {
            None => self.compute_all_in(period, filter).1,
            // One area: only its rows are counted.
            Some(a) => self
                .compute_series(a, std::slice::from_ref(period), filter)
                .pop()
                .unwrap_or_default(),
        }
    }

    /// Every measure for a calendar year for every area at once.
    pub fn compute_all(&self, year: i32) -> (Vec<(AreaId, Kpis)>, Kpis) {
        match Period::calendar_year(year) {
            Some(p) => self.compute_all_in(&p, &Filter::default()),
            None => (Vec::new(), Kpis::default()),
        }
    }

    /// Whether a case is one the filter chooses, at the end of the period.
    fn chosen(&self, case: usize, filter: &Filter, end: i32) -> bool {
        if let Some(n) = filter.need
            && NeedType::all().position(|x| x == n).map(|i| i as u8) != Some(self.case_need[case])
        {
            return false;
        }
        if let Some(t) = filter.team {
            let own = self.team_ix.get(&t) == Some(&self.case_team[case]);
            let worker = self.case_worker[case];
            let via_caseworker = self.case_team[case] == u32::MAX
                && worker != u32::MAX
                && self.staff_team.get(&self.workers[worker as usize]) == Some(&t);
            if !own && !via_caseworker {
                return false;
            }
        }
        if let Some(w) = filter.caseworker
            && self.worker_ix.get(&w) != Some(&self.case_worker[case])
        {
            return false;
        }
        if let Some(g) = filter.age {
            let birth = self.case_birth[case];
            if birth == NONE || AgeGroup::of(age_between(birth, end)) != Some(g) {
                return false;
            }
        }
        true
    }

    /// Every measure over a period for every area at once (one pass over the columns),
    /// and for all of them together: `(per area, total)`.
    pub fn compute_all_in(&self, period: &Period, filter: &Filter) -> (Vec<(AreaId, Kpis)>, Kpis) {
        self.compute_all_series(std::slice::from_ref(period), filter)
            .pop()
            .unwrap_or_default()
    }

    /// Every measure over each of several periods (sorted, not overlapping) for every
    /// area and for all together, in one pass over the columns.
    #[allow(clippy::type_complexity)]
    pub fn compute_all_series(
        &self,
        periods: &[Period],
        filter: &Filter,
    ) -> Vec<(Vec<(AreaId, Kpis)>, Kpis)> {
        let (k, days) = self.accumulate(periods, filter, None);
        k.into_iter()
            .zip(days)
            .zip(periods)
            .map(|((k, days), period)| self.totals(period, k, days))
            .collect()
    }

    /// One period's per-area counts finished, and their total.
    fn totals(
        &self,
        period: &Period,
        mut k: Vec<Kpis>,
        mut days: Vec<Vec<i32>>,
    ) -> (Vec<(AreaId, Kpis)>, Kpis) {
        let mut total = Kpis {
            period: period.label.clone(),
            ..Kpis::default()
        };
        let mut all_days = Vec::new();
        total.clock_days = vec![Vec::new(); self.clock_rules.len()];
        for (x, d) in k.iter_mut().zip(days.iter_mut()) {
            for (t, s) in total.step_days.iter_mut().zip(&x.step_days) {
                t.extend_from_slice(s);
            }
            for (t, s) in total.clock_days.iter_mut().zip(&x.clock_days) {
                t.extend_from_slice(s);
            }
            finish(x, d, &self.clock_rules);
            merge(&mut total, x);
            total.requests += x.requests;
            total.new_plans += x.new_plans;
            total.exception_cases += x.exception_cases;
            total.reviews_held += x.reviews_held;
            total.quality.audited += x.quality.audited;
            total.quality.good_or_better += x.quality.good_or_better;
            for (g, n) in &x.quality.by_grade {
                *total.quality.by_grade.entry(*g).or_default() += n;
            }
            total.plans_in_place_at_end += x.plans_in_place_at_end;
            for (r, n) in &x.ceased {
                *total.ceased.entry(*r).or_default() += n;
            }
            for (t, s) in [
                (
                    &mut total.decisions_within_6_weeks,
                    x.decisions_within_6_weeks,
                ),
                (&mut total.within_20_weeks, x.within_20_weeks),
                (
                    &mut total.review_decisions_within_4_weeks,
                    x.review_decisions_within_4_weeks,
                ),
                (
                    &mut total.within_20_weeks_excluding_exceptions,
                    x.within_20_weeks_excluding_exceptions,
                ),
            ] {
                t.numerator += s.numerator;
                t.denominator += s.denominator;
            }
            all_days.extend_from_slice(d);
        }
        finish(&mut total, &mut all_days, &self.clock_rules);
        (self.areas.iter().copied().zip(k).collect(), total)
    }

    /// Every measure for one area over each of several periods (sorted, not
    /// overlapping), in one pass over the columns: the dashboard's trend.
    pub fn compute_series(&self, area: AreaId, periods: &[Period], filter: &Filter) -> Vec<Kpis> {
        let Some(&a) = self.area_ix.get(&area) else {
            return periods
                .iter()
                .map(|p| Kpis {
                    period: p.label.clone(),
                    ..Kpis::default()
                })
                .collect();
        };
        let (k, days) = self.accumulate(periods, filter, Some(a));
        k.into_iter()
            .zip(days)
            .map(|(mut per_area, mut d)| {
                let (mut x, mut d) = (per_area.swap_remove(a as usize), d.swap_remove(a as usize));
                finish(&mut x, &mut d, &self.clock_rules);
                x
            })
            .collect()
    }

    /// The counts for each period (sorted, not overlapping) and area, and each one's
    /// days from request to final plan: `[period][area]`. With `only`, rows of other
    /// areas are passed over.
    #[allow(clippy::type_complexity)]
    fn accumulate(
        &self,
        periods: &[Period],
        filter: &Filter,
        only: Option<u32>,
    ) -> (Vec<Vec<Kpis>>, Vec<Vec<Vec<i32>>>) {
        let bounds: Vec<(i32, i32)> = periods.iter().map(|p| (day(p.from), day(p.to))).collect();
        let which = |d: i32| -> Option<usize> {
            if d == NONE {
                return None;
            }
            let i = bounds.partition_point(|(_, to)| *to < d);
            (i < bounds.len() && bounds[i].0 <= d).then_some(i)
        };
        let any = *filter == Filter::default();
        let ok = |case: u32, p: usize| any || self.chosen(case as usize, filter, bounds[p].1);
        let n = self.areas.len();
        let mut k: Vec<Vec<Kpis>> = periods
            .iter()
            .map(|p| {
                vec![
                    Kpis {
                        period: p.label.clone(),
                        ..Kpis::default()
                    };
                    n
                ]
            })
            .collect();
        let mut days: Vec<Vec<Vec<i32>>> = vec![vec![Vec::new(); n]; periods.len()];
        let skip = |alive: bool, area: u32| !alive || only.is_some_and(|o| o != area);
        // One area: only its cases' rows are visited (else every row, in order).
        let gather = |per_case: &[Vec<u32>]| -> Option<Vec<u32>> {
            only.map(|o| {
                self.area_cases[o as usize]
                    .iter()
                    .flat_map(|c| per_case[*c as usize].iter().copied())
                    .collect()
            })
        };

        let rows = gather(&self.case_requests);
        for i in visit(&rows, self.req_alive.len()) {
            let a = self.req_area[i];
            if skip(self.req_alive[i], a) {
                continue;
            }
            let (case, a) = (self.req_case[i], a as usize);
            let received = self.req_received[i];
            if let Some(p) = which(received).filter(|p| ok(case, *p)) {
                k[p][a].requests += 1;
            }
            let decided = self.req_decided[i];
            if let Some(p) = which(decided).filter(|p| ok(case, *p)) {
                let x = &mut k[p][a];
                x.decisions_within_6_weeks.denominator += 1;
                x.decisions_within_6_weeks.numerator += u64::from(decided - received <= 42);
                x.step_days[0].push(decided - received);
            }
            let draft = self.req_draft[i];
            if let Some(p) = which(draft).filter(|p| ok(case, *p)) {
                k[p][a].step_days[1].push(draft - received);
            }
            let fin = self.req_final[i];
            if let Some(p) = which(fin).filter(|p| ok(case, *p)) {
                let d = fin - received;
                let within = u64::from(d <= 140);
                let x = &mut k[p][a];
                x.new_plans += 1;
                if draft != NONE {
                    x.step_days[2].push(fin - draft);
                }
                x.quality.add(self.req_grade[i]);
                days[p][a].push(d);
                x.within_20_weeks.denominator += 1;
                x.within_20_weeks.numerator += within;
                if self.req_exception[i] {
                    x.exception_cases += 1;
                } else {
                    x.within_20_weeks_excluding_exceptions.denominator += 1;
                    x.within_20_weeks_excluding_exceptions.numerator += within;
                }
            }
        }
        let rows = gather(&self.case_plans);
        for i in visit(&rows, self.plan_alive.len()) {
            let a = self.plan_area[i];
            if skip(self.plan_alive[i], a) {
                continue;
            }
            let (case, a) = (self.plan_case[i], a as usize);
            for (p, (_, to)) in bounds.iter().enumerate() {
                if self.plan_start[i] <= *to && self.plan_end[i] > *to && ok(case, p) {
                    k[p][a].plans_in_place_at_end += 1;
                }
            }
            if let Some(p) = which(self.plan_ceased_on[i]).filter(|p| ok(case, *p))
                && let Some(r) = self.plan_ceased_reason[i]
            {
                *k[p][a].ceased.entry(r).or_default() += 1;
            }
        }
        let rows = gather(&self.case_reviews);
        for i in visit(&rows, self.rev_alive.len()) {
            let a = self.rev_area[i];
            if skip(self.rev_alive[i], a) {
                continue;
            }
            let (case, a) = (self.rev_case[i], a as usize);
            let (meeting, decided) = (self.rev_meeting[i], self.rev_decided[i]);
            if let Some(p) = which(meeting).filter(|p| ok(case, *p)) {
                k[p][a].reviews_held += 1;
            }
            if let Some(p) = which(decided).filter(|p| ok(case, *p)) {
                let x = &mut k[p][a];
                x.review_decisions_within_4_weeks.denominator += 1;
                x.review_decisions_within_4_weeks.numerator += u64::from(decided - meeting <= 28);
                x.step_days[3].push(decided - meeting);
            }
        }
        let today = self.today();
        for x in k.iter_mut().flatten() {
            x.clock_days = vec![Vec::new(); self.clock_rules.len()];
            x.clock_acc = vec![[0; 5]; self.clock_rules.len()];
        }
        let appeal_key = self
            .clock_rules
            .iter()
            .position(|m| m.key == "appeal_window");
        let rows = gather(&self.case_clocks);
        for i in visit(&rows, self.clk_alive.len()) {
            let a = self.clk_area[i];
            if skip(self.clk_alive[i], a) {
                continue;
            }
            let (case, a) = (self.clk_case[i], a as usize);
            let key = self.clk_key[i] as usize;
            let meta = self.clock_rules[key];
            let (trigger, due, done) = (self.clk_trigger[i], self.clk_due[i], self.clk_done[i]);
            // A window (the family's or a setting's time) closes rather than goes late:
            // only the council's duties are counted as due.
            if let Some(p) = which(due).filter(|p| meta.duty && ok(case, *p)) {
                let c = &mut k[p][a].clock_acc[key];
                c[0] += 1;
                match done {
                    NONE if due < today => c[3] += 1,
                    NONE => c[4] += 1,
                    d if d <= due => c[1] += 1,
                    _ => c[2] += 1,
                }
            }
            if let Some(p) = which(done).filter(|p| ok(case, *p)) {
                k[p][a].clock_days[key].push(done - trigger);
            }
            // The decisions that carry a right of appeal, for the appeal rate.
            if Some(key) == appeal_key
                && let Some(p) = which(trigger).filter(|p| ok(case, *p))
            {
                k[p][a].disputes.appeal_rate.denominator += 1;
            }
        }
        let rows = gather(&self.case_disputes);
        for i in visit(&rows, self.dsp_alive.len()) {
            let a = self.dsp_area[i];
            if skip(self.dsp_alive[i], a) {
                continue;
            }
            let (case, a) = (self.dsp_case[i], a as usize);
            let (mediation, appeal) = (self.dsp_mediation[i], self.dsp_appeal[i]);
            if let Some(p) = which(mediation).filter(|p| ok(case, *p)) {
                let d = &mut k[p][a].disputes;
                d.mediations_held += 1;
                d.mediations_followed_by_appeal.denominator += 1;
                d.mediations_followed_by_appeal.numerator += u64::from(appeal != NONE);
            }
            if let Some(p) = which(appeal).filter(|p| ok(case, *p)) {
                k[p][a].disputes.appeal_rate.numerator += 1;
            }
            if let Some(p) = which(self.dsp_decided[i]).filter(|p| ok(case, *p))
                && let Some(o) = self.dsp_outcome[i]
            {
                *k[p][a].disputes.appeals_decided.entry(o).or_default() += 1;
            }
        }
        // Each setting's place in `TYPES`, and the financial year of each period's end.
        let type_ix: Vec<u8> = self
            .setting_type
            .iter()
            .map(|t| TYPES.iter().position(|x| x == t).unwrap_or(0) as u8)
            .collect();
        let fy: Vec<i32> = periods
            .iter()
            .map(|p| sendscope_domain::codes::FinancialYear::containing(p.to).start_year())
            .collect();
        let rows = gather(&self.case_placements);
        for i in visit(&rows, self.plc_alive.len()) {
            let a = self.plc_area[i];
            if skip(self.plc_alive[i], a) {
                continue;
            }
            let (case, a) = (self.plc_case[i], a as usize);
            for (p, (_, to)) in bounds.iter().enumerate() {
                if self.plc_start[i] > *to
                    || self.plc_end[i] <= *to
                    || !ok(case, p)
                    || !self.plan_in_place(case, *to)
                {
                    continue;
                }
                let t = type_ix
                    .get(self.plc_setting[i] as usize)
                    .copied()
                    .unwrap_or(0);
                let cost = self.cost_in(self.plc_provision[i], fy[p]);
                let x = &mut k[p][a].place_acc[t as usize];
                x[0] += 1;
                x[1] += i64::from(cost.is_some());
                x[2] += cost.unwrap_or(0);
            }
        }
        (k, days)
    }

    /// The children behind a figure: the cases counted in `measure` for an area over a
    /// period, each once, in the order of their records.
    pub fn cases_behind(
        &self,
        area: AreaId,
        period: &Period,
        filter: &Filter,
        measure: Behind,
    ) -> Vec<CaseId> {
        let Some(&a) = self.area_ix.get(&area) else {
            return Vec::new();
        };
        let (from, to) = (day(period.from), day(period.to));
        let in_period = |d: i32| d != NONE && d >= from && d <= to;
        let any = *filter == Filter::default();
        let mut seen = vec![false; self.case_ids.len()];
        let mut out = Vec::new();
        let mut take = |case: u32, out: &mut Vec<CaseId>| {
            if !seen[case as usize] {
                seen[case as usize] = true;
                out.push(self.case_ids[case as usize]);
            }
        };
        match measure {
            Behind::Requests
            | Behind::DecidedLate
            | Behind::PlansIssued
            | Behind::PlansLate
            | Behind::ExceptionCases => {
                for i in 0..self.req_alive.len() {
                    if !self.req_alive[i] || self.req_area[i] != a {
                        continue;
                    }
                    let case = self.req_case[i];
                    if !any && !self.chosen(case as usize, filter, to) {
                        continue;
                    }
                    let (received, decided, fin) =
                        (self.req_received[i], self.req_decided[i], self.req_final[i]);
                    let hit = match measure {
                        Behind::Requests => in_period(received),
                        Behind::DecidedLate => in_period(decided) && decided - received > 42,
                        Behind::PlansIssued => in_period(fin),
                        Behind::PlansLate => in_period(fin) && fin - received > 140,
                        _ => in_period(fin) && self.req_exception[i],
                    };
                    if hit {
                        take(case, &mut out);
                    }
                }
            }
            Behind::PlansInPlace | Behind::Ceased => {
                for i in 0..self.plan_alive.len() {
                    if !self.plan_alive[i] || self.plan_area[i] != a {
                        continue;
                    }
                    let case = self.plan_case[i];
                    if !any && !self.chosen(case as usize, filter, to) {
                        continue;
                    }
                    let hit = match measure {
                        Behind::PlansInPlace => self.plan_start[i] <= to && self.plan_end[i] > to,
                        _ => in_period(self.plan_ceased_on[i]),
                    };
                    if hit {
                        take(case, &mut out);
                    }
                }
            }
            Behind::ReviewsLate | Behind::PhaseTransfersLate => {
                let today = self.today();
                for i in 0..self.clk_alive.len() {
                    if !self.clk_alive[i] || self.clk_area[i] != a {
                        continue;
                    }
                    let key = self.clock_rules[self.clk_key[i] as usize].key;
                    let wanted = match measure {
                        Behind::ReviewsLate => key == "annual_review",
                        _ => key.starts_with("phase_transfer"),
                    };
                    let (due, done) = (self.clk_due[i], self.clk_done[i]);
                    let late = if done == NONE {
                        due < today
                    } else {
                        done > due
                    };
                    let case = self.clk_case[i];
                    if wanted
                        && in_period(due)
                        && late
                        && (any || self.chosen(case as usize, filter, to))
                    {
                        take(case, &mut out);
                    }
                }
            }
            Behind::Appeals => {
                for i in 0..self.dsp_alive.len() {
                    let case = self.dsp_case[i];
                    if self.dsp_alive[i]
                        && self.dsp_area[i] == a
                        && in_period(self.dsp_appeal[i])
                        && (any || self.chosen(case as usize, filter, to))
                    {
                        take(case, &mut out);
                    }
                }
            }
        }
        out
    }

    /// The areas the engine has seen.
    pub fn areas(&self) -> &[AreaId] {
        &self.areas
    }
}

/// Row numbers: every row (`n` of them), or those listed.
fn visit(rows: &Option<Vec<u32>>, n: usize) -> Rows<'_> {
    match rows {
        Some(r) => Rows::Some(r.iter()),
        None => Rows::All(0..n),
    }
}

/// Row numbers: every row, or those listed.
enum Rows<'a> {
    All(std::ops::Range<usize>),
    Some(std::slice::Iter<'a, u32>),
}

impl Iterator for Rows<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        match self {
            Rows::All(r) => r.next(),
            Rows::Some(i) => i.next().map(|x| *x as usize),
        }
    }
}

#[derive(Clone, Copy)]
enum Table {
    Requests,
    Plans,
    Reviews,
    Clocks,
    Disputes,
    Placements,
}

/// The teams and caseworkers the engine has seen (for filters).
impl Engine {
    pub fn teams(&self) -> &[TeamId] {
        &self.teams
    }
    pub fn caseworkers(&self) -> &[StaffId] {
        &self.workers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_is_the_ceiling_rank() {
        let v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&v, 0.5), Some(5));
        assert_eq!(nearest_rank(&v, 0.9), Some(9));
        assert_eq!(nearest_rank(&[7], 0.9), Some(7));
        assert_eq!(nearest_rank(&[], 0.5), None);
        assert_eq!(nearest_rank(&[1, 2, 3], 0.5), Some(2));
    }
}

#[cfg(test)]
mod incremental {
    /// A case's facts follow its record: a decision added updates the row in place; a
    /// second request adds a row and retires none of the figures; per-area and total
    /// figures agree.
    #[test]
    fn a_case_updated_after_each_event() {
        use super::*;
        use sendscope_domain::projection::RequestState;
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let request = |n: u32, on: &str| -> RequestState {
            serde_json::from_value(serde_json::json!({
                "request": n, "received_on": on, "requested_by": "parent"
            }))
            .expect("request")
        };
        let mut e = Engine::new();
        let (id, area, other) = (
            CaseId::new_random(),
            AreaId::new_random(),
            AreaId::new_random(),
        );
        let mut c = CaseState::default();
        c.requests.push(request(1, "2024-01-10"));
        e.upsert_case(id, area, &c);
        e.upsert_case(CaseId::new_random(), other, &c);
        assert_eq!(e.compute(Some(area), 2024).requests, 1);
        assert_eq!(
            e.compute(Some(area), 2024)
                .decisions_within_6_weeks
                .denominator,
            0
        );
        c.requests[0].decision = Some(AssessDecision::Assess);
        c.requests[0].decided_on = Some(d("2024-02-21"));
        e.upsert_case(id, area, &c);
        assert_eq!(e.rows().0, 2, "rewritten in place");
        let k = e.compute(Some(area), 2024);
        assert_eq!(
            (
                k.decisions_within_6_weeks.numerator,
                k.decisions_within_6_weeks.denominator
            ),
            (1, 1)
        );
        c.requests[0].decided_on = Some(d("2024-02-22"));
        e.upsert_case(id, area, &c);
        assert_eq!(
            e.compute(Some(area), 2024)
                .decisions_within_6_weeks
                .numerator,
            0,
            "43 days"
        );
        c.requests.push(request(2, "2024-06-01"));
        e.upsert_case(id, area, &c);
        assert_eq!(e.rows().0, 4, "one retired, two added");
        assert_eq!(e.compute(Some(area), 2024).requests, 2);
        assert_eq!(e.compute(None, 2024).requests, 3);
        assert_eq!(e.compute(Some(AreaId::new_random()), 2024).requests, 0);
        // A series in one pass equals each period on its own, with or without a filter.
        let months: Vec<Period> = (1..=12).filter_map(|m| Period::month(2024, m)).collect();
        for f in [
            Filter::default(),
            Filter {
                age: Some(AgeGroup::From5To10),
                ..Filter::default()
            },
        ] {
            let series = e.compute_series(area, &months, &f);
            let each: Vec<Kpis> = months
                .iter()
                .map(|p| e.compute_in(Some(area), p, &f))
                .collect();
            assert_eq!(series, each);
        }
    }
}

#[cfg(test)]
mod selection {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Percentiles by selection equal the nearest rank of the sorted values.
        #[test]
        fn selection_equals_sorting(mut v in proptest::collection::vec(-50i32..400, 0..60)) {
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let p = Percentiles::of(&mut v);
            prop_assert_eq!(p.completed, sorted.len() as u64);
            prop_assert_eq!(p.median_days, nearest_rank(&sorted, 0.5));
            prop_assert_eq!(p.p90_days, nearest_rank(&sorted, 0.9));
        }
    }
}
