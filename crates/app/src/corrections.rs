//! Putting a record right: a step recorded with a wrong value is corrected (new values,
//! with a reason), one recorded by mistake is voided (with a reason). Nothing is deleted:
//! the original stays in the history beside what it became, who changed it and why, and
//! every figure and clock reads the record as corrected.

use crate::steps::{StepError, changeable, step_types};
use sendscope_domain::access::{Action, Principal};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::event::{Correction, Voided};
use sendscope_domain::projection::Projection;
use sendscope_domain::{Actor, DomainError, EventBody, NewEvent, RecordedEvent};
use sendscope_store::{Store, StoreError};
use serde_json::Value;

/// The steps that can be corrected or voided: every step but letters, which are issued
/// as drafted and kept as sent.
pub fn correctable(event_type: &str) -> bool {
    step_types().any(|t| t == event_type)
        && !matches!(event_type, "case.letter_issued" | "case.letter_sent")
}

/// What a step's history says of it now: corrected (the latest correction's new values)
/// or voided, and why.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Amended {
    /// The corrections, oldest first: (the correction's event, its reason).
    pub corrections: Vec<(u64, Option<String>)>,
    /// The values the step holds now, where it was corrected.
    pub now: Option<Value>,
    /// The void's event and its reason, where it was voided.
    pub voided: Option<(u64, Option<String>)>,
}

/// For each step of a record that was corrected or voided, what became of it.
pub fn amendments(events: &[RecordedEvent]) -> std::collections::HashMap<u64, Amended> {
    let mut out: std::collections::HashMap<u64, Amended> = Default::default();
    for e in events {
        match e.body() {
            Ok(Some(EventBody::Corrected(c))) => {
                let a = out.entry(c.corrects).or_default();
                a.corrections.push((e.seq, e.reason.clone()));
                a.now = Some(c.replacement);
            }
            Ok(Some(EventBody::Voided(v))) => {
                out.entry(v.voids).or_default().voided = Some((e.seq, e.reason.clone()));
            }
            _ => {}
        }
    }
    out
}

/// The step `seq` of the record, if it is one that can be put right, and the record.
fn target(
    store: &dyn Store,
    who: &Principal,
    case: &str,
    seq: u64,
) -> Result<(Projection, RecordedEvent), StepError> {
    let p = changeable(store, who, case, Action::Change)?;
    let events = store
        .stream_events(p.stream)
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let t = events
        .iter()
        .find(|e| e.seq == seq)
        .cloned()
        .ok_or(StepError::NotFound)?;
    if !correctable(&t.event_type) {
        return Err(StepError::Refused(
            "this entry cannot be corrected or voided: letters are kept as they were issued, and a record's opening is changed through the child's details".into(),
        ));
    }
    if amendments(&events)
        .get(&seq)
        .is_some_and(|a| a.voided.is_some())
    {
        return Err(StepError::Refused(
            "this step has been voided already; record the step afresh if it did happen".into(),
        ));
    }
    Ok((p, t))
}

fn reason_given(reason: &str) -> Result<String, StepError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(StepError::Invalid(
            "say why: the reason is kept with the change and shown beside it".into(),
        ));
    }
    Ok(r.to_string())
}

/// Records a correction or a void on the record, today, by `username`, with its reason.
fn append(
    store: &dyn Store,
    p: &Projection,
    username: &str,
    body: EventBody,
    reason: String,
) -> Result<u64, StepError> {
    let actor = Actor::parse(&format!("user:{username}"))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let event = NewEvent {
        stream: p.stream,
        area: p.area,
        body,
        actor,
        effective_date: england_today(),
        reason: Some(reason),
        recorded_at: None,
    };
    match store.append(&[event]) {
        Ok(seqs) => Ok(seqs.first().copied().unwrap_or_default()),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(StoreError::Domain(e @ DomainError::Invalid { .. })) => {
            Err(StepError::Invalid(e.to_string()))
        }
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}

/// The step's values, as they stand now (corrected, where they were).
pub fn current_values(
    store: &dyn Store,
    who: &Principal,
    case: &str,
    seq: u64,
) -> Result<(Projection, RecordedEvent, Value), StepError> {
    let (p, t) = target(store, who, case, seq)?;
    let events = store
        .stream_events(p.stream)
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let now = match amendments(&events).remove(&seq).and_then(|a| a.now) {
        Some(v) => v,
        None => match t.body() {
            Ok(Some(b)) => {
                let bytes = b.encode().map_err(|e| StepError::Internal(e.to_string()))?;
                serde_json::from_slice(&bytes).map_err(|e| StepError::Internal(e.to_string()))?
            }
            _ => Value::Null,
        },
    };
    Ok((p, t, now))
}

/// Corrects step `seq` of a record: `replacement` is the step's whole payload as it
/// should have been. A date after today is refused as a step's would be.
pub fn correct(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    seq: u64,
    replacement: Value,
    reason: &str,
) -> Result<u64, StepError> {
    let reason = reason_given(reason)?;
    let (p, t) = target(store, who, case, seq)?;
    // A note's words are for staff only, and a correction's new values show in the
    // record's history to whoever may see it: a note is voided and written again.
    if t.event_type == "case.note_recorded" {
        return Err(StepError::Refused(
            "a case note is not corrected: void it and write it again".into(),
        ));
    }
    let body = EventBody::from_value(&t.event_type, replacement.clone()).map_err(|e| {
        StepError::Invalid(format!(
            "the corrected values are not a valid {}: {e}",
            t.event_type
        ))
    })?;
    let today = england_today();
    if let Some(on) = body.effective_on()
        && on > today
        && !matches!(body, EventBody::PhaseTransferPlanned(_))
    {
        return Err(StepError::Invalid(format!(
            "the date {} is after today ({}): a step is recorded with the day it happened",
            long_date(on),
            long_date(today)
        )));
    }
    append(
        store,
        &p,
        username,
        EventBody::Corrected(Correction {
            corrects: seq,
            replacement,
        }),
        reason,
    )
}

/// Voids step `seq` of a record: it was recorded by mistake. It stays in the history,
/// marked, and no longer counts.
pub fn void(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    seq: u64,
    reason: &str,
) -> Result<u64, StepError> {
    let reason = reason_given(reason)?;
    let (p, _) = target(store, who, case, seq)?;
    append(
        store,
        &p,
        username,
        EventBody::Voided(Voided { voids: seq }),
        reason,
    )
}
