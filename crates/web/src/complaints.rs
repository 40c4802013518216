//! The complaints register: `/complaints` lists the complaints on the records the user
//! handles, each with the day its response is due by the council's policy, open ones
//! first (overdue marked), and each response as it was sent; `GET /api/v1/complaints`
//! the same for other systems. A complaint is recorded, and answered, as a step on the
//! child's record.

use crate::api::{Caller, with_caller};
use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, Error, ui};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::complaints::{ComplaintItem, policy_on, register};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::ids::CaseId;
use std::collections::HashMap;

fn now_html(x: &ComplaintItem) -> Markup {
    let days = |n: i64| {
        if n == 1 {
            "1 day".to_string()
        } else {
            format!("{n} days")
        }
    };
    html! {
        @match x.state {
            "overdue" => { (ui::tag("Overdue", Some("red"))) " by " (days(x.days)) }
            "due" => { "Due in " (days(x.days)) }
            "late" => { "Answered " (long_date(x.responded_on.unwrap_or(x.respond_by))) ", " (days(x.days)) " late" }
            _ => { "Answered " (long_date(x.responded_on.unwrap_or(x.respond_by))) ", on time" }
        }
        @if let Some(upheld) = x.upheld { br; span.govuk-body-s { @if upheld { "Upheld" } @else { "Not upheld" } } }
    }
}

fn list_html(items: &[ComplaintItem], all: bool, policy: &str) -> Markup {
    html! {
        h1.govuk-heading-l { "Complaints" }
        p.govuk-body { "The council's policy: " (policy) ". A complaint still to be answered goes on the caseworker's work queue as its day nears." }
        p.govuk-body { "Record a complaint, or its response, as a step on the child's record." }
        nav.govuk-body aria-label="Which complaints" {
            @if all { a.govuk-link href="/complaints" { "Show only those still to be answered" } }
            @else { a.govuk-link href="/complaints?all=1" { "Show answered complaints too" } }
        }
        @if items.is_empty() {
            p.govuk-body { @if all { "There are no complaints on the records you handle." } @else { "No complaint is waiting for a response." } }
        } @else {
            table.govuk-table {
                caption class="govuk-table__caption govuk-table__caption--m" {
                    @if all { "Every complaint" } @else { "Waiting for a response" }
                }
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Child" }
                    th.govuk-table__header scope="col" { "Complaint" }
                    th.govuk-table__header scope="col" { "Received" }
                    th.govuk-table__header scope="col" { "Respond by" }
                    th.govuk-table__header scope="col" { "Now" }
                } }
                tbody.govuk-table__body {
                    @for x in items {
                        tr.govuk-table__row {
                            td.govuk-table__cell { a.govuk-link href={ "/cases/" (x.case) } { (x.child) } }
                            td.govuk-table__cell {
                                strong { (x.reference) } br; (x.about)
                                @if !x.response.is_empty() {
                                    details.govuk-details {
                                        summary.govuk-details__summary { span.govuk-details__summary-text { "The response" } }
                                        div.govuk-details__text { (x.response) }
                                    }
                                }
                            }
                            td.govuk-table__cell { (long_date(x.received_on)) }
                            td.govuk-table__cell { (long_date(x.respond_by)) }
                            td.govuk-table__cell {
                                (now_html(x))
                                @if x.responded_on.is_none() {
                                    br;
                                    a.govuk-link href={ "/cases/" (x.case) "/steps/complaint-responded?reference=" (x.reference) } {
                                        "Record the response" span.govuk-visually-hidden { " to " (x.reference) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn cases_of(items: &[ComplaintItem]) -> Vec<CaseId> {
    items
        .iter()
        .filter_map(|x| CaseId::parse(&x.case).ok())
        .collect()
}

/// Whether the role handles casework (and so complaints) at all.
fn handles_casework(p: &sendscope_domain::access::Principal) -> bool {
    authorise(p, Action::View, Resource::Queue { area: p.area }).allowed()
}

/// GET /complaints[?all=1]
pub async fn list(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !handles_casework(&who.principal) {
            return Error::forbidden("Complaints are handled by the staff who record casework.")
                .into_response();
        }
        let all = params.contains_key("all");
        let policy = match policy_on(store, who.principal.area, england_today()) {
            Ok(p) => p.describe(),
            Err(e) => return Error::internal(format!("{e:?}")).into_response(),
        };
        match register(store, &who.principal, !all) {
            Ok(items) => {
                let mut r =
                    Html(ui::page("Complaints", list_html(&items, all, &policy))).into_response();
                r.extensions_mut()
                    .insert(crate::access_log::Shows(cases_of(&items)));
                r
            }
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// GET /api/v1/complaints[?all=true]: the register, open first.
pub async fn api_list(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_caller(&app, visitor, move |store, c: Caller| {
        if !handles_casework(&c.principal) {
            return Err(Error::forbidden(
                "Complaints are handled by the staff who record casework.",
            ));
        }
        let all = params.get("all").is_some_and(|v| v == "true" || v == "1");
        let items = register(store, &c.principal, !all).map_err(Error::internal)?;
        let body = serde_json::to_vec(&serde_json::json!({ "complaints": items }))
            .map_err(Error::internal)?;
        let mut r = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        r.extensions_mut()
            .insert(crate::access_log::Shows(cases_of(&items)));
        Ok(r)
    })
    .await
}
