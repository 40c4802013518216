//! The partnership record's steps as forms, for its programme office (team managers and
//! commissioners): `/partnership/steps` lists them, `/partnership/steps/{slug}` is each
//! one's form. New items take the next number; what a form cannot say (a meeting's
//! attendance, a risk's linked actions) goes through `POST /api/v1/partnership/steps`.

use crate::auth::Visitor;
use crate::shell::{Submitted, value_of, with_user};
use crate::steps::{Context, FieldError, FormView, Kind, Step, f, h};
use crate::{AppState, Error, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use sendscope_app::partnership::{find, record_noted};
use sendscope_app::steps::StepError;
use sendscope_domain::partnership::PartnershipState;
use serde_json::{Value, json};

/// Every step the office records on a form.
pub const STEPS: &[Step] = &[
    Step {
        slug: "priority",
        event_type: "partnership.priority_added",
        group: "Improvement plan",
        title: "Add a priority",
        fields: &[
            f("title", "The priority", Kind::Text),
            f("on", "Date", Kind::Date),
        ],
    },
    Step {
        slug: "action",
        event_type: "partnership.action_added",
        group: "Improvement plan",
        title: "Add an action",
        fields: &[
            h(
                "priority",
                "Priority number",
                "As numbered on the plan",
                Kind::Number,
            ),
            f("title", "The action", Kind::TextArea),
            f("owner__person", "Owner: the person", Kind::Text),
            f(
                "owner__organisation",
                "Owner: their organisation",
                Kind::Text,
            ),
            f("start", "Start date", Kind::Date),
            f("due", "Due date", Kind::Date),
            h(
                "trajectory",
                "Trajectory it should move (optional)",
                "The trajectory's number, if the action should move one",
                Kind::OptionalNumber,
            ),
            f("on", "Date recorded", Kind::Date),
        ],
    },
    Step {
        slug: "milestone",
        event_type: "partnership.milestone_added",
        group: "Improvement plan",
        title: "Add a milestone to an action",
        fields: &[
            f("action", "Action number", Kind::Number),
            f("title", "The milestone", Kind::Text),
            f("due", "Due date", Kind::Date),
            f("on", "Date recorded", Kind::Date),
        ],
    },
    Step {
        slug: "milestone-met",
        event_type: "partnership.milestone_met",
        group: "Improvement plan",
        title: "A milestone met",
        fields: &[
            f("action", "Action number", Kind::Number),
            f("milestone", "Milestone number", Kind::Number),
            f("on", "Date met", Kind::Date),
        ],
    },
    Step {
        slug: "evidence",
        event_type: "partnership.evidence_added",
        group: "Improvement plan",
        title: "Evidence for an action",
        fields: &[
            f("action", "Action number", Kind::Number),
            f("title", "What the evidence is", Kind::Text),
            h(
                "link",
                "Where it is (optional)",
                "A link to a page or figure",
                Kind::OptionalTextArea,
            ),
            f("on", "Date", Kind::Date),
        ],
    },
    Step {
        slug: "commentary",
        event_type: "partnership.commentary_added",
        group: "Improvement plan",
        title: "Commentary beside an action's status",
        fields: &[
            f("action", "Action number", Kind::Number),
            h(
                "text",
                "Commentary",
                "It sits beside the status, which stays as the records make it",
                Kind::TextArea,
            ),
            f("on", "Date", Kind::Date),
        ],
    },
    Step {
        slug: "completed",
        event_type: "partnership.action_completed",
        group: "Improvement plan",
        title: "An action completed",
        fields: &[
            f("action", "Action number", Kind::Number),
            f("evidence", "What shows it is done", Kind::TextArea),
            f("on", "Date completed", Kind::Date),
        ],
    },
    Step {
        slug: "change-request",
        event_type: "partnership.change_requested",
        group: "Change requests",
        title: "Ask to move an action's due date",
        fields: &[
            f("action", "Action number", Kind::Number),
            f("change__what", "", Kind::Fixed("\"due_date\"")),
            f("change__to", "The new due date", Kind::Date),
            f("why", "Why", Kind::TextArea),
            f("impact", "The impact of the delay", Kind::TextArea),
            f("asked_by", "Who asks", Kind::Text),
            h(
                "decider",
                "Who decides",
                "For example, the board",
                Kind::Text,
            ),
            f("on", "Date asked", Kind::Date),
        ],
    },
    Step {
        slug: "change-decided",
        event_type: "partnership.change_decided",
        group: "Change requests",
        title: "Decide a change request",
        fields: &[
            f("request", "Change request number", Kind::Number),
            f("granted", "Granted?", Kind::YesNo),
            f("decided_by", "Decided by", Kind::Text),
            f("on", "Date decided", Kind::Date),
        ],
    },
    Step {
        slug: "risk-review",
        event_type: "partnership.risk_reviewed",
        group: "Risks",
        title: "Review a risk's score",
        fields: &[
            f("risk", "Risk number", Kind::Number),
            h(
                "residual__likelihood",
                "Residual likelihood",
                "1 (rare) to 5 (almost certain)",
                Kind::Number,
            ),
            h(
                "residual__impact",
                "Residual impact",
                "1 (minimal) to 5 (severe)",
                Kind::Number,
            ),
            f("review_by", "Next review by", Kind::Date),
            f("note", "Why the score is what it is", Kind::TextArea),
            f("on", "Date reviewed", Kind::Date),
        ],
    },
    Step {
        slug: "minutes",
        event_type: "partnership.minutes_drafted",
        group: "Board",
        title: "Draft a meeting's minutes",
        fields: &[
            f("meeting", "Meeting number", Kind::Number),
            h(
                "text",
                "Minutes",
                "Published once approved at the next meeting: name no child, date of birth, UPN or case reference",
                Kind::TextArea,
            ),
            f("on", "Date", Kind::Date),
        ],
    },
    Step {
        slug: "minutes-approved",
        event_type: "partnership.minutes_approved",
        group: "Board",
        title: "Minutes approved",
        fields: &[
            f("meeting", "The meeting the minutes are of", Kind::Number),
            f("at_meeting", "The meeting that approved them", Kind::Number),
            f("on", "Date approved", Kind::Date),
        ],
    },
    Step {
        slug: "feedback",
        event_type: "partnership.feedback_heard",
        group: "Co-production",
        title: "What families said",
        fields: &[
            h(
                "source",
                "Where it was heard",
                "For example, parent carer forum survey",
                Kind::Text,
            ),
            h(
                "said",
                "What they said",
                "In words fit to publish: name no child",
                Kind::TextArea,
            ),
            f("on", "Date", Kind::Date),
        ],
    },
    Step {
        slug: "feedback-answered",
        event_type: "partnership.feedback_answered",
        group: "Co-production",
        title: "What was done about it",
        fields: &[
            f("item", "Number of what was said", Kind::Number),
            h(
                "did",
                "What was done",
                "Published beside what was said",
                Kind::TextArea,
            ),
            f("on", "Date", Kind::Date),
        ],
    },
];

fn keeps(who: &sendscope_domain::access::Principal) -> bool {
    matches!(
        who.role,
        sendscope_domain::access::Role::TeamManager | sendscope_domain::access::Role::Commissioner
    )
}

fn context() -> Context {
    Context {
        requests: Vec::new(),
        meetings: Vec::new(),
        settings: std::sync::Arc::new(sendscope_app::filter_options::Choices::default()),
        next_request: 0,
        rubric: sendscope_domain::qa::Rubric::standard(),
        provisions: Vec::new(),
        can_override: false,
    }
}

/// The number a new item takes: the next after those on the record.
fn number(step: &Step, s: &PartnershipState, payload: &mut Value) {
    let next = |n: usize| json!(n + 1);
    match step.slug {
        "priority" => payload["priority"] = next(s.priorities.len()),
        "action" => payload["action"] = next(s.actions.len()),
        "change-request" => payload["request"] = next(s.changes.len()),
        "feedback" => payload["item"] = next(s.feedback.len()),
        "milestone" => {
            let n = payload["action"]
                .as_u64()
                .and_then(|a| s.action(a as u32))
                .map_or(0, |a| a.milestones.len());
            payload["milestone"] = next(n);
        }
        _ => {}
    }
}

/// GET /partnership/steps
pub async fn menu(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |_, who| {
        if !keeps(&who.principal) {
            return Error::forbidden("The partnership's record is kept by the council's managers and commissioners.").into_response();
        }
        let body = html! {
            a.govuk-back-link href="/partnership" { "Back to the partnership" }
            h1.govuk-heading-l { "Record a step on the partnership's record" }
            @for group in ["Improvement plan", "Change requests", "Risks", "Board", "Co-production"] {
                h2.govuk-heading-m { (group) }
                ul.govuk-list {
                    @for s in STEPS.iter().filter(|s| s.group == group) {
                        li { a.govuk-link href={ "/partnership/steps/" (s.slug) } { (s.title) } }
                    }
                }
            }
            p.govuk-body { "Board meetings with their attendance and papers, new risks and quality-assurance rounds are recorded through the API (" code { "POST /api/v1/partnership/steps" } ")." }
        };
        Html(ui::page("Record a partnership step", body)).into_response()
    })
    .await
}

