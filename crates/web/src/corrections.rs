//! Putting a step right on its record's page: `/cases/{id}/events/{seq}/correct` shows the
//! step's own form with what was recorded, and a reason; `/void` asks why the step was
//! recorded by mistake. Over `app::corrections`, which the API's
//! `POST /api/v1/cases/{id}/events/{seq}/correction` and `/void` also call.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{not_found, with_user};
use crate::steps::{
    Context, FieldError, Submitted, child_name, corrected, payload, prefill, prepare, render_field,
    step_for, value,
};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::corrections;
use sendscope_app::steps::StepError;
use sendscope_store::Store;

/// A refusal from the application as the page answers it.
fn refused(
    store: &dyn Store,
    who: &SignedIn,
    id: &str,
    e: StepError,
) -> Result<String, Box<Response>> {
    match e {
        StepError::Refused(m) | StepError::Invalid(m) => Ok(m),
        StepError::NotFound => Err(Box::new(not_found())),
        StepError::Forbidden => Err(crate::steps::open_for_change(store, who, id, None)
            .err()
            .unwrap_or_else(|| Box::new(not_found()))),
        StepError::Internal(m) => Err(Box::new(crate::Error::internal(m).into_response())),
    }
}

struct CorrectionPage<'a> {
    id: &'a str,
    seq: u64,
    child: &'a str,
    step: &'static crate::steps::Step,
    ctx: &'a Context,
    form: &'a Submitted,
    errors: &'a [FieldError],
    csrf: &'a str,
}

fn render_correction(v: &CorrectionPage<'_>) -> Markup {
    let p = ui::Problems(v.errors);
    html! {
        (p.summary())
        span.govuk-caption-l { (v.child) }
        h1.govuk-heading-l { "Correct: " (v.step.title) }
        p.govuk-body { "Change what was recorded wrongly. The step as first recorded stays in the record's history, with your correction, your name and your reason beside it." }
        form method="post" action={ "/cases/" (v.id) "/events/" (v.seq) "/correct" } novalidate {
            (ui::csrf(v.csrf))
            @for field in v.step.fields { (render_field(field, v.ctx, v.form, v.errors)) }
            (ui::textarea(&p.hinted("reason", "Why is it being corrected?", "For example, the date was taken from the wrong letter"), "", 3, value(v.form, "reason")))
            div.govuk-button-group {
                (ui::submit("Save the correction"))
                (ui::link(&format!("/cases/{}", v.id), "Cancel"))
            }
        }
    }
}

/// The step's form for `seq`, with the context its choices need, or the page to answer.
fn open(
    store: &dyn Store,
    app: &AppState,
    who: &SignedIn,
    id: &str,
    seq: u64,
) -> Result<
    (
        &'static crate::steps::Step,
        Context,
        String,
        serde_json::Value,
    ),
    Box<Response>,
> {
    let (_, t, now) = target(store, who, id, seq)?;
    let step = step_for(&t.event_type).ok_or_else(|| Box::new(not_found()))?;
    let (_, p, ctx) = prepare(store, &app.filter_options, who, id, step.slug)?;
    Ok((step, ctx, child_name(&p), now))
}

/// Step `seq` of record `id`, if this user may put it right: the record, the step, and
/// the values it holds now.
fn target(
    store: &dyn Store,
    who: &SignedIn,
    id: &str,
    seq: u64,
) -> Result<
    (
        sendscope_domain::Projection,
        sendscope_domain::RecordedEvent,
        serde_json::Value,
    ),
    Box<Response>,
> {
    corrections::current_values(store, &who.principal, id, seq).map_err(|e| {
        match refused(store, who, id, e) {
            Ok(m) => Box::new(crate::Error::refused(m).into_response()),
            Err(r) => r,
        }
    })
}

/// What a step is called on the void page: its form's title, or its type in words.
fn step_title(event_type: &str) -> String {
    step_for(event_type)
        .map(|s| s.title.to_string())
        .unwrap_or_else(|| {
            ui::sentence(
                &event_type
                    .split_once('.')
                    .map(|(_, t)| t)
                    .unwrap_or(event_type)
                    .replace('_', " "),
            )
        })
}

/// Runs `f` for a signed-in user on step `seq` of record `id` to be voided, once the
/// form's CSRF token (when one was posted) is checked: any step that may be put right,
/// with a form of its own or not. `f` gets the step's title and whose record it is.
async fn on_void(
    app: AppState,
    visitor: Visitor,
    id: String,
    seq: u64,
    posted: Option<&Submitted>,
    f: impl FnOnce(&dyn Store, &SignedIn, String, String) -> Response + Send + 'static,
) -> Response {
    let csrf = posted.map(|form| value(form, "csrf").to_string());
    with_user(&app, visitor, move |store, who| {
        if csrf.is_some_and(|c| c != who.session.csrf) {
            return crate::form_expired();
        }
        match target(store, &who, &id, seq) {
            Ok((p, t, _)) => f(store, &who, step_title(&t.event_type), child_name(&p)),
            Err(r) => *r,
        }
    })
    .await
}

/// A step opened for putting right: its form, the choices it needs, whose record, and
/// the values it holds now.
struct Opened {
    step: &'static crate::steps::Step,
    ctx: Context,
    child: String,
    now: serde_json::Value,
}

