//! Advice for assessments, for the services asked: `/advice` lists what is asked of the
//! user's service with due dates (six weeks), on time and late, and the area's figures
//! for it (for health, the designated clinical officer's view); each opens the child's
//! record and a form to give the advice (words, a report, or both), which stops the
//! clock. `GET /api/v1/advice-requests` and `POST /api/v1/cases/{id}/advice` do the same
//! for other systems.

use crate::api::{Caller, step_problem, with_caller};
use crate::auth::{SignedIn, Visitor};
use crate::multipart::parts;
use crate::shell::{not_found, with_user};
use crate::{AppState, Error, ui};
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::advice::{AdviceItem, Given, asked_of, give as give_advice, services_for};
use sendscope_app::documents::Upload;
use sendscope_app::steps::StepError;
use sendscope_domain::calendar::long_date;
use sendscope_domain::documents::DocumentKind;
use sendscope_domain::ids::CaseId;
use sendscope_domain::sen::AdviceKind;
use sendscope_domain::{StreamRef, access::Role};

fn service_of(slug: &str) -> Option<AdviceKind> {
    serde_json::from_value(serde_json::Value::String(slug.to_string())).ok()
}

fn slug_of(k: AdviceKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn state_tag(x: &AdviceItem) -> Markup {
    let plural = |n: i64| if n == 1 { "day" } else { "days" };
    match x.state {
        "overdue" => ui::tag(
            &format!("Overdue by {} {}", x.days, plural(x.days)),
            Some("red"),
        ),
        "due" => ui::tag(
            &format!("{} {} left", x.days, plural(x.days)),
            Some(if x.days <= 7 { "yellow" } else { "blue" }),
        ),
        "late" => ui::tag(
            &format!("Given {} {} late", x.days, plural(x.days)),
            Some("orange"),
        ),
        _ => ui::tag("Given on time", Some("green")),
    }
}

fn list_html(items: &[AdviceItem], role: Role) -> Markup {
    let open: Vec<&AdviceItem> = items.iter().filter(|x| x.received_on.is_none()).collect();
    let overdue = open.iter().filter(|x| x.state == "overdue").count();
    let year_ago = sendscope_domain::calendar::england_today() - chrono::Days::new(365);
    let given: Vec<&AdviceItem> = items
        .iter()
        .filter(|x| x.received_on.is_some_and(|d| d >= year_ago))
        .collect();
    let on_time = given.iter().filter(|x| x.state == "on_time").count();
    let whose = match role.advice_service() {
        Some(k) => format!("{} advice", k.service()),
        None => "Advice".to_string(),
    };
    html! {
        h1.govuk-heading-l { "Advice asked for assessments" }
        p.govuk-body { "Advice is due six weeks from the day it is asked for. Give it from the child's line below." }
        (ui::summary_list([
            (format!("{whose} awaited"), format!("{} ({overdue} overdue)", open.len())),
            (format!("{whose} given in the last 12 months"), if given.is_empty() {
                "none".to_string()
            } else {
                format!("{} ({on_time} on time, {}%)", given.len(), on_time * 100 / given.len())
            }),
        ]))
        @if open.is_empty() {
            p.govuk-body { "Nothing is awaited from you now." }
        } @else {
            table.govuk-table {
                caption class="govuk-table__caption govuk-table__caption--m" { "Awaited, soonest due first" }
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Child" }
                    th.govuk-table__header scope="col" { "Service" }
                    th.govuk-table__header scope="col" { "Asked" }
                    th.govuk-table__header scope="col" { "Due" }
                    th.govuk-table__header scope="col" { "Now" }
                    th.govuk-table__header scope="col" { span.govuk-visually-hidden { "Action" } }
                } }
                tbody.govuk-table__body {
                    @for x in &open {
                        tr.govuk-table__row {
                            td.govuk-table__cell { a.govuk-link href={ "/cases/" (x.case) } { (x.child) } }
                            td.govuk-table__cell { (x.service.service()) }
                            td.govuk-table__cell { (long_date(x.requested_on)) }
                            td.govuk-table__cell { (long_date(x.due)) }
                            td.govuk-table__cell { (state_tag(x)) }
                            td.govuk-table__cell {
                                a.govuk-link href={ "/cases/" (x.case) "/advice/" (x.request) "/" (slug_of(x.service)) } {
                                    "Give advice" span.govuk-visually-hidden { " for " (x.child) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// GET /advice
pub async fn list(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        let role = who.principal.role;
        if role.advice_service().is_none() && !matches!(role, Role::Caseworker | Role::TeamManager)
        {
            return Error::forbidden("Your role is not asked for advice.").into_response();
        }
        match asked_of(store, &who.principal) {
            Ok(items) => {
                let mut r = Html(ui::page(
                    "Advice asked for assessments",
                    list_html(&items, who.principal.role),
                ))
                .into_response();
                // Each child on the list is a view of their record.
                let cases: Vec<CaseId> = items
                    .iter()
                    .filter(|x| x.received_on.is_none())
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

fn form_html(
    id: &str,
    child: &str,
    request: u32,
    service: AdviceKind,
    who: &SignedIn,
    advice: &str,
    error: Option<(&str, &str)>,
) -> Markup {
    let err = |f: &str| error.filter(|(k, _)| *k == f).map(|(_, m)| m);
    html! {
        a.govuk-back-link href={ "/cases/" (id) } { "Back to the record" }
        @if let Some((field, message)) = error { (ui::error_summary([(field, message)])) }
        span.govuk-caption-l { (child) }
        h1.govuk-heading-l { "Give " (service.service().to_lowercase()) " advice" }
        p.govuk-body { "For request " (request) ". Write the advice, attach your report, or both. Giving it records the advice as received today." }
        form method="post" action={ "/cases/" (id) "/advice/" (request) "/" (slug_of(service)) } enctype="multipart/form-data" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::textarea(&ui::Question { error: err("advice"), hint: Some("The child's needs as your service sees them, and the provision and outcomes you advise"), ..ui::Question::new("advice", "Your advice") }, "", 10, advice))
            div class=(if err("file").is_some() { "govuk-form-group govuk-form-group--error" } else { "govuk-form-group" }) {
                label.govuk-label.govuk-label--s for="file" { "Your report (optional)" }
                div.govuk-hint id="file-hint" { "A PDF, Word document (.docx), PNG or JPEG image, up to 20 MB" }
                @if let Some(e) = err("file") {
                    p.govuk-error-message id="file-error" { span.govuk-visually-hidden { "Error:" } " " (e) }
                }
                input.govuk-file-upload id="file" name="file" type="file" accept=".pdf,.docx,.png,.jpg,.jpeg" aria-describedby="file-hint";
            }
            (ui::submit("Give the advice"))
        }
    }
}

fn child_of(
    store: &dyn sendscope_store::Store,
    who: &SignedIn,
    id: &str,
    service: AdviceKind,
) -> Option<String> {
    let case = CaseId::parse(id).ok()?;
    let p = store.projection(StreamRef::case(case)).ok()??;
    if !sendscope_app::access::may_see(&who.principal, &p)
        || !services_for(&who.principal, &p).contains(&service)
    {
        return None;
    }
    p.case()?
        .child
        .as_ref()
        .map(|c| format!("{} {}", c.given_names, c.family_name))
}

/// GET /cases/{id}/advice/{request}/{service}
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, request, service)): Path<(String, u32, String)>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Some(service) = service_of(&service) else {
            return not_found();
        };
        let Some(child) = child_of(store, &who, &id, service) else {
            return not_found();
        };
        Html(ui::page(
            "Give advice",
            form_html(&id, &child, request, service, &who, "", None),
        ))
        .into_response()
    })
    .await
}

/// The report attached to advice, if a file was sent.
fn report(service: AdviceKind, file_name: &str, bytes: Vec<u8>) -> Option<Upload> {
    (!bytes.is_empty()).then(|| Upload {
        file_name: file_name.to_string(),
        title: format!("{} advice: report", service.service()),
        kind: DocumentKind::Advice,
        bytes,
    })
}

/// POST /cases/{id}/advice/{request}/{service}
pub async fn give(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, request, service)): Path<(String, u32, String)>,
    multipart: Multipart,
) -> Response {
    let form = parts(multipart).await;
    with_user(&app, visitor, move |store, who| {
        let form = match crate::multipart::for_session(form, &who.session.csrf) {
            Ok(f) => f,
            Err(r) => return *r,
        };
        let Some(service) = service_of(&service) else {
            return not_found();
        };
        let Some(child) = child_of(store, &who, &id, service) else {
            return not_found();
        };
        let Ok(case) = CaseId::parse(&id) else {
            return not_found();
        };
        let given = Given {
            request,
            service,
            advice: form.field("advice").to_string(),
            report: report(service, &form.file_name, form.bytes.clone()),
        };
        let again = |field: &str, m: &str| {
            (
                axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                Html(ui::page(
                    "Give advice",
                    form_html(
                        &id,
                        &child,
                        request,
                        service,
                        &who,
                        form.field("advice"),
                        Some((field, m)),
                    ),
                )),
            )
                .into_response()
        };
        match give_advice(store, who.username.as_str(), &who.principal, case, given) {
            Ok(()) => Redirect::to(&format!("/cases/{id}?recorded=advice")).into_response(),
            Err(StepError::Invalid(m)) if m.starts_with("Write the advice") => again("advice", &m),
            Err(StepError::Invalid(m)) => again("file", &ui::sentence(&m)),
            Err(StepError::Refused(m)) => again("advice", &ui::sentence(&m)),
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => {
                Error::forbidden("Your role cannot give this advice.").into_response()
            }
            Err(StepError::Internal(e)) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// GET /api/v1/advice-requests: what is asked of the caller's service, open first.
pub async fn api_list(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_caller(&app, visitor, move |store, c: Caller| {
        let items = asked_of(store, &c.principal).map_err(Error::internal)?;
        let body = serde_json::to_vec(&serde_json::json!({ "advice_requests": items }))
            .map_err(Error::internal)?;
        let cases: Vec<CaseId> = items
            .iter()
            .filter_map(|x| CaseId::parse(&x.case).ok())
            .collect();
        let mut r = ([(header::CONTENT_TYPE, "application/json")], body).into_response();
        r.extensions_mut().insert(crate::access_log::Shows(cases));
        Ok(r)
    })
    .await
}

/// POST /api/v1/cases/{id}/advice: multipart with `request`, `service`, `advice` and,
/// optionally, `file` (the report).
pub async fn api_give(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> Response {
    let form = parts(multipart).await;
    with_caller(&app, visitor, move |store, c: Caller| {
        let form = form.map_err(|m| Error::invalid(ui::sentence(&m)))?;
        let not_found = "There is no child's record with that reference that you can see";
        let case = CaseId::parse(&id).map_err(|_| Error::not_found(not_found))?;
        let request = form
            .field("request")
            .parse()
            .map_err(|_| Error::invalid("request must be the request's number, for example 1"))?;
        let service = service_of(form.field("service")).ok_or_else(|| {
            Error::invalid(
                "service must be one of: education, educational_psychology, health, social_care",
            )
        })?;
        let given = Given {
            request,
            service,
            advice: form.field("advice").to_string(),
            report: report(service, &form.file_name, form.bytes),
        };
        give_advice(store, &c.username, &c.principal, case, given)
            .map_err(|e| step_problem(e, not_found, "Your role cannot give this advice"))?;
        Ok((
            axum::http::StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"given\":true}",
        )
            .into_response())
    })
    .await
}
