//! A trajectory's progress: the planned value month by month (a straight line from where
//! the measure stood in the month before the start to the target in the deadline's
//! month), the actual value of every complete month so far, the rate of change achieved
//! and the rate now required, and the month the target would be reached at the rate
//! achieved.

use crate::{Engine, Filter, Period};
use chrono::{Datelike, Months, NaiveDate};
use sendscope_domain::ids::AreaId;
use sendscope_domain::trajectories::{TrajectoryDefined, TrajectoryMeasure};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    pub month: String,
    pub first_day: NaiveDate,
    pub planned: Option<f64>,
    pub actual: Option<f64>,
    /// For shares: the month's numerator and denominator.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numerator: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denominator: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub trajectory: TrajectoryDefined,
    /// The value in the month before the start.
    pub baseline: Option<f64>,
    /// The latest complete month's value.
    pub current: Option<f64>,
    pub achieved_per_month: Option<f64>,
    pub required_per_month: Option<f64>,
    /// The month the target is reached at the rate achieved (None: not at that rate).
    pub projected: Option<NaiveDate>,
    pub met: bool,
    pub points: Vec<Point>,
}

fn month_start(d: NaiveDate) -> NaiveDate {
    d.with_day(1).unwrap_or(d)
}

fn value(k: &crate::Kpis, m: TrajectoryMeasure) -> (Option<f64>, Option<u64>, Option<u64>) {
    let share = |s: crate::Share| (s.percent(), Some(s.numerator), Some(s.denominator));
    match m {
        TrajectoryMeasure::WithinTwentyWeeks => share(k.within_20_weeks),
        TrajectoryMeasure::WithinTwentyWeeksExcludingExceptions => {
            share(k.within_20_weeks_excluding_exceptions)
        }
        TrajectoryMeasure::DecisionsWithinSixWeeks => share(k.decisions_within_6_weeks),
        TrajectoryMeasure::PlansInPlace => (Some(k.plans_in_place_at_end as f64), None, None),
        TrajectoryMeasure::ReviewDecisionsWithinFourWeeks => {
            share(k.review_decisions_within_4_weeks)
        }
        TrajectoryMeasure::AnnualReviewsOnTime => share(k.annual_reviews_on_time()),
        TrajectoryMeasure::PhaseTransfersOnTime => share(k.phase_transfers_on_time()),
    }
}

