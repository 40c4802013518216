//! Retention and erasure: the area's schedule (how long a child's record is kept, from
//! their date of birth or the record's closure) carried out by lawful-erasure events
//! (`event.payloads_erased`, which keep the chain verifiable: the hashes stay, the
//! personal data goes); and a person's request to erase their data, recorded, decided with
//! reasons, and carried out when granted.

use chrono::NaiveDate;
use sendscope_domain::event::{
    ErasureDecided, ErasureRequested, PayloadsErased, RetentionSchedule, RetentionTrigger,
};
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::projection::{CaseState, StreamState};
use sendscope_domain::{Actor, EventBody, NewEvent, StreamRef};
use sendscope_store::{Store, StoreError};

/// A record past the area's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub case: CaseId,
    /// The day it fell due.
    pub since: NaiveDate,
}

/// When a record closed: its plan ceased, or its last request ended without a plan and
/// nothing is open. `None` while it is open.
fn closed_on(c: &CaseState) -> Option<NaiveDate> {
    if let Some(p) = &c.plan {
        return p.ceased.as_ref().map(|x| x.on);
    }
    let last = c.requests.last()?;
    let open = last.withdrawn_on.is_none()
        && last.plan_not_issued_on.is_none()
        && last.final_issued_on.is_none()
        && last.decision != Some(sendscope_domain::event::AssessDecision::DoNotAssess);
    if open {
        return None;
    }
    last.withdrawn_on
        .or(last.plan_not_issued_on)
        .or(last.decided_on)
}

/// The day a record falls due under a schedule, if it can (an erased record cannot).
pub fn due_on(c: &CaseState, s: &RetentionSchedule) -> Option<NaiveDate> {
    let trigger = match s.trigger {
        RetentionTrigger::DateOfBirth => c.child.as_ref()?.birth_date,
        RetentionTrigger::Closed => {
            c.child.as_ref()?;
            closed_on(c)?
        }
    };
    trigger.checked_add_months(chrono::Months::new(s.years * 12))
}

fn schedule(
    store: &dyn Store,
    area: AreaId,
    on: NaiveDate,
) -> Result<RetentionSchedule, StoreError> {
    Ok(
        match store.projection(StreamRef::area(area))?.map(|p| p.state) {
            Some(StreamState::Area(a)) => a.retention_on(on),
            _ => RetentionSchedule::standard(),
        },
    )
}

/// The records of an area past its schedule on `on`, and the schedule.
pub fn due(
    store: &dyn Store,
    area: AreaId,
    on: NaiveDate,
) -> Result<(RetentionSchedule, Vec<Due>), StoreError> {
    let s = schedule(store, area, on)?;
    let mut out = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if let Some(since) = due_on(c, &s).filter(|d| *d <= on) {
            out.push(Due { case, since });
        }
    })?;
    Ok((s, out))
}

/// Erases the personal data of a child's record: every event whose payload is still
/// held (erasure records, and any events in `keep`, excepted), by one lawful-erasure event
/// citing `basis`. Nothing to erase: nothing written.
fn erase(
    store: &dyn Store,
    case: CaseId,
    area: AreaId,
    basis: &str,
    keep: &[u64],
    actor: &Actor,
) -> Result<usize, StoreError> {
    let events: Vec<u64> = store
        .stream_events(StreamRef::case(case))?
        .into_iter()
        .filter(|e| {
            e.payload.is_some() && e.event_type != "event.payloads_erased" && !keep.contains(&e.seq)
        })
        .map(|e| e.seq)
        .collect();
    if events.is_empty() {
        return Ok(0);
    }
    let n = events.len();
    store.append(&[NewEvent {
        stream: StreamRef::case(case),
        area,
        body: EventBody::PayloadsErased(PayloadsErased {
            events,
            basis: basis.to_string(),
        }),
        actor: actor.clone(),
        effective_date: sendscope_domain::calendar::england_today(),
        reason: Some(basis.to_string()),
        recorded_at: None,
    }])?;
    Ok(n)
}

/// Carries out the schedule on `on`: each record past it has its personal data erased.
/// `dry_run` lists them and writes nothing. Returns the records and how many events each
/// had erased.
pub fn run(
    store: &dyn Store,
    area: AreaId,
    on: NaiveDate,
    dry_run: bool,
    actor: &str,
) -> Result<(RetentionSchedule, Vec<(Due, usize)>), StoreError> {
    let actor = Actor::parse(actor)?;
    let (s, due) = due(store, area, on)?;
    let mut done = Vec::new();
    for d in due {
        let n = if dry_run {
            0
        } else {
            let basis = format!(
                "the area's retention schedule ({}, adopted {}): due on {}",
                s.describe(),
                if s.from == NaiveDate::MIN {
                    "as sendscope's standard".to_string()
                } else {
                    sendscope_domain::calendar::long_date(s.from)
                },
                sendscope_domain::calendar::long_date(d.since)
            );
            erase(store, d.case, area, &basis, &[], &actor)?
        };
        done.push((d, n));
    }
    Ok((s, done))
}

fn case_area(store: &dyn Store, case: CaseId) -> Result<AreaId, StoreError> {
    store
        .projection(StreamRef::case(case))?
        .filter(|p| p.case().is_some())
        .map(|p| p.area)
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "there is no child's record {case}: copy the reference from the record's page"
            ))
        })
}

/// Records a request to erase a child's data.
pub fn request(
    store: &dyn Store,
    case: CaseId,
    received_on: NaiveDate,
    requested_by: &str,
    actor: &str,
) -> Result<(), StoreError> {
    let area = case_area(store, case)?;
    store.append(&[NewEvent {
        stream: StreamRef::case(case),
        area,
        body: EventBody::ErasureRequested(ErasureRequested {
            received_on,
            requested_by: requested_by.trim().to_string(),
        }),
        actor: Actor::parse(actor)?,
        effective_date: received_on,
        reason: None,
        recorded_at: None,
    }])?;
    Ok(())
}

/// Decides the open erasure request with reasons; granted, it is carried out at once:
/// every event's personal data erased but the decision's own (its reasons stay).
/// Returns how many events were erased.
pub fn decide(
    store: &dyn Store,
    case: CaseId,
    on: NaiveDate,
    erase_it: bool,
    reasons: &str,
    actor: &str,
) -> Result<usize, StoreError> {
    let area = case_area(store, case)?;
    let actor = Actor::parse(actor)?;
    let seqs = store.append(&[NewEvent {
        stream: StreamRef::case(case),
        area,
        body: EventBody::ErasureDecided(ErasureDecided {
            on,
            erase: erase_it,
            reasons: reasons.trim().to_string(),
        }),
        actor: actor.clone(),
        effective_date: on,
        reason: None,
        recorded_at: None,
    }])?;
    if !erase_it {
        return Ok(0);
    }
    let basis = format!(
        "an erasure request granted on {}: {}",
        sendscope_domain::calendar::long_date(on),
        reasons.trim()
    );
    erase(store, case, area, &basis, &seqs, &actor)
}
