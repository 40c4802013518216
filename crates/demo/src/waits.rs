//! The demo area's waiting lists and children out of full-time education, at rates drawn
//! from published national figures scaled to the area. What the service is given is what
//! a real area's would be: the trust's CSV export (read by `sendscope import waits`, the
//! same command a council uses) and the steps a caseworker records on a child's record.
//!
//! The rates, and where they come from (national figures rounded; check the latest
//! releases before quoting them):
//! - Children per EHC plan: England had 638,745 plans in January 2025 (DfE, "Education,
//!   health and care plans") and about 12.1 million children under 18 (ONS mid-2023
//!   population estimates): about 19 children for each plan.
//! - Autism assessment: about 172,000 open referrals in December 2023 (NHS England,
//!   "Autism Statistics"; all ages), most waiting far beyond NICE's 13 weeks.
//! - Community paediatrics, speech and language therapy, occupational therapy,
//!   physiotherapy and wheelchair services: NHS England, "Community Health Services
//!   Waiting Lists" (children and young people's services), about 300,000 children
//!   waiting in 2024, community paediatrics and speech and language therapy the largest.
//! - ADHD assessment: no national children's series; NHS England's ADHD taskforce
//!   (2024-25) reported waits of years. Assumed here between autism and paediatrics.
//! - Children's mental health: the Children's Commissioner ("Children's mental health
//!   services 2022-23") found about 270,000 children still waiting at the year's end.
//! - The share of referrals for children with an EHC plan or request is an assumption
//!   (higher for the neurodevelopmental and therapy pathways), as are the waits' means.
//! - Missing education: DfE, "Children missing education" (2024), about 33,000 children
//!   on census day, about 0.4% of pupils; children with an EHC plan are over-represented.
//! - Children with a plan by where they are (DfE, "Education, health and care plans",
//!   January 2025, England; the file is in tests/data/dfe-stats/sen2_ehcp_2025): 7,155 of
//!   638,745 educated at home (1.1%), 11,524 in other arrangements made by the council
//!   (1.8%: alternative provision under s.19 here), 4,045 in "other placement settings",
//!   which include those awaiting provision (0.6%: awaiting a placement here).
//! - Part-time timetables: there is no national count; 2% of school-age children with a
//!   plan or request at any time is an assumption, to be replaced by the area's own data.

use crate::rng::Rng;
use chrono::{Datelike, Days, NaiveDate};
use sendscope_domain::codes::NhsNumber;
use sendscope_domain::education::*;
use sendscope_domain::event::EventBody;
use sendscope_domain::ids::CaseId;

/// A child of the demo's records, as a trust's system would know them.
#[derive(Debug, Clone)]
pub struct Known {
    pub case: CaseId,
    pub nhs_number: Option<String>,
    pub given_names: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
}

/// One pathway's rates: open referrals per 10,000 children, the mean wait in weeks, the
/// share of referrals for children with a plan or request, and the ages referred.
struct Rate {
    pathway: &'static str,
    open_per_10k: f64,
    mean_weeks: f64,
    known_share: f64,
    ages: (u64, u64),
}

const RATES: [Rate; 8] = [
    Rate {
        pathway: "paeds",
        open_per_10k: 70.0,
        mean_weeks: 30.0,
        known_share: 0.25,
        ages: (0, 12),
    },
    Rate {
        pathway: "asd",
        open_per_10k: 110.0,
        mean_weeks: 60.0,
        known_share: 0.3,
        ages: (2, 16),
    },
    Rate {
        pathway: "adhd",
        open_per_10k: 80.0,
        mean_weeks: 50.0,
        known_share: 0.15,
        ages: (5, 16),
    },
    Rate {
        pathway: "salt",
        open_per_10k: 60.0,
        mean_weeks: 20.0,
        known_share: 0.3,
        ages: (1, 10),
    },
    Rate {
        pathway: "ot",
        open_per_10k: 25.0,
        mean_weeks: 25.0,
        known_share: 0.3,
        ages: (3, 14),
    },
    Rate {
        pathway: "physio",
        open_per_10k: 15.0,
        mean_weeks: 12.0,
        known_share: 0.3,
        ages: (0, 16),
    },
    Rate {
        pathway: "camhs",
        open_per_10k: 150.0,
        mean_weeks: 16.0,
        known_share: 0.1,
        ages: (8, 17),
    },
    Rate {
        pathway: "wheelchair",
        open_per_10k: 8.0,
        mean_weeks: 14.0,
        known_share: 0.4,
        ages: (1, 17),
    },
];

