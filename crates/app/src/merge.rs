//! Two records of one child joined: a team manager names the duplicate and the record
//! that goes on (the survivor), with a reason. Both streams record the join in one
//! transaction; the duplicate keeps its history, readable and linked to the survivor,
//! and from then on counts in no list or figure: the child is counted once, by the
//! survivor's record. Nothing is copied across, so the survivor should be the record
//! that holds the child's casework (the one the possible match was offered for).

use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{Merged, MergedInto};
use sendscope_domain::projection::Projection;
use sendscope_domain::{Actor, DomainError, EventBody, NewEvent};
use sendscope_store::{Store, StoreError};

/// A record the team manager may merge, not merged already.
fn record(store: &dyn Store, who: &Principal, id: &str) -> Result<Projection, StepError> {
    let p = crate::steps::changeable(store, who, id.trim(), Action::Approve)?;
    if p.merged_into.is_some() {
        return Err(StepError::Refused(
            "that record has already been merged into another".into(),
        ));
    }
    Ok(p)
}

/// Merges record `duplicate` into record `survivor`, saying why. Team managers only, for
/// their team's children.
pub fn merge(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    duplicate: &str,
    survivor: &str,
    reason: &str,
) -> Result<(), StepError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StepError::Invalid(
            "say why these are the same child (for example, the same name, date of birth and address)".into(),
        ));
    }
    let dup = record(store, who, duplicate)?;
    let keep = record(store, who, survivor)?;
    if dup.stream == keep.stream {
        return Err(StepError::Invalid(
            "a record cannot be merged into itself: give the duplicate's reference".into(),
        ));
    }
    let actor = Actor::parse(&format!("user:{username}"))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let event = |p: &Projection, body| NewEvent {
        stream: p.stream,
        area: p.area,
        body,
        actor: actor.clone(),
        effective_date: england_today(),
        reason: Some(reason.to_string()),
        recorded_at: None,
    };
    let events = [
        event(
            &dup,
            EventBody::MergedInto(MergedInto {
                survivor: keep.stream.id,
            }),
        ),
        event(
            &keep,
            EventBody::Merged(Merged {
                duplicate: dup.stream.id,
            }),
        ),
    ];
    match store.append(&events) {
        Ok(_) => Ok(()),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}
