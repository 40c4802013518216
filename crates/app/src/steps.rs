//! Recording casework steps: one command behind the GOV.UK forms and the API alike. A
//! step is a case event; who may record it is `domain::access::authorise`'s answer, the
//! domain's rules decide whether it may be recorded now (and, if not, say what must
//! happen first), and the decisions that read other records (the approval gate, the
//! rubric an audit is graded by) are taken again inside the write's transaction, on the
//! records as they are then. A refused step writes nothing.

use chrono::NaiveDate;
use sendscope_domain::DomainError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::compliance::{gate_decision, gate_findings};
use sendscope_domain::event::{Actor, AuditRequest, EventBody, NewEvent, StreamRef};
use sendscope_domain::ids::CaseId;
use sendscope_domain::projection::{Projection, StreamState, rubric_in_force};
use sendscope_domain::qa::AuditService;
use sendscope_store::{Store, StoreError};
use serde_json::Value;

/// Why a step was not recorded.
#[derive(Debug)]
pub enum StepError {
    /// No such record, or not one this user may see (the two are not told apart).
    NotFound,
    /// The user may see the record but not record steps on it.
    Forbidden,
    /// The step is not well formed: unknown type, a missing or malformed field.
    Invalid(String),
    /// The rules refuse it now: the message says what must happen first.
    Refused(String),
    Internal(String),
}

impl StepError {
    /// What went wrong, in words (for a command's answer or an import's report).
    pub fn message(self) -> String {
        match self {
            StepError::Invalid(m) | StepError::Refused(m) | StepError::Internal(m) => m,
            StepError::Forbidden => "your role may not record this".into(),
            StepError::NotFound => "there is no such record in your area".into(),
        }
    }
}

/// A step recorded: its place in the log.
#[derive(Debug, serde::Serialize)]
pub struct Recorded {
    pub seq: u64,
    pub case: String,
    #[serde(rename = "type")]
    pub event_type: String,
}

/// The case event types a user may record as steps (everything on a case but opening it,
/// and the history-rewriting events, which have their own tools).
pub fn step_types() -> impl Iterator<Item = &'static str> {
    EventBody::TYPES.iter().copied().filter(|t| {
        t.starts_with("case.")
            && !matches!(
                *t,
                "case.opened"
                    // An override is recorded only with the step it lets through.
                    | "case.gate_overridden"
                    // An erasure request is decided and carried out together
                    // (`sendscope erasure`), never as a bare step.
                    | "case.erasure_requested"
                    | "case.erasure_decided"
                    // A document is added with its content (`documents::add`).
                    | "case.document_added"
            )
    })
}

/// The steps another system may record through the API: every step but letters, which
/// are issued only as sendscope drafts them and sent only by its outbox.
pub fn api_step_types() -> impl Iterator<Item = &'static str> {
    step_types().filter(|t| !matches!(*t, "case.letter_issued" | "case.letter_sent"))
}

/// The day a step took effect: the date its catalogue line declares, else today.
fn effective_date(body: &EventBody) -> NaiveDate {
    body.effective_on().unwrap_or_else(england_today)
}

/// The event type of a plan-quality audit: health professionals who can see a record may
/// audit its plan (as health auditors) without being able to record casework.
pub const AUDIT: &str = "case.plan_audited";

/// A step as it is asked for: an event, or a plan audit whose number, rubric and grade
/// sendscope works out.
#[derive(Debug, Clone, PartialEq)]
// One is made a request, and moved into the event it becomes: no boxing needed.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    Event(EventBody),
    Audit(AuditRequest),
}

impl Step {
    /// A step from its type and its payload as JSON (the API's body, a form's fields),
    /// decoded straight into the payload's type; a type that is not a case step, or a
    /// payload that is not one of its type, says what to send.
    pub fn from_json(event_type: &str, payload: Value) -> Result<Step, StepError> {
        if !step_types().any(|t| t == event_type) {
            return Err(StepError::Invalid(format!(
                "{event_type:?} is not a step that can be recorded on a case: use one of {}",
                step_types().collect::<Vec<_>>().join(", ")
            )));
        }
        // A letter is issued only as the service drafts it from the record (the letter
        // page), and sent only by the outbox: never with words supplied from outside.
        if matches!(event_type, "case.letter_issued" | "case.letter_sent") {
            return Err(StepError::Refused(
                "letters are issued as sendscope drafts them, from the letter page of the child's record, and sent by the outbox; they cannot be recorded with words of your own"
                    .into(),
            ));
        }
        let not_valid = |detail: String| {
            StepError::Invalid(format!(
                "the payload is not a valid {event_type}: {detail}. The OpenAPI document lists each step's fields"
            ))
        };
        if event_type == AUDIT {
            return serde_json::from_value(payload)
                .map(Step::Audit)
                .map_err(|e| not_valid(e.to_string()));
        }
        EventBody::from_value(event_type, payload)
            .map(Step::Event)
            .map_err(|e| match e {
                DomainError::Decoding { detail, .. } => not_valid(detail),
                e => StepError::Invalid(e.to_string()),
            })
    }