/// Weeks of referrals made: long enough for the longest waits' tail.
const HISTORY_WEEKS: u64 = 208;
/// Referrals whose clock stopped more than this many days before the day are left out
/// (the figures shown, with their eight-week trend, never reach them).
const KEPT_DAYS: u64 = 70;

const SOURCES: [&str; 5] = [
    "GP",
    "school",
    "health visitor",
    "EHC needs assessment",
    "parent",
];

/// The trust's export for the demo area, in `sendscope import waits`' layout: the
/// referrals open on `as_of` and those whose clock stopped in the ten weeks before it,
/// some re-referred, for an area of `children` children; `known` are the children with
/// a plan or request, a share of whom are referred; `taken` are the NHS numbers of the
/// children on record, which no other child is given.
pub fn trust_csv(
    seed: u64,
    as_of: NaiveDate,
    children: u64,
    known: &[Known],
    taken: &std::collections::HashSet<String>,
) -> String {
    let mut rng = Rng::new(seed ^ 0x3A17);
    let mut out = String::from(
        "referral_id,pathway,received_on,source,urgency,nhs_number,given_names,family_name,birth_date,clock_stop,clock_stopped_on,support_offered_on,support\n",
    );
    let (mut serial, mut without_nhs) = (0u64, 0u32);
    let mut next_nhs = 999_000_007u64;
    let keep_from = as_of - Days::new(KEPT_DAYS);
    for rate in &RATES {
        let open = rate.open_per_10k * children as f64 / 10_000.0;
        let per_week = open / rate.mean_weeks;
        for back in 0..HISTORY_WEEKS {
            // Arrivals this week: the rate, its fraction drawn.
            let n = per_week.floor() as u64 + u64::from(rng.unit() < per_week.fract());
            for _ in 0..n {
                let received = as_of - Days::new(back * 7 + rng.below(7));
                let wait_days = (-rate.mean_weeks * 7.0 * (1.0 - rng.unit()).ln()) as u64;
                let stop = received + Days::new(wait_days.max(1));
                if stop < keep_from {
                    continue;
                }
                let child = if !known.is_empty() && rng.unit() < rate.known_share {
                    let k = &known[rng.below(known.len() as u64) as usize];
                    if k.birth_date >= received {
                        continue;
                    }
                    // Now and then the trust has no NHS number for the child (3%, and
                    // at least the first dozen so a small area has some): the import
                    // offers the record as a possible match, for a person to check.
                    without_nhs += 1;
                    let nhs = if rng.unit() < 0.03 || without_nhs <= 12 {
                        String::new()
                    } else {
                        k.nhs_number.clone().unwrap_or_default()
                    };
                    (
                        nhs,
                        k.given_names.clone(),
                        k.family_name.clone(),
                        k.birth_date,
                    )
                } else {
                    let nhs = loop {
                        next_nhs += 10;
                        if let Some(n) =
                            (0..10).find_map(|i| NhsNumber::with_check_digit(next_nhs + i))
                            && !taken.contains(&n.to_string())
                        {
                            break n.to_string();
                        }
                    };
                    let age = rate.ages.0 + rng.below(rate.ages.1 - rate.ages.0 + 1);
                    let birth = received - Days::new(age * 365 + rng.below(365) + 1);
                    (
                        nhs,
                        crate::names::GIVEN[rng.below(crate::names::GIVEN.len() as u64) as usize]
                            .to_string(),
                        crate::names::FAMILY[rng.below(crate::names::FAMILY.len() as u64) as usize]
                            .to_string(),
                        birth,
                    )
                };
                let urgent = rng.unit() < if rate.pathway == "camhs" { 0.12 } else { 0.06 };
                let source = SOURCES[rng.below(SOURCES.len() as u64) as usize];
                let mut row = |received: NaiveDate, stop: NaiveDate, rng: &mut Rng| {
                    serial += 1;
                    let (kind, stopped) = if stop <= as_of {
                        let kind = match rng.below(100) {
                            0..55 => "first_appointment",
                            55..80 => "assessment_completed",
                            80..92 => "discharged",
                            _ => "referred_on",
                        };
                        (kind, stop.to_string())
                    } else {
                        ("", String::new())
                    };
                    let support = received + Days::new(7 * (2 + rng.below(6)));
                    let (support_on, support_what) =
                        if kind.is_empty() && support <= as_of && rng.unit() < 0.35 {
                            (
                                support.to_string(),
                                "advice and a parent workshop while waiting",
                            )
                        } else {
                            (String::new(), "")
                        };
                    out.push_str(&format!(
                        "TR-{serial:06},{},{received},{source},{},{},{},{},{},{kind},{stopped},{support_on},{support_what}\n",
                        rate.pathway,
                        if urgent { "urgent" } else { "routine" },
                        child.0,
                        child.1,
                        child.2,
                        child.3,
                    ));
                    kind
                };
                let kind = row(received, stop, &mut rng);
                // Some discharged are referred again: a new referral, its own clock.
                if kind == "discharged" && rng.unit() < 0.3 {
                    let again = stop + Days::new(14 + rng.below(28));
                    if again < as_of {
                        let wait_days = (-rate.mean_weeks * 7.0 * (1.0 - rng.unit()).ln()) as u64;
                        row(again, again + Days::new(wait_days.max(1)), &mut rng);
                    }
                }
            }
        }
    }
    out
}

