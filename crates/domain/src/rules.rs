//! Which steps may be recorded, given a stream's current state. A refused step says
//! what must happen first; nothing is written.

use crate::DomainError;
use crate::event::*;
use crate::ids::RequestId;
use crate::projection::{Projection, RequestState, StreamState};
use chrono::NaiveDate;

fn refuse<T>(msg: impl Into<String>) -> Result<T, DomainError> {
    Err(DomainError::Refused(msg.into()))
}

fn opening_event(kind: StreamKind) -> &'static str {
    match kind {
        StreamKind::Area => "area.created",
        StreamKind::Organisation => "organisation.registered",
        StreamKind::Staff => "staff.added",
        StreamKind::Setting => "setting.registered",
        StreamKind::Provision => "provision.opened",
        StreamKind::Case => "case.opened",
        StreamKind::Account => "account.created",
    }
}

/// Checks a new event against the stream it is for. `events` is the stream's history,
/// needed only for events that point at earlier events (corrections, voids, erasures).
pub fn check(
    current: &Projection,
    body: &EventBody,
    events: Option<&[RecordedEvent]>,
) -> Result<(), DomainError> {
    let kind = current.stream.kind;
    if let Some(k) = body.stream_kind()
        && k != kind
    {
        return refuse(format!(
            "a {} event cannot be recorded on a {kind} record",
            body.event_type()
        ));
    }
    let opening = opening_event(kind);
    if current.version == 0 && body.event_type() != opening {
        return refuse(format!(
            "this {kind} record does not exist yet: record {opening} first"
        ));
    }
    if current.version > 0 && body.event_type() == opening {
        return refuse(format!(
            "this {kind} record already exists; change it with a correction instead"
        ));
    }
    if current.merged_into.is_some() && !body.rewrites_history() {
        return refuse(
            "this record has been merged into another; record the change on the surviving record",
        );
    }
    match body {
        EventBody::Corrected(c) => check_target(events, c.corrects, "correct").and_then(|t| {
            let bytes = serde_json::to_vec(&c.replacement)
                .map_err(|e| DomainError::Encoding(e.to_string()))?;
            EventBody::decode(&t.event_type, &bytes)
                .map(|_| ())
                .map_err(|e| {
                    DomainError::Refused(format!(
                        "the replacement is not a valid {} event: {e}",
                        t.event_type
                    ))
                })
        }),
        EventBody::Voided(v) => check_target(events, v.voids, "void").map(|_| ()),
        EventBody::PayloadsErased(x) => {
            if x.events.is_empty() || x.basis.trim().is_empty() {
                return refuse(
                    "an erasure must list the events to erase and the lawful basis for it",
                );
            }
            for &s in &x.events {
                let t = check_target(events, s, "erase")?;
                if t.event_type == "event.payloads_erased" {
                    return refuse(format!(
                        "event {s} is itself an erasure record and must be kept"
                    ));
                }
            }
            Ok(())
        }
        _ => match &current.state {
            StreamState::Case(c) => check_case(c, body),
            StreamState::Account(a) => check_account(a, body),
            _ => Ok(()),
        },
    }
}

fn check_account(a: &crate::projection::AccountState, body: &EventBody) -> Result<(), DomainError> {
    match body {
        EventBody::TokenIssued(t) if a.tokens.contains_key(&t.token_id) => refuse(format!(
            "token {} already exists on this account; issue a new one",
            t.token_id
        )),
        EventBody::TokenIssued(_) if a.disabled_on.is_some() => {
            refuse("this account is disabled: it cannot be given tokens")
        }
        EventBody::TokenRevoked(t) => match a.tokens.get(&t.token_id) {
            None => refuse(format!(
                "token {} does not belong to this account; check `sendscope token list`",
                t.token_id
            )),
            Some(k) if k.revoked_on.is_some() => {
                refuse(format!("token {} is already revoked", t.token_id))
            }
            Some(_) => Ok(()),
        },
        _ => Ok(()),
    }
}

fn check_target<'a>(
    events: Option<&'a [RecordedEvent]>,
    seq: u64,
    verb: &str,
) -> Result<&'a RecordedEvent, DomainError> {
    let Some(t) = events.and_then(|ev| ev.iter().find(|e| e.seq == seq)) else {
        return refuse(format!(
            "event {seq} is not part of this record, so it cannot be used to {verb}"
        ));
    };
    if verb != "erase" && t.payload.is_none() {
        return refuse(format!(
            "event {seq} has been erased and cannot be used to {verb}"
        ));
    }
    if verb != "erase"
        && matches!(
            t.event_type.as_str(),
            "event.corrected" | "event.voided" | "event.payloads_erased"
        )
    {
        return refuse(format!(
            "event {seq} is itself a {}: {verb} the original event instead",
            t.event_type
        ));
    }
    Ok(t)
}

fn request(c: &crate::projection::CaseState, id: RequestId) -> Result<&RequestState, DomainError> {
    c.requests.iter().find(|r| r.request == id).ok_or_else(|| {
        DomainError::Refused(
            "there is no such request on this case: record the request received first".into(),
        )
    })
}

