//! How each case event changes a child's case: the one place a case's state is worked
//! out from its events (`apply` for one event; the projection folds a stream with it).

use super::*;
use chrono::{Datelike, NaiveDate};

/// Who recorded the event being applied, and on which England date.
pub(super) struct Meta<'a> {
    pub(super) actor: &'a str,
    pub(super) recorded_on: NaiveDate,
}

impl CaseState {
    pub(super) fn request_mut(&mut self, id: RequestId) -> Option<&mut RequestState> {
        self.requests.iter_mut().find(|r| r.request == id)
    }

    /// A request brought in from another record; recorded again, what was not known is
    /// added and nothing known is changed.
    fn request_recorded(&mut self, x: &RequestRecorded) {
        let r = match self.requests.iter().position(|r| r.request == x.request) {
            Some(i) => &mut self.requests[i],
            None => {
                self.requests
                    .push(RequestState::new(x.request, x.received_on, None));
                self.requests.last_mut().expect("just pushed")
            }
        };
        r.requested_by = r.requested_by.or(x.requested_by);
        if r.decision.is_none() {
            r.decision = x.decision;
        }
        r.decided_on = r.decided_on.or(x.decided_on);
        r.final_issued_on = r.final_issued_on.or(x.plan_issued_on);
        r.plan_not_issued_on = r.plan_not_issued_on.or(x.plan_not_issued_on);
        let k = r.recorded.get_or_insert_with(|| RecordedState {
            source: x.source.clone(),
            ..Default::default()
        });
        k.youth_custody |= x.youth_custody;
        k.exception |= x.exception;
        let u = &mut k.undated;
        u.decided_by = u.decided_by.or(x.undated.decided_by);
        u.concluded_by = u.concluded_by.or(x.undated.concluded_by);
        u.withdrawn_by = u.withdrawn_by.or(x.undated.withdrawn_by);
        if let Some(d) = x.disputes
            && !k.disputes.iter().any(|e| e.census == d.census)
        {
            k.disputes.push(d);
        }
    }

    pub(super) fn review_mut(&mut self, meeting_on: NaiveDate) -> Option<&mut ReviewState> {
        self.reviews
            .iter_mut()
            .rev()
            .find(|r| r.meeting_on == meeting_on)
    }

    /// The newest dispute about `subject` that has not reached the Tribunal's decision.
    pub(super) fn dispute_mut(&mut self, subject: DisputeSubject) -> Option<&mut DisputeState> {
        self.disputes
            .iter_mut()
            .rev()
            .find(|d| d.subject == subject && d.outcome.is_none())
    }

    pub fn stage(&self, merged: bool) -> Stage {
        if merged {
            return Stage::Merged;
        }
        if self.transferred_out.is_some() {
            return Stage::TransferredOut;
        }
        if let Some(p) = &self.plan {
            return if p.ceased.is_some() {
                Stage::Ceased
            } else {
                Stage::PlanInPlace
            };
        }
        let Some(r) = self.requests.last() else {
            return Stage::Opened;
        };
        if r.withdrawn_on.is_some() || r.undated().withdrawn_by.is_some() {
            Stage::Withdrawn
        } else if r.decision == Some(AssessDecision::DoNotAssess) {
            Stage::NotAssessed
        } else if r.plan_not_issued_on.is_some() || r.undated().concluded_by.is_some() {
            Stage::NoPlan
        } else if r.draft_served_on.is_some() {
            Stage::DraftPlan
        } else if r.decision == Some(AssessDecision::Assess) {
            Stage::Assessing
        } else {
            Stage::RequestReceived
        }
    }

    pub fn current_placement(&self) -> Option<&PlacementState> {
        self.placements.iter().rev().find(|p| p.end.is_none())
    }

    /// Whether a child with a plan in place has nowhere to attend: no placement, or one
    /// recorded as "not in education: other" (SEN2's NIEO, as when awaiting a place).
    pub fn awaiting_placement(&self) -> bool {
        self.plan.as_ref().is_some_and(|p| p.ceased.is_none())
            && self
                .current_placement()
                .is_none_or(|p| p.setting == SettingRef::Code(crate::sen::SettingCode::Nieo))
    }

