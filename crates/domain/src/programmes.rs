//! Programmes with deadlines (domain.md §2.3): a set of cases that must reach a milestone
//! by a date — a phase-transfer programme, a recovery plan for late plans. Progress is
//! worked out from the case records: completions per month, the rate achieved, the rate
//! still required, the projected completion date, and a flag raised as soon as the
//! required rate exceeds the achieved rate by the programme's factor.

use crate::event::ProgrammeDefined;
use crate::projection::CaseState;
use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

pub use crate::event::Milestone;

impl Milestone {
    /// The first day on or after `start` the case reached the milestone.
    pub fn reached(self, c: &CaseState, start: NaiveDate) -> Option<NaiveDate> {
        let first =
            |dates: &mut dyn Iterator<Item = NaiveDate>| dates.filter(|d| *d >= start).min();
        match self {
            Milestone::FinalPlanIssued => {
                first(&mut c.requests.iter().filter_map(|r| r.final_issued_on))
            }
            Milestone::AssessmentDecided => first(
                &mut c
                    .requests
                    .iter()
                    .filter_map(|r| r.decided_on.into_iter().chain(r.ordered_decision_on).max()),
            ),
            Milestone::PhaseTransferAmended => {
                first(&mut c.phase_transfers.iter().filter_map(|t| t.amended_on))
            }
            Milestone::ReviewHeld => first(
                &mut c
                    .reviews
                    .iter()
                    .filter(|r| !r.planned)
                    .map(|r| r.meeting_on),
            ),
            Milestone::PlanAmended => first(
                &mut c
                    .earlier_plans
                    .iter()
                    .chain(&c.plan)
                    .flat_map(|p| p.amended_on.iter().copied()),
            ),
        }
    }
}

/// Where a programme stands on a day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub programme: u32,
    pub name: String,
    pub milestone: Milestone,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    pub today: NaiveDate,
    pub total: u64,
    pub completed: u64,
    pub remaining: u64,
    /// Completions in each calendar month from the start to today ("YYYY-MM", count).
    pub by_month: Vec<(String, u64)>,
    /// Completions per month achieved since the start.
    pub actual_rate: f64,
    /// Completions per month needed from today to finish by the deadline; `None` when
    /// nothing remains.
    pub required_rate: Option<f64>,
    /// When the remaining cases finish at the achieved rate; `None` when nothing remains
    /// or nothing has been achieved.
    pub projected_completion: Option<NaiveDate>,
    pub flag_factor: f64,
    /// Raised when the required rate exceeds the achieved rate by the factor (or the
    /// deadline has passed with cases remaining).
    pub flagged: bool,
    pub flag_reason: Option<String>,
}

/// An average month: 365.25 / 12 days.
const MONTH_DAYS: f64 = 30.4375;

