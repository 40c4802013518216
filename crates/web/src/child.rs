//! The child and the people around them, put right on the record: `/cases/{id}/child`
//! changes the child's details, `/cases/{id}/people/new` records a parent or carer. Each
//! change is an event with who made it and why (`app::intake::change_child`,
//! `add_person`), checked as a new request's details are.

use crate::auth::{SignedIn, Visitor};
use crate::intake::{child_details, child_questions, parent_details, parent_questions};
use crate::shell::{with_form, with_user};
use crate::steps::{Submitted, date_from, value};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::intake::IntakeError;
use sendscope_app::steps::StepError;
use sendscope_domain::access::Action;
use sendscope_domain::event::Child;
use sendscope_store::Store;

/// The record's child, for a user who may change the record; or the page to answer.
fn child_of(store: &dyn Store, who: &SignedIn, id: &str) -> Result<Child, crate::Error> {
    match sendscope_app::steps::changeable(store, &who.principal, id, Action::Change) {
        Ok(p) => p
            .case()
            .and_then(|c| c.child.clone())
            .ok_or_else(crate::Error::page_not_found),
        Err(StepError::Forbidden) => Err(crate::Error::forbidden(
            "Caseworkers and team managers change a child's record.",
        )),
        Err(StepError::Internal(m)) => Err(crate::Error::internal(m)),
        Err(_) => Err(crate::Error::page_not_found()),
    }
}

/// The child's details as the form's fields.
fn as_form(c: &Child) -> Submitted {
    let mut f: Submitted = vec![
        ("given_names".into(), c.given_names.clone()),
        ("family_name".into(), c.family_name.clone()),
        (
            "birth_date-day".into(),
            c.birth_date.format("%-d").to_string(),
        ),
        (
            "birth_date-month".into(),
            c.birth_date.format("%-m").to_string(),
        ),
        (
            "birth_date-year".into(),
            c.birth_date.format("%Y").to_string(),
        ),
        ("ethnicity".into(), c.ethnicity.clone()),
        (
            "interpreter".into(),
            if c.interpreter_needed { "yes" } else { "no" }.into(),
        ),
        (
            "parent_acts".into(),
            if c.parent_acts { "yes" } else { "no" }.into(),
        ),
    ];
    let sex = serde_json::to_value(c.sex)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string));
    let pairs = [
        ("preferred_name", c.preferred_name.clone()),
        ("sex", sex),
        ("upn", c.upn.as_ref().map(|u| u.to_string())),
        ("uln", c.uln.as_ref().map(|u| u.to_string())),
        ("nhs_number", c.nhs_number.as_ref().map(|n| n.to_string())),
        ("address", c.address.clone()),
        ("postcode", c.postcode.as_ref().map(|p| p.to_string())),
        ("home_language", c.home_language.clone()),
        ("la_of_residence", c.la_of_residence.map(|l| l.to_string())),
        (
            "social_worker",
            c.looked_after.as_ref().map(|l| l.social_worker.clone()),
        ),
        (
            "virtual_school",
            c.looked_after.as_ref().map(|l| l.virtual_school.clone()),
        ),
    ];
    f.extend(
        pairs
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v))),
    );
    f
}

/// Which page of the record: its title, the record, and where the form posts.
struct Frame<'a> {
    title: &'a str,
    id: &'a str,
    action: String,
}

fn page(
    f: Frame<'_>,
    child: &Child,
    who: &SignedIn,
    questions: Markup,
    problems: &ui::Problems<'_>,
    form: &Submitted,
) -> Markup {
    let Frame { title, id, action } = f;
    html! {
        (problems.summary())
        span.govuk-caption-l { (child.given_names) " " (child.family_name) }
        h1.govuk-heading-l { (title) }
        form method="post" action=(action) novalidate {
            (ui::csrf(&who.session.csrf))
            (questions)
            (ui::textarea(&problems.hinted("reason", "Why is the record changing?", "For example, the family told us of a new address"), "", 2, value(form, "reason")))
            div.govuk-button-group {
                (ui::submit("Save"))
                (ui::link(&format!("/cases/{id}"), "Cancel"))
            }
        }
    }
}

const DETAILS: &str = "Change the child's details";
const PERSON: &str = "Add a parent or carer";

