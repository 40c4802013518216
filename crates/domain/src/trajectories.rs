//! A trajectory: a target for one KPI by a date, planned month by month from where the
//! measure stood when it began (domain.md §2.4: "improvement trajectories"). The area
//! defines it (`area.trajectory_defined`); the KPI engine supplies the actuals.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The measures a trajectory can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TrajectoryMeasure {
    /// Per cent of plans issued in the month within 20 weeks.
    WithinTwentyWeeks,
    WithinTwentyWeeksExcludingExceptions,
    /// Per cent of assessment decisions in the month made within 6 weeks.
    DecisionsWithinSixWeeks,
    /// Plans in place at the month's end.
    PlansInPlace,
    /// Per cent of review decisions in the month made within 4 weeks of the meeting.
    ReviewDecisionsWithinFourWeeks,
    /// Per cent of annual reviews due in the month (and past) held on time.
    AnnualReviewsOnTime,
    /// Per cent of phase transfer deadlines in the month (and past) met.
    PhaseTransfersOnTime,
}

impl TrajectoryMeasure {
    pub fn label(self) -> &'static str {
        match self {
            TrajectoryMeasure::WithinTwentyWeeks => "EHC plans issued within 20 weeks (%)",
            TrajectoryMeasure::WithinTwentyWeeksExcludingExceptions => {
                "EHC plans issued within 20 weeks, excluding exception cases (%)"
            }
            TrajectoryMeasure::DecisionsWithinSixWeeks => {
                "Decisions on assessment within 6 weeks (%)"
            }
            TrajectoryMeasure::PlansInPlace => "EHC plans in place",
            TrajectoryMeasure::ReviewDecisionsWithinFourWeeks => {
                "Review decisions within 4 weeks (%)"
            }
            TrajectoryMeasure::AnnualReviewsOnTime => "Annual reviews held on time (%)",
            TrajectoryMeasure::PhaseTransfersOnTime => {
                "Phase transfers amended by the deadline (%)"
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TrajectoryDefined {
    /// Numbered 1, 2, 3… in the area.
    pub trajectory: u32,
    pub name: String,
    pub measure: TrajectoryMeasure,
    /// The value to reach (a percentage for the shares).
    pub target: f64,
    /// The first month of the plan (its first day).
    pub start: NaiveDate,
    /// The month the target is to be met in (its first day).
    pub deadline: NaiveDate,
}
