//! The casework forms (`/cases/{id}/steps/{slug}`), over `app::steps::record_step`
//! (which the API's `POST /api/v1/cases/{id}/steps` also calls). A step is a case event; the domain's rules decide whether it may be recorded now and, if not,
//! say what must happen first. A refused step writes nothing.
//!
//! The forms are data (`catalogue::STEPS`): each field names the payload key it fills and how it
//! is asked, so every step in the event catalogue gets a form without a page of its own.

use crate::auth::SignedIn;
use crate::auth::Visitor;
use crate::shell::{not_found, with_user};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use sendscope_app::steps::{
    Step as Asked, StepError, area_rubric, changeable_for_form, record_step_overriding,
};
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::EventBody;
use sendscope_domain::projection::{Projection, StreamState};
use sendscope_store::Store;

mod catalogue;
mod form;
mod plan_fields;
mod render;

pub use catalogue::*;
pub use form::*;
pub use render::*;

/// The child's name for a form's caption.
pub fn child_name(p: &Projection) -> String {
    p.case()
        .and_then(|c| c.child.as_ref())
        .map(|c| format!("{} {}", c.given_names, c.family_name))
        .unwrap_or_default()
}

/// Opens a case for recording a step from a page: the projection, or the page to show.
pub fn open_for_change(
    store: &dyn Store,
    who: &SignedIn,
    id: &str,
    event_type: Option<&str>,
) -> Result<Projection, Box<Response>> {
    match changeable_for_form(store, &who.principal, id, event_type) {
        Ok(p) => Ok(p),
        Err(StepError::NotFound) => Err(Box::new(not_found())),
        Err(StepError::Forbidden) => Err(Box::new(
            crate::Error::forbidden("Caseworkers and team managers record casework.")
                .heading("You cannot record steps on this record")
                .into_response(),
        )),
        Err(e) => Err(Box::new(
            crate::Error::internal(format!("{e:?}")).into_response(),
        )),
    }
}

/// Where to go after a step is recorded.
pub fn after_recording(case: &str, slug: &str) -> Response {
    Redirect::to(&format!("/cases/{case}?recorded={slug}")).into_response()
}

/// Every case stream is a case: used by the compile-time check that steps name case events.
pub fn is_case_event(event_type: &str) -> bool {
    EventBody::TYPES.contains(&event_type)
        && event_type.starts_with(&format!("{}.", StreamKind::Case))
}

/// A step's form for a record this user may change: the step, the record, the choices.
pub(crate) fn prepare(
    store: &dyn Store,
    options: &sendscope_app::filter_options::FilterOptions,
    who: &SignedIn,
    id: &str,
    slug: &str,
) -> Result<(&'static Step, Projection, Context), Box<Response>> {
    let step = step(slug).ok_or_else(|| Box::new(not_found()))?;
    let p = open_for_change(store, who, id, Some(step.event_type))?;
    let settings = options
        .get(store, p.area, None)
        .map_err(|e| Box::new(crate::Error::internal(e).into_response()))?;
    let rubric = area_rubric(store, &p, england_today())
        .map_err(|e| Box::new(crate::Error::internal(format!("{e:?}")).into_response()))?;
    let mut ctx = Context::of(
        p.case().ok_or_else(|| Box::new(not_found()))?,
        settings,
        rubric,
    );
    if step
        .fields
        .iter()
        .any(|f| matches!(f.kind, Kind::Named | Kind::Placed))
    {
        let names: std::collections::HashMap<&String, &String> = ctx
            .settings
            .settings
            .iter()
            .map(|(id, n)| (id, n))
            .collect();
        let provisions = store
            .area_projections(p.area, sendscope_domain::StreamKind::Provision)
            .map_err(|e| Box::new(crate::Error::internal(e).into_response()))?;
        let mut list: Vec<ProvisionChoice> = provisions
            .iter()
            .filter_map(|x| match &x.state {
                StreamState::Provision(s) if s.closed_on.is_none() => {
                    let o = s.opened.as_ref()?;
                    use sendscope_domain::event::ProvisionKind as K;
                    if !matches!(o.kind, K::SenUnit | K::ResourcedProvision) {
                        return None;
                    }
                    let school = names
                        .get(&o.setting.to_string())
                        .map(|n| n.as_str())
                        .unwrap_or("");
                    Some(ProvisionChoice {
                        provision: sendscope_domain::ids::ProvisionId(x.stream.id),
                        setting: o.setting,
                        label: format!("{school}: {}", o.name),
                        sen_unit: o.kind == K::SenUnit,
                        resourced_provision: o.kind == K::ResourcedProvision,
                    })
                }
                _ => None,
            })
            .collect();
        list.sort_by(|a, b| a.label.cmp(&b.label));
        ctx.provisions = list;
        ctx.can_override = authorise(
            &who.principal,
            Action::OverrideGate,
            Resource::Case {
                projection: &p,
                today: england_today(),
            },
        )
        .allowed();
    }
    Ok((step, p, ctx))
}

/// GET /cases/{id}/steps: what can be recorded.
pub async fn menu(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        match open_for_change(store, &who, &id, None) {
            Ok(p) => {
                Html(ui::page("Record a step", render_menu(&id, &child_name(&p)))).into_response()
            }
            Err(r) => *r,
        }
    })
    .await
}