/// A school-age child with a plan or request, for the education registers.
#[derive(Debug, Clone, Copy)]
pub struct Pupil {
    pub case: CaseId,
    pub has_plan: bool,
    /// When their current placement started, if they have one.
    pub placed_since: Option<NaiveDate>,
}

/// The steps recorded on the records of the demo's school-age children with a plan or
/// request: part-time timetables (some past their review), missing-education episodes
/// (some open, some closed in the year with each outcome), alternative provision, home
/// education, and placements ended with none yet found (awaiting a placement). Each timetable's review is within the six weeks the service allows
/// until an area adopts its own limit. In the order they are recorded.
pub fn education_steps(seed: u64, as_of: NaiveDate, pupils: &[Pupil]) -> Vec<(CaseId, EventBody)> {
    let mut rng = Rng::new(seed ^ 0xED0C);
    let mut out = Vec::new();
    let day = |rng: &mut Rng, lo: u64, hi: u64| as_of - Days::new(lo + rng.below(hi - lo + 1));
    for p in pupils {
        let u = rng.unit();
        match () {
            // Part-time timetable now: 2%; about a third past their review.
            _ if u < 0.02 => {
                let on = day(&mut rng, 10, 80);
                let weeks = 2 + rng.below(5);
                out.push((
                    p.case,
                    EventBody::PartTimeAgreed(PartTimeAgreed {
                        timetable: 1,
                        on,
                        hours_a_week: 8 + 2 * rng.below(6) as u32,
                        agreed_with_parent: rng.unit() < 0.85,
                        review_by: on + Days::new(weeks * 7),
                        reason: if p.has_plan {
                            "while the provision in the plan is put in place".into()
                        } else {
                            "anxiety about attending; a phased return".into()
                        },
                    }),
                ));
            }
            // A timetable this year, ended: 1%.
            _ if u < 0.03 => {
                let on = day(&mut rng, 90, 250);
                out.push((
                    p.case,
                    EventBody::PartTimeAgreed(PartTimeAgreed {
                        timetable: 1,
                        on,
                        hours_a_week: 15,
                        agreed_with_parent: true,
                        review_by: on + Days::new(42),
                        reason: "a phased return after an illness".into(),
                    }),
                ));
                out.push((
                    p.case,
                    EventBody::PartTimeEnded(PartTimeEnded {
                        timetable: 1,
                        on: on + Days::new(35),
                    }),
                ));
            }
            // Missing education now: 0.4%, with an enquiry or two.
            _ if u < 0.034 => {
                let on = day(&mut rng, 7, 60);
                missing(&mut out, p.case, on, as_of, None, &mut rng);
            }
            // Missing education in the year, closed: 0.6%.
            _ if u < 0.04 => {
                let on = day(&mut rng, 60, 330);
                let outcome = match rng.below(10) {
                    0..6 => MissingOutcome::Found,
                    6..9 => MissingOutcome::TracedToAnotherArea,
                    _ => MissingOutcome::Removed,
                };
                missing(&mut out, p.case, on, as_of, Some(outcome), &mut rng);
            }
            // Alternative provision under s.19: 1.8%.
            _ if u < 0.058 => out.push((
                p.case,
                EventBody::AlternativeProvisionArranged(AlternativeProvisionArranged {
                    on: day(&mut rng, 20, 300),
                    provider: "the medical needs tuition service".into(),
                    hours_a_week: 10 + rng.below(10) as u32,
                }),
            )),
            // Home education notified: 1.1%.
            _ if u < 0.069 => out.push((
                p.case,
                EventBody::HomeEducationNotified(HomeEducationNotified {
                    on: day(&mut rng, 20, 700),
                }),
            )),
            // A placement ended with no new place yet: 0.6% of those with a plan. Ended
            // in the as-of day's year, so a finished year's figures do not change with
            // the day the demo is built.
            _ if u < 0.075 && p.has_plan => {
                if let Some(since) = p.placed_since {
                    let year_start = NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of);
                    let on = day(&mut rng, 10, 90)
                        .max(since + Days::new(1))
                        .max(year_start);
                    if on <= as_of {
                        out.push((
                            p.case,
                            EventBody::PlacementEnded(sendscope_domain::event::DatedOnly { on }),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn missing(
    out: &mut Vec<(CaseId, EventBody)>,
    case: CaseId,
    on: NaiveDate,
    as_of: NaiveDate,
    closed: Option<MissingOutcome>,
    rng: &mut Rng,
) {
    out.push((
        case,
        EventBody::MissingEducationReported(MissingEducationReported {
            episode: 1,
            on,
            source: ["school", "admissions team", "health visitor"][rng.below(3) as usize].into(),
            details: "not on a school roll and not known to be educated otherwise".into(),
        }),
    ));
    let enquiry = (on + Days::new(3 + rng.below(5))).min(as_of);
    out.push((
        case,
        EventBody::MissingEducationEnquiry(MissingEducationEnquiry {
            episode: 1,
            on: enquiry,
            with_whom: "home visit".into(),
            outcome: "no answer; a card left".into(),
        }),
    ));
    if let Some(outcome) = closed {
        let (with_whom, reason) = match outcome {
            MissingOutcome::Found => ("the last school", "on roll at a local school"),
            MissingOutcome::TracedToAnotherArea => (
                "school admissions in the new area",
                "moved away; the new area confirmed it has the duty",
            ),
            MissingOutcome::Removed => (
                "the school's admissions team and the GP",
                "left the country, confirmed by the family's GP",
            ),
        };
        out.push((
            case,
            EventBody::MissingEducationEnquiry(MissingEducationEnquiry {
                episode: 1,
                on: enquiry + Days::new(7),
                with_whom: with_whom.into(),
                outcome: reason.into(),
            }),
        ));
        out.push((
            case,
            EventBody::MissingEducationClosed(MissingEducationClosed {
                episode: 1,
                on: enquiry + Days::new(14),
                outcome,
                reason: reason.into(),
            }),
        ));
    }
}
