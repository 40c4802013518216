//! `/trajectories`: each improvement trajectory of the area, planned against actual
//! month by month (a chart and its data table), the rate achieved and the rate now
//! required, and the month the target would be reached at the rate achieved.

use crate::{AppState, esc};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sendscope_app::trajectories::progress_all;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_kpi::trajectory::Progress;

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}"))
        .unwrap_or_else(|| "none".into())
}

/// Planned (dashed) against actual (solid), per month.
fn chart(p: &Progress, n: usize) -> String {
    let w = 40 + 30 * p.points.len() as u32;
    let top = p
        .points
        .iter()
        .flat_map(|x| [x.planned, x.actual])
        .flatten()
        .fold(p.trajectory.target, f64::max)
        .max(1.0);
    let y = |v: f64| 170.0 - v / top * 150.0;
    let line = |f: &dyn Fn(&sendscope_kpi::trajectory::Point) -> Option<f64>| -> String {
        p.points
            .iter()
            .enumerate()
            .filter_map(|(i, x)| f(x).map(|v| format!("{},{:.1}", 50 + 30 * i, y(v))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "<svg role=\"img\" aria-labelledby=\"t{n}-title\" viewBox=\"0 0 {w} 190\" width=\"{w}\" height=\"190\">\
         <title id=\"t{n}-title\">{}: planned (dashed) and actual (solid) by month; the table below has the figures</title>\
         <line x1=\"40\" y1=\"170\" x2=\"{w}\" y2=\"170\" stroke=\"#0b0c0c\"></line>\
         <polyline points=\"{}\" fill=\"none\" stroke=\"#505a5f\" stroke-dasharray=\"6 4\" stroke-width=\"2\"></polyline>\
         <polyline points=\"{}\" fill=\"none\" stroke=\"#1d70b8\" stroke-width=\"3\"></polyline>\
         <text x=\"0\" y=\"24\" font-size=\"12\">{top:.0}</text><text x=\"0\" y=\"172\" font-size=\"12\">0</text></svg>",
        esc(&p.trajectory.name),
        line(&|x| x.planned),
        line(&|x| x.actual),
    )
}

/// `suppress`: counts from 1 to this less one are shown as "c" (0: none).
fn html(list: &[Progress], suppress: u64) -> String {
    if list.is_empty() {
        return "<h1>Trajectories</h1><p>No trajectory is defined for this area (<code>sendscope trajectory define</code>).</p>".into();
    }
    let count = |v: Option<u64>| match v {
        None => String::new(),
        Some(x) if x > 0 && x < suppress => "c".into(),
        Some(x) => x.to_string(),
    };
    let mut h = String::from("<h1>Trajectories</h1>");
    for (n, p) in list.iter().enumerate() {
        let t = &p.trajectory;
        let status = if p.met {
            "<strong class=\"govuk-tag govuk-tag--green\">Target met</strong>".to_string()
        } else {
            match (p.achieved_per_month, p.required_per_month) {
                (Some(a), Some(r)) if r > a => {
                    "<strong class=\"govuk-tag govuk-tag--red\">Behind: the rate required is more than the rate achieved</strong>".into()
                }
                (Some(_), Some(_)) => "<strong class=\"govuk-tag\">On course</strong>".into(),
                _ => "<strong class=\"govuk-tag govuk-tag--grey\">Not enough months yet</strong>".into(),
            }
        };
        let rows: String = p
            .points
            .iter()
            .map(|x| {
                format!(
                    "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    esc(&x.month),
                    num(x.planned),
                    if x.denominator.is_some_and(|d| d > 0 && d < suppress) {
                        "c".into()
                    } else {
                        x.actual.map(|v| format!("{v:.1}")).unwrap_or_default()
                    },
                    count(x.numerator),
                    count(x.denominator)
                )
            })
            .collect();
        h.push_str(&format!(
            "<h2>{}</h2>{status}\
             <dl><dt>Measure</dt><dd>{}</dd><dt>Target</dt><dd>{} by {}</dd><dt>Where it stood before the start</dt><dd>{}</dd>\
             <dt>Latest complete month</dt><dd>{}</dd><dt>Change achieved a month</dt><dd>{}</dd><dt>Change now required a month</dt><dd>{}</dd>\
             <dt>Target reached, at the rate achieved</dt><dd>{}</dd></dl>{}\
             <table><caption>Planned and actual by month</caption><thead><tr><th scope=\"col\">Month</th><th scope=\"col\" class=\"num\">Planned</th>\
             <th scope=\"col\" class=\"num\">Actual</th><th scope=\"col\" class=\"num\">Numerator</th><th scope=\"col\" class=\"num\">Denominator</th></tr></thead>\
             <tbody>{rows}</tbody></table>",
            esc(&t.name),
            esc(t.measure.label()),
            t.target,
            t.deadline.format("%B %Y"),
            num(p.baseline),
            num(p.current),
            num(p.achieved_per_month),
            num(p.required_per_month),
            p.projected
                .map(|d| d.format("%B %Y").to_string())
                .unwrap_or_else(|| "not at the rate achieved".into()),
            chart(p, n),
        ));
    }
    h.push_str(&format!(
        "<p>Months count once they are over; figures as of {}.</p>",
        long_date(england_today())
    ));
    h
}

/// GET /trajectories
pub async fn show(State(app): State<AppState>, headers: HeaderMap) -> Response {
    crate::shell::figures_page(&app, headers, "Trajectories", |store, e, area, board| {
        let suppress = if board {
            sendscope_app::figures::publishing(store, area)?
                .1
                .suppress_below
        } else {
            0
        };
        Ok(html(
            &progress_all(store, e, area, england_today())?,
            suppress,
        ))
    })
    .await
}
