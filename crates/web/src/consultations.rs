//! Consultations for schools and settings: `/consultations` lists what the school is
//! asked, with the 15-day deadline; `/cases/{id}/consultation` takes its answer (it can
//! or cannot meet the child's needs, why, and what it would cost). `/reviews` lists the
//! school's pupils with a plan: each one's annual review, the meeting, and the review
//! paperwork sent for it.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{Submitted, not_found, value, with_user};
use crate::{AppState, Error, ui};
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::consultations::{
    Answer, ConsultationItem, PupilReview, answer, of_my_setting, reviews_of_my_pupils,
};
use sendscope_app::steps::StepError;
use sendscope_domain::access::Role;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::ids::CaseId;

fn list_html(items: &[ConsultationItem], answered: bool) -> Markup {
    let today = england_today();
    html! {
        @if answered { (ui::notification_banner("Your answer is sent to the council", html! {}, true)) }
        h1.govuk-heading-l { "Consultations" }
        p.govuk-body { "The council asks whether your school or setting can meet a child's needs before naming it in their plan. Answer within 15 days of being asked." }
        @if items.is_empty() { p.govuk-body { "Your school or setting has not been consulted." } }
        @else {
            table.govuk-table {
                caption class="govuk-table__caption govuk-table__caption--m" { "Asked of your school or setting" }
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Child" }
                    th.govuk-table__header scope="col" { "Asked" }
                    th.govuk-table__header scope="col" { "Answer by" }
                    th.govuk-table__header scope="col" { "Now" }
                } }
                tbody.govuk-table__body {
                    @for x in items {
                        tr.govuk-table__row {
                            td.govuk-table__cell { (x.child) }
                            td.govuk-table__cell { (long_date(x.consulted_on)) }
                            td.govuk-table__cell { (long_date(x.due)) }
                            td.govuk-table__cell {
                                @match (x.responded_on, x.can_meet_needs) {
                                    (Some(on), Some(true)) => { "Answered " (long_date(on)) ": can meet needs" }
                                    (Some(on), _) => { "Answered " (long_date(on)) ": cannot meet needs" }
                                    (None, _) => {
                                        @if today > x.due { (ui::tag("Overdue", Some("red"))) " " }
                                        a.govuk-link href={ "/cases/" (x.case) "/consultation" } { "Answer" span.govuk-visually-hidden { " for " (x.child) } }
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

/// GET /consultations
pub async fn list(
    State(app): State<AppState>,
    visitor: Visitor,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if who.principal.role != Role::School {
            return Error::forbidden(
                "Consultations are answered by the school or setting consulted.",
            )
            .into_response();
        }
        match of_my_setting(store, &who.principal) {
            Ok(items) => {
                let mut r = Html(ui::page(
                    "Consultations",
                    list_html(&items, params.contains_key("answered")),
                ))
                .into_response();
                let cases = items
                    .iter()
                    .filter_map(|x| CaseId::parse(&x.case).ok())
                    .collect();
                r.extensions_mut().insert(crate::access_log::Shows(cases));
                r
            }
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

fn form_html(id: &str, who: &SignedIn, form: &Submitted, error: Option<(&str, &str)>) -> Markup {
    let err = |f: &str| error.filter(|(k, _)| *k == f).map(|(_, m)| m);
    let options = vec![
        (
            "yes".to_string(),
            "Yes, we can meet the child's needs".to_string(),
        ),
        ("no".to_string(), "No, we cannot".to_string()),
    ];
    html! {
        a.govuk-back-link href="/consultations" { "Back to consultations" }
        @if let Some((f, m)) = error { (ui::error_summary([(f, m)])) }
        h1.govuk-heading-l { "Answer the consultation" }
        form method="post" action={ "/cases/" (id) "/consultation" } novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::radios(&ui::Question { error: err("can_meet_needs"), ..ui::Question::new("can_meet_needs", "Can your school or setting meet the child's needs?") }, &options, value(form, "can_meet_needs"), None))
            (ui::textarea(&ui::Question { error: err("reasons"), hint: Some("Needed if you cannot: what stands in the way, and what would make it possible"), ..ui::Question::new("reasons", "Your reasons") }, "", 5, value(form, "reasons")))
            (ui::text_input(&ui::Question { error: err("annual_cost"), hint: Some("What meeting the needs would cost a year beyond your own funding, if anything"), ..ui::Question::new("annual_cost", "Cost a year") }, " (optional)", ui::Width::Money, value(form, "annual_cost")))
            (ui::submit("Send the answer"))
        }
    }
}

/// GET /cases/{id}/consultation
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let awaited = of_my_setting(store, &who.principal)
            .map(|items| {
                items
                    .iter()
                    .any(|x| x.case == id && x.responded_on.is_none())
            })
            .unwrap_or(false);
        if !awaited {
            return not_found();
        }
        Html(ui::page(
            "Answer the consultation",
            form_html(&id, &who, &Vec::new(), None),
        ))
        .into_response()
    })
    .await
}

/// POST /cases/{id}/consultation
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if value(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        let Ok(case) = CaseId::parse(&id) else {
            return not_found();
        };
        let again = |f: &str, m: &str| {
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(ui::page(
                    "Answer the consultation",
                    form_html(&id, &who, &form, Some((f, m))),
                )),
            )
                .into_response()
        };
        let can_meet_needs = match value(&form, "can_meet_needs") {
            "yes" => true,
            "no" => false,
            _ => {
                return again(
                    "can_meet_needs",
                    "Select whether your school or setting can meet the child's needs",
                );
            }
        };
        let reasons = value(&form, "reasons").to_string();
        if !can_meet_needs && reasons.is_empty() {
            return again(
                "reasons",
                "Say why your school or setting cannot meet the child's needs",
            );
        }
        let cost = value(&form, "annual_cost")
            .trim_start_matches('£')
            .replace(',', "");
        let annual_cost_pence = if cost.is_empty() {
            None
        } else {
            match cost.parse::<f64>() {
                Ok(p) if (0.0..10_000_000.0).contains(&p) => Some((p * 100.0).round() as u64),
                _ => {
                    return again(
                        "annual_cost",
                        "Cost a year must be an amount in pounds, for example 4500 or 4500.50",
                    );
                }
            }
        };
        match answer(
            store,
            who.username.as_str(),
            &who.principal,
            case,
            Answer {
                can_meet_needs,
                reasons,
                annual_cost_pence,
            },
        ) {
            Ok(()) => Redirect::to("/consultations?answered=1").into_response(),
            Err(StepError::Refused(m) | StepError::Invalid(m)) => {
                again("can_meet_needs", &ui::sentence(&m))
            }
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => {
                Error::forbidden("Only the school or setting consulted can answer here.")
                    .into_response()
            }
            Err(StepError::Internal(e)) => Error::internal(e).into_response(),
        }
    })
    .await
}

fn reviews_html(items: &[PupilReview]) -> Markup {
    let today = england_today();
    html! {
        h1.govuk-heading-l { "Annual reviews of your pupils" }
        p.govuk-body { "Each EHC plan is reviewed at least every 12 months. Send the review paperwork (your report and the advice you have gathered) at least two weeks before the meeting, so everyone can read it first." }
        @if items.is_empty() { p.govuk-body { "None of your pupils has an EHC plan on the council's records." } }
        @else {
            table.govuk-table {
                caption class="govuk-table__caption govuk-table__caption--m" { "Your pupils with an EHC plan" }
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Pupil" }
                    th.govuk-table__header scope="col" { "Review due by" }
                    th.govuk-table__header scope="col" { "Meeting" }
                    th.govuk-table__header scope="col" { "Review paperwork" }
                } }
                tbody.govuk-table__body {
                    @for x in items {
                        tr.govuk-table__row {
                            td.govuk-table__cell { a.govuk-link href={ "/cases/" (x.case) } { (x.child) } }
                            td.govuk-table__cell {
                                @match x.review_due {
                                    Some(d) => { (long_date(d)) @if d < today { " " (ui::tag("Overdue", Some("red"))) } }
                                    None => { "Not due" }
                                }
                            }
                            td.govuk-table__cell {
                                @match x.meeting_on { Some(d) => { (long_date(d)) } None => { "Not arranged yet" } }
                            }
                            td.govuk-table__cell {
                                @for (title, on) in &x.paperwork { (title) ", sent " (long_date(*on)) br; }
                                @if let Some(by) = x.paperwork_by {
                                    @if x.paperwork.is_empty() {
                                        "Send by " (long_date(by))
                                        @if by < today { " " (ui::tag("Late", Some("red"))) }
                                        br;
                                    }
                                }
                                a.govuk-link href={ "/cases/" (x.case) "/documents/new?kind=review" } {
                                    "Send review paperwork" span.govuk-visually-hidden { " for " (x.child) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GET /reviews: the school's pupils with a plan and their annual reviews.
pub async fn reviews(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        if who.principal.role != Role::School {
            return Error::forbidden(
                "This list is for schools and settings: their pupils' reviews.",
            )
            .into_response();
        }
        match reviews_of_my_pupils(store, &who.principal) {
            Ok(items) => {
                let mut r = Html(ui::page(
                    "Annual reviews of your pupils",
                    reviews_html(&items),
                ))
                .into_response();
                let cases = items
                    .iter()
                    .filter_map(|x| CaseId::parse(&x.case).ok())
                    .collect();
                r.extensions_mut().insert(crate::access_log::Shows(cases));
                r
            }
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}