    pub fn event_type(&self) -> &'static str {
        match self {
            Step::Event(b) => b.event_type(),
            Step::Audit(_) => AUDIT,
        }
    }

    /// What recording it asks `authorise` for: an audit is auditing a plan for its
    /// service; every other step is changing the record.
    fn action(&self) -> Action {
        match self {
            Step::Audit(a) => Action::AuditPlan(Some(a.service)),
            Step::Event(_) => Action::Change,
        }
    }
}

/// The case a user may record `action` on, or why not: a record they may not see is not
/// found; one they may see but not change is forbidden.
pub fn changeable(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    action: Action,
) -> Result<Projection, StepError> {
    changeable_for_any(store, who, id, &[action])
}

/// The case a user may see and may take any of `actions` on: read once, judged for each.
fn changeable_for_any(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    actions: &[Action],
) -> Result<Projection, StepError> {
    let case = CaseId::parse(id).map_err(|_| StepError::NotFound)?;
    let p = store
        .projection(StreamRef::case(case))
        .map_err(|e| StepError::Internal(e.to_string()))?
        .filter(|p| matches!(p.state, StreamState::Case(_)))
        .ok_or(StepError::NotFound)?;
    if !crate::access::may_see(who, &p) {
        return Err(StepError::NotFound);
    }
    let today = england_today();
    let allowed = actions.iter().any(|a| {
        authorise(
            who,
            *a,
            Resource::Case {
                projection: &p,
                today,
            },
        )
        .allowed()
    });
    if !allowed {
        return Err(StepError::Forbidden);
    }
    Ok(p)
}

/// [`changeable`] for opening a step's form, before anything is entered: for an audit,
/// whether the user may audit the plan for any service.
pub fn changeable_for_form(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    event_type: Option<&str>,
) -> Result<Projection, StepError> {
    if event_type != Some(AUDIT) {
        return changeable(store, who, id, Action::Change);
    }
    let services = [
        AuditService::Education,
        AuditService::Health,
        AuditService::SocialCare,
    ];
    changeable_for_any(
        store,
        who,
        id,
        &services.map(|s| Action::AuditPlan(Some(s))),
    )
}

/// Fills in an audit's number, rubric and grade: the grade comes from the scores by the
/// rubric the area has in force on the audit's date, never from the caller.
fn complete_audit(
    store: &dyn Store,
    p: &Projection,
    asked: AuditRequest,
) -> Result<EventBody, StepError> {
    let rubric = area_rubric(store, p, asked.on)?;
    let grade = rubric.grade(&asked.scores).map_err(StepError::Invalid)?;
    if asked.grade.is_some_and(|g| g != grade) {
        return Err(StepError::Invalid(
            "the grade is worked out from the scores by the rubric: leave it out".into(),
        ));
    }
    let next = p.case().map(|c| c.audits.len() as u32 + 1).unwrap_or(1);
    Ok(EventBody::PlanAudited(
        sendscope_domain::event::PlanAudited {
            audit: asked.audit.unwrap_or(next),
            on: asked.on,
            service: asked.service,
            rubric_id: rubric.id.clone(),
            scores: asked.scores,
            grade,
            comments: asked.comments,
        },
    ))
}

/// Fills in a complaint's response date by the area's complaints policy in force on the
/// day it was received, never from the caller.
fn complete_complaint(
    store: &dyn Store,
    p: &Projection,
    mut c: sendscope_domain::event::ComplaintReceived,
) -> Result<EventBody, StepError> {
    let by = crate::complaints::policy_on(store, p.area, c.on)?.respond_by(c.on);
    if c.respond_by.is_some_and(|x| x != by) {
        return Err(StepError::Invalid(
            "the response date is worked out from the council's complaints policy: leave it out"
                .into(),
        ));
    }
    c.respond_by = Some(by);
    Ok(EventBody::ComplaintReceived(c))
}

