//! The board report: the measures for the last four calendar years, each with its
//! numerator and denominator, the exception cases, the quality grades of the plans
//! issued, and every trajectory's standing; small numbers as "c".

use chrono::{Datelike, NaiveDate};
use sendscope_domain::ids::AreaId;
use sendscope_domain::projection::StreamState;
use sendscope_kpi::trajectory::Progress;
use sendscope_kpi::{Engine, Kpis, Share};
use sendscope_store::{Store, StoreError};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Report {
    pub area: String,
    pub on: NaiveDate,
    /// Each year's measures, with the quality of the plans issued (their latest audits).
    pub years: Vec<Kpis>,
    pub trajectories: Vec<Progress>,
    /// Counts from 1 to this less one are shown as "c" (the area's setting).
    pub suppress_below: u64,
    /// The week's waiting-list figures (none before the area adopts its waiting lists).
    pub waits: Option<crate::waits::WaitsReport>,
    /// The children with a plan or request who are waiting, missing education, on a
    /// part-time timetable or awaiting a placement (the registers as they stand).
    pub joined: crate::whole_child::Joined,
}

/// The report for an area on a day.
pub fn report(
    store: &dyn Store,
    engine: &Engine,
    area: AreaId,
    on: NaiveDate,
) -> Result<Report, StoreError> {
    let name = match store
        .projection(sendscope_domain::StreamRef::area(area))?
        .map(|p| p.state)
    {
        Some(StreamState::Area(a)) => a.name,
        _ => String::new(),
    };
    let years: Vec<sendscope_kpi::Period> = (on.year() - 3..=on.year())
        .filter_map(sendscope_kpi::Period::calendar_year)
        .collect();
    Ok(Report {
        area: name,
        on,
        years: engine.compute_series(area, &years, &sendscope_kpi::Filter::default()),
        trajectories: crate::trajectories::progress_all(store, engine, area, on)?,
        suppress_below: crate::figures::publishing(store, area)?.1.suppress_below,
        waits: Some(crate::waits::report(store, area, on)?).filter(|w| !w.pathways.is_empty()),
        joined: crate::whole_child::joined(store, area, on)?,
    })
}

/// Per year: the figure, its numerator and its denominator, as shown.
pub type Cells = Vec<(String, String, String)>;

/// Each measure's cells, as the tables and the CSV show them.
pub fn lines(r: &Report) -> Vec<(&'static str, Cells)> {
    let c = |v: u64| crate::figures::count(v, r.suppress_below);
    let pct = |s: Share| crate::figures::share(s, r.suppress_below).2;
    let share = |f: &dyn Fn(&Kpis) -> Share| -> Cells {
        r.years
            .iter()
            .map(|k| {
                let s = f(k);
                (pct(s), c(s.numerator), c(s.denominator))
            })
            .collect()
    };
    let count = |f: &dyn Fn(&Kpis) -> u64| -> Cells {
        r.years
            .iter()
            .map(|k| (c(f(k)), String::new(), String::new()))
            .collect()
    };
    let good = share(&|k| Share {
        numerator: k.quality.good_or_better,
        denominator: k.quality.audited,
    });
    let audited = share(&|k| Share {
        numerator: k.quality.audited,
        denominator: k.new_plans,
    });
    vec![
        (
            "Requests for an assessment received",
            count(&|k| k.requests),
        ),
        (
            "Decisions on assessment within 6 weeks",
            share(&|k| k.decisions_within_6_weeks),
        ),
        ("New EHC plans", count(&|k| k.new_plans)),
        (
            "Plans issued within 20 weeks",
            share(&|k| k.within_20_weeks),
        ),
        (
            "Plans issued within 20 weeks, excluding exception cases",
            share(&|k| k.within_20_weeks_excluding_exceptions),
        ),
        ("Exception cases", count(&|k| k.exception_cases)),
        ("Annual review meetings held", count(&|k| k.reviews_held)),
        (
            "Review decisions within 4 weeks",
            share(&|k| k.review_decisions_within_4_weeks),
        ),
        ("Plans issued that were audited", audited),
        ("Audited plans good or better", good),
        (
            "Plans in place at the year's end",
            count(&|k| k.plans_in_place_at_end),
        ),
        (
            "Annual reviews held on time (of those due and past due)",
            share(&|k| k.annual_reviews_on_time()),
        ),
        (
            "Phase transfers amended by the deadline",
            share(&|k| k.phase_transfers_on_time()),
        ),
        ("Mediations held", count(&|k| k.disputes.mediations_held)),
        (
            "Appeals registered, over decisions carrying a right of appeal",
            share(&|k| k.disputes.appeal_rate),
        ),
        (
            "Children in independent or non-maintained special schools at the year's end",
            count(&|k| k.independent.children),
        ),
        (
            "Annual cost of those placements",
            r.years
                .iter()
                .map(|k| {
                    let cost = if crate::figures::small(k.independent.costed, r.suppress_below) {
                        "c".to_string()
                    } else {
                        sendscope_domain::codes::Pence(k.independent.annual_cost_pence).to_string()
                    };
                    (cost, String::new(), String::new())
                })
                .collect(),
        ),
    ]
}

/// The report as CSV: one row a measure and year.
pub fn csv(r: &Report) -> String {
    let header = ["measure", "period", "figure", "numerator", "denominator"]
        .map(String::from)
        .to_vec();
    let mut rows = vec![header];
    for (label, cells) in lines(r) {
        for (k, (v, n, d)) in r.years.iter().zip(cells) {
            rows.push(vec![label.to_string(), k.period.clone(), v, n, d]);
        }
    }
    for p in &r.trajectories {
        rows.push(vec![
            p.trajectory.name.clone(),
            format!("trajectory to {}", p.trajectory.deadline.format("%Y-%m")),
            p.current.map(|v| format!("{v:.1}")).unwrap_or_default(),
            p.trajectory.target.to_string(),
            String::new(),
        ]);
    }
    let c = |v: u64| crate::figures::count(v, r.suppress_below);
    if let Some(w) = &r.waits {
        let week = format!("week ending {}", w.week_ending);
        for l in w.lines.iter().filter(|l| l.priority == "all") {
            let name = w
                .pathways
                .iter()
                .find(|p| p.code == l.pathway)
                .map(|p| p.name.as_str())
                .unwrap_or(&l.pathway);
            let share = crate::figures::share(
                Share {
                    numerator: u64::from(l.within_standard),
                    denominator: u64::from(l.waiting),
                },
                r.suppress_below,
            );
            for (label, v) in [
                ("waiting", l.waiting),
                ("waiting over 18 weeks", l.over_18_weeks),
                ("waiting over 52 weeks", l.over_52_weeks),
            ] {
                rows.push(vec![
                    format!("{name}: {label}"),
                    week.clone(),
                    c(u64::from(v)),
                    String::new(),
                    String::new(),
                ]);
            }
            rows.push(vec![
                format!("{name}: within {} weeks", l.standard_weeks),
                week.clone(),
                share.2,
                share.0,
                share.1,
            ]);
        }
    }
    for (key, label) in crate::whole_child::MEASURES {
        rows.push(vec![
            format!("Children with a plan or request: {label}"),
            r.joined.on.to_string(),
            c(r.joined.total.get(key)),
            c(r.joined.total.get(key)),
            c(r.joined.total.children),
        ]);
    }
    crate::csv_text(rows)
}
