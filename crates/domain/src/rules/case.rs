//! The order of a child's case: requests, assessments, plans, reviews, amendments,
//! transfers, disputes, cessation, letters and audits, each step refused with what must
//! happen first when it comes too early or is not the step's to take.

use super::*;

pub(super) fn request(
    c: &crate::projection::CaseState,
    id: RequestId,
) -> Result<&RequestState, DomainError> {
    c.requests.iter().find(|r| r.request == id).ok_or_else(|| {
        DomainError::Refused(
            "there is no such request on this case: record the request received first".into(),
        )
    })
}

pub(super) fn not_before(on: NaiveDate, earlier: NaiveDate, what: &str) -> Result<(), DomainError> {
    if on < earlier {
        return refuse(format!(
            "the date {on} is before {what} ({earlier}); check the date"
        ));
    }
    Ok(())
}

pub(super) fn open_request(
    c: &crate::projection::CaseState,
    id: RequestId,
    on: NaiveDate,
) -> Result<&RequestState, DomainError> {
    let r = request(c, id)?;
    if r.withdrawn_on.is_some() || r.undated().withdrawn_by.is_some() {
        return refuse("this request was withdrawn; record a new request first");
    }
    not_before(on, r.received_on, "the day the request was received")?;
    Ok(r)
}

/// A request brought in from another record: numbered in order when new; recorded again
/// only if it was itself brought in; its dates in order.
fn request_recorded(
    c: &crate::projection::CaseState,
    x: &RequestRecorded,
) -> Result<(), DomainError> {
    if x.source.trim().is_empty() {
        return refuse("a request recorded later must say which record it comes from");
    }
    match c.requests.iter().find(|r| r.request == x.request) {
        Some(r) if r.recorded.is_none() => {
            return refuse(format!(
                "request {} is kept in sendscope: record its steps one by one",
                x.request.0
            ));
        }
        Some(r) if r.received_on != x.received_on => {
            return refuse(format!(
                "request {} was received on {}, not {}; correct the record it came from",
                x.request.0,
                crate::calendar::long_date(r.received_on),
                crate::calendar::long_date(x.received_on)
            ));
        }
        Some(_) => {}
        None => {
            let next = c.requests.len() as u32 + 1;
            if x.request.0 != next {
                return refuse(format!(
                    "requests on a case are numbered in order: this one must be request {next}"
                ));
            }
        }
    }
    let decided = x.decided_on.unwrap_or(x.received_on);
    if let Some(d) = x.decided_on {
        not_before(d, x.received_on, "the day the request was received")?;
        if x.decision.is_none() {
            return refuse("a decision date needs the decision: to assess or not");
        }
    }
    for d in [x.plan_issued_on, x.plan_not_issued_on]
        .into_iter()
        .flatten()
    {
        not_before(d, decided, "the decision to assess")?;
        if x.decision != Some(AssessDecision::Assess) {
            return refuse("a plan is issued (or not) after a decision to assess");
        }
    }
    if x.plan_issued_on.is_some() && x.plan_not_issued_on.is_some() {
        return refuse("a plan cannot be both issued and not issued on one request");
    }
    Ok(())
}