/// Works out a programme's progress from its cases' records (`None` for a record that is
/// gone, which counts as not completed).
pub fn progress(
    def: &ProgrammeDefined,
    cases: &[Option<&CaseState>],
    today: NaiveDate,
) -> Progress {
    let dates: Vec<NaiveDate> = cases
        .iter()
        .filter_map(|c| c.and_then(|c| def.milestone.reached(c, def.start)))
        .filter(|d| *d <= today)
        .collect();
    let total = def.cases.len() as u64;
    let completed = dates.len() as u64;
    let remaining = total.saturating_sub(completed);
    let mut by_month = Vec::new();
    let mut month = NaiveDate::from_ymd_opt(def.start.year(), def.start.month(), 1);
    while let Some(m) = month.filter(|m| *m <= today) {
        let n = dates
            .iter()
            .filter(|d| d.year() == m.year() && d.month() == m.month())
            .count() as u64;
        by_month.push((format!("{}-{:02}", m.year(), m.month()), n));
        month = m.checked_add_months(chrono::Months::new(1));
    }
    let elapsed = ((today - def.start).num_days().max(0) + 1) as f64 / MONTH_DAYS;
    let actual_rate = if elapsed > 0.0 {
        completed as f64 / elapsed
    } else {
        0.0
    };
    let left = (def.deadline - today).num_days() as f64 / MONTH_DAYS;
    let required_rate = (remaining > 0).then(|| {
        if left > 0.0 {
            remaining as f64 / left
        } else {
            f64::INFINITY
        }
    });
    let projected_completion = (remaining > 0 && actual_rate > 0.0).then(|| {
        let days = (remaining as f64 / actual_rate * MONTH_DAYS).ceil() as u64;
        today
            .checked_add_days(Days::new(days))
            .unwrap_or(NaiveDate::MAX)
    });
    let flag_reason = match required_rate {
        Some(r) if r.is_infinite() => Some(format!(
            "the deadline has passed with {remaining} of {total} not done"
        )),
        Some(r) if r > actual_rate * def.flag_factor => Some(format!(
            "{r:.1} a month are needed but {actual_rate:.1} a month have been achieved (more than {:.2} times as many)",
            def.flag_factor
        )),
        _ => None,
    };
    Progress {
        programme: def.programme,
        name: def.name.clone(),
        milestone: def.milestone,
        start: def.start,
        deadline: def.deadline,
        today,
        total,
        completed,
        remaining,
        by_month,
        actual_rate,
        required_rate: required_rate.filter(|r| r.is_finite()),
        projected_completion,
        flag_factor: def.flag_factor,
        flagged: flag_reason.is_some(),
        flag_reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CaseId;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn issued(on: &str) -> CaseState {
        serde_json::from_str(&format!(
            r#"{{"requests":[{{"request":1,"received_on":"2025-01-06","requested_by":"parent","decision":"assess","decided_on":"2025-02-01","final_issued_on":"{on}"}}]}}"#
        ))
        .expect("case")
    }

    /// 100 plans to issue between 1 September 2025 and 28 February 2026; by 30 November
    /// 30 are done (about 10 a month), 70 remain with 3 months left (about 23 a month):
    /// flagged, projected to finish in late June 2026.
    #[test]
    fn a_recovery_plan_falling_behind_is_flagged() {
        let def = ProgrammeDefined {
            programme: 1,
            name: "Backlog recovery".into(),
            milestone: Milestone::FinalPlanIssued,
            start: d("2025-09-01"),
            deadline: d("2026-02-28"),
            flag_factor: 1.2,
            cases: (0..100).map(|_| CaseId::new_random()).collect(),
        };
        let mut states = Vec::new();
        for i in 0..30 {
            let month = 9 + i / 10;
            states.push(Some(issued(&format!("2025-{month:02}-15"))));
        }
        // One issued before the programme began does not count; one issued after today neither.
        states.push(Some(issued("2025-08-01")));
        states.push(Some(issued("2025-12-20")));
        while states.len() < 100 {
            states.push(None);
        }
        let refs: Vec<Option<&CaseState>> = states.iter().map(|s| s.as_ref()).collect();
        let p = progress(&def, &refs, d("2025-11-30"));
        assert_eq!((p.total, p.completed, p.remaining), (100, 30, 70));
        assert_eq!(
            p.by_month,
            vec![
                ("2025-09".to_string(), 10),
                ("2025-10".to_string(), 10),
                ("2025-11".to_string(), 10)
            ]
        );
        assert!((p.actual_rate - 30.0 / (91.0 / MONTH_DAYS)).abs() < 1e-9);
        let required = p.required_rate.expect("required");
        assert!((required - 70.0 / (90.0 / MONTH_DAYS)).abs() < 1e-9);
        assert!(p.flagged, "{p:?}");
        let projected = p.projected_completion.expect("projected");
        assert!(
            projected > d("2026-06-01") && projected < d("2026-07-15"),
            "{projected}"
        );
        // On track: required no more than the factor times the achieved rate.
        let easy = ProgrammeDefined {
            deadline: d("2026-08-31"),
            ..def.clone()
        };
        let p = progress(&easy, &refs, d("2025-11-30"));
        assert!(!p.flagged, "{p:?}");
        // Past the deadline with cases left: flagged whatever the rates.
        let p = progress(&def, &refs, d("2026-03-01"));
        assert!(p.flagged && p.required_rate.is_none() && p.remaining == 69);
    }
}
