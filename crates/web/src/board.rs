//! The board report: the measures for the last four calendar years, each with its
//! numerator and denominator, the exception cases, the quality grades of the plans
//! issued, and every trajectory's standing — never a count alone. Small numbers are
//! shown as "c", as the DfE does, since it is written for a board. One report, three
//! faces: `/board-report` (printable), `sendscope report board --format html|csv`.

use crate::{AppState, esc, page};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use sendscope_app::board::{Report, lines, report};
use sendscope_domain::calendar::{england_today, long_date};

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

/// GET /board-report
pub async fn show(State(app): State<AppState>, headers: HeaderMap) -> Response {
    crate::shell::figures_page(&app, headers, "Board report", |store, e, area, _| {
        Ok(html(&report(store, e, area, england_today())?))
    })
    .await
}