fn details_page(
    id: &str,
    child: &Child,
    who: &SignedIn,
    form: &Submitted,
    problems: &[(&'static str, String)],
) -> Markup {
    let p = ui::Problems(problems);
    page(
        Frame {
            title: DETAILS,
            id,
            action: format!("/cases/{id}/child"),
        },
        child,
        who,
        child_questions(&p, form),
        &p,
        form,
    )
}

fn person_page(
    id: &str,
    child: &Child,
    who: &SignedIn,
    form: &Submitted,
    problems: &[(&'static str, String)],
) -> Markup {
    let p = ui::Problems(problems);
    page(
        Frame {
            title: PERSON,
            id,
            action: format!("/cases/{id}/people/new"),
        },
        child,
        who,
        parent_questions(&p, form, false),
        &p,
        form,
    )
}

/// What the application refused, as the form's problems (or the page to answer).
fn problems_of(e: IntakeError) -> Result<Vec<(&'static str, String)>, crate::Error> {
    match e {
        IntakeError::Invalid(v) => Ok(v),
        IntakeError::Refused(m) => Ok(vec![("reason", ui::sentence(&m))]),
        IntakeError::Forbidden => Err(crate::Error::forbidden(
            "Caseworkers and team managers change a child's record.",
        )),
        IntakeError::Internal(m) => Err(crate::Error::internal(m)),
    }
}

/// GET /cases/{id}/child
pub async fn details_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match child_of(store, &who, &id) {
            Ok(c) => Html(ui::page(
                DETAILS,
                details_page(&id, &c, &who, &as_form(&c), &[]),
            ))
            .into_response(),
            Err(r) => r.into_response(),
        }
    })
    .await
}

/// POST /cases/{id}/child
pub async fn details_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let child = match child_of(store, &who, &id) {
            Ok(c) => c,
            Err(r) => return r.into_response(),
        };
        let problems = match date_from(&form, "birth_date", "Date of birth") {
            Err(e) => vec![("birth_date", e)],
            Ok(born) => {
                let details = child_details(&form, born);
                match sendscope_app::intake::change_child(
                    store,
                    &who.principal,
                    who.username.as_str(),
                    &id,
                    &details,
                    value(&form, "reason"),
                ) {
                    Ok(()) => {
                        return Redirect::to(&format!("/cases/{id}?recorded=details"))
                            .into_response();
                    }
                    Err(e) => match problems_of(e) {
                        Ok(p) => p,
                        Err(r) => return r.into_response(),
                    },
                }
            }
        };
        (
            StatusCode::BAD_REQUEST,
            Html(ui::page(
                &format!("Error: {DETAILS}"),
                details_page(&id, &child, &who, &form, &problems),
            )),
        )
            .into_response()
    })
    .await
}

/// GET /cases/{id}/people/new
pub async fn person_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match child_of(store, &who, &id) {
            Ok(c) => {
                let form: Submitted = vec![("parent_pr".into(), "yes".into())];
                Html(ui::page(PERSON, person_page(&id, &c, &who, &form, &[]))).into_response()
            }
            Err(r) => r.into_response(),
        }
    })
    .await
}

/// POST /cases/{id}/people/new
pub async fn person_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let child = match child_of(store, &who, &id) {
            Ok(c) => c,
            Err(r) => return r.into_response(),
        };
        let problems = match parent_details(&form) {
            Err(e) => vec![e],
            Ok(None) => vec![(
                "parent_name",
                "Enter the parent or carer's full name".to_string(),
            )],
            Ok(Some(person)) => match sendscope_app::intake::add_person(
                store,
                &who.principal,
                who.username.as_str(),
                &id,
                &person,
                value(&form, "reason"),
            ) {
                Ok(()) => {
                    return Redirect::to(&format!("/cases/{id}?recorded=person")).into_response();
                }
                Err(e) => match problems_of(e) {
                    Ok(p) => p,
                    Err(r) => return r.into_response(),
                },
            },
        };
        (
            StatusCode::BAD_REQUEST,
            Html(ui::page(
                &format!("Error: {PERSON}"),
                person_page(&id, &child, &who, &form, &problems),
            )),
        )
            .into_response()
    })
    .await
}
