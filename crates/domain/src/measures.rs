//! Published measures worked out from case records, by the published definitions.
//! (Issue 7's KPI engine will hold every measure; this is the first, used by the report
//! command and checked against an SQL computation over the raw events.)

use crate::projection::CaseState;
use chrono::Datelike;
use serde::Serialize;

/// The grade of the latest audit of the plan issued on `issued` (before any later plan).
pub fn plan_grade(c: &CaseState, issued: chrono::NaiveDate) -> Option<crate::qa::QaGrade> {
    let next_plan = c
        .requests
        .iter()
        .filter_map(|x| x.final_issued_on)
        .filter(|d| *d > issued)
        .min();
    c.audits
        .iter()
        .filter(|a| a.on >= issued && next_plan.is_none_or(|n| a.on < n))
        .max_by_key(|a| (a.on, a.audit))
        .map(|a| a.grade)
}

/// DfE's 20-week timeliness for one calendar year: EHC plans issued in the year, and
/// those issued within 20 weeks (final plan ≤ 140 days after the request was received),
/// with and without the cases where an exception applies (DfE drops exception cases from
/// both the numerator and the denominator of the "excluding exceptions" figure).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TwentyWeeks {
    pub year: i32,
    pub issued: u64,
    pub within_20_weeks: u64,
    /// Plans issued in the year whose request has an exception recorded.
    pub exception_cases: u64,
    pub issued_excluding_exceptions: u64,
    pub within_20_weeks_excluding_exceptions: u64,
    /// The quality of the same plans: each plan's latest audit, by grade. Timeliness is
    /// never shown without it.
    pub quality: crate::qa::QualitySummary,
}

impl TwentyWeeks {
    pub fn new(year: i32) -> Self {
        TwentyWeeks {
            year,
            ..Default::default()
        }
    }

    /// Counts one case's plans issued in the year.
    pub fn add(&mut self, c: &CaseState) {
        for r in &c.requests {
            let Some(issued) = r.final_issued_on else {
                continue;
            };
            if issued.year() != self.year {
                continue;
            }
            let within = (issued - r.received_on).num_days() <= 140;
            self.quality.add(plan_grade(c, issued));
            self.issued += 1;
            self.within_20_weeks += u64::from(within);
            if r.exceptions.is_empty() {
                self.issued_excluding_exceptions += 1;
                self.within_20_weeks_excluding_exceptions += u64::from(within);
            } else {
                self.exception_cases += 1;
            }
        }
    }

    /// The share within 20 weeks, as DfE publishes it (a percentage to one decimal place
    /// is theirs to round); `None` with nothing issued.
    pub fn share(&self) -> Option<f64> {
        (self.issued > 0).then(|| self.within_20_weeks as f64 / self.issued as f64)
    }

    pub fn share_excluding_exceptions(&self) -> Option<f64> {
        (self.issued_excluding_exceptions > 0).then(|| {
            self.within_20_weeks_excluding_exceptions as f64
                / self.issued_excluding_exceptions as f64
        })
    }
}
