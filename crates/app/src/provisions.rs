//! Recording a step on the provisions register (places, costs, agreements, approvals,
//! capital, viable-options evidence), for the pages and the API alike: only those who
//! may change the area's settings; the provision (and, when opening it, its school) in
//! their area; the rules refuse steps out of order.

use crate::steps::StepError;
use sendscope_domain::DomainError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{Actor, EventBody, NewEvent, StreamRef};
use sendscope_domain::ids::ProvisionId;
use sendscope_store::{Store, StoreError};
use serde_json::Value;

/// A provision step from its type and its payload as JSON (the API's body, a form's
/// fields), decoded straight into the payload's type.
pub fn step_from_json(event_type: &str, payload: Value) -> Result<EventBody, StepError> {
    check_type(event_type)?;
    EventBody::from_value(event_type, payload)
        .map_err(|e| StepError::Invalid(format!("the payload is not a valid {event_type}: {e}")))
}

/// Only provision events are provision steps.
fn check_type(event_type: &str) -> Result<(), StepError> {
    if event_type.starts_with("provision.") {
        return Ok(());
    }
    Err(StepError::Invalid(format!(
        "{event_type:?} is not a provision step: use {}",
        EventBody::TYPES
            .iter()
            .filter(|t| t.starts_with("provision."))
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Records one step on a provision for a signed-in user or API caller: only
/// commissioners and team managers; the provision must be in their area (and, when
/// opening it, the school too); the rules refuse steps out of order. Returns the seq.
pub fn record(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    id: ProvisionId,
    event: EventBody,
    reason: Option<String>,
) -> Result<u64, StepError> {
    if !authorise(who, Action::Change, Resource::Settings { area: who.area }).allowed() {
        return Err(StepError::Forbidden);
    }
    check_type(event.event_type())?;
    let internal = |e: StoreError| StepError::Internal(e.to_string());
    let stream = StreamRef::provision(id);
    if store
        .projection(stream)
        .map_err(internal)?
        .is_some_and(|x| x.area != who.area)
    {
        return Err(StepError::NotFound);
    }
    if let EventBody::ProvisionOpened(o) = &event
        && store
            .projection(StreamRef::setting(o.setting))
            .map_err(internal)?
            .is_none_or(|s| s.area != who.area)
    {
        return Err(StepError::Invalid(format!(
            "there is no setting {} in your area: register the school first (sendscope import gias)",
            o.setting
        )));
    }
    // The day it took effect: the date its catalogue line declares, else today.
    let date = event.effective_on().unwrap_or_else(england_today);
    let actor = Actor::parse(&format!("user:{username}"))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let seqs = store
        .append(&[NewEvent {
            stream,
            area: who.area,
            body: event,
            actor,
            effective_date: date,
            reason: reason.filter(|r| !r.trim().is_empty()),
            recorded_at: None,
        }])
        .map_err(refusal)?;
    Ok(seqs.first().copied().unwrap_or_default())
}

/// Appends one event on a record for an actor already entitled to it, dated by its
/// catalogue line (else today), with the note kept beside it; the rules' refusal as a
/// step's.
pub(crate) fn append_one(
    store: &dyn Store,
    stream: StreamRef,
    area: sendscope_domain::ids::AreaId,
    body: EventBody,
    actor: &str,
    reason: Option<String>,
) -> Result<(), StepError> {
    store
        .append(&[NewEvent {
            stream,
            area,
            effective_date: body.effective_on().unwrap_or_else(england_today),
            body,
            actor: Actor::parse(actor).map_err(|e| StepError::Internal(e.to_string()))?,
            reason: reason.filter(|r| !r.trim().is_empty()),
            recorded_at: None,
        }])
        .map_err(refusal)?;
    Ok(())
}

/// A register step's failure to append: the rules' refusal, or (a conflict) an
/// identifier that belongs to another kind of record, or a fault.
pub(crate) fn refusal(e: StoreError) -> StepError {
    match e {
        StoreError::Domain(DomainError::Refused(m)) => StepError::Refused(m),
        StoreError::Conflict(_) => StepError::NotFound,
        e => StepError::Internal(e.to_string()),
    }
}
