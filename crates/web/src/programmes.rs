//! Programmes with deadlines, as pages: aggregates only (no child is named), for every
//! role that sees the area's figures, so a scrutiny board sees a programme falling
//! behind as soon as it does.

use crate::auth::Visitor;
use crate::shell::{not_found, with_user};
use crate::{AppState, ui};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::programmes::progress_all;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::programmes::Progress;

fn rate(r: f64) -> String {
    format!("{r:.1} a month")
}

fn render(p: &Progress) -> Markup {
    let needed = match p.required_rate {
        Some(r) => rate(r),
        None if p.remaining > 0 => {
            format!("the deadline has passed with {} still to do", p.remaining)
        }
        None => "none: nothing left to do".into(),
    };
    let projected = p.projected_completion.map(long_date).unwrap_or_else(|| {
        if p.remaining == 0 {
            "done".into()
        } else {
            "none: nothing done yet".into()
        }
    });
    html! {
        h1.govuk-heading-l { (p.name) }
        @match &p.flag_reason {
            Some(r) => (ui::warning(html! { "Behind: " (r) })),
            None => p.govuk-body { (ui::tag("On track", Some("green"))) },
        }
        (ui::summary_list([
            ("Milestone", p.milestone.label().to_string()),
            ("Cases", p.total.to_string()),
            ("Done", format!("{} of {}", p.completed, p.total)),
            ("Still to do", p.remaining.to_string()),
            ("Started", long_date(p.start)),
            ("Deadline", long_date(p.deadline)),
            ("Rate achieved", rate(p.actual_rate)),
            ("Rate needed from today", needed),
            ("Projected completion at the rate achieved", projected),
            ("Flagged when the rate needed exceeds the rate achieved by", format!("a factor of {:.2}", p.flag_factor)),
        ]))
        (ui::table(
            "Completions by month",
            &[ui::col("Month"), ui::num_col("Done")],
            p.by_month.iter().map(|(m, n)| html! { (ui::cell(m)) (ui::num(n)) }),
        ))
    }
}

fn allowed(who: &sendscope_domain::access::Principal) -> bool {
    authorise(who, Action::View, Resource::Figures { area: who.area }).allowed()
}

/// GET /programmes
pub async fn list(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !allowed(&who.principal) {
            return crate::no_figures();
        }
        let all = match progress_all(store, who.principal.area, england_today()) {
            Ok(a) => a,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let rows = all.iter().map(|p| {
            let state = if p.flagged {
                ui::tag("Behind", Some("red"))
            } else {
                ui::tag("On track", Some("green"))
            };
            html! {
                (ui::cell(ui::link(&format!("/programmes/{}", p.programme), &p.name)))
                (ui::num(format!("{} of {}", p.completed, p.total)))
                (ui::cell(long_date(p.deadline)))
                (ui::cell(state))
            }
        });
        let body = html! {
            h1.govuk-heading-l { "Programmes" }
            @if all.is_empty() {
                p.govuk-body { "No programme with a deadline has been set up in this area." }
            } @else {
                p.govuk-body { "Sets of cases that must reach a milestone by a date, with the rate achieved and the rate needed." }
                (ui::table_unseen_caption("Programmes",
                    &[ui::col("Programme"), ui::num_col("Done"), ui::col("Deadline"), ui::col("State")], rows))
            }
        };
        Html(ui::page("Programmes", body)).into_response()
    })
    .await
}

/// GET /programmes/{n}
pub async fn show(State(app): State<AppState>, visitor: Visitor, Path(n): Path<u32>) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !allowed(&who.principal) {
            return crate::no_figures();
        }
        match progress_all(store, who.principal.area, england_today()) {
            Ok(all) => match all.iter().find(|p| p.programme == n) {
                Some(p) => Html(ui::page(&p.name, render(p))).into_response(),
                None => not_found(),
            },
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}