fn not_before(on: NaiveDate, earlier: NaiveDate, what: &str) -> Result<(), DomainError> {
    if on < earlier {
        return refuse(format!(
            "the date {on} is before {what} ({earlier}); check the date"
        ));
    }
    Ok(())
}

fn open_request(
    c: &crate::projection::CaseState,
    id: RequestId,
    on: NaiveDate,
) -> Result<&RequestState, DomainError> {
    let r = request(c, id)?;
    if r.withdrawn_on.is_some() {
        return refuse("this request was withdrawn; record a new request first");
    }
    not_before(on, r.received_on, "the day the request was received")?;
    Ok(r)
}

fn advice_allowed(
    c: &crate::projection::CaseState,
    id: RequestId,
    on: NaiveDate,
) -> Result<(), DomainError> {
    let r = open_request(c, id, on)?;
    if r.decision != Some(AssessDecision::Assess) {
        return refuse("advice belongs to an assessment: record the decision to assess first");
    }
    Ok(())
}

fn check_case(c: &crate::projection::CaseState, body: &EventBody) -> Result<(), DomainError> {
    use EventBody as E;
    let plan_open = c.plan.as_ref().is_some_and(|p| p.ceased.is_none());
    match body {
        E::RequestReceived(r) => {
            let next = c.requests.len() as u32 + 1;
            if r.request.0 != next {
                return refuse(format!(
                    "requests on a case are numbered in order: this one must be request {next}"
                ));
            }
            Ok(())
        }
        E::RequestWithdrawn(s) => open_request(c, s.request, s.on).map(|_| ()),
        E::AssessmentDecided(d) => {
            let r = open_request(c, d.request, d.on)?;
            if r.decision.is_some() {
                return refuse(
                    "the decision on this request is already recorded; correct it instead",
                );
            }
            Ok(())
        }
        E::AdviceRequested(a) => {
            if a.kinds.is_empty() {
                return refuse(
                    "say which advice was requested: education, health, social care or psychology",
                );
            }
            advice_allowed(c, a.request, a.on)
        }
        E::AdviceReceived(a) => {
            advice_allowed(c, a.request, a.on)?;
            let r = request(c, a.request)?;
            if !r
                .advice
                .iter()
                .any(|x| x.kind == a.kind && x.received_on.is_none())
            {
                return refuse(
                    "no advice of this kind is awaited: record the advice request first",
                );
            }
            Ok(())
        }
        E::ExceptionRecorded(x) => {
            if x.evidence.trim().is_empty() {
                return refuse("an exception needs its evidence: say what shows it applies");
            }
            request(c, x.request).map(|_| ())
        }
        E::PlanNotIssued(s) => {
            let r = open_request(c, s.request, s.on)?;
            if r.decision != Some(AssessDecision::Assess) {
                return refuse(
                    "a decision not to issue follows an assessment: record the decision to assess first",
                );
            }
            Ok(())
        }
        E::DraftPlanServed(d) => {
            let r = open_request(c, d.request, d.on)?;
            if r.decision != Some(AssessDecision::Assess) {
                return refuse(
                    "a draft plan follows an assessment: record the decision to assess first",
                );
            }
            Ok(())
        }
        E::FinalPlanIssued(f) => {
            let r = open_request(c, f.request, f.on)?;
            let Some(draft) = r.draft_served_on else {
                return refuse(
                    "a final plan needs a draft plan first: record the draft plan served",
                );
            };
            not_before(f.on, draft, "the day the draft was served")?;
            if plan_open {
                return refuse(
                    "this case already has a plan in place; record an amendment instead",
                );
            }
            if f.needs.is_empty() {
                return refuse(
                    "a plan must record at least one need type (rank 1 is the primary need)",
                );
            }
            Ok(())
        }
        E::PlanRecorded(p) => {
            if plan_open {
                return refuse("this case already has a plan in place");
            }
            if p.source.trim().is_empty() {
                return refuse(
                    "a plan recorded retrospectively must say where the record came from",
                );
            }
            Ok(())
        }
        E::ReviewMeetingHeld(_) | E::PlanAmended(_) | E::TransferredOut(_) if !plan_open => {
            refuse("there is no plan in place: a plan must be issued first")
        }
        E::ReviewDecided(d) => {
            if !c.reviews.iter().any(|r| r.meeting_on == d.meeting_on) {
                return refuse("record the review meeting before the decision that follows it");
            }
            not_before(d.on, d.meeting_on, "the review meeting")
        }
        E::PlanCeased(x) => {
            if !plan_open {
                return refuse("there is no plan in place to cease");
            }
            if x.reason == crate::sen::CeaseReason::TransferredToAnotherLa {
                return refuse(
                    "a move to another local authority is recorded as a transfer out, not as ceasing the plan",
                );
            }
            Ok(())
        }
        E::PlacementEnded(_) if c.current_placement().is_none() => {
            refuse("there is no current placement to end")
        }
        E::AppealDecided(_)
            if !c
                .disputes
                .iter()
                .any(|d| d.appeal_on.is_some() && d.outcome.is_none()) =>
        {
            refuse("record the appeal registered before its outcome")
        }
        _ => Ok(()),
    }
}
