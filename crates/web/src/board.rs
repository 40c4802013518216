//! The board report: the measures for the last four calendar years, each with its
//! numerator and denominator, the exception cases, the quality grades of the plans
//! issued, and every trajectory's standing — never a count alone. Small numbers are
//! shown as "c", as the DfE does, since it is written for a board. One report, three
//! faces: `/board-report` (printable), `sendscope report board --format html|csv`.

use crate::auth::Visitor;
use crate::{AppState, ui};
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use sendscope_app::board::{Report, lines, report};
use sendscope_domain::calendar::{england_today, long_date};

/// The report's body (the page, and `--format html` in a GOV.UK page).
pub fn html(r: &Report) -> Markup {
    let mut columns = vec![ui::col("Measure")];
    for k in &r.years {
        columns.push(ui::num_col(&k.period));
        columns.push(ui::num_col("of"));
    }
    let rows = lines(r).into_iter().map(|(label, cells)| {
        html! {
            (ui::row_head(label))
            @for (v, n, d) in cells {
                (ui::num(v))
                (ui::num(if d.is_empty() { String::new() } else { format!("{n} of {d}") }))
            }
        }
    });
    let none = || "none".to_string();
    let trajectories = r.trajectories.iter().map(|p| {
        html! {
            (ui::row_head(&p.trajectory.name))
            (ui::cell(p.trajectory.measure.label()))
            (ui::num(p.trajectory.target))
            (ui::num(p.current.map(|v| format!("{v:.1}")).unwrap_or_else(none)))
            (ui::num(p.achieved_per_month.map(|v| format!("{v:.2}")).unwrap_or_else(none)))
            (ui::num(p.required_per_month.map(|v| format!("{v:.2}")).unwrap_or_else(none)))
            (ui::cell(p.projected.map(|d| d.format("%B %Y").to_string())
                .unwrap_or_else(|| "not at the rate achieved".into())))
        }
    });
    html! {
        h1.govuk-heading-l { "Board report: " (r.area) }
        p.govuk-body {
            "As of " (long_date(r.on)) ". Worked out from every event recorded, by the DfE's definitions; every share with its \
             numerator and denominator, the exception cases and the quality of the same plans beside the timeliness."
            @if r.suppress_below > 1 { " Counts from 1 to " (r.suppress_below - 1) " are shown as c." }
        }
        (ui::table("The measures by calendar year", &columns, rows))
        (ui::table("Trajectories", &[ui::col("Trajectory"), ui::col("Measure"), ui::num_col("Target"),
            ui::num_col("Latest month"), ui::num_col("Achieved a month"), ui::num_col("Required a month"),
            ui::col("Target reached")], trajectories))
        @if let Some(k) = r.years.last() { (crate::dashboard::sections(k, r.suppress_below)) }
        @if let Some(w) = &r.waits { (crate::waits::section(w, r.suppress_below, false)) }
        (crate::waits::joined_section(&r.joined, r.suppress_below, false))
    }
}

/// The report as a whole GOV.UK page (`--format html`).
pub fn html_page(r: &Report) -> String {
    ui::page("Board report", html(r))
}

/// GET /board-report
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    crate::shell::figures_page(&app, visitor, "Board report", |store, e, area, _| {
        Ok(html(&report(store, e, area, england_today())?))
    })
    .await
}
