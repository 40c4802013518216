//! `/trajectories`: each improvement trajectory of the area, planned against actual
//! month by month (a chart and its data table), the rate achieved and the rate now
//! required, and the month the target would be reached at the rate achieved.

use crate::auth::Visitor;
use crate::{AppState, ui};
use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};
use sendscope_app::trajectories::progress_all;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_kpi::trajectory::Progress;

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.1}"))
        .unwrap_or_else(|| "none".into())
}

/// Whether a month's actual rate is suppressed: either of its counts is small.
pub(crate) fn hidden(x: &sendscope_kpi::trajectory::Point, suppress: u64) -> bool {
    [x.numerator, x.denominator]
        .into_iter()
        .flatten()
        .any(|v| sendscope_app::figures::small(v, suppress))
}

/// Planned (dashed) against actual (solid), per month; a suppressed month's actual is not
/// drawn (the line would give it away).
pub(crate) fn chart(p: &Progress, n: usize, suppress: u64) -> Markup {
    chart_sized(p, n, suppress, false)
}

/// The chart, as wide as its column when `wide` (the board's first screen).
pub(crate) fn chart_sized(p: &Progress, n: usize, suppress: u64, wide: bool) -> Markup {
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
    let id = format!("t{n}-title");
    html! {
        svg role="img" aria-labelledby=(id) viewBox={ "0 0 " (w) " 190" } width=(if wide { "100%".to_string() } else { w.to_string() }) height=(if wide { "auto".to_string() } else { "190".to_string() }) {
            title id=(id) { (p.trajectory.name) ": planned (dashed) and actual (solid) by month; the table below has the figures" }
            line x1="40" y1="170" x2=(w) y2="170" stroke="#0b0c0c" {}
            polyline points=(line(&|x| x.planned)) fill="none" stroke="#505a5f" stroke-dasharray="6 4" stroke-width="2" {}
            polyline points=(line(&|x| x.actual.filter(|_| !hidden(x, suppress)))) fill="none" stroke="#1d70b8" stroke-width="3" {}
            text x="0" y="24" font-size="12" { (format!("{top:.0}")) }
            text x="0" y="172" font-size="12" { "0" }
        }
    }
}

/// `suppress`: counts from 1 to this less one are shown as "c" (0: none).
fn html(list: &[Progress], suppress: u64) -> Markup {
    if list.is_empty() {
        return html! {
            h1.govuk-heading-l { "Trajectories" }
            p.govuk-body { "No trajectory is defined for this area (" code { "sendscope trajectory define" } ")." }
        };
    }
    let count = |v: Option<u64>| match v {
        None => String::new(),
        Some(x) if sendscope_app::figures::small(x, suppress) => "c".into(),
        Some(x) => x.to_string(),
    };
    html! {
        h1.govuk-heading-l { "Trajectories" }
        @for (n, p) in list.iter().enumerate() {
            @let t = &p.trajectory;
            h2.govuk-heading-m { (t.name) }
            @if p.met {
                (ui::tag("Target met", Some("green")))
            } @else {
                @match (p.achieved_per_month, p.required_per_month) {
                    (Some(a), Some(r)) if r > a => (ui::tag("Behind: the rate required is more than the rate achieved", Some("red"))),
                    (Some(_), Some(_)) => (ui::tag("On course", None)),
                    _ => (ui::tag("Not enough months yet", Some("grey"))),
                }
            }
            (ui::summary_list([
                ("Measure", t.measure.label().to_string()),
                ("Target", format!("{} by {}", t.target, t.deadline.format("%B %Y"))),
                ("Where it stood before the start", num(p.baseline)),
                ("Latest complete month", num(p.current)),
                ("Change achieved a month", num(p.achieved_per_month)),
                ("Change now required a month", num(p.required_per_month)),
                ("Target reached, at the rate achieved", p.projected
                    .map(|d| d.format("%B %Y").to_string())
                    .unwrap_or_else(|| "not at the rate achieved".into())),
            ]))
            (chart(p, n, suppress))
            (ui::table(
                "Planned and actual by month",
                &[ui::col("Month"), ui::num_col("Planned"), ui::num_col("Actual"), ui::num_col("Numerator"), ui::num_col("Denominator")],
                p.points.iter().map(|x| html! {
                    (ui::row_head(&x.month))
                    (ui::num(num(x.planned)))
                    // Hidden when either count is: the rate beside one would give it away.
                    (ui::num(if hidden(x, suppress) {
                        "c".into()
                    } else {
                        x.actual.map(|v| format!("{v:.1}")).unwrap_or_default()
                    }))
                    (ui::num(count(x.numerator)))
                    (ui::num(count(x.denominator)))
                }),
            ))
        }
        p.govuk-body { "Months count once they are over; figures as of " (long_date(england_today())) "." }
    }
}

/// GET /trajectories
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    crate::shell::figures_page(&app, visitor, "Trajectories", |store, e, area, board| {
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