/// A step records what has happened, on the day it happened: one dated after `today` is
/// refused before anything is written, except a phase transfer, which is planned ahead.
fn refuse_a_date_ahead(body: &EventBody, today: NaiveDate) -> Result<(), StepError> {
    match body.effective_on() {
        Some(on) if on > today && !matches!(body, EventBody::PhaseTransferPlanned(_)) => {
            Err(StepError::Invalid(format!(
                "the date {} is after today ({}): record a step once it has happened, with the day it happened",
                sendscope_domain::calendar::long_date(on),
                sendscope_domain::calendar::long_date(today)
            )))
        }
        _ => Ok(()),
    }
}

/// The plan-quality rubric the record's area has in force on a date.
pub fn area_rubric(
    store: &dyn Store,
    p: &Projection,
    on: NaiveDate,
) -> Result<sendscope_domain::qa::Rubric, StepError> {
    let record = store
        .projection(StreamRef::area(p.area))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    Ok(rubric_in_force(record.as_ref(), on))
}

/// A part-time timetable's review date within the area's longest time to review (its
/// policy in force on the day, else six weeks).
fn check_part_time_policy(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    body: &EventBody,
) -> Result<(), StepError> {
    let (on, review_by) = match body {
        EventBody::PartTimeAgreed(x) => (x.on, x.review_by),
        EventBody::PartTimeReviewed(x) => (x.on, x.review_by),
        _ => return Ok(()),
    };
    let policies = match store
        .projection(StreamRef::area(area))
        .map_err(|e| StepError::Internal(e.to_string()))?
        .map(|p| p.state)
    {
        Some(StreamState::Area(a)) => a.part_time_policies,
        _ => Vec::new(),
    };
    policies
        .iter()
        .filter(|p| p.from <= on)
        .max_by_key(|p| p.from)
        .copied()
        .unwrap_or_else(sendscope_domain::education::PartTimePolicy::standard)
        .check(on, review_by)
        .map_err(StepError::Refused)
}

/// Records one step on a case for a signed-in user or API caller.
pub fn record_step(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    step: Step,
    reason: Option<String>,
) -> Result<Recorded, StepError> {
    record_step_overriding(store, who, username, case, step, reason, None)
}

