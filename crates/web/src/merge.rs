//! `/cases/{id}/merge`: a team manager joins a duplicate record of the same child into
//! this one, choosing from the records with the same date of birth and a similar name
//! (or giving a reference), with a reason. Over `app::merge`, which the API's
//! `POST /api/v1/cases/{id}/merge` also calls.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{not_found, with_form, with_user};
use crate::steps::{Submitted, value};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::steps::StepError;
use sendscope_domain::calendar::long_date;
use sendscope_store::Store;

const TITLE: &str = "Merge a duplicate record into this one";

/// The page, or why it cannot be shown.
fn render(
    store: &dyn Store,
    who: &SignedIn,
    id: &str,
    form: &Submitted,
    problems: &[(&'static str, String)],
) -> Result<Markup, Box<Response>> {
    let p = sendscope_app::steps::changeable(
        store,
        &who.principal,
        id,
        sendscope_domain::access::Action::Approve,
    )
    .map_err(|e| {
        Box::new(match e {
            StepError::Forbidden => {
                crate::Error::forbidden("Team managers merge records.").into_response()
            }
            StepError::Internal(m) => crate::Error::internal(m).into_response(),
            _ => not_found(),
        })
    })?;
    let child = p
        .case()
        .and_then(|c| c.child.clone())
        .ok_or_else(|| Box::new(not_found()))?;
    let matches = sendscope_app::intake::possible_matches(store, &who.principal, &child)
        .map_err(|e| Box::new(crate::Error::internal(e).into_response()))?;
    let options: Vec<(String, String)> = matches
        .iter()
        .filter(|m| m.case.to_string() != id)
        .map(|m| {
            let born = m.birth_date.map(long_date).unwrap_or_default();
            (
                m.case.to_string(),
                format!("{}, born {born} (reference {}): {}", m.name, m.case, m.why),
            )
        })
        .collect();
    let q = ui::Problems(problems);
    Ok(html! {
        (q.summary())
        span.govuk-caption-l { (child.given_names) " " (child.family_name) }
        h1.govuk-heading-l { (TITLE) }
        p.govuk-body { "Merge when two records are the same child. This record goes on; the duplicate keeps its history, \
            linked here, and no longer counts in any list or figure. Nothing is copied across, so keep the record that holds the child's casework." }
        form method="post" action={ "/cases/" (id) "/merge" } novalidate {
            (ui::csrf(&who.session.csrf))
            @if options.is_empty() {
                p.govuk-body { "No other record has the same date of birth and a similar name. Give the duplicate's reference if you know it." }
            } @else {
                (ui::radios(&q.question("duplicate", "Which record is the duplicate?"), &options, value(form, "duplicate"), None))
            }
            (ui::text_input(&q.hinted("reference", "Or the duplicate's reference", "From the duplicate record's page"), " (optional)", ui::Width::Half, value(form, "reference")))
            (ui::textarea(&q.hinted("reason", "Why are these the same child?", "For example, the same name, date of birth and address; the school confirmed"), "", 3, value(form, "reason")))
            div.govuk-button-group {
                button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Merge the records" }
                (ui::link(&format!("/cases/{id}"), "Cancel"))
            }
        }
    })
}

/// GET /cases/{id}/merge
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match render(store, &who, &id, &Vec::new(), &[]) {
            Ok(body) => Html(ui::page(TITLE, body)).into_response(),
            Err(r) => *r,
        }
    })
    .await
}

/// POST /cases/{id}/merge
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let duplicate = match (value(&form, "reference"), value(&form, "duplicate")) {
            ("", d) => d,
            (r, _) => r,
        };
        let problems: Vec<(&'static str, String)> = if duplicate.is_empty() {
            vec![(
                "duplicate",
                "Choose the duplicate record, or give its reference".into(),
            )]
        } else {
            match sendscope_app::merge::merge(
                store,
                &who.principal,
                who.username.as_str(),
                duplicate,
                &id,
                value(&form, "reason"),
            ) {
                Ok(()) => {
                    return Redirect::to(&format!("/cases/{id}?recorded=merge")).into_response();
                }
                Err(StepError::Invalid(m)) if m.starts_with("say why") => {
                    vec![("reason", "Say why these are the same child".into())]
                }
                Err(StepError::Invalid(m) | StepError::Refused(m)) => {
                    vec![("reference", ui::sentence(&m))]
                }
                Err(StepError::NotFound | StepError::Forbidden) => vec![(
                    "reference",
                    "There is no record with that reference in your team: check the reference"
                        .into(),
                )],
                Err(StepError::Internal(m)) => return crate::Error::internal(m).into_response(),
            }
        };
        match render(store, &who, &id, &form, &problems) {
            Ok(body) => (
                StatusCode::BAD_REQUEST,
                Html(ui::page(&format!("Error: {TITLE}"), body)),
            )
                .into_response(),
            Err(r) => *r,
        }
    })
    .await
}
