//! The board report: the measures for the last four calendar years, each with its
//! numerator and denominator, the exception cases, the quality grades of the plans
//! issued, and every trajectory's standing — never a count alone. Small numbers are
//! shown as "c", as the DfE does, since it is written for a board. One report, three
//! faces: `/board-report` (printable), `sendscope report board --format html|csv`.

use crate::{AppState, esc, page};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use sendscope_domain::calendar::{england_today, long_date};
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
        suppress_below: crate::dashboard::publishing(store, area)?.1.suppress_below,
    })
}

/// Per year: the figure, its numerator and its denominator, as shown.
type Cells = Vec<(String, String, String)>;

/// Each measure's cells, as the tables and the CSV show them.
fn lines(r: &Report) -> Vec<(&'static str, Cells)> {
    let c = |v: u64| crate::dashboard::count(v, r.suppress_below);
    let pct = |s: Share| crate::dashboard::share(s, r.suppress_below).2;
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
                    let cost = if k.independent.costed > 0
                        && k.independent.costed < r.suppress_below
                    {
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

/// The report's body (the page, and `--format html` in a GOV.UK page).
pub fn html(r: &Report) -> String {
    let head: String = r
        .years
        .iter()
        .map(|k| {
            format!(
                "<th scope=\"col\" class=\"num\">{}</th><th scope=\"col\" class=\"num\">of</th>",
                esc(&k.period)
            )
        })
        .collect();
    let rows: String = lines(r)
        .into_iter()
        .map(|(label, cells)| {
            let cells: String = cells
                .into_iter()
                .map(|(v, n, d)| {
                    let of = if d.is_empty() {
                        String::new()
                    } else {
                        format!("{n} of {d}")
                    };
                    format!("<td class=\"num\">{v}</td><td class=\"num\">{of}</td>")
                })
                .collect();
            format!("<tr><th scope=\"row\">{}</th>{cells}</tr>", esc(label))
        })
        .collect();
    let trajectories: String = r
        .trajectories
        .iter()
        .map(|p| {
            format!(
                "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                esc(&p.trajectory.name),
                esc(p.trajectory.measure.label()),
                p.trajectory.target,
                p.current.map(|v| format!("{v:.1}")).unwrap_or_else(|| "none".into()),
                p.achieved_per_month.map(|v| format!("{v:.2}")).unwrap_or_else(|| "none".into()),
                p.required_per_month.map(|v| format!("{v:.2}")).unwrap_or_else(|| "none".into()),
                p.projected
                    .map(|d| d.format("%B %Y").to_string())
                    .unwrap_or_else(|| "not at the rate achieved".into()),
            )
        })
        .collect();
    format!(
        "<h1>Board report: {}</h1><p>As of {}. Worked out from every event recorded, by the DfE's definitions; every share with its \
         numerator and denominator, the exception cases and the quality of the same plans beside the timeliness.{}</p>\
         <table><caption>The measures by calendar year</caption><thead><tr><th scope=\"col\">Measure</th>{head}</tr></thead><tbody>{rows}</tbody></table>\
         <table><caption>Trajectories</caption><thead><tr><th scope=\"col\">Trajectory</th><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">Target</th>\
         <th scope=\"col\" class=\"num\">Latest month</th><th scope=\"col\" class=\"num\">Achieved a month</th><th scope=\"col\" class=\"num\">Required a month</th>\
         <th scope=\"col\">Target reached</th></tr></thead><tbody>{trajectories}</tbody></table>{}",
        esc(&r.area),
        long_date(r.on),
        if r.suppress_below > 1 {
            format!(" Counts from 1 to {} are shown as c.", r.suppress_below - 1)
        } else {
            String::new()
        },
        r.years
            .last()
            .map(|k| crate::dashboard::sections(k, r.suppress_below))
            .unwrap_or_default()
    )
}

/// The report as a whole GOV.UK page (`--format html`).
pub fn html_page(r: &Report) -> String {
    page("Board report", &html(r))
}

/// The report as CSV: one row a measure and year.
pub fn csv(r: &Report) -> String {
    let mut out = String::from("measure,period,figure,numerator,denominator\n");
    let q = |s: &str| {
        if s.contains([',', '"']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    for (label, cells) in lines(r) {
        for (k, (v, n, d)) in r.years.iter().zip(cells) {
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                q(label),
                q(&k.period),
                q(&v),
                q(&n),
                q(&d)
            ));
        }
    }
    for p in &r.trajectories {
        out.push_str(&format!(
            "{},trajectory to {},{},{},{}\n",
            q(&p.trajectory.name),
            p.trajectory.deadline.format("%Y-%m"),
            p.current.map(|v| format!("{v:.1}")).unwrap_or_default(),
            p.trajectory.target,
            ""
        ));
    }
    out
}

/// GET /board-report
pub async fn show(State(app): State<AppState>, headers: HeaderMap) -> Response {
    crate::dashboard::figures_page(&app, headers, "Board report", |store, e, area, _| {
        Ok(html(&report(store, e, area, england_today())?))
    })
    .await
}