pub(super) fn advice_allowed(
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

pub(super) fn plan_start(c: &crate::projection::CaseState) -> NaiveDate {
    c.plan.as_ref().map(|p| p.start).unwrap_or(NaiveDate::MIN)
}

pub(super) fn held_review(
    c: &crate::projection::CaseState,
    meeting_on: NaiveDate,
) -> Result<(), DomainError> {
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
pub(super) fn appealable(
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

pub(super) fn open_dispute(
    c: &crate::projection::CaseState,
    subject: DisputeSubject,
) -> Option<&crate::projection::DisputeState> {
    c.disputes
        .iter()
        .rev()
        .find(|d| d.subject == subject && d.outcome.is_none() && d.mediation_chosen_on.is_some())
}

pub(super) fn check_case(
    c: &crate::projection::CaseState,
    body: &EventBody,
) -> Result<(), DomainError> {
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
            // One request at a time: a second while the first is still being decided
            // would run two sets of clocks for one child.
            let open = c.requests.iter().find(|q| {
                q.withdrawn_on.is_none()
                    && q.final_issued_on.is_none()
                    && q.plan_not_issued_on.is_none()
                    && q.undated().is_empty()
                    && !(q.decision == Some(AssessDecision::DoNotAssess)
                        && q.ordered_decision_on.is_none())
            });
            if let Some(q) = open {
                return refuse(format!(
                    "the request received on {} is still open: record what happens on it, or withdraw it before recording a new request",
                    crate::calendar::long_date(q.received_on)
                ));
            }
            Ok(())
        }
        E::RequestWithdrawn(s) => open_request(c, s.request, s.on).map(|_| ()),
        E::RequestRecorded(x) => request_recorded(c, x),
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
            if let Some(m) = d.sections.incomplete() {
                return refuse(m);
            }
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
            if let Some(m) = f.sections.incomplete() {
                return refuse(m);
            }
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
            if let Some(id) = p.request {
                let r = request(c, id)?;
                not_before(
                    p.plan_start,
                    r.received_on,
                    "the day the request was received",
                )?;
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
            if let Some(m) = a.sections.as_ref().and_then(PlanSections::incomplete) {
                return refuse(m);
            }
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
            // Never to someone a court order bars from the child's information, whatever
            // the form says: not by name, not to their email address.
            if let Some(r) = &c.court_restriction {
                let to = l.to.to_lowercase();
                let barred = c
                    .related
                    .iter()
                    .filter(|p| r.restricted_persons.contains(&p.person));
                for p in barred {
                    let named =
                        !p.name.trim().is_empty() && to.contains(&p.name.trim().to_lowercase());
                    let emailed = p
                        .email
                        .as_deref()
                        .zip(l.email.as_deref())
                        .is_some_and(|(a, b)| a.trim().eq_ignore_ascii_case(b.trim()));
                    if named || emailed {
                        return refuse(
                            "a court order bars this person from the child's information: the letter cannot go to them. Address it to the people the record shows",
                        );
                    }
                }
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
        E::NoteRecorded(x) => {
            if x.summary.trim().is_empty() {
                return refuse("write what the note or contact was about");
            }
            Ok(())
        }
        E::DocumentAdded(x) => {
            let hex_ok = x.sha256.len() == 64
                && x.sha256
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            if !hex_ok {
                return refuse(
                    "a document is named by its content's SHA-256: 64 lower-case hexadecimal digits",
                );
            }
            if x.title.trim().is_empty() {
                return refuse(
                    "say what the document is (for example \"Speech and language therapy advice\")",
                );
            }
            if c.documents.iter().any(|d| d.document.sha256 == x.sha256) {
                return refuse("this document is already on the record");
            }
            Ok(())
        }
        body if crate::education::step_of(body).is_some() => {
            match crate::education::step_of(body) {
                Some(step) => c.education.check(&step).map_err(DomainError::Refused),
                None => Ok(()),
            }
        }
        E::ComplaintReceived(x) => {
            if x.reference.trim().is_empty() || x.about.trim().is_empty() {
                return refuse("a complaint needs its reference and what it is about");
            }
            if x.respond_by.is_some_and(|by| by < x.on) {
                return refuse("the response cannot be due before the complaint was received");
            }
            if c.complaints.iter().any(|k| k.reference == x.reference) {
                return refuse(format!(
                    "complaint {} is already recorded on this case",
                    x.reference
                ));
            }
            Ok(())
        }
        E::ErasureRequested(x) => {
            if x.requested_by.trim().is_empty() {
                return refuse("say who asked for their data to be erased, and how");
            }
            match c.erasure_requested_on {
                Some(open) => refuse(format!(
                    "the erasure request of {} is still to be decided: decide it first",
                    date_text(open)
                )),
                None => Ok(()),
            }
        }
        E::ErasureDecided(x) => {
            if x.reasons.trim().is_empty() {
                return refuse(
                    "give the reasons for the decision: they are kept after any erasure",
                );
            }
            match c.erasure_requested_on {
                None => refuse("there is no erasure request to decide: record the request first"),
                Some(r) => not_before(x.on, r, "the request was received"),
            }
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
                Some(_) if x.response.trim().is_empty() => refuse(
                    "give the response as it was sent to the complainant: it is kept with the complaint",
                ),
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
            if !x.can_meet_needs && x.reasons.trim().is_empty() {
                return refuse("say why the setting cannot meet the child's needs");
            }
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
            if let Some(source) = &x.source {
                // Ceased as the record the plan was brought in from says.
                if source.trim().is_empty() {
                    return refuse("say which record the cessation comes from");
                }
                if c.plan.as_ref().is_none_or(|p| p.source.is_none()) {
                    return refuse(
                        "this plan is kept in sendscope: record the decision to cease it, and cease it when the time to appeal has passed",
                    );
                }
                return not_before(x.on, plan_start(c), "the plan began");
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