    pub fn index(&self, merged: bool) -> CaseIndex {
        let child = self.child.as_ref();
        let setting = self.current_placement().and_then(|p| match p.setting {
            SettingRef::Setting(s) => Some(s),
            SettingRef::Code(_) | SettingRef::Urn(_) | SettingRef::Ukprn(_) => None,
        });
        let plan = self.plan.as_ref();
        CaseIndex {
            sort_key: sort_key(
                child.map(|c| c.family_name.as_str()).unwrap_or_default(),
                child.map(|c| c.given_names.as_str()).unwrap_or_default(),
            ),
            stage: self.stage(merged),
            family_name: child.map(|c| c.family_name.clone()).unwrap_or_default(),
            given_names: child.map(|c| c.given_names.clone()).unwrap_or_default(),
            upn: child.and_then(|c| c.upn.as_ref().map(|u| u.to_string())),
            birth_date: child.map(|c| c.birth_date),
            primary_need: plan.and_then(|p| p.needs.iter().min_by_key(|n| n.rank).map(|n| n.need)),
            setting,
            caseworker: self.caseworker,
            team: self.team,
            plan_start: plan.map(|p| p.start),
            search_text: self.search_text(),
        }
    }

    /// See [`CaseIndex::search_text`].
    fn search_text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(c) = &self.child {
            parts.push(fold(&c.given_names));
            parts.push(fold(&c.family_name));
            if let Some(p) = &c.preferred_name {
                parts.push(fold(p));
            }
            if let Some(u) = &c.upn {
                parts.push(u.to_string().to_lowercase());
            }
            if let Some(n) = &c.nhs_number {
                parts.push(n.to_string().chars().filter(char::is_ascii_digit).collect());
            }
            parts.push(c.birth_date.format("%Y-%m-%d").to_string());
            parts.push(c.birth_date.format("%d/%m/%Y").to_string());
        }
        parts.extend(self.related.iter().map(|r| fold(&r.name)));
        parts.retain(|p| !p.is_empty());
        parts.join(" ")
    }

    /// The phase transfers the child's date of birth gives while they have a plan (reg
    /// 18): starting school (Reception, the September after they turn 4), secondary
    /// school (Year 7) and post-16 (Year 12), each for a plan in place before the
    /// September a year before the move (or its last review, for a plan brought in), when
    /// that year's review plans it. A transfer
    /// already there (recorded, or worked out before) of the same kind within a year is
    /// the same one. Infant to junior and post-16 moves depend on the school, and are
    /// recorded by hand.
    fn derive_phase_transfers(&mut self) {
        let (Some(child), Some(plan)) = (&self.child, &self.plan) else {
            return;
        };
        // A plan brought in from another system counts from its last review there: what
        // came before is that system's history.
        let start = plan
            .reviewed_before
            .map_or(plan.start, |r| r.max(plan.start));
        // Worked-out transfers not yet planned for are worked out again (the date of
        // birth may have been corrected); those the plan was amended for stand.
        self.phase_transfers
            .retain(|t| !t.derived || t.amended_on.is_some());
        for (year, kind) in PhaseTransferKind::by_birth(child.birth_date) {
            let (Some(transfer_on), Some(year_before)) = (
                NaiveDate::from_ymd_opt(year, 9, 1),
                NaiveDate::from_ymd_opt(year - 1, 9, 1),
            ) else {
                continue;
            };
            let known = self
                .phase_transfers
                .iter()
                .any(|t| t.kind == kind && (t.transfer_on.year() - year).abs() <= 1);
            if start < year_before && !known {
                self.phase_transfers.push(PhaseTransferState {
                    transfer_on,
                    kind,
                    amended_on: None,
                    derived: true,
                });
            }
        }
        self.phase_transfers.sort_by_key(|t| t.transfer_on);
    }

    pub(super) fn apply(&mut self, meta: &Meta, body: &EventBody) {
        use EventBody as E;
        match body {
            E::CaseOpened(o) => {
                self.child = Some(o.child.clone());
                self.related = o.people.clone();
                if let Some(a) = &o.caseworker {
                    self.caseworker = Some(a.staff);
                    self.team = Some(a.team);
                }
            }
            E::ChildDetailsChanged(c) => {
                self.child = Some(c.clone());
                self.derive_phase_transfers();
            }
            E::RelatedPersonAdded(p) => {
                self.related.retain(|r| r.person != p.person);
                self.related.push(p.clone());
            }
            E::RelatedPersonRemoved(p) => self.related.retain(|r| r.person != p.person),
            E::CourtRestrictionRecorded(r) => self.court_restriction = Some(r.clone()),
            E::CourtRestrictionLifted(_) => self.court_restriction = None,
            E::ErasureRequested(x) => self.erasure_requested_on = Some(x.received_on),
            E::ErasureDecided(_) => self.erasure_requested_on = None,
            E::CaseworkerAssigned(a) => {
                self.caseworker = Some(a.staff);
                self.team = Some(a.team);
            }
            E::RequestReceived(r) => self.requests.push(RequestState::new(
                r.request,
                r.received_on,
                Some(r.requested_by),
            )),
            E::RequestRecorded(x) => self.request_recorded(x),
            E::RequestWithdrawn(s) => {
                if let Some(r) = self.request_mut(s.request) {
                    r.withdrawn_on = Some(s.on);
                }
            }
            E::AssessmentDecided(d) => {
                if let Some(r) = self.request_mut(d.request) {
                    if r.decided_on.is_some() {
                        // Only a Tribunal order or a conceded appeal reopens a decision
                        // (rules::check): the first decision's clock keeps its verdict.
                        r.ordered_decision_on = Some(d.on);
                    } else {
                        r.decided_on = Some(d.on);
                    }
                    r.decision = Some(d.decision);
                }
            }
            E::AdviceRequested(a) => {
                if let Some(r) = self.request_mut(a.request) {
                    for kind in &a.kinds {
                        r.advice.push(AdviceState {
                            kind: *kind,
                            requested_on: a.on,
                            received_on: None,
                            advice: None,
                            document: None,
                        });
                    }
                }
            }
            E::AdviceReceived(a) => {
                if let Some(r) = self.request_mut(a.request)
                    && let Some(adv) = r
                        .advice
                        .iter_mut()
                        .rev()
                        .find(|x| x.kind == a.kind && x.received_on.is_none())
                {
                    adv.received_on = Some(a.on);
                    adv.advice = a.advice.clone();
                    adv.document = a.document.clone();
                }
            }
            E::ExceptionRecorded(x) => {
                if let Some(r) = self.request_mut(x.request) {
                    r.exceptions.push(ExceptionState {
                        kind: x.exception,
                        evidence: x.evidence.clone(),
                        recorded_by: meta.actor.to_string(),
                        recorded_on: Some(meta.recorded_on),
                    });
                }
            }
            E::PlanNotIssued(s) => {
                if let Some(r) = self.request_mut(s.request) {
                    r.plan_not_issued_on = Some(s.on);
                }
            }
            E::DraftPlanServed(d) => {
                if let Some(r) = self.request_mut(d.request) {
                    r.draft_served_on = Some(d.on);
                }
            }
            E::SettingConsulted(c) => {
                if let Some(r) = self.requests.last_mut() {
                    r.consultations.push(ConsultationState {
                        setting: c.setting,
                        consulted_on: c.on,
                        responded_on: None,
                        can_meet_needs: None,
                    });
                }
            }
            E::ConsultationResponse(c) => {
                if let Some(r) = self.requests.last_mut()
                    && let Some(k) = r
                        .consultations
                        .iter_mut()
                        .rev()
                        .find(|k| k.setting == c.setting)
                {
                    k.responded_on = Some(c.on);
                    k.can_meet_needs = Some(c.can_meet_needs);
                }
            }
            E::TransportCostSet(t) => self.transport_cost = Some(t.clone()),
            E::FinalPlanIssued(f) => {
                if let Some(r) = self.request_mut(f.request) {
                    r.final_issued_on = Some(f.on);
                }
                for n in &f.named {
                    self.named(n.provision, f.on, n.starts_on, false);
                }
                self.earlier_plans.extend(self.plan.take());
                self.plan = Some(PlanState {
                    start: f.on,
                    request: Some(f.request),
                    sections: f.sections.clone(),
                    needs: f.needs.clone(),
                    named: f.named.clone(),
                    personal_budget: f.personal_budget,
                    last_review: None,
                    amended_on: Vec::new(),
                    ceased: None,
                    cessation: None,
                    source: None,
                    reviewed_before: None,
                    transferred_from: None,
                });
                self.derive_phase_transfers();
            }
            E::PlanRecorded(p) => {
                self.earlier_plans.extend(self.plan.take());
                self.plan = Some(PlanState {
                    start: p.plan_start,
                    request: p.request,
                    sections: p.sections.clone(),
                    needs: p.needs.clone(),
                    named: p.named.clone(),
                    personal_budget: p.personal_budget,
                    last_review: p.last_review,
                    amended_on: Vec::new(),
                    ceased: None,
                    cessation: None,
                    source: Some(p.source.clone()),
                    reviewed_before: p.last_review,
                    transferred_from: p.transferred_from,
                });
                self.derive_phase_transfers();
            }
            E::PlacementStarted(p) => {
                self.named(p.provision, p.on, None, true);
                for open in self.placements.iter_mut().filter(|x| x.end.is_none()) {
                    open.end = Some(p.on);
                }
                self.placements.push(PlacementState {
                    setting: p.setting,
                    provision: p.provision,
                    start: p.on,
                    end: None,
                    sen_unit: p.sen_unit,
                    resourced_provision: p.resourced_provision,
                });
            }
            E::PlacementEnded(d) => {
                for open in self.placements.iter_mut().filter(|x| x.end.is_none()) {
                    open.end = Some(d.on);
                }
            }
            E::ReviewMeetingHeld(d) => {
                // A planned meeting (invitations sent) becomes the held one, on the day
                // it was actually held.
                match self.reviews.iter_mut().rev().find(|r| r.planned) {
                    Some(r) => {
                        r.planned = false;
                        r.meeting_on = d.on;
                    }
                    None => self.reviews.push(ReviewState {
                        meeting_on: d.on,
                        decision: None,
                        decided_on: None,
                        invitations_on: None,
                        invited_for: None,
                        report_on: None,
                        planned: false,
                    }),
                }
                if let Some(p) = &mut self.plan {
                    p.last_review = Some(d.on);
                }
            }
            E::ReviewDecided(d) => {
                if let Some(r) = self
                    .reviews
                    .iter_mut()
                    .rev()
                    .find(|r| r.meeting_on == d.meeting_on)
                {
                    r.decision = Some(d.decision);
                    r.decided_on = Some(d.on);
                }
            }
            E::PlanAmended(a) => {
                for n in &a.named {
                    self.named(n.provision, a.on, n.starts_on, false);
                }
                if let Some(p) = &mut self.plan {
                    p.needs = a.needs.clone();
                    p.named = a.named.clone();
                    if let Some(sections) = &a.sections {
                        p.sections = sections.clone();
                    }
                    p.amended_on.push(a.on);
                }
                if let Some(x) = self
                    .proposals
                    .iter_mut()
                    .find(|x| x.amended_on.is_none() && x.proposed_on <= a.on)
                {
                    x.amended_on = Some(a.on);
                }
                if a.phase_transfer
                    && let Some(t) = self
                        .phase_transfers
                        .iter_mut()
                        .find(|t| t.amended_on.is_none() && a.on < t.transfer_on)
                {
                    t.amended_on = Some(a.on);
                }
            }
            E::DraftResponseReceived(x) => {
                if let Some(r) = self.request_mut(x.request) {
                    r.draft_response = Some(DraftResponseState {
                        on: x.on,
                        requested_setting: x.requested_setting,
                    });
                }
            }
            E::ReviewInvitationsSent(x) => {
                if let Some(r) = self.review_mut(x.meeting_on) {
                    r.invitations_on = Some(x.on);
                    r.invited_for = Some(x.meeting_on);
                } else {
                    // Invitations go out before the meeting: keep them on a planned
                    // review until the meeting is held.
                    self.reviews.push(ReviewState {
                        meeting_on: x.meeting_on,
                        decision: None,
                        decided_on: None,
                        invitations_on: Some(x.on),
                        invited_for: Some(x.meeting_on),
                        report_on: None,
                        planned: true,
                    });
                }
            }
            E::ReviewReportSent(x) => {
                if let Some(r) = self.review_mut(x.meeting_on) {
                    r.report_on = Some(x.on);
                }
            }
            E::AmendmentsProposed(x) => self.proposals.push(ProposalState {
                proposed_on: x.on,
                meeting_on: x.meeting_on,
                amended_on: None,
            }),
            E::PhaseTransferPlanned(x) => {
                // The transfer worked out from the date of birth, of the same kind within a
                // year (a child out of their year group), is this one: it gives way, unless
                // the plan was already amended for it (then it stands as it was met).
                let same = |t: &PhaseTransferState| {
                    t.derived
                        && t.kind == x.kind
                        && (t.transfer_on.year() - x.transfer_on.year()).abs() <= 1
                };
                if self
                    .phase_transfers
                    .iter()
                    .any(|t| same(t) && t.amended_on.is_some())
                {
                    return;
                }
                self.phase_transfers
                    .retain(|t| t.transfer_on != x.transfer_on && !same(t));
                self.phase_transfers.push(PhaseTransferState {
                    transfer_on: x.transfer_on,
                    kind: x.kind,
                    amended_on: None,
                    derived: false,
                });
                self.phase_transfers.sort_by_key(|t| t.transfer_on);
            }
            E::TransferReassessmentDecided(x) => self.transfer_reassessment = Some(x.clone()),
            E::MediationChosen(m) => self.disputes.push(DisputeState {
                subject: m.subject,
                mediation_on: None,
                mediation_took_place: None,
                appeal_on: None,
                outcome: None,
                decided_on: None,
                mediation_chosen_on: Some(m.on),
                wants_mediation: Some(m.wants_mediation),
                certificate_on: None,
                order: None,
            }),
            E::MediationHeld(m) => {
                if let Some(d) = self.dispute_mut(m.subject) {
                    d.mediation_on = Some(m.on);
                    d.mediation_took_place = Some(true);
                }
            }
            E::MediationCertificateIssued(m) => {
                if let Some(d) = self.dispute_mut(m.subject) {
                    d.certificate_on = Some(m.on);
                }
            }
            E::CessationDecided(c) => {
                if let Some(p) = &mut self.plan {
                    p.cessation = Some(c.clone());
                }
            }
            E::LetterIssued(l) => self.letters.push(LetterState {
                letter: l.letter,
                kind: l.kind,
                on: l.on,
                subject: l.subject.clone(),
                email: l.email.clone(),
                sent_on: None,
                via: None,
            }),
            E::PlanAudited(a) => self.audits.push(a.clone()),
            E::GateOverridden(g) => self.overrides.push(OverrideState {
                gate: g.gate.clone(),
                provision: g.provision,
                on: g.on,
                finding: g.finding.clone(),
                reason: g.reason.clone(),
                by: meta.actor.to_string(),
                made_on: Some(meta.recorded_on),
                step: g.step.clone(),
            }),
            E::LetterSent(x) => {
                if let Some(l) = self.letters.iter_mut().find(|l| l.letter == x.letter) {
                    l.sent_on = Some(x.on);
                    l.via = Some(x.via.clone());
                }
            }
            E::NoteRecorded(n) => self.notes.push(NoteState {
                note: n.clone(),
                by: meta.actor.to_string(),
            }),
            E::DocumentAdded(d) => self.documents.push(DocumentState {
                document: d.clone(),
                added_by: meta.actor.to_string(),
            }),
            body if crate::education::step_of(body).is_some() => {
                if let Some(step) = crate::education::step_of(body) {
                    self.education.apply(step);
                }
            }
            E::ComplaintReceived(c) => self.complaints.push(ComplaintState {
                reference: c.reference.clone(),
                received_on: c.on,
                about: c.about.clone(),
                respond_by: c
                    .respond_by
                    .unwrap_or_else(|| crate::event::ComplaintsPolicy::standard().respond_by(c.on)),
                responded_on: None,
                upheld: None,
                response: String::new(),
            }),
            E::ComplaintResponded(c) => {
                if let Some(k) = self
                    .complaints
                    .iter_mut()
                    .find(|k| k.reference == c.reference)
                {
                    k.responded_on = Some(c.on);
                    k.upheld = Some(c.upheld);
                    k.response = c.response.clone();
                }
            }
            E::MediationRecorded(m) => self.disputes.push(DisputeState {
                subject: m.subject,
                mediation_on: Some(m.on),
                mediation_took_place: Some(m.took_place),
                appeal_on: None,
                outcome: None,
                decided_on: None,
                mediation_chosen_on: None,
                wants_mediation: None,
                certificate_on: None,
                order: None,
            }),
            E::AppealRegistered(a) => {
                match self
                    .disputes
                    .iter_mut()
                    .rev()
                    .find(|d| d.subject == a.subject && d.appeal_on.is_none())
                {
                    Some(d) => d.appeal_on = Some(a.on),
                    None => self.disputes.push(DisputeState {
                        subject: a.subject,
                        mediation_on: None,
                        mediation_took_place: None,
                        appeal_on: Some(a.on),
                        outcome: None,
                        decided_on: None,
                        mediation_chosen_on: None,
                        wants_mediation: None,
                        certificate_on: None,
                        order: None,
                    }),
                }
            }
            E::AppealDecided(a) => {
                if let Some(d) = self
                    .disputes
                    .iter_mut()
                    .rev()
                    .find(|d| d.appeal_on.is_some() && d.outcome.is_none())
                {
                    d.outcome = Some(a.outcome);
                    d.decided_on = Some(a.on);
                    d.order = a.order;
                }
            }
            E::PlanCeased(c) => {
                if let Some(p) = &mut self.plan {
                    p.ceased = Some(c.clone());
                }
                for open in self.placements.iter_mut().filter(|x| x.end.is_none()) {
                    open.end = Some(c.on);
                }
            }
            E::TransferredOut(t) => {
                self.transferred_out = Some(t.clone());
                for open in self.placements.iter_mut().filter(|x| x.end.is_none()) {
                    open.end = Some(t.on);
                }
            }
            E::TransferredIn(t) => self.transferred_in = Some(t.clone()),
            _ => {}
        }
    }
}
