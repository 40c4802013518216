//! The partnership record's steps as forms, for its programme office (team managers and
//! commissioners): `/partnership/steps` lists them, `/partnership/steps/{slug}` is each
//! one's form. New items take the next number; a meeting keeps the board report of its
//! day as its paper; a QA round's sample is drawn from its seed. Moderation of an audit
//! goes through `POST /api/v1/partnership/steps`.

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
use sendscope_store::Store;
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
        slug: "risk",
        event_type: "partnership.risk_added",
        group: "Risks",
        title: "Add a risk to the register",
        fields: &[
            f("title", "The risk", Kind::Text),
            f("owner__person", "Owner: the person", Kind::Text),
            f(
                "owner__organisation",
                "Owner: their organisation",
                Kind::Text,
            ),
            f("cause", "Cause", Kind::TextArea),
            f("effect", "Effect", Kind::TextArea),
            f("controls", "Controls in place", Kind::TextArea),
            h(
                "inherent__likelihood",
                "Inherent likelihood (before controls)",
                "1 (rare) to 5 (almost certain)",
                Kind::Number,
            ),
            h(
                "inherent__impact",
                "Inherent impact (before controls)",
                "1 (minimal) to 5 (severe)",
                Kind::Number,
            ),
            h(
                "residual__likelihood",
                "Residual likelihood (with controls)",
                "1 (rare) to 5 (almost certain)",
                Kind::Number,
            ),
            h(
                "residual__impact",
                "Residual impact (with controls)",
                "1 (minimal) to 5 (severe)",
                Kind::Number,
            ),
            h(
                "target__likelihood",
                "Target likelihood",
                "1 (rare) to 5 (almost certain)",
                Kind::Number,
            ),
            h(
                "target__impact",
                "Target impact",
                "1 (minimal) to 5 (severe)",
                Kind::Number,
            ),
            f("review_by", "Review by", Kind::Date),
            h(
                "actions",
                "The plan's actions that treat it (optional)",
                "Their numbers, separated by commas, for example 3, 7",
                Kind::OptionalTextArea,
            ),
            f("on", "Date added", Kind::Date),
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
        slug: "member",
        event_type: "partnership.member_added",
        group: "Board",
        title: "Add a board member",
        fields: &[
            f("name", "Name", Kind::Text),
            f("organisation", "Organisation", Kind::Text),
            h(
                "role",
                "Their place on the board",
                "For example, Chair, or Director of Children's Services",
                Kind::Text,
            ),
            f("on", "Date they joined", Kind::Date),
        ],
    },
    Step {
        slug: "meeting",
        event_type: "partnership.meeting_held",
        group: "Board",
        title: "Record a board meeting",
        fields: &[
            h(
                "on",
                "Date of the meeting",
                "The board report as it stands on this day is kept as the meeting's paper, with its SHA-256, so anyone can later check which figures the board saw",
                Kind::Date,
            ),
            h("agenda", "Agenda", "One item on each line", Kind::TextArea),
            f("attended", "Members present", Kind::Members),
            f("apologies", "Apologies", Kind::OptionalMembers),
            h(
                "decisions",
                "Decisions (optional)",
                "One on each line",
                Kind::OptionalTextArea,
            ),
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
    Step {
        slug: "qa-round",
        event_type: "partnership.qa_round_opened",
        group: "Quality assurance",
        title: "Open a quality-assurance round",
        fields: &[
            h(
                "from",
                "Plans issued from",
                "The sample is drawn at random from the plans issued in this period",
                Kind::Date,
            ),
            f("to", "Plans issued to", Kind::Date),
            f("size", "How many plans to sample", Kind::Number),
            h(
                "seed",
                "Seed (optional)",
                "Leave empty for a new one. The seed is kept with the round: anyone can draw the same sample again from it",
                Kind::OptionalNumber,
            ),
        ],
    },
    Step {
        slug: "qa-finding",
        event_type: "partnership.qa_finding",
        group: "Quality assurance",
        title: "Record what a round found",
        fields: &[
            f("round", "Round number", Kind::Number),
            f("finding", "What it found", Kind::TextArea),
            h(
                "action",
                "The plan's action that takes it forward (optional)",
                "Its number on the plan",
                Kind::OptionalNumber,
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

fn context(s: Option<&PartnershipState>) -> Context {
    let mut c = crate::register::empty_context();
    c.members = s
        .map(|s| {
            s.members
                .iter()
                .map(|m| {
                    (
                        m.member.to_string(),
                        format!("{}, {} ({})", m.name, m.role, m.organisation),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    c
}

/// One item on each line of a text, as a list (blank lines left out).
fn lines(v: &Value) -> Value {
    json!(
        v.as_str()
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
    )
}

/// The number a new item takes (the next after those on the record), and what a form
/// gives as text that the step keeps as a list. Says what to put right, if anything.
fn number(step: &Step, s: &PartnershipState, payload: &mut Value) -> Result<(), String> {
    let next = |n: usize| json!(n + 1);
    match step.slug {
        "priority" => payload["priority"] = next(s.priorities.len()),
        "action" => payload["action"] = next(s.actions.len()),
        "change-request" => payload["request"] = next(s.changes.len()),
        "feedback" => payload["item"] = next(s.feedback.len()),
        "member" => payload["member"] = next(s.members.len()),
        "risk" => {
            payload["risk"] = next(s.risks.len());
            let given = payload["actions"].as_str().unwrap_or("").to_string();
            let mut actions = Vec::new();
            for part in given
                .split([',', ' ', '\n'])
                .filter(|p| !p.trim().is_empty())
            {
                match part.trim().parse::<u32>() {
                    Ok(n) if s.action(n).is_some() => actions.push(n),
                    _ => {
                        return Err(format!(
                            "The plan has no action {:?}: give the actions' numbers as the plan shows them, separated by commas",
                            part.trim()
                        ));
                    }
                }
            }
            payload["actions"] = json!(actions);
        }
        "meeting" => {
            payload["meeting"] = next(s.meetings.len());
            payload["agenda"] = lines(&payload["agenda"]);
            payload["decisions"] = lines(&payload["decisions"]);
        }
        "milestone" => {
            let n = payload["action"]
                .as_u64()
                .and_then(|a| s.action(a as u32))
                .map_or(0, |a| a.milestones.len());
            payload["milestone"] = next(n);
        }
        _ => {}
    }
    Ok(())
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
            @for group in ["Improvement plan", "Change requests", "Risks", "Board", "Quality assurance", "Co-production"] {
                h2.govuk-heading-m { (group) }
                ul.govuk-list {
                    @for s in STEPS.iter().filter(|s| s.group == group) {
                        li { a.govuk-link href={ "/partnership/steps/" (s.slug) } { (s.title) } }
                    }
                }
            }
            p.govuk-body { "A second auditor's moderation of an audit is recorded through the API (" code { "POST /api/v1/partnership/steps" } ")." }
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
    with_user(&app, visitor, move |store, who| {
        if !keeps(&who.principal) {
            return Error::forbidden(
                "The partnership's record is kept by the council's managers and commissioners.",
            )
            .into_response();
        }
        let Some(step) = STEPS.iter().find(|s| s.slug == slug) else {
            return Error::not_found("There is no such step.").into_response();
        };
        let state = match find(store, who.principal.area) {
            Ok(found) => found.map(|(_, s)| s),
            Err(e) => return Error::internal(e).into_response(),
        };
        let empty = Vec::new();
        let (action, mut v) = view(step.slug, &who.session.csrf, &empty, &[], None);
        v.action = &action;
        Html(ui::page(
            step.title,
            crate::steps::render_form(step, &context(state.as_ref()), &v),
        ))
        .into_response()
    })
    .await
}

/// How a submitted step is kept: most as they are; a QA round has its sample drawn from
/// its seed here; a meeting keeps the board report of its day as its paper.
fn keep(
    store: &dyn Store,
    kpi: &sendscope_app::figures::Kpi,
    area: sendscope_domain::ids::AreaId,
    body: sendscope_domain::EventBody,
    actor: &str,
    note: Option<String>,
) -> Result<(), StepError> {
    use sendscope_domain::EventBody as E;
    match body {
        E::QaRoundOpened(r) => {
            sendscope_app::partnership::open_qa_round(
                store,
                area,
                (r.from, r.to),
                r.size,
                r.seed,
                actor,
            )?;
            Ok(())
        }
        E::MeetingHeld(held) => {
            let report = kpi
                .with(store, |e| {
                    sendscope_app::board::report(store, e, area, held.on)
                })
                .map_err(|e| StepError::Internal(e.to_string()))?
                .map_err(|e| StepError::Internal(e.to_string()))?;
            sendscope_app::partnership::hold_meeting(
                store,
                area,
                held,
                "Board report",
                sendscope_app::board::csv(&report).into_bytes(),
                actor,
            )?;
            Ok(())
        }
        body => record_noted(store, area, body, actor, note),
    }
}

/// POST /partnership/steps/{slug}
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(slug): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    let kpi = app.kpi.clone();
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
        let area = who.principal.area;
        let state = match find(store, area) {
            Ok(found) => found.map(|(_, s)| s),
            Err(e) => return Error::internal(e).into_response(),
        };
        let ctx = context(state.as_ref());
        let again = |status: StatusCode, errors: &[FieldError], refusal: Option<&str>| {
            let (action, mut v) = view(step.slug, &who.session.csrf, &form, errors, refusal);
            v.action = &action;
            (status, Html(ui::page(&format!("Error: {}", step.title), crate::steps::render_form(step, &ctx, &v)))).into_response()
        };
        let mut payload = match crate::steps::payload(step, &form, &ctx) {
            Ok(v) => v,
            Err(errors) => return again(StatusCode::BAD_REQUEST, &errors, None),
        };
        let Some(state) = state else {
            return again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some("The partnership's record is not started yet: start it with partnership.started through the API"));
        };
        if let Err(m) = number(step, &state, &mut payload) {
            return again(StatusCode::BAD_REQUEST, &[], Some(&m));
        }
        if step.slug == "qa-round" {
            // A new seed unless one is given; the sample is drawn from it, never typed.
            if payload["seed"].is_null() {
                payload["seed"] = json!(rand_seed());
            }
            // Numbered, drawn and dated (today) when it is kept.
            payload["round"] = json!(0);
            payload["cases"] = json!([]);
            payload["on"] = json!(sendscope_domain::calendar::england_today());
        }
        let body = match serde_json::to_vec(&payload)
            .map_err(|e| e.to_string())
            .and_then(|b| sendscope_domain::EventBody::decode(step.event_type, &b).map_err(|e| e.to_string()))
        {
            Ok(b) => b,
            Err(m) => return again(StatusCode::BAD_REQUEST, &[], Some(&m)),
        };
        let note = Some(value_of(&form, "reason").to_string());
        match keep(store, &kpi, area, body, &format!("user:{}", who.username.as_str()), note) {
            Ok(()) => Redirect::to(&format!("/partnership?recorded={}", step.slug)).into_response(),
            Err(StepError::Invalid(m) | StepError::Refused(m)) => {
                again(StatusCode::UNPROCESSABLE_ENTITY, &[], Some(&ui::sentence(&m)))
            }
            Err(e) => Error::internal(format!("{e:?}")).into_response(),
        }
    })
    .await
}

/// A new seed for a QA round's sample (kept with the round, so the draw can be repeated).
fn rand_seed() -> u64 {
    // Within JavaScript's safe integers, so the seed reads the same everywhere.
    uuid::Uuid::new_v4().as_u64_pair().0 >> 11
}

#[cfg(test)]
mod tests {
    /// Every field of every partnership form fills a key its step's payload has.
    #[test]
    fn every_form_field_exists_on_its_payload() {
        crate::steps::assert_fields_on_payloads(super::STEPS);
    }
}