fn months_between(a: NaiveDate, b: NaiveDate) -> i32 {
    (b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32
}

/// Progress on `today`: months are complete once their last day has passed.
pub fn progress(
    engine: &Engine,
    area: AreaId,
    t: &TrajectoryDefined,
    today: NaiveDate,
) -> Progress {
    let start = month_start(t.start);
    let deadline = month_start(t.deadline);
    let before = start.checked_sub_months(Months::new(1)).unwrap_or(start);
    let this_month = month_start(today);
    // Every month from the one before the start to the deadline's, in one pass.
    let mut months = Vec::new();
    let mut m = before;
    while m <= deadline {
        months.push(m);
        match m.checked_add_months(Months::new(1)) {
            Some(n) => m = n,
            None => break,
        }
    }
    let periods: Vec<Period> = months
        .iter()
        .filter_map(|m| Period::month(m.year(), m.month()))
        .collect();
    let values = engine.compute_series(area, &periods, &Filter::default());
    let at = |m: NaiveDate| {
        months
            .iter()
            .position(|x| *x == m)
            .and_then(|i| values.get(i))
            .map(|k| value(k, t.measure))
            .unwrap_or((None, None, None))
    };
    let baseline = if before < start { at(before).0 } else { None };
    let span = months_between(start, deadline).max(1) as f64;
    let mut points = Vec::new();
    let mut m = start;
    while m <= deadline {
        let i = months_between(start, m) as f64;
        let planned = baseline.map(|b| ((b + (t.target - b) * i / span) * 10.0).round() / 10.0);
        let (actual, numerator, denominator) = if m < this_month {
            at(m)
        } else {
            (None, None, None)
        };
        points.push(Point {
            month: m.format("%B %Y").to_string(),
            first_day: m,
            planned,
            actual,
            numerator,
            denominator,
        });
        match m.checked_add_months(Months::new(1)) {
            Some(n) => m = n,
            None => break,
        }
    }
    let latest = points.iter().rev().find(|p| p.actual.is_some());
    let current = latest.and_then(|p| p.actual);
    let achieved_per_month = match (baseline, latest) {
        (Some(b), Some(p)) => {
            let n = months_between(before, p.first_day).max(1) as f64;
            p.actual.map(|a| (a - b) / n)
        }
        _ => None,
    };
    let required_per_month = current.map(|c| {
        let from = latest.map(|p| p.first_day).unwrap_or(start);
        (t.target - c) / months_between(from, deadline).max(1) as f64
    });
    let met = current.is_some_and(|c| c >= t.target);
    let projected = match (current, achieved_per_month, latest) {
        (Some(c), _, Some(p)) if c >= t.target => Some(p.first_day),
        (Some(c), Some(r), Some(p)) if r > 0.0 => {
            let months = ((t.target - c) / r).ceil() as u32;
            p.first_day.checked_add_months(Months::new(months))
        }
        _ => None,
    };
    let round = |x: f64| (x * 100.0).round() / 100.0;
    Progress {
        trajectory: t.clone(),
        baseline,
        current,
        achieved_per_month: achieved_per_month.map(round),
        required_per_month: required_per_month.map(round),
        projected,
        met,
        points,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sendscope_domain::event::AssessDecision;
    use sendscope_domain::ids::CaseId;
    use sendscope_domain::projection::{CaseState, RequestState};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    /// Decisions: in December 2025 one of two on time (50%); January 2026 two of two;
    /// February three of four. Target 90% by June 2026.
    #[test]
    fn planned_line_rates_and_projection() {
        let mut e = Engine::new();
        let area = AreaId::new_random();
        let mut add = |received: &str, decided: &str| {
            let mut r: RequestState = serde_json::from_value(serde_json::json!({
                "request": 1, "received_on": received, "requested_by": "parent"
            }))
            .expect("request");
            r.decision = Some(AssessDecision::Assess);
            r.decided_on = Some(d(decided));
            let mut c = CaseState::default();
            c.requests.push(r);
            e.upsert_case(CaseId::new_random(), area, &c);
        };
        add("2025-11-01", "2025-12-01"); // 30 days
        add("2025-10-01", "2025-12-02"); // 62 days
        add("2025-12-10", "2026-01-10");
        add("2025-12-11", "2026-01-11");
        add("2026-01-10", "2026-02-10");
        add("2026-01-11", "2026-02-11");
        add("2026-01-12", "2026-02-12");
        add("2025-11-12", "2026-02-12"); // late
        let t = TrajectoryDefined {
            trajectory: 1,
            name: "Decisions".into(),
            measure: TrajectoryMeasure::DecisionsWithinSixWeeks,
            target: 90.0,
            start: d("2026-01-01"),
            deadline: d("2026-06-01"),
        };
        let p = progress(&e, area, &t, d("2026-03-15"));
        assert_eq!(p.baseline, Some(50.0));
        let planned: Vec<Option<f64>> = p.points.iter().map(|x| x.planned).collect();
        assert_eq!(
            planned,
            vec![
                Some(50.0),
                Some(58.0),
                Some(66.0),
                Some(74.0),
                Some(82.0),
                Some(90.0)
            ]
        );
        let actual: Vec<Option<f64>> = p.points.iter().map(|x| x.actual).collect();
        assert_eq!(
            actual,
            vec![Some(100.0), Some(75.0), None, None, None, None]
        );
        assert_eq!(p.current, Some(75.0));
        // From 50 in December to 75 in February: 12.5 a month achieved; 15 more by June
        // over 4 months: 3.75 a month required; reached in April at the rate achieved.
        assert_eq!(p.achieved_per_month, Some(12.5));
        assert_eq!(p.required_per_month, Some(3.75));
        assert_eq!(p.projected, Some(d("2026-04-01")));
        assert!(!p.met);
    }
}
