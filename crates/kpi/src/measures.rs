//! What the engine computes and how it is asked: the measures (`Kpis`: every figure,
//! each share with its numerator and denominator), periods, the filters (need, age
//! group, team, caseworker), the children behind a figure, and placements by type of
//! setting.

use chrono::NaiveDate;
use sendscope_domain::event::{AppealOutcome, SettingType};
use sendscope_domain::ids::{StaffId, TeamId};
use sendscope_domain::qa::QualitySummary;
use sendscope_domain::sen::{CeaseReason, NeedType};
use serde::Serialize;
use std::collections::BTreeMap;

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
    pub(crate) fn make(
        label: String,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Option<Period> {
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
pub(crate) fn age_between(birth: i32, on: i32) -> i32 {
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
    pub(crate) step_days: [Vec<i32>; 4],
    pub median_days_to_final_plan: Option<i32>,
    pub p90_days_to_final_plan: Option<i32>,
    /// Every statutory time limit, by its key in the rule book.
    pub clocks: BTreeMap<&'static str, ClockFigures>,
    /// The days behind each clock's percentiles, by rule number (not shown).
    #[serde(skip)]
    pub(crate) clock_days: Vec<Vec<i32>>,
    /// Per clock key while counting: due, on time, late, overdue, not yet due.
    #[serde(skip)]
    pub(crate) clock_acc: Vec<[u64; 5]>,
    /// Per setting type (`TYPES`) while counting: children, costed, cost.
    #[serde(skip)]
    pub(crate) place_acc: [[i64; 3]; TYPES.len()],
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
    pub(crate) fn add(&mut self, o: &PlacementFigures) {
        self.children += o.children;
        self.costed += o.costed;
        self.annual_cost_pence += o.annual_cost_pence;
    }
}

/// Every setting type placements are counted by (`None`: not on the register).
pub(crate) const TYPES: [Option<SettingType>; 13] = [
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

pub(crate) fn is_independent(t: Option<SettingType>) -> bool {
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

/// The values at two ranks (counting from 0) of `days` by counting each value, when the
/// values span at most `MAX_SPAN` days: two sequential passes instead of a selection's
/// partitioning. `None` when they span more.
fn ranks_by_counting(days: &[i32], ranks: [usize; 2]) -> Option<[i32; 2]> {
    const MAX_SPAN: i64 = 1 << 16;
    let (min, max) = days
        .iter()
        .fold((i32::MAX, i32::MIN), |(lo, hi), d| (lo.min(*d), hi.max(*d)));
    let span = i64::from(max) - i64::from(min) + 1;
    if !(1..=MAX_SPAN).contains(&span) {
        return None;
    }
    let mut counts = vec![0u32; span as usize];
    for d in days {
        counts[(d - min) as usize] += 1;
    }
    let mut out = [max; 2];
    let (mut below, mut next) = (0usize, 0);
    for (v, c) in counts.iter().enumerate() {
        below += *c as usize;
        while next < 2 && ranks[next] < below {
            out[next] = min + v as i32;
            next += 1;
        }
        if next == 2 {
            break;
        }
    }
    Some(out)
}

impl Percentiles {
    /// By counting where the days span a few years (linear time, two passes), else by
    /// selection rather than sorting (the order of `days` may be lost).
    pub(crate) fn of(days: &mut [i32]) -> Percentiles {
        let n = days.len();
        let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n.max(1)) - 1;
        let (median_days, p90_days) = if n == 0 {
            (None, None)
        } else {
            let (i50, i90) = (rank(0.5), rank(0.9));
            match ranks_by_counting(days, [i50, i90]).filter(|_| n >= 256) {
                Some([median, p90]) => (Some(median), Some(p90)),
                None => {
                    let p90 = *days.select_nth_unstable(i90).1;
                    // The i50-th smallest of all is the i50-th smallest of the i90 + 1
                    // below.
                    let median = *days[..=i90].select_nth_unstable(i50).1;
                    (Some(median), Some(p90))
                }
            }
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

#[cfg(test)]
mod percentile_tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Counting gives what sorting gives, for any days, spans and lengths.
        #[test]
        fn counting_agrees_with_sorting(days in proptest::collection::vec(-400i32..3000, 1..3000)) {
            let mut sorted = days.clone();
            sorted.sort_unstable();
            let n = sorted.len();
            let rank = |p: f64| ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
            let got = Percentiles::of(&mut days.clone());
            prop_assert_eq!(got.median_days, Some(sorted[rank(0.5)]));
            prop_assert_eq!(got.p90_days, Some(sorted[rank(0.9)]));
            prop_assert_eq!(
                ranks_by_counting(&days, [rank(0.5), rank(0.9)]),
                Some([sorted[rank(0.5)], sorted[rank(0.9)]])
            );
        }
    }
}