/// GET /cases/{id}/steps/{slug}: the step's form.
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, slug)): Path<(String, String)>,
    axum::extract::Query(given): axum::extract::Query<Vec<(String, String)>>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, visitor, move |store, who| {
        let (step, p, ctx) = match prepare(store, &options, &who, &id, &slug) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let mut start = match carried_sections(store, step, &p) {
            Ok(s) => s,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        // A link may start the form with some of its answers ("respond to complaint
        // C-12" opens the response with its reference).
        start.extend(
            given
                .into_iter()
                .filter(|(k, _)| step.fields.iter().any(|f| f.key == k)),
        );
        let view = FormView {
            action: &format!("/cases/{id}/steps/{slug}"),
            back: &format!("/cases/{id}"),
            child: &child_name(&p),
            csrf: &who.session.csrf,
            form: &start,
            errors: &[],
            refusal: None,
        };
        let form = render_form(step, &ctx, &view);
        // An auditor grades the plan with it beside the rubric.
        let body = if step.event_type == sendscope_app::steps::AUDIT {
            match crate::plan::beside_rubric(store, &who.principal, &id) {
                Ok(plan) => maud::html! {
                    div.govuk-grid-row {
                        div.govuk-grid-column-one-half { (form) }
                        div.govuk-grid-column-one-half { (plan) }
                    }
                },
                Err(e) => return crate::Error::internal(e).into_response(),
            }
        } else {
            form
        };
        Html(ui::page(step.title, body)).into_response()
    })
    .await
}

/// A form that writes the plan's sections starts from the latest version of the plan:
/// the draft carries into the final plan, the plan into its amendment.
fn carried_sections(store: &dyn Store, step: &Step, p: &Projection) -> Result<Submitted, String> {
    if !step.fields.iter().any(|f| matches!(f.kind, Kind::Sections)) {
        return Ok(Vec::new());
    }
    let events = store.stream_events(p.stream).map_err(|e| e.to_string())?;
    let versions = sendscope_domain::plan_document::versions(&events).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    if let Some(v) = versions.last() {
        let json = serde_json::to_value(&v.sections).map_err(|e| e.to_string())?;
        plan_fields::prefill(&json, &mut |k, v| out.push((k, v)));
    }
    Ok(out)
}

/// POST /cases/{id}/steps/{slug}: records the step, or shows the form again with what to
/// put right. Nothing is recorded unless the whole step is accepted.
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, slug)): Path<(String, String)>,
    Form(form): Form<Submitted>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, visitor, move |store, who| {
        if value(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        let (step, p, ctx) = match prepare(store, &options, &who, &id, &slug) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let again = |status: StatusCode, errors: &[FieldError], refusal: Option<&str>| {
            let view = FormView {
                action: &format!("/cases/{id}/steps/{slug}"),
                back: &format!("/cases/{id}"),
                child: &child_name(&p),
                csrf: &who.session.csrf,
                form: &form,
                errors,
                refusal,
            };
            let body = render_form(step, &ctx, &view);
            (
                status,
                Html(ui::page(&format!("Error: {}", step.title), body)),
            )
                .into_response()
        };
        let payload = match payload(step, &form, &ctx) {
            Ok(v) => v,
            Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
        };
        let reason = Some(value(&form, "reason").to_string());
        let override_reason = Some(value(&form, "override_reason").to_string());
        let recorded = Asked::from_json(step.event_type, payload).and_then(|asked| {
            record_step_overriding(
                store,
                &who.principal,
                who.username.as_str(),
                &id,
                asked,
                reason,
                override_reason,
            )
        });
        match recorded {
            Ok(_) => after_recording(&id, step.slug),
            Err(StepError::Refused(m) | StepError::Invalid(m)) => {
                let m = format!("This step cannot be recorded: {m}");
                again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&m))
            }
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => open_for_change(store, &who, &id, None)
                .err()
                .map(|r| *r)
                .unwrap_or_else(not_found),
            Err(StepError::Internal(e)) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sendscope_app::steps::step_types;

    #[test]
    fn every_form_is_a_case_step_and_every_step_has_a_form() {
        let mut slugs: Vec<&str> = STEPS.iter().map(|s| s.slug).collect();
        slugs.sort_unstable();
        slugs.dedup();
        assert_eq!(slugs.len(), STEPS.len());
        for s in STEPS {
            assert!(is_case_event(s.event_type), "{}", s.event_type);
            assert!(step_types().any(|t| t == s.event_type), "{}", s.event_type);
        }
        // Steps without a form are recorded through the API or by tools of their own.
        let without: Vec<&str> = step_types()
            .filter(|t| !STEPS.iter().any(|s| s.event_type == *t))
            .collect();
        assert_eq!(
            without,
            [
                "case.child_details_changed",
                "case.related_person_added",
                "case.related_person_removed",
                "case.court_restriction_recorded",
                "case.court_restriction_lifted",
                "case.caseworker_assigned",
                "case.request_recorded",
                "case.plan_recorded",
                "case.mediation_recorded",
                "case.letter_issued",
                "case.letter_sent",
            ]
        );
    }
}
