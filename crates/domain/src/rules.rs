//! Which steps may be recorded, given a stream's current state. A refused step says
//! what must happen first; nothing is written.

use crate::DomainError;
use crate::calendar::long_date as date_text;
use crate::clocks::rule_in_force;
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
        StreamKind::Publication => "publication.figures_recorded",
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
    // Every event type is decided here, by name: adding one to the catalogue without
    // deciding what it needs does not compile.
    use EventBody as E;
    match body {
        E::Corrected(c) => check_target(events, c.corrects, "correct").and_then(|t| {
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
        E::Voided(v) => check_target(events, v.voids, "void").map(|_| ()),
        E::PayloadsErased(x) => {
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
        // Opening a record: that it comes first, and once, is checked above.
        E::AreaCreated(_)
        | E::OrganisationRegistered(_)
        | E::StaffAdded(_)
        | E::SettingRegistered(_)
        | E::ProvisionOpened(_)
        | E::FiguresRecorded(_)
        | E::CaseOpened(_)
        | E::AccountCreated(_) => Ok(()),
        // Kept as the council and the national registers give them: no order to keep.
        E::TeamAdded(_)
        | E::StaffMovedTeam(_)
        | E::StaffLeft(_)
        | E::SettingDetailsChanged(_)
        | E::SettingIdentifierChanged(_)
        | E::SettingClosed(_)
        | E::SettingInspected(_)
        | E::FiguresRevised(_)
        | E::AccountPasswordSet(_)
        | E::AccountDisabled(_) => Ok(()),
        // The record's own rules decide, on its current state.
        E::QaRubricAdopted(_)
        | E::ProgrammeDefined(_)
        | E::GateRulesAdopted(_)
        | E::PlacementSettingsAdopted(_)
        | E::TrajectoryDefined(_)
        | E::FiguresSettingsAdopted(_)
        | E::ProvisionPlacesSet(_)
        | E::ProvisionCostsSet(_)
        | E::ProvisionClosed(_)
        | E::SlaSigned(_)
        | E::ApprovalApplied(_)
        | E::ApprovalDecided(_)
        | E::CapitalApproved(_)
        | E::ViableOptionsRecorded(_)
        | E::NeedTypesChanged(_)
        | E::CapitalSpent(_)
        | E::TokenIssued(_)
        | E::TokenRevoked(_)
        | E::ChildDetailsChanged(_)
        | E::RelatedPersonAdded(_)
        | E::RelatedPersonRemoved(_)
        | E::CourtRestrictionRecorded(_)
        | E::CourtRestrictionLifted(_)
        | E::CaseworkerAssigned(_)
        | E::RequestReceived(_)
        | E::RequestWithdrawn(_)
        | E::AssessmentDecided(_)
        | E::AdviceRequested(_)
        | E::AdviceReceived(_)
        | E::ExceptionRecorded(_)
        | E::PlanNotIssued(_)
        | E::DraftPlanServed(_)
        | E::SettingConsulted(_)
        | E::ConsultationResponse(_)
        | E::FinalPlanIssued(_)
        | E::TransportCostSet(_)
        | E::PlanRecorded(_)
        | E::PlacementStarted(_)
        | E::PlacementEnded(_)
        | E::ReviewMeetingHeld(_)
        | E::ReviewDecided(_)
        | E::PlanAmended(_)
        | E::MediationRecorded(_)
        | E::AppealRegistered(_)
        | E::AppealDecided(_)
        | E::PlanCeased(_)
        | E::TransferredOut(_)
        | E::TransferredIn(_)
        | E::DraftResponseReceived(_)
        | E::ReviewInvitationsSent(_)
        | E::ReviewReportSent(_)
        | E::AmendmentsProposed(_)
        | E::PhaseTransferPlanned(_)
        | E::TransferReassessmentDecided(_)
        | E::MediationChosen(_)
        | E::MediationHeld(_)
        | E::MediationCertificateIssued(_)
        | E::CessationDecided(_)
        | E::ComplaintReceived(_)
        | E::ComplaintResponded(_)
        | E::LetterIssued(_)
        | E::LetterSent(_)
        | E::PlanAudited(_)
        | E::GateOverridden(_)
        // Joining duplicates: as any other change (a closed provision takes none).
        | E::MergedInto(_)
        | E::Merged(_) => match &current.state {
            StreamState::Case(c) => check_case(c, body),
            StreamState::Account(a) => check_account(a, body),
            StreamState::Area(a) => check_area(a, body),
            StreamState::Provision(p) => check_provision(p, body),
            StreamState::Organisation(_)
            | StreamState::Staff(_)
            | StreamState::Setting(_)
            | StreamState::Publication(_) => Ok(()),
        },
    }
}

/// The answer for an event type a record's rules do not name: `check` sends every type
/// to the rules of its record, so this is a fault in sendscope. It fails closed.
fn no_rule<T>(body: &EventBody) -> Result<T, DomainError> {
    refuse(format!(
        "sendscope has no rule for recording {} on this record. This is a fault in \
         sendscope, not in what was entered: report it to the service desk",
        body.event_type()
    ))
}

/// The provisions register's order: a decision needs its application; spend needs its
/// capital; nothing new once closed.
fn check_provision(
    p: &crate::projection::ProvisionState,
    body: &EventBody,
) -> Result<(), DomainError> {
    if let Some(closed) = p.closed_on
        && !matches!(body, EventBody::CapitalSpent(_))
    {
        return refuse(format!(
            "this provision closed on {}: open a new provision for new places",
            date_text(closed)
        ));
    }
    match body {
        EventBody::SlaSigned(x) => {
            if x.end < x.start {
                return refuse("a service level agreement must end after it starts");
            }
            if x.parties.iter().all(|p| p.trim().is_empty()) {
                return refuse("a service level agreement needs its parties");
            }
            Ok(())
        }
        EventBody::ApprovalDecided(x) => {
            if !p
                .applications
                .iter()
                .any(|a| a.route == x.route && a.submitted_on <= x.decided_on)
            {
                return refuse(format!(
                    "there is no {} application on or before {}: record the application first",
                    x.route.label(),
                    date_text(x.decided_on)
                ));
            }
            if x.effective_from.is_some_and(|e| e < x.decided_on) {
                return refuse(
                    "an approval cannot take effect before it is decided: give the effective date on or after the decision",
                );
            }
            if x.need_types.as_ref().is_some_and(Vec::is_empty) {
                return refuse("an approval for a change of need types must name the types");
            }
            Ok(())
        }
        EventBody::CapitalApproved(x) => {
            if x.amount.0 < 0 {
                return refuse("capital approved cannot be negative");
            }
            if let Some(r) = &x.reference
                && p.capital.iter().any(|c| c.reference.as_ref() == Some(r))
            {
                return refuse(format!(
                    "capital project {r} is already recorded for this provision: record a correction to change it"
                ));
            }
            Ok(())
        }
        EventBody::CapitalSpent(x) => {
            let Some(c) = p
                .capital
                .iter()
                .find(|c| c.reference.as_deref() == Some(x.reference.as_str()))
            else {
                return refuse(format!(
                    "there is no capital project {} on this provision: record the capital approved (with that reference) first",
                    x.reference
                ));
            };
            if x.spent_to_date.0 < 0 {
                return refuse("spend to date cannot be negative");
            }
            if x.on < c.approved_on {
                return refuse(format!(
                    "spend is reported after the capital is approved ({})",
                    date_text(c.approved_on)
                ));
            }
            Ok(())
        }
        EventBody::NeedTypesChanged(x) => {
            if x.need_types.is_empty() {
                return refuse("a provision must cater for at least one type of need");
            }
            Ok(())
        }
        EventBody::ProvisionPlacesSet(_)
        | EventBody::ProvisionCostsSet(_)
        | EventBody::ProvisionClosed(_)
        | EventBody::ApprovalApplied(_)
        | EventBody::ViableOptionsRecorded(_)
        | EventBody::MergedInto(_)
        | EventBody::Merged(_) => Ok(()),
        _ => no_rule(body),
    }
}

fn check_area(a: &crate::projection::AreaState, body: &EventBody) -> Result<(), DomainError> {
    match body {
        EventBody::ProgrammeDefined(p) => {
            let next = a.programmes.len() as u32 + 1;
            if p.programme != next {
                return refuse(format!(
                    "programmes in an area are numbered in order: this one must be programme {next}"
                ));
            }
            if p.name.trim().is_empty() || p.cases.is_empty() {
                return refuse("a programme needs a name and at least one case");
            }
            if p.deadline <= p.start {
                return refuse("a programme's deadline must come after its start");
            }
            if !(p.flag_factor >= 1.0 && p.flag_factor <= 10.0) {
                return refuse(
                    "the flag factor must be between 1 and 10 (1.2 flags a programme needing 20% more than it achieves)",
                );
            }
            Ok(())
        }
        EventBody::QaRubricAdopted(r) => r.rubric.check().map_err(DomainError::Refused),
        EventBody::PlacementSettingsAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::FiguresSettingsAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::TrajectoryDefined(t) => {
            let next = a.trajectories.len() as u32 + 1;
            if t.trajectory != next {
                return refuse(format!(
                    "trajectories in an area are numbered in order: this one must be trajectory {next}"
                ));
            }
            if t.name.trim().is_empty() || !t.target.is_finite() || t.target < 0.0 {
                return refuse("a trajectory needs a name and a target of 0 or more");
            }
            if t.deadline <= t.start {
                return refuse("a trajectory's deadline comes after its start");
            }
            Ok(())
        }
        EventBody::GateRulesAdopted(g) => {
            if !(1..=4).contains(&g.graded_worst) {
                return refuse(
                    "graded_worst is the worst Ofsted grade that meets the standard: 1 to 4",
                );
            }
            Ok(())
        }
        EventBody::MergedInto(_) | EventBody::Merged(_) => Ok(()),
        _ => no_rule(body),
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
        EventBody::TokenIssued(_) | EventBody::MergedInto(_) | EventBody::Merged(_) => Ok(()),
        _ => no_rule(body),
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

fn plan_start(c: &crate::projection::CaseState) -> NaiveDate {
    c.plan.as_ref().map(|p| p.start).unwrap_or(NaiveDate::MIN)
}

fn held_review(c: &crate::projection::CaseState, meeting_on: NaiveDate) -> Result<(), DomainError> {
    if c.reviews
        .iter()
        .any(|r| !r.planned && r.meeting_on == meeting_on)
    {
        Ok(())
    } else {
        refuse(format!(
            "there is no review meeting held on {}: record the meeting first",
            date_text(meeting_on)
        ))
    }
}

/// The family may take a decision of this kind to mediation or appeal only once it has
/// been made.
fn appealable(
    c: &crate::projection::CaseState,
    subject: DisputeSubject,
    on: NaiveDate,
) -> Result<(), DomainError> {
    if crate::clocks::appealed_decision(c, subject, on).is_none() {
        return refuse(format!(
            "there is no decision on this case, on or before {}, that a dispute about {} could be about: record the decision first",
            date_text(on),
            subject.label()
        ));
    }
    Ok(())
}

fn open_dispute(
    c: &crate::projection::CaseState,
    subject: DisputeSubject,
) -> Option<&crate::projection::DisputeState> {
    c.disputes
        .iter()
        .rev()
        .find(|d| d.subject == subject && d.outcome.is_none() && d.mediation_chosen_on.is_some())
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
            let Some(first) = r.decided_on else {
                return Ok(());
            };
            // A refusal the Tribunal overturned (or the council conceded) is followed by
            // a second decision, to assess; the first stays as it was.
            let ordered = c.disputes.iter().any(|x| {
                x.order == Some(AppealOrder::Assess)
                    && x.decided_on.is_some_and(|o| o >= first && o <= d.on)
            });
            if ordered && r.ordered_decision_on.is_none() && d.decision == AssessDecision::Assess {
                return Ok(());
            }
            refuse("the decision on this request is already recorded; correct it instead")
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
            if let Some(on) = r.plan_not_issued_on.or(r.final_issued_on) {
                return refuse(format!(
                    "this request was already concluded on {}; correct that record instead",
                    date_text(on)
                ));
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
            if let Some(on) = r.draft_served_on {
                return refuse(format!(
                    "a draft plan was already served on {}; to change it, correct that record",
                    date_text(on)
                ));
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
            let window = rule_in_force("draft_response", draft)?.period.due(draft)?;
            if f.on <= window {
                return refuse(format!(
                    "the family has until {} to respond to the draft served on {} (at least 15 days, reg 13): the final plan can be issued from {}",
                    date_text(window),
                    date_text(draft),
                    date_text(window.succ_opt().unwrap_or(window))
                ));
            }
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
        E::ReviewMeetingHeld(_)
        | E::PlanAmended(_)
        | E::TransferredOut(_)
        | E::ReviewInvitationsSent(_)
        | E::AmendmentsProposed(_)
        | E::PhaseTransferPlanned(_)
        | E::CessationDecided(_)
            if !plan_open =>
        {
            refuse("there is no plan in place: a plan must be issued first")
        }
        E::ReviewMeetingHeld(d) => not_before(d.on, plan_start(c), "the plan began"),
        E::ReviewInvitationsSent(x) => {
            not_before(x.meeting_on, plan_start(c), "the plan began")?;
            if c.reviews
                .iter()
                .any(|r| r.meeting_on == x.meeting_on && r.invitations_on.is_some())
            {
                return refuse(
                    "invitations to this review meeting are already recorded; correct them instead",
                );
            }
            if x.on > x.meeting_on {
                return refuse(format!(
                    "invitations go out before the meeting: {} is after the meeting on {}; check the dates",
                    date_text(x.on),
                    date_text(x.meeting_on)
                ));
            }
            Ok(())
        }
        E::ReviewReportSent(x) => {
            held_review(c, x.meeting_on)?;
            if c.reviews
                .iter()
                .any(|r| r.meeting_on == x.meeting_on && r.report_on.is_some())
            {
                return refuse("the report of this review is already recorded; correct it instead");
            }
            not_before(x.on, x.meeting_on, "the review meeting")
        }
        E::AmendmentsProposed(x) => {
            if x.summary.trim().is_empty() {
                return refuse("say what the proposed amendments are");
            }
            if let Some(m) = x.meeting_on {
                held_review(c, m)?;
                not_before(x.on, m, "the review meeting")?;
            }
            not_before(x.on, plan_start(c), "the plan began")
        }
        E::PlanAmended(a) => {
            not_before(a.on, plan_start(c), "the plan began")?;
            if let Some(x) = c.proposals.iter().find(|x| x.amended_on.is_none()) {
                let window = rule_in_force("amendments_response", x.proposed_on)?
                    .period
                    .due(x.proposed_on)?;
                if a.on <= window {
                    return refuse(format!(
                        "the family has until {} to respond to the amendments proposed on {} (at least 15 days, reg 22): the amended plan can be issued from {}",
                        date_text(window),
                        date_text(x.proposed_on),
                        date_text(window.succ_opt().unwrap_or(window))
                    ));
                }
            }
            Ok(())
        }
        E::PhaseTransferPlanned(t) => {
            not_before(t.transfer_on, plan_start(c), "the plan began")?;
            // Reg 18's fixed dates fall in the calendar year of the transfer and before
            // it: a transfer earlier in the year than the date cannot be timed by them.
            let fixed = match t.kind {
                PhaseTransferKind::BetweenSchools => Some((2, 15, "15 February")),
                PhaseTransferKind::SecondaryToPost16 => Some((3, 31, "31 March")),
                PhaseTransferKind::Post16ToPost16 => None,
            };
            if let Some((m, day, text)) = fixed
                && let Some(limit) =
                    NaiveDate::from_ymd_opt(chrono::Datelike::year(&t.transfer_on), m, day)
                && t.transfer_on < limit
            {
                return refuse(format!(
                    "a transfer on {} comes before {text} of its year, the date its review must be finished by (reg 18); check the date of the transfer",
                    date_text(t.transfer_on)
                ));
            }
            Ok(())
        }
        E::TransferredIn(_) if plan_open => refuse(
            "this case already has a plan maintained by this council: a plan transferred in arrives on a case without one",
        ),
        E::TransferReassessmentDecided(_) if c.transfer_reassessment.is_some() => refuse(
            "the decision on reassessing this transferred plan is already recorded; correct it instead",
        ),
        E::TransferReassessmentDecided(x) => match &c.transferred_in {
            None => refuse("record the plan transferred in from the other council first"),
            Some(t) => not_before(x.on, t.on, "the transfer in"),
        },
        E::DraftResponseReceived(x) => {
            let r = request(c, x.request)?;
            match r.draft_served_on {
                None => refuse("record the draft plan served before the family's response to it"),
                Some(d) => not_before(x.on, d, "the day the draft was served"),
            }
        }
        E::MediationChosen(m) => {
            appealable(c, m.subject, m.on)?;
            if c.disputes.iter().any(|d| {
                d.subject == m.subject
                    && d.mediation_chosen_on.is_some()
                    && d.outcome.is_none()
                    && d.appeal_on.is_none()
            }) {
                return refuse(
                    "the family's choice about mediation on this decision is already recorded",
                );
            }
            Ok(())
        }
        E::MediationHeld(m) => {
            let Some(d) = open_dispute(c, m.subject) else {
                return refuse(
                    "record that the family chose mediation before the mediation itself",
                );
            };
            if d.wants_mediation != Some(true) {
                return refuse(
                    "the family declined mediation on this decision: record a certificate instead",
                );
            }
            if d.mediation_on.is_some() {
                return refuse("this mediation is already recorded as held");
            }
            if d.certificate_on.is_some() {
                return refuse(
                    "a mediation certificate has already been issued: the mediation has ended",
                );
            }
            not_before(
                m.on,
                d.mediation_chosen_on.unwrap_or(m.on),
                "the family chose mediation",
            )
        }
        E::MediationCertificateIssued(m) => {
            let Some(d) = open_dispute(c, m.subject) else {
                return refuse("record the family's choice about mediation before the certificate");
            };
            if d.certificate_on.is_some() {
                return refuse("a certificate for this mediation is already recorded");
            }
            not_before(
                m.on,
                d.mediation_chosen_on.unwrap_or(m.on),
                "the family's choice about mediation",
            )
        }
        E::AppealRegistered(a) => appealable(c, a.subject, a.on),
        E::CessationDecided(x) => {
            if x.explanation.trim().is_empty() {
                return refuse(
                    "a decision to cease must give the family its reasons: write the explanation",
                );
            }
            if x.reason == crate::sen::CeaseReason::TransferredToAnotherLa {
                return refuse(
                    "a move to another local authority is recorded as a transfer out, not as ceasing the plan",
                );
            }
            if c.plan.as_ref().is_some_and(|p| p.cessation.is_some()) {
                return refuse("a decision to cease this plan is already recorded");
            }
            not_before(x.on, plan_start(c), "the plan began")
        }
        E::GateOverridden(g) if g.reason.trim().len() < 10 => refuse(
            "an override needs a written reason: say why the step must go ahead without the approval",
        ),
        E::PlanAudited(a) => {
            let Some(plan) = &c.plan else {
                return refuse("there is no plan to audit: a plan must be issued first");
            };
            let next = c.audits.len() as u32 + 1;
            if a.audit != next {
                return refuse(format!(
                    "audits on a case are numbered in order: this one must be audit {next}"
                ));
            }
            if a.scores.is_empty() || a.scores.values().any(|v| !(1..=10).contains(v)) {
                return refuse("score every section of the rubric, each from 1 upwards");
            }
            not_before(a.on, plan.start, "the plan was issued")
        }
        E::LetterIssued(l) => {
            let next = c.letters.len() as u32 + 1;
            if l.letter != next {
                return refuse(format!(
                    "letters on a case are numbered in order: this one must be letter {next}"
                ));
            }
            if l.to.trim().is_empty() || l.subject.trim().is_empty() || l.sections.is_empty() {
                return refuse("a letter needs who it is to, a subject and its text");
            }
            if let Some(e) = &l.email
                && !(e.contains('@') && !e.contains(char::is_whitespace) && e.len() <= 254)
            {
                return refuse(format!(
                    "{e:?} is not an email address: write it as name@example.org, or leave it out to post the letter"
                ));
            }
            Ok(())
        }
        E::LetterSent(x) => match c.letters.iter().find(|l| l.letter == x.letter) {
            None => refuse(format!(
                "there is no letter {} on this case: issue it first",
                x.letter
            )),
            Some(l) if l.sent_on.is_some() => {
                refuse(format!("letter {} is already recorded as sent", x.letter))
            }
            Some(l) => not_before(x.on, l.on, "the letter was issued"),
        },
        E::ComplaintReceived(x) => {
            if x.reference.trim().is_empty() || x.about.trim().is_empty() {
                return refuse("a complaint needs its reference and what it is about");
            }
            if c.complaints.iter().any(|k| k.reference == x.reference) {
                return refuse(format!(
                    "complaint {} is already recorded on this case",
                    x.reference
                ));
            }
            Ok(())
        }
        E::ComplaintResponded(x) => {
            match c.complaints.iter().find(|k| k.reference == x.reference) {
                None => refuse(format!(
                    "there is no complaint {} on this case: record the complaint received first",
                    x.reference
                )),
                Some(k) if k.responded_on.is_some() => refuse(format!(
                    "complaint {} already has its response",
                    x.reference
                )),
                Some(k) => not_before(x.on, k.received_on, "the complaint was received"),
            }
        }
        E::ReviewDecided(d) => {
            let Some(r) = c
                .reviews
                .iter()
                .rev()
                .find(|r| !r.planned && r.meeting_on == d.meeting_on)
            else {
                return refuse("record the review meeting before the decision that follows it");
            };
            if r.decided_on.is_some() {
                return refuse(
                    "the decision after this review is already recorded; correct it instead",
                );
            }
            not_before(d.on, d.meeting_on, "the review meeting")
        }
        E::ConsultationResponse(x) => {
            let awaited = c.requests.last().and_then(|r| {
                r.consultations
                    .iter()
                    .rev()
                    .find(|k| k.setting == x.setting && k.responded_on.is_none())
            });
            match awaited {
                None => refuse(
                    "no consultation with this setting is awaiting a response: record the setting consulted first",
                ),
                Some(k) => not_before(x.on, k.consulted_on, "the setting was consulted"),
            }
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
            if x.reason == crate::sen::CeaseReason::Deceased {
                return Ok(());
            }
            // s.45 CFA: ceasing is a decision with a right of appeal, and the plan is
            // maintained while an appeal is possible or pending.
            let Some(decided) = c.plan.as_ref().and_then(|p| p.cessation.as_ref()) else {
                return refuse(
                    "record the decision to cease the plan first: the family can appeal it, and the plan is kept until the time to appeal has passed",
                );
            };
            if decided.reason != x.reason {
                return refuse(format!(
                    "the decision to cease gave the reason \"{}\"; cease for that reason or correct the decision",
                    decided.reason.label()
                ));
            }
            let end = crate::clocks::appeal_window_end(c, DisputeSubject::Cessation, decided.on)?;
            if x.on <= end {
                return refuse(format!(
                    "the plan is kept until the family's time to appeal the decision to cease has passed: it can cease from {}",
                    date_text(end.succ_opt().unwrap_or(end))
                ));
            }
            let pending = c.disputes.iter().any(|d| {
                d.subject == DisputeSubject::Cessation
                    && d.appeal_on.is_some_and(|a| a >= decided.on)
                    && d.outcome.is_none()
            });
            if pending {
                return refuse(
                    "an appeal against ceasing the plan is waiting for the Tribunal: the plan is kept until it is decided",
                );
            }
            let overturned = c.disputes.iter().any(|d| {
                d.subject == DisputeSubject::Cessation
                    && d.decided_on.is_some_and(|o| o >= decided.on)
                    && matches!(
                        d.outcome,
                        Some(
                            AppealOutcome::Upheld
                                | AppealOutcome::PartlyUpheld
                                | AppealOutcome::Conceded
                        )
                    )
            });
            if overturned {
                return refuse(
                    "the appeal against ceasing the plan succeeded: the plan stays in place",
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
        E::AppealDecided(a) => {
            let won = matches!(
                a.outcome,
                AppealOutcome::Upheld | AppealOutcome::PartlyUpheld | AppealOutcome::Conceded
            );
            if a.order.is_some() && !won {
                return refuse(
                    "an order follows an appeal the family won or the council conceded: leave the order out or change the outcome",
                );
            }
            let registered = c
                .disputes
                .iter()
                .rev()
                .find(|d| d.appeal_on.is_some() && d.outcome.is_none())
                .and_then(|d| d.appeal_on);
            match registered {
                Some(r) => not_before(a.on, r, "the appeal was registered"),
                None => Ok(()),
            }
        }
        // No order to keep among these, or none beyond the conditions above.
        E::ChildDetailsChanged(_)
        | E::RelatedPersonAdded(_)
        | E::RelatedPersonRemoved(_)
        | E::CourtRestrictionRecorded(_)
        | E::CourtRestrictionLifted(_)
        | E::CaseworkerAssigned(_)
        | E::SettingConsulted(_)
        | E::TransportCostSet(_)
        | E::PlacementStarted(_)
        | E::PlacementEnded(_)
        | E::MediationRecorded(_)
        | E::TransferredOut(_)
        | E::TransferredIn(_)
        | E::GateOverridden(_)
        | E::MergedInto(_)
        | E::Merged(_) => Ok(()),
        _ => no_rule(body),
    }
}