/// Runs `f` for a signed-in user on step `seq` of record `id`, once the form's CSRF token
/// (when one was posted) is checked and the step is one they may put right.
async fn on_step(
    app: AppState,
    visitor: Visitor,
    id: String,
    seq: u64,
    posted: Option<&Submitted>,
    f: impl FnOnce(&dyn Store, &SignedIn, Opened) -> Response + Send + 'static,
) -> Response {
    let csrf = posted.map(|form| value(form, "csrf").to_string());
    let state = app.clone();
    with_user(&app, visitor, move |store, who| {
        if csrf.is_some_and(|c| c != who.session.csrf) {
            return crate::form_expired();
        }
        match open(store, &state, &who, &id, seq) {
            Ok((step, ctx, child, now)) => f(
                store,
                &who,
                Opened {
                    step,
                    ctx,
                    child,
                    now,
                },
            ),
            Err(r) => *r,
        }
    })
    .await
}

/// GET /cases/{id}/events/{seq}/correct
pub async fn correct_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
) -> Response {
    let path_id = id.clone();
    on_step(app, visitor, path_id, seq, None, move |_, who, o| {
        let form = prefill(o.step, &o.now);
        let page = CorrectionPage {
            id: &id,
            seq,
            child: &o.child,
            step: o.step,
            ctx: &o.ctx,
            form: &form,
            errors: &[],
            csrf: &who.session.csrf,
        };
        Html(ui::page(
            &format!("Correct: {}", o.step.title),
            render_correction(&page),
        ))
        .into_response()
    })
    .await
}

/// POST /cases/{id}/events/{seq}/correct
pub async fn correct_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
    Form(form): Form<Submitted>,
) -> Response {
    let (path_id, posted) = (id.clone(), form.clone());
    on_step(
        app,
        visitor,
        path_id,
        seq,
        Some(&posted),
        move |store, who, o| {
            let mut errors = match payload(o.step, &form, &o.ctx) {
                Ok(asked) => {
                    let new = corrected(o.step, &o.now, asked);
                    let reason = value(&form, "reason");
                    match corrections::correct(
                        store,
                        &who.principal,
                        who.username.as_str(),
                        &id,
                        seq,
                        new,
                        reason,
                    ) {
                        Ok(_) => {
                            return Redirect::to(&format!("/cases/{id}?recorded=correction"))
                                .into_response();
                        }
                        Err(e) => match refused(store, who, &id, e) {
                            Ok(m) if m.starts_with("say why") => {
                                vec![("reason", "Say why it is being corrected".to_string())]
                            }
                            Ok(m) => vec![("reason", ui::sentence(&m))],
                            Err(r) => return *r,
                        },
                    }
                }
                Err(errors) => errors,
            };
            if value(&form, "reason").is_empty() && !errors.iter().any(|(k, _)| *k == "reason") {
                errors.push(("reason", "Say why it is being corrected".into()));
            }
            let page = CorrectionPage {
                id: &id,
                seq,
                child: &o.child,
                step: o.step,
                ctx: &o.ctx,
                form: &form,
                errors: &errors,
                csrf: &who.session.csrf,
            };
            (
                StatusCode::BAD_REQUEST,
                Html(ui::page(
                    &format!("Error: Correct: {}", o.step.title),
                    render_correction(&page),
                )),
            )
                .into_response()
        },
    )
    .await
}

fn render_void(
    id: &str,
    seq: u64,
    child: &str,
    title: &str,
    csrf: &str,
    errors: &[FieldError],
) -> Markup {
    let p = ui::Problems(errors);
    html! {
        (p.summary())
        span.govuk-caption-l { (child) }
        h1.govuk-heading-l { "Void: " (title) }
        p.govuk-body { "Void a step that was recorded by mistake: it did not happen. It stays in the record's history, marked void with your name and reason, and no longer counts in any deadline or figure." }
        form method="post" action={ "/cases/" (id) "/events/" (seq) "/void" } novalidate {
            (ui::csrf(csrf))
            (ui::textarea(&p.hinted("reason", "Why is it being voided?", "For example, recorded on the wrong child's record"), "", 3, ""))
            div.govuk-button-group {
                button type="submit" class="govuk-button govuk-button--warning" data-module="govuk-button" { "Void this step" }
                (ui::link(&format!("/cases/{id}"), "Cancel"))
            }
        }
    }
}

/// GET /cases/{id}/events/{seq}/void
pub async fn void_form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
) -> Response {
    let path_id = id.clone();
    on_void(
        app,
        visitor,
        path_id,
        seq,
        None,
        move |_, who, title, child| {
            Html(ui::page(
                &format!("Void: {title}"),
                render_void(&id, seq, &child, &title, &who.session.csrf, &[]),
            ))
            .into_response()
        },
    )
    .await
}

/// POST /cases/{id}/events/{seq}/void
pub async fn void_submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
    Form(form): Form<Submitted>,
) -> Response {
    let (path_id, posted) = (id.clone(), form.clone());
    on_void(
        app,
        visitor,
        path_id,
        seq,
        Some(&posted),
        move |store, who, title, child| {
            let reason = value(&form, "reason");
            match corrections::void(
                store,
                &who.principal,
                who.username.as_str(),
                &id,
                seq,
                reason,
            ) {
                Ok(_) => Redirect::to(&format!("/cases/{id}?recorded=void")).into_response(),
                Err(e) => {
                    let m = match refused(store, who, &id, e) {
                        Ok(m) if m.starts_with("say why") => {
                            "Say why it is being voided".to_string()
                        }
                        Ok(m) => ui::sentence(&m),
                        Err(r) => return *r,
                    };
                    let errors = [("reason", m)];
                    (
                        StatusCode::BAD_REQUEST,
                        Html(ui::page(
                            &format!("Error: Void: {title}"),
                            render_void(&id, seq, &child, &title, &who.session.csrf, &errors),
                        )),
                    )
                        .into_response()
                }
            }
        },
    )
    .await
}