fn view<'a>(
    slug: &'a str,
    csrf: &'a str,
    form: &'a Submitted,
    errors: &'a [FieldError],
    refusal: Option<&'a str>,
) -> (String, FormView<'a>) {
    let action = format!("/partnership/steps/{slug}");
    let view = FormView {
        action: "",
        back: "/partnership",
        child: "The partnership's record",
        csrf,
        form,
        errors,
        refusal,
    };
    (action, view)
}

/// GET /partnership/steps/{slug}
pub async fn form(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
) -> Response {
    with_user(&app, visitor, move |_, who| {
        if !keeps(&who.principal) {
            return Error::forbidden(
                "The partnership's record is kept by the council's managers and commissioners.",
            )
            .into_response();
        }
        let Some(step) = STEPS.iter().find(|s| s.slug == slug) else {
            return Error::not_found("There is no such step.").into_response();
        };
        let empty = Vec::new();
        let (action, mut v) = view(step.slug, &who.session.csrf, &empty, &[], None);
        v.action = &action;
        Html(ui::page(
            step.title,
            crate::steps::render_form(step, &context(), &v),
        ))
        .into_response()
    })
    .await
}

/// POST /partnership/steps/{slug}
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if value_of(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        if !keeps(&who.principal) {
            return Error::forbidden("The partnership's record is kept by the council's managers and commissioners.").into_response();
        }
        let Some(step) = STEPS.iter().find(|s| s.slug == slug) else {
            return Error::not_found("There is no such step.").into_response();
        };
        let again = |status: StatusCode, errors: &[FieldError], refusal: Option<&str>| {
            let (action, mut v) = view(step.slug, &who.session.csrf, &form, errors, refusal);
            v.action = &action;
            (status, Html(ui::page(&format!("Error: {}", step.title), crate::steps::render_form(step, &context(), &v)))).into_response()
        };
        let mut payload = match crate::steps::payload(step, &form, &context()) {
            Ok(v) => v,
            Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
        };
        let area = who.principal.area;
        let state = match find(store, area) {
            Ok(Some((_, s))) => s,
            Ok(None) => return again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some("The partnership's record is not started yet: start it with partnership.started through the API")),
            Err(e) => return Error::internal(e).into_response(),
        };
        number(step, &state, &mut payload);
        let body = match serde_json::to_vec(&payload)
            .map_err(|e| e.to_string())
            .and_then(|b| sendscope_domain::EventBody::decode(step.event_type, &b).map_err(|e| e.to_string()))
        {
            Ok(b) => b,
            Err(m) => return again(StatusCode::BAD_REQUEST, &[], Some(&m)),
        };
        let note = Some(value_of(&form, "reason").to_string());
        match record_noted(store, area, body, &format!("user:{}", who.username.as_str()), note) {
            Ok(()) => Redirect::to(&format!("/partnership?recorded={}", step.slug)).into_response(),
            Err(StepError::Invalid(m) | StepError::Refused(m)) => {
                again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&ui::sentence(&m)))
            }
            Err(e) => Error::internal(format!("{e:?}")).into_response(),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    /// Every field of every partnership form fills a key its step's payload has.
    #[test]
    fn every_form_field_exists_on_its_payload() {
        crate::steps::assert_fields_on_payloads(super::STEPS);
    }
}