/// Records one step; `override_reason` lets a team manager take a step through the
/// approval gate, recorded beside it.
pub fn record_step_overriding(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    step: Step,
    reason: Option<String>,
    override_reason: Option<String>,
) -> Result<Recorded, StepError> {
    let p = changeable(store, who, case, step.action())?;
    let event_type = step.event_type();
    if !step_types().any(|t| t == event_type) {
        return Err(StepError::Invalid(format!(
            "{event_type:?} is not a step that can be recorded on a case: use one of {}",
            step_types().collect::<Vec<_>>().join(", ")
        )));
    }
    let body = match step {
        Step::Audit(asked) => complete_audit(store, &p, asked)?,
        Step::Event(EventBody::ComplaintReceived(c)) => complete_complaint(store, &p, c)?,
        Step::Event(body) => body,
    };
    refuse_a_date_ahead(&body, england_today())?;
    check_part_time_policy(store, p.area, &body)?;
    let actor = Actor::parse(&format!("user:{username}"))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let failing = gate_findings(p.area, &body, |s| store.projection(s)).map_err(|e| match e {
        StoreError::Domain(e @ DomainError::Invalid { .. }) => StepError::Invalid(e.to_string()),
        e => StepError::Internal(e.to_string()),
    })?;
    let override_reason = override_reason.filter(|r| !r.trim().is_empty());
    let mut overrides = Vec::new();
    if !failing.is_empty() {
        let missing: Vec<&str> = failing.iter().map(|f| f.missing.as_str()).collect();
        match &override_reason {
            None => {
                return Err(StepError::Refused(format!(
                    "a child cannot be named into or placed in a provision before its approval: {}. Record the approval on the provision first; a team manager may override with a written reason",
                    missing.join("; ")
                )));
            }
            Some(_)
                if !authorise(
                    who,
                    Action::OverrideGate,
                    Resource::Case {
                        projection: &p,
                        today: england_today(),
                    },
                )
                .allowed() =>
            {
                return Err(StepError::Refused(format!(
                    "only a team manager may override the approval gate ({})",
                    missing.join("; ")
                )));
            }
            Some(r) => {
                for f in &failing {
                    overrides.push(sendscope_domain::event::GateOverridden {
                        gate: "provision_approval".into(),
                        provision: f.provision,
                        on: f.on,
                        finding: f.missing.clone(),
                        reason: r.trim().to_string(),
                        step: Some(event_type.to_string()),
                    });
                }
            }
        }
    }
    let date = effective_date(&body);
    let reason = reason.filter(|r| !r.trim().is_empty());
    // The gate and an audit's grade are decided again inside the write's transaction, on
    // the records as they are then: an approval withdrawn, or a rubric replaced, since
    // the checks above refuses the step.
    // The guard is owned: the write may be carried out, with others', by another thread.
    let (area, checked, allowed) = (p.area, body.clone(), overrides.clone());
    let guard = move |read: &mut sendscope_store::Read<'_>| {
        let findings = gate_findings(area, &checked, &mut *read)?;
        let overridden: Vec<&sendscope_domain::event::GateOverridden> = allowed.iter().collect();
        gate_decision(&findings, &overridden)?;
        if let EventBody::PlanAudited(audit) = &checked {
            let rubric = rubric_in_force(read(StreamRef::area(area))?.as_ref(), audit.on);
            sendscope_domain::rules::audit_decision(&rubric, audit)?;
        }
        Ok(())
    };
    let event = |body: EventBody, reason: &Option<String>| NewEvent {
        stream: p.stream,
        area: p.area,
        body,
        actor: actor.clone(),
        effective_date: date,
        reason: reason.clone(),
        recorded_at: None,
    };
    let mut events = vec![event(body.clone(), &reason)];
    // The step and its override are one transaction: both or neither.
    events.extend(
        overrides
            .iter()
            .map(|o| event(EventBody::GateOverridden(o.clone()), &override_reason)),
    );
    sendscope_store::pause_point("step:before-append");
    match store.append_guarded(&events, Box::new(guard)) {
        Ok(seqs) => Ok(Recorded {
            seq: seqs.first().copied().unwrap_or_default(),
            case: p.stream.id.to_string(),
            event_type: event_type.to_string(),
        }),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(StoreError::Domain(e @ DomainError::Invalid { .. })) => {
            Err(StepError::Invalid(e.to_string()))
        }
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A step's JSON is decoded straight into its payload type at the edge; what is not
    /// a case step, or not a payload of its type, says what to send.
    #[test]
    fn steps_are_decoded_into_their_types() {
        let on = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
        assert_eq!(
            Step::from_json("case.review_meeting_held", json!({ "on": "2026-03-02" }))
                .expect("a step"),
            Step::Event(EventBody::ReviewMeetingHeld(
                sendscope_domain::event::DatedOnly { on }
            ))
        );
        let audit = Step::from_json(
            AUDIT,
            json!({ "on": "2026-03-02", "service": "health", "scores": { "a": 3 } }),
        )
        .expect("an audit as asked for");
        assert_eq!(
            audit.action(),
            Action::AuditPlan(Some(AuditService::Health))
        );
        assert_eq!(audit.event_type(), AUDIT);
        let Err(StepError::Invalid(m)) = Step::from_json("case.opened", json!({})) else {
            panic!("opening a case is not a step");
        };
        assert!(m.contains("is not a step that can be recorded"), "{m}");
        let Err(StepError::Invalid(m)) =
            Step::from_json("case.review_meeting_held", json!({ "on": "2 March" }))
        else {
            panic!("a date written otherwise is not a payload of its type");
        };
        assert!(
            m.contains("not a valid case.review_meeting_held") && m.contains("OpenAPI"),
            "{m}"
        );
    }

    /// A fact dated after today is refused; a phase transfer is planned ahead.
    #[test]
    fn a_step_dated_ahead_is_refused() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        let held = |on| EventBody::ReviewMeetingHeld(sendscope_domain::event::DatedOnly { on });
        assert!(refuse_a_date_ahead(&held(today), today).is_ok());
        let Err(StepError::Invalid(m)) =
            refuse_a_date_ahead(&held(today.succ_opt().expect("d")), today)
        else {
            panic!("tomorrow's meeting has not been held");
        };
        assert!(
            m.contains("7 December 2026") && m.contains("after today"),
            "{m}"
        );
    }
}
