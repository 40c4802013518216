//! The work queue: for a caseworker their own cases, for a team manager their team's,
//! every statutory deadline that is overdue or due within 14 days, most urgent first,
//! with the caseworker who holds each child. A team manager also sees each caseworker's
//! caseload, filters the queue (by caseworker, step, overdue or due this week), moves
//! children between caseworkers with a reason, and downloads both as CSV. Computed from
//! the cases' records with the clock engine on each request; at national scale a team's
//! queue folds a few thousand records (a next-due column in the case index is the
//! planned replacement).

use crate::auth::{SignedIn, Visitor};
use crate::shell::{with_form, with_user};
use crate::steps::{Submitted, value, values};
use crate::{AppState, ui};
use axum::extract::{Form, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::caseload::{Caseload, caseloads, caseloads_csv, queue_csv, reassign};
use sendscope_app::queue::{Item, items, scope};
use sendscope_app::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_store::{CaseQuery, Store, StoreError};
use std::collections::HashMap;

const HORIZON: i64 = 14;

/// What the queue was asked for: whose children, which step, how soon.
struct Ask {
    caseworker: Option<sendscope_domain::ids::StaffId>,
    step: String,
    when: String,
}

fn ask(params: &HashMap<String, String>) -> Ask {
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    Ask {
        caseworker: uuid::Uuid::parse_str(&get("caseworker"))
            .ok()
            .map(sendscope_domain::ids::StaffId),
        step: get("step"),
        when: get("when"),
    }
}

/// Whether this user leads a team's queue (and so sees caseloads and moves children).
fn manages(p: &Principal) -> bool {
    scope(p).is_some_and(|q| q.caseworker.is_none())
}

/// The queue's scope narrowed by what was asked, and its items filtered.
fn queue(
    store: &dyn Store,
    p: &Principal,
    a: &Ask,
) -> Result<Option<(CaseQuery, Vec<Item>)>, StoreError> {
    if !authorise(p, Action::View, Resource::Queue { area: p.area }).allowed() {
        return Ok(None);
    }
    let Some(mut q) = scope(p) else {
        return Ok(None);
    };
    if q.caseworker.is_none() && a.caseworker.is_some() {
        q.caseworker = a.caseworker;
    }
    let list = items(store, q.clone(), p, HORIZON)?
        .into_iter()
        .filter(|i| a.step.is_empty() || i.step == a.step)
        .filter(|i| match a.when.as_str() {
            "overdue" => i.days_left < 0,
            "week" => (0..=7).contains(&i.days_left),
            _ => true,
        })
        .collect();
    Ok(Some((q, list)))
}

fn when_text(days_left: i64) -> String {
    match days_left {
        d if d < 0 => format!("Overdue by {} day{}", -d, if d == -1 { "" } else { "s" }),
        0 => "Due today".to_string(),
        d => format!("{d} day{} left", if d == 1 { "" } else { "s" }),
    }
}

fn caseload_table(loads: &[Caseload]) -> Markup {
    ui::table(
        "Caseloads",
        &[
            ui::col("Caseworker"),
            ui::num_col("Children"),
            ui::num_col("Deadlines overdue"),
        ],
        loads.iter().map(|c| {
            html! {
                (ui::cell(match c.staff {
                    Some(s) => ui::link(&format!("/queue?caseworker={s}"), &c.name),
                    None => html! { (c.name) },
                }))
                (ui::num(c.children))
                (ui::num(c.overdue))
            }
        }),
    )
}

/// The queue page's body for a user.
fn body(
    store: &dyn Store,
    who: &SignedIn,
    params: &HashMap<String, String>,
) -> Result<Option<(Markup, crate::access_log::Shows)>, StoreError> {
    let p = &who.principal;
    let a = ask(params);
    let Some((_, list)) = queue(store, p, &a)? else {
        return Ok(None);
    };
    // Each child on the queue (their name, what is due) is a view of their record.
    let mut shown: Vec<sendscope_domain::ids::CaseId> = list
        .iter()
        .filter_map(|i| sendscope_domain::ids::CaseId::parse(&i.case).ok())
        .collect();
    shown.sort();
    shown.dedup();
    let manager = manages(p);
    let whose = if manager {
        "your team's cases"
    } else {
        "your cases"
    };
    let loads = if manager {
        let all = items(store, scope(p).unwrap_or_default(), p, HORIZON)?;
        caseloads(store, p, &all)?
    } else {
        Vec::new()
    };
    let mut steps: Vec<&str> = list.iter().map(|i| i.step.as_str()).collect();
    steps.sort();
    steps.dedup();
    let step_options: Vec<(String, String)> = steps
        .iter()
        .map(|s| (s.to_string(), s.to_string()))
        .collect();
    let worker_options: Vec<(String, String)> = loads
        .iter()
        .filter_map(|c| c.staff.map(|s| (s.to_string(), c.name.clone())))
        .collect();
    let chosen_worker = a.caseworker.map(|s| s.to_string()).unwrap_or_default();
    let query: String = params
        .iter()
        .filter(|(k, v)| ["caseworker", "step", "when"].contains(&k.as_str()) && !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::shell::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let moved = params.get("moved").and_then(|m| m.parse::<usize>().ok());
    let section = |title: &str, keep: &dyn Fn(i64) -> bool| -> Markup {
        let shown: Vec<&Item> = list.iter().filter(|i| keep(i.days_left)).collect();
        let mut columns = vec![
            ui::col("Child"),
            ui::col("Caseworker"),
            ui::col("Step"),
            ui::col("Due"),
            ui::col("Today"),
        ];
        if manager {
            columns.insert(0, ui::col("Move"));
        }
        ui::table(
            &format!("{title} ({})", shown.len()),
            &columns,
            shown.into_iter().map(|i| html! {
                @if manager {
                    td.govuk-table__cell {
                        div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes" {
                            div.govuk-checkboxes__item {
                                input.govuk-checkboxes__input type="checkbox" name="cases" value=(i.case) id={ "move-" (i.case) "-" (i.step.len()) "-" (i.due) };
                                label class="govuk-label govuk-checkboxes__label" for={ "move-" (i.case) "-" (i.step.len()) "-" (i.due) } {
                                    span.govuk-visually-hidden { "Move " (i.name) }
                                }
                            }
                        }
                    }
                }
                (ui::cell(html! { a.govuk-link href={ "/cases/" (i.case) } { (i.name) } }))
                (ui::cell(&i.caseworker_name))
                (ui::cell(&i.step))
                (ui::cell(i.due.format("%-d %B %Y").to_string()))
                (ui::cell(when_text(i.days_left)))
            }),
        )
    };
    let sections = html! {
        (section("Overdue", &|d| d < 0))
        (section("Due in the next 7 days", &|d| (0..=7).contains(&d)))
        (section("Due in 8 to 14 days", &|d| (8..=HORIZON).contains(&d)))
    };
    Ok(Some((
        html! {
            @if let Some(n) = moved {
                (ui::notification_banner("Done", html! { p.govuk-notification-banner__heading { (n) " " @if n == 1 { "child" } @else { "children" } " moved." } }, true))
            }
            h1.govuk-heading-l { "Work queue" }
            p.govuk-body { "Statutory deadlines on " (whose) " that are overdue or due in the next 14 days, most urgent first." }
            p.govuk-body { (ui::link("/education", "Children out of full-time education")) ": missing education, part-time timetables, alternative provision and home education." }
            @if manager {
                (caseload_table(&loads))
                p.govuk-body { (ui::link("/caseloads.csv", "Download the caseloads (CSV)")) }
            }
            form method="get" action="/queue" {
                @if manager {
                    (ui::select("caseworker", "Caseworker", &worker_options, "Any", &chosen_worker))
                }
                (ui::select("step", "Step", &step_options, "Any", &a.step))
                (ui::select("when", "When", &[("overdue".into(), "Overdue".into()), ("week".into(), "Due this week".into())], "Overdue or due in 14 days", &a.when))
                (ui::submit("Filter"))
            }
            p.govuk-body { (ui::link(&format!("/queue.csv?{query}"), "Download this queue (CSV)")) }
            @if manager {
                form method="post" action="/queue/reassign" novalidate {
                    (ui::csrf(&who.session.csrf))
                    (sections)
                    h2.govuk-heading-m { "Move the children ticked" }
                    (ui::select_question(&ui::Question::new("to", "To caseworker"), &worker_options, Some("Choose a caseworker"), ""))
                    (ui::textarea(&ui::Question { hint: Some("For example, Amy is leaving; caseloads evened out"), ..ui::Question::new("reason", "Why are they moving?") }, "", 2, ""))
                    (ui::submit("Move the children"))
                }
            } @else {
                (sections)
            }
        },
        crate::access_log::Shows(shown),
    )))
}

/// GET /queue
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match body(store, &who, &params) {
            Ok(Some((b, shown))) => {
                let mut r = Html(ui::page("Work queue", b)).into_response();
                r.extensions_mut().insert(shown);
                r
            }
            Ok(None) => {
                crate::Error::forbidden("Work queues are for caseworkers and team managers.")
                    .into_response()
            }
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

fn csv(name: &str, text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response()
}

/// GET /queue.csv: the queue as filtered, as CSV.
pub async fn download(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match queue(store, &who.principal, &ask(&params)) {
            Ok(Some((_, list))) => {
                let mut r = csv("work-queue.csv", queue_csv(&list));
                r.extensions_mut().insert(crate::access_log::Shows(
                    list.iter()
                        .filter_map(|i| sendscope_domain::ids::CaseId::parse(&i.case).ok())
                        .collect(),
                ));
                r
            }
            Ok(None) => {
                crate::Error::forbidden("Work queues are for caseworkers and team managers.")
                    .into_response()
            }
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

/// GET /caseloads.csv: a team manager's caseloads, as CSV.
pub async fn download_caseloads(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !manages(p) {
            return crate::Error::forbidden("Caseloads are for team managers.").into_response();
        }
        let all = match items(store, scope(p).unwrap_or_default(), p, HORIZON) {
            Ok(a) => a,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        match caseloads(store, p, &all) {
            Ok(loads) => csv("caseloads.csv", caseloads_csv(&loads)),
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

/// POST /queue/reassign: moves the children ticked to another caseworker, with a reason.
pub async fn reassign_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let mut cases: Vec<String> = values(&form, "cases")
            .into_iter()
            .map(str::to_string)
            .collect();
        cases.sort();
        cases.dedup();
        match reassign(
            store,
            &who.principal,
            who.username.as_str(),
            &cases,
            value(&form, "to"),
            value(&form, "reason"),
        ) {
            Ok(n) => Redirect::to(&format!("/queue?moved={n}")).into_response(),
            Err(StepError::Invalid(m) | StepError::Refused(m)) => {
                crate::Error::invalid(ui::sentence(&m))
                    .heading("The children were not moved")
                    .back("/queue", "Back to the work queue")
                    .into_response()
            }
            Err(StepError::NotFound | StepError::Forbidden) => crate::Error::forbidden(
                "Team managers move their team's children between caseworkers.",
            )
            .into_response(),
            Err(StepError::Internal(m)) => crate::Error::internal(m).into_response(),
        }
    })
    .await
}
