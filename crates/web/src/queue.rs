//! The work queue (issue 4, first part): for a caseworker their own cases, for a team
//! manager their team's, every statutory deadline that is overdue or due within 14
//! days, most urgent first. Computed from the cases' records with the clock engine on
//! each request; at national scale a team's queue folds a few thousand records (a
//! next-due column in the case index is the planned replacement).

use crate::auth::Visitor;
use crate::{AppState, ui};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::queue::{items, scope};
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_store::{Store, StoreError};

/// The queue page's body for a user: the deadlines due within 14 days or overdue.
pub fn body(store: &dyn Store, p: &Principal) -> Result<Option<Markup>, StoreError> {
    if !authorise(p, Action::View, Resource::Queue { area: p.area }).allowed() {
        return Ok(None);
    }
    let Some(q) = scope(p) else {
        return Ok(None);
    };
    let whose = if q.caseworker.is_some() {
        "your cases"
    } else {
        "your team's cases"
    };
    let list = items(store, q, p, 14)?;
    let section = |title: &str, keep: &dyn Fn(i64) -> bool| {
        let shown: Vec<_> = list.iter().filter(|i| keep(i.days_left)).collect();
        let rows = shown.iter().map(|i| {
            let when = match i.days_left {
                d if d < 0 => format!("Overdue by {} day{}", -d, if d == -1 { "" } else { "s" }),
                0 => "Due today".to_string(),
                d => format!("{d} day{} left", if d == 1 { "" } else { "s" }),
            };
            html! {
                (ui::cell(html! { a.govuk-link href={ "/cases/" (i.case) } { (i.name) } }))
                (ui::cell(i.step))
                (ui::cell(i.due.format("%-d %B %Y").to_string()))
                (ui::cell(when))
            }
        });
        ui::table(
            &format!("{title} ({})", shown.len()),
            &[
                ui::col("Child"),
                ui::col("Step"),
                ui::col("Due"),
                ui::col("Today"),
            ],
            rows,
        )
    };
    Ok(Some(html! {
        h1.govuk-heading-l { "Work queue" }
        p.govuk-body { "Statutory deadlines on " (whose) " that are overdue or due in the next 14 days, most urgent first." }
        (section("Overdue", &|d| d < 0))
        (section("Due in the next 7 days", &|d| (0..=7).contains(&d)))
        (section("Due in 8 to 14 days", &|d| (8..=14).contains(&d)))
    }))
}

/// GET /queue
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    let store = app.store.clone();
    app.blocking(move || {
        let Some(who) = visitor.signed_in(store.as_ref()) else {
            return Redirect::to("/sign-in").into_response();
        };
        match body(store.as_ref(), &who.principal) {
            Ok(Some(b)) => Html(ui::page("Work queue", b)).into_response(),
            Ok(None) => {
                crate::Error::forbidden("Work queues are for caseworkers and team managers.")
                    .into_response()
            }
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}
