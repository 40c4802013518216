//! Which steps may be recorded, given a stream's current state. A refused step says
//! what must happen first; nothing is written.

use crate::DomainError;
use crate::calendar::long_date as date_text;
use crate::clocks::rule_in_force;
use crate::event::*;
use crate::ids::RequestId;
use crate::projection::{Projection, RequestState, StreamState};
use chrono::NaiveDate;

mod case;
use case::check_case;

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
        StreamKind::Partnership => "partnership.started",
        StreamKind::CapitalProject => "capital_project.proposed",
        StreamKind::Referral => "referral.received",
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
        E::StaffContactRecorded(x) => x.check().map_err(DomainError::Refused),
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
        | E::TwoFactorEnrolled(_)
        | E::TwoFactorRemoved(_)
        | E::AccountDisabled(_) => Ok(()),
        E::AccountRoleChanged(c) => crate::access::check_links(c.role, &c.links),
        // The record's own rules decide, on its current state.
        E::QaRubricAdopted(_)
        | E::ProgrammeDefined(_)
        | E::GateRulesAdopted(_)
        | E::PlacementSettingsAdopted(_)
        | E::TrajectoryDefined(_)
        | E::FiguresSettingsAdopted(_)
        | E::DesignatedOfficersRecorded(_)
        | E::SignInPolicyAdopted(_)
        | E::SingleSignOnAdopted(_)
        | E::RetentionScheduleAdopted(_)
        | E::ComplaintsPolicyAdopted(_)
        | E::WaitingListsAdopted(_)
        | E::PartTimePolicyAdopted(_)
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
        | E::RequestRecorded(_)
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
        | E::MissingEducationReported(_)
        | E::MissingEducationEnquiry(_)
        | E::MissingEducationClosed(_)
        | E::PartTimeAgreed(_)
        | E::PartTimeReviewed(_)
        | E::PartTimeEnded(_)
        | E::AlternativeProvisionArranged(_)
        | E::HomeEducationNotified(_)
        | E::ComplaintResponded(_)
        | E::DocumentAdded(_)
        | E::NoteRecorded(_)
        | E::ErasureRequested(_)
        | E::ErasureDecided(_)
        | E::LetterIssued(_)
        | E::LetterSent(_)
        | E::PlanAudited(_)
        | E::GateOverridden(_)
        | E::PartnershipStarted(_)
        | E::PriorityAdded(_)
        | E::ActionAdded(_)
        | E::MilestoneAdded(_)
        | E::MilestoneMet(_)
        | E::ActionCompleted(_)
        | E::EvidenceAdded(_)
        | E::CommentaryAdded(_)
        | E::ChangeRequested(_)
        | E::ChangeDecided(_)
        | E::RiskAdded(_)
        | E::RiskReviewed(_)
        | E::MemberAdded(_)
        | E::MeetingHeld(_)
        | E::MinutesDrafted(_)
        | E::MinutesApproved(_)
        | E::QaRoundOpened(_)
        | E::QaModerated(_)
        | E::QaFinding(_)
        | E::FeedbackHeard(_)
        | E::FeedbackAnswered(_)
        | E::CapitalProposed(_)
        | E::ProvisionFunded(_)
        | E::CapitalDecided(_)
        | E::CapitalSpendReported(_)
        | E::ReferralReceived(_)
        | E::ClockStopped(_)
        | E::SupportOffered(_)
        | E::ReferralLinked(_)
        // Joining duplicates: as any other change (a closed provision takes none).
        | E::MergedInto(_)
        | E::Merged(_) => match &current.state {
            StreamState::Case(c) => check_case(c, body),
            StreamState::Account(a) => check_account(a, body),
            StreamState::Area(a) => check_area(a, body),
            StreamState::Provision(p) => check_provision(p, body),
            StreamState::Partnership(s) => match crate::partnership::step_of(body) {
                Some(step) => s.check(&step).map_err(DomainError::Refused),
                None => Ok(()),
            },
            StreamState::CapitalProject(s) => match crate::capital::step_of(body) {
                Some(step) => s.check(&step).map_err(DomainError::Refused),
                None => Ok(()),
            },
            StreamState::Referral(s) => match crate::waits::step_of(body) {
                Some(step) => s.check(&step).map_err(DomainError::Refused),
                None => Ok(()),
            },
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
            if x.approved && x.deferral().is_some() {
                return refuse(
                    "a deferral is neither approved nor refused: answer 'no' to approved and say what it waits for (for example viable-options evidence)",
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
        EventBody::SignInPolicyAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::SingleSignOnAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::RetentionScheduleAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::ComplaintsPolicyAdopted(x) => x.check().map_err(DomainError::Refused),
        EventBody::PartTimePolicyAdopted(x) => {
            if x.max_weeks == 0 || x.max_weeks > 52 {
                return refuse("a part-time timetable's longest time to review is 1 to 52 weeks");
            }
            Ok(())
        }
        EventBody::WaitingListsAdopted(x) => {
            if a.waiting_lists.iter().any(|w| w.from == x.from) {
                return refuse(format!(
                    "waiting lists from {} are already adopted: adopt the new version from another day",
                    date_text(x.from)
                ));
            }
            x.check().map_err(DomainError::Refused)
        }
        EventBody::DesignatedOfficersRecorded(x) => {
            if a.officers.iter().any(|o| o.from == x.from) {
                return refuse(format!(
                    "the designated officers from {} are already recorded; correct that record instead",
                    date_text(x.from)
                ));
            }
            Ok(())
        }
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

/// The decision on an audit as it is written: its grade is the one its scores earn by the
/// rubric the area has in force on the audit's date, and it names that rubric. Taken
/// inside the write's transaction, so an audit graded by a rubric the area replaced
/// meanwhile is refused rather than kept with a grade nobody would now give it.
pub fn audit_decision(
    in_force: &crate::qa::Rubric,
    audit: &crate::event::PlanAudited,
) -> Result<(), crate::DomainError> {
    let grade = in_force
        .grade(&audit.scores)
        .map_err(crate::DomainError::Refused)?;
    if in_force.id != audit.rubric_id || grade != audit.grade {
        return Err(crate::DomainError::Refused(format!(
            "the area's plan-quality rubric for {} is now {:?}, not the one this audit was graded by: record the audit again to grade it by the rubric in force",
            crate::calendar::long_date(audit.on),
            in_force.title
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(v: u8) -> std::collections::BTreeMap<String, u8> {
        crate::qa::Rubric::standard()
            .sections
            .iter()
            .map(|s| (s.key.clone(), v))
            .collect()
    }

    /// An audit is kept only with the grade its scores earn by the rubric in force.
    #[test]
    fn audit_decided_by_the_rubric_in_force() {
        let standard = crate::qa::Rubric::standard();
        let audit = crate::event::PlanAudited {
            audit: 1,
            on: chrono::NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            service: crate::qa::AuditService::Education,
            rubric_id: standard.id.clone(),
            scores: all(3),
            grade: standard.grade(&all(3)).expect("graded"),
            comments: String::new(),
        };
        assert!(audit_decision(&standard, &audit).is_ok());
        let replaced = crate::qa::Rubric {
            id: "area-2026".into(),
            title: "Our own rubric".into(),
            ..crate::qa::Rubric::standard()
        };
        let refused = audit_decision(&replaced, &audit).expect_err("another rubric");
        assert!(refused.to_string().contains("Our own rubric"), "{refused}");
        let tampered = crate::event::PlanAudited {
            grade: crate::qa::QaGrade::Outstanding,
            scores: all(1),
            ..audit
        };
        assert!(audit_decision(&standard, &tampered).is_err());
    }
}
