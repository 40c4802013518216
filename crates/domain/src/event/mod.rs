//! The event catalogue: every kind of change to an area, organisation, member of staff,
//! setting, provision or case, with its payload type and its name in the store.

use crate::DomainError;
use crate::calendar::Instant;
use crate::codes::{
    AcademicYear, FinancialYear, LaCode, NhsNumber, Pence, Postcode, Ukprn, Uln, Upn, Urn,
};
use crate::ids::*;
use crate::sen::{AdviceKind, CeaseReason, Need, NeedType, Requester, SettingCode, Sex};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

mod case;
pub mod fields;
mod records;
mod registers;

pub use case::*;
pub use records::*;
pub use registers::*;

/// What a stream is about. Each stream holds the events of exactly one thing.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum StreamKind {
    Area,
    Organisation,
    Staff,
    Setting,
    Provision,
    Case,
    Account,
    Publication,
    /// The partnership's governance: improvement plan, change requests, risks, board.
    Partnership,
    /// A capital project funding places in one or more provisions.
    CapitalProject,
    /// A referral to a health pathway, waiting until its clock stops.
    Referral,
}

impl StreamKind {
    pub const ALL: [StreamKind; 11] = [
        StreamKind::Area,
        StreamKind::Organisation,
        StreamKind::Staff,
        StreamKind::Setting,
        StreamKind::Provision,
        StreamKind::Case,
        StreamKind::Account,
        StreamKind::Publication,
        StreamKind::Partnership,
        StreamKind::CapitalProject,
        StreamKind::Referral,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            StreamKind::Area => "area",
            StreamKind::Organisation => "organisation",
            StreamKind::Staff => "staff",
            StreamKind::Setting => "setting",
            StreamKind::Provision => "provision",
            StreamKind::Case => "case",
            StreamKind::Account => "account",
            StreamKind::Publication => "publication",
            StreamKind::Partnership => "partnership",
            StreamKind::CapitalProject => "capital_project",
            StreamKind::Referral => "referral",
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        StreamKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::Invalid {
                what: "stream kind",
                value: s.to_string(),
                how: "use area, organisation, staff, setting, provision, case, account, publication, partnership, capital_project or referral"
                    .into(),
            })
    }
}

impl fmt::Display for StreamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stream: its kind and its stable identity.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
pub struct StreamRef {
    pub kind: StreamKind,
    pub id: Uuid,
}

impl StreamRef {
    pub fn case(id: CaseId) -> Self {
        StreamRef {
            kind: StreamKind::Case,
            id: id.0,
        }
    }
    pub fn setting(id: SettingId) -> Self {
        StreamRef {
            kind: StreamKind::Setting,
            id: id.0,
        }
    }
    pub fn provision(id: ProvisionId) -> Self {
        StreamRef {
            kind: StreamKind::Provision,
            id: id.0,
        }
    }
    pub fn area(id: AreaId) -> Self {
        StreamRef {
            kind: StreamKind::Area,
            id: id.0,
        }
    }
    pub fn organisation(id: OrganisationId) -> Self {
        StreamRef {
            kind: StreamKind::Organisation,
            id: id.0,
        }
    }
    pub fn staff(id: StaffId) -> Self {
        StreamRef {
            kind: StreamKind::Staff,
            id: id.0,
        }
    }
    pub fn account(id: AccountId) -> Self {
        StreamRef {
            kind: StreamKind::Account,
            id: id.0,
        }
    }
    /// A publication imported into an area (its identifier is the caller's to make).
    pub fn publication(id: Uuid) -> Self {
        StreamRef {
            kind: StreamKind::Publication,
            id,
        }
    }
}

/// Who made a change: `user:NAME`, `system:NAME` or `import:SOURCE`.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(transparent)]
pub struct Actor(String);

impl Actor {
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        let ok = ["user:", "system:", "import:"].iter().any(|p| {
            s.strip_prefix(p).is_some_and(|rest| {
                !rest.is_empty() && rest.len() <= 120 && !rest.chars().any(char::is_control)
            })
        });
        if ok {
            Ok(Actor(s.to_string()))
        } else {
            Err(DomainError::Invalid {
                what: "actor",
                value: s.to_string(),
                how: "an actor is user:NAME, system:NAME or import:SOURCE".into(),
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An event as a writer hands it to the store. The store assigns the sequence number,
/// stream version, recorded-at instant (unless supplied for imported history) and hashes.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub stream: StreamRef,
    pub area: AreaId,
    pub body: EventBody,
    pub actor: Actor,
    /// The England calendar date the change took effect; may be earlier than recorded.
    pub effective_date: NaiveDate,
    pub reason: Option<String>,
    /// Only imported history (the demo, migrations) supplies its own instant.
    pub recorded_at: Option<Instant>,
}

/// A new event with its payload already encoded and digested: this work needs no lock,
/// so a bulk writer can do it on another thread before handing the batch to the store.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedEvent {
    pub event: NewEvent,
    pub payload: Vec<u8>,
    pub payload_digest: [u8; 32],
}

/// The SHA-256 of a payload's stored bytes: the hash chain covers it, so an erased
/// payload leaves the chain verifiable.
pub fn payload_digest(payload: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(payload).into()
}

/// Whether encoded JSON holds a NUL character (`\u0000`, told apart from an escaped
/// backslash followed by the text "u0000").
fn json_has_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u') && json.get(i + 2..i + 6) == Some(b"0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// The largest payload an event may carry: a whole EHC plan's text fits many times over;
/// more is a mistake or an attack, refused before it reaches the database.
pub const MAX_PAYLOAD_BYTES: usize = 1 << 20;

impl PreparedEvent {
    pub fn new(event: NewEvent) -> Result<Self, DomainError> {
        let payload = event.body.encode()?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(DomainError::Refused(format!(
                "this {} is {} KB, more than the {} KB a record can hold: shorten the text, or attach long documents instead",
                event.body.event_type(),
                payload.len() / 1024,
                MAX_PAYLOAD_BYTES / 1024
            )));
        }
        // JSON writes a NUL character as \u0000: no text a person typed holds one, and
        // PostgreSQL cannot store it.
        let nul =
            json_has_nul(&payload) || event.reason.as_deref().is_some_and(|r| r.contains('\0'));
        if nul {
            return Err(DomainError::Refused(
                "the text holds a NUL character (code 0), which is not text: remove it and try again"
                    .into(),
            ));
        }
        let payload_digest = payload_digest(&payload);
        Ok(PreparedEvent {
            event,
            payload,
            payload_digest,
        })
    }
}

/// An event as stored: the envelope, the exact payload bytes and the chain hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    pub seq: u64,
    pub stream: StreamRef,
    pub version: u32,
    pub area: AreaId,
    pub event_type: String,
    pub actor: String,
    pub recorded_at: Instant,
    pub effective_date: NaiveDate,
    pub reason: Option<String>,
    /// The exact bytes that were hashed; `None` once lawfully erased.
    pub payload: Option<Vec<u8>>,
    pub payload_digest: [u8; 32],
    pub hash: [u8; 32],
}

impl RecordedEvent {
    /// Decodes the payload; `Ok(None)` when it has been erased.
    pub fn body(&self) -> Result<Option<EventBody>, DomainError> {
        match &self.payload {
            None => Ok(None),
            Some(p) => EventBody::decode(&self.event_type, p).map(Some),
        }
    }
    /// True when the change was recorded on a later England date than it took effect.
    pub fn backdated(&self) -> bool {
        self.recorded_at.england_date() > self.effective_date
    }
}

macro_rules! event_catalogue {
    // The day an event took effect: the payload field its line names, or none.
    (@date $p:ident none) => {{
        let _ = $p;
        None
    }};
    (@date $p:ident $field:ident) => {
        Some($p.$field)
    };
    ($( $variant:ident($payload:ty) = $name:literal, $kind:expr, $date:ident; )*) => {
        /// Every event the system records. The name is the stored `event_type`.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EventBody {
            $( $variant($payload), )*
        }

        impl EventBody {
            /// Every event type name, in catalogue order.
            pub const TYPES: &'static [&'static str] = &[ $( $name, )* ];

            pub fn event_type(&self) -> &'static str {
                match self { $( EventBody::$variant(_) => $name, )* }
            }
            /// The kind of stream this event belongs on; `None` for events valid on any stream.
            pub fn stream_kind(&self) -> Option<StreamKind> {
                match self { $( EventBody::$variant(_) => $kind, )* }
            }
            /// The day the event took effect, as its line in the catalogue declares: the
            /// payload's own date; `None` for events with no day of their own (they take
            /// effect when they are recorded).
            pub fn effective_on(&self) -> Option<NaiveDate> {
                match self { $( EventBody::$variant(p) => event_catalogue!(@date p $date), )* }
            }
            /// The field names of an event type's payload, as its JSON has them; `None`
            /// for a type not in the catalogue.
            pub fn payload_fields(event_type: &str) -> Option<&'static [&'static str]> {
                match event_type {
                    $( $name => fields::fields_of::<$payload>(), )*
                    _ => None,
                }
            }
            /// Each event type's payload as a JSON Schema (2020-12), generated from its Rust
            /// type; the definitions the schemas refer to are kept by `generator`.
            pub fn payload_schemas(
                generator: &mut schemars::SchemaGenerator,
            ) -> Vec<(&'static str, schemars::Schema)> {
                vec![ $( ($name, generator.subschema_for::<$payload>()), )* ]
            }
            /// The payload bytes as stored and hashed (compact JSON of the payload type).
            pub fn encode(&self) -> Result<Vec<u8>, DomainError> {
                let r = match self { $( EventBody::$variant(p) => serde_json::to_vec(p), )* };
                r.map_err(|e| DomainError::Encoding(e.to_string()))
            }
            /// A payload given as JSON (an API body, a form's fields), decoded straight
            /// into its type.
            pub fn from_value(event_type: &str, payload: serde_json::Value) -> Result<Self, DomainError> {
                match event_type {
                    $( $name => serde_json::from_value(payload).map(EventBody::$variant)
                        .map_err(|e| DomainError::Decoding { event_type: event_type.to_string(), detail: e.to_string() }), )*
                    other => Err(DomainError::Decoding { event_type: other.to_string(), detail: "unknown event type".into() }),
                }
            }
            pub fn decode(event_type: &str, bytes: &[u8]) -> Result<Self, DomainError> {
                match event_type {
                    $( $name => serde_json::from_slice(bytes).map(EventBody::$variant)
                        .map_err(|e| DomainError::Decoding { event_type: event_type.to_string(), detail: e.to_string() }), )*
                    other => Err(DomainError::Decoding { event_type: other.to_string(), detail: "unknown event type".into() }),
                }
            }
        }
    };
}

const AREA: Option<StreamKind> = Some(StreamKind::Area);
const ORG: Option<StreamKind> = Some(StreamKind::Organisation);
const STAFF: Option<StreamKind> = Some(StreamKind::Staff);
const SETTING: Option<StreamKind> = Some(StreamKind::Setting);
const PROVISION: Option<StreamKind> = Some(StreamKind::Provision);
const CASE: Option<StreamKind> = Some(StreamKind::Case);
const ACCOUNT: Option<StreamKind> = Some(StreamKind::Account);
const PUBLICATION: Option<StreamKind> = Some(StreamKind::Publication);
const PARTNERSHIP: Option<StreamKind> = Some(StreamKind::Partnership);
const CAPITAL: Option<StreamKind> = Some(StreamKind::CapitalProject);
const REFERRAL: Option<StreamKind> = Some(StreamKind::Referral);
const ANY: Option<StreamKind> = None;

event_catalogue! {
    AreaCreated(AreaCreated) = "area.created", AREA, none;
    QaRubricAdopted(QaRubricAdopted) = "area.qa_rubric_adopted", AREA, effective_from;
    ProgrammeDefined(ProgrammeDefined) = "area.programme_defined", AREA, start;
    GateRulesAdopted(GateRules) = "area.gate_rules_adopted", AREA, effective_from;
    PlacementSettingsAdopted(crate::costs::PlacementSettings) = "area.placement_settings_adopted", AREA, effective_from;
    TrajectoryDefined(crate::trajectories::TrajectoryDefined) = "area.trajectory_defined", AREA, start;
    FiguresSettingsAdopted(crate::benchmarks::FiguresSettings) = "area.figures_settings_adopted", AREA, none;
    DesignatedOfficersRecorded(DesignatedOfficers) = "area.designated_officers_recorded", AREA, from;
    SignInPolicyAdopted(SignInPolicy) = "area.sign_in_policy_adopted", AREA, from;
    SingleSignOnAdopted(SingleSignOn) = "area.single_sign_on_adopted", AREA, from;
    RetentionScheduleAdopted(RetentionSchedule) = "area.retention_schedule_adopted", AREA, from;
    ComplaintsPolicyAdopted(ComplaintsPolicy) = "area.complaints_policy_adopted", AREA, from;
    PartTimePolicyAdopted(crate::education::PartTimePolicy) = "area.part_time_policy_adopted", AREA, from;
    WaitingListsAdopted(crate::waits::WaitingLists) = "area.waiting_lists_adopted", AREA, from;
    OrganisationRegistered(OrganisationRegistered) = "organisation.registered", ORG, none;
    TeamAdded(TeamAdded) = "organisation.team_added", ORG, none;
    StaffAdded(StaffAdded) = "staff.added", STAFF, none;
    StaffMovedTeam(StaffMovedTeam) = "staff.moved_team", STAFF, none;
    StaffLeft(DatedOnly) = "staff.left", STAFF, on;
    StaffContactRecorded(StaffContact) = "staff.contact_recorded", STAFF, none;
    SettingRegistered(SettingDetails) = "setting.registered", SETTING, none;
    SettingDetailsChanged(SettingDetails) = "setting.details_changed", SETTING, none;
    SettingIdentifierChanged(SettingIdentifierChanged) = "setting.identifier_changed", SETTING, on;
    SettingClosed(DatedOnly) = "setting.closed", SETTING, on;
    SettingInspected(SettingInspected) = "setting.inspected", SETTING, none;
    ProvisionOpened(ProvisionOpened) = "provision.opened", PROVISION, none;
    ProvisionPlacesSet(ProvisionPlacesSet) = "provision.places_set", PROVISION, none;
    ProvisionCostsSet(ProvisionCostsSet) = "provision.costs_set", PROVISION, none;
    ProvisionClosed(DatedOnly) = "provision.closed", PROVISION, on;
    SlaSigned(SlaSigned) = "provision.sla_signed", PROVISION, signed_on;
    ApprovalApplied(ApprovalApplied) = "provision.approval_applied", PROVISION, submitted_on;
    ApprovalDecided(ApprovalDecided) = "provision.approval_decided", PROVISION, decided_on;
    CapitalApproved(CapitalApproved) = "provision.capital_approved", PROVISION, approved_on;
    ViableOptionsRecorded(ViableOptionsRecorded) = "provision.viable_options_recorded", PROVISION, on;
    NeedTypesChanged(NeedTypesChanged) = "provision.need_types_changed", PROVISION, on;
    CapitalSpent(CapitalSpent) = "provision.capital_spent", PROVISION, on;
    CapitalProposed(crate::capital::CapitalProposed) = "capital_project.proposed", CAPITAL, proposed_on;
    ProvisionFunded(crate::capital::ProvisionFunded) = "capital_project.provision_funded", CAPITAL, on;
    CapitalDecided(crate::capital::CapitalDecided) = "capital_project.decided", CAPITAL, decided_on;
    CapitalSpendReported(crate::capital::CapitalSpendReported) = "capital_project.spent", CAPITAL, on;
    ReferralReceived(crate::waits::ReferralReceived) = "referral.received", REFERRAL, received_on;
    ClockStopped(crate::waits::ClockStopped) = "referral.clock_stopped", REFERRAL, on;
    SupportOffered(crate::waits::SupportOffered) = "referral.support_offered", REFERRAL, on;
    ReferralLinked(crate::waits::ReferralLinked) = "referral.linked", REFERRAL, none;
    FiguresRecorded(crate::benchmarks::FiguresRecorded) = "publication.figures_recorded", PUBLICATION, none;
    FiguresRevised(crate::benchmarks::FiguresRecorded) = "publication.figures_revised", PUBLICATION, none;
    CaseOpened(CaseOpened) = "case.opened", CASE, none;
    ChildDetailsChanged(Child) = "case.child_details_changed", CASE, none;
    RelatedPersonAdded(RelatedPerson) = "case.related_person_added", CASE, none;
    RelatedPersonRemoved(PersonRef) = "case.related_person_removed", CASE, none;
    CourtRestrictionRecorded(CourtRestriction) = "case.court_restriction_recorded", CASE, none;
    CourtRestrictionLifted(DatedOnly) = "case.court_restriction_lifted", CASE, on;
    CaseworkerAssigned(CaseworkerAssigned) = "case.caseworker_assigned", CASE, none;
    RequestReceived(RequestReceived) = "case.request_received", CASE, received_on;
    RequestWithdrawn(RequestStep) = "case.request_withdrawn", CASE, on;
    RequestRecorded(RequestRecorded) = "case.request_recorded", CASE, received_on;
    AssessmentDecided(AssessmentDecided) = "case.assessment_decided", CASE, on;
    AdviceRequested(AdviceRequested) = "case.advice_requested", CASE, on;
    AdviceReceived(AdviceStep) = "case.advice_received", CASE, on;
    ExceptionRecorded(ExceptionRecorded) = "case.exception_recorded", CASE, none;
    PlanNotIssued(RequestStep) = "case.plan_not_issued", CASE, on;
    DraftPlanServed(DraftPlanServed) = "case.draft_plan_served", CASE, on;
    SettingConsulted(SettingConsulted) = "case.setting_consulted", CASE, on;
    ConsultationResponse(ConsultationResponse) = "case.consultation_response", CASE, on;
    FinalPlanIssued(FinalPlanIssued) = "case.final_plan_issued", CASE, on;
    TransportCostSet(crate::costs::TransportCostSet) = "case.transport_cost_set", CASE, on;
    PlanRecorded(PlanRecorded) = "case.plan_recorded", CASE, plan_start;
    PlacementStarted(PlacementStarted) = "case.placement_started", CASE, on;
    PlacementEnded(DatedOnly) = "case.placement_ended", CASE, on;
    ReviewMeetingHeld(DatedOnly) = "case.review_meeting_held", CASE, on;
    ReviewDecided(ReviewDecided) = "case.review_decided", CASE, on;
    PlanAmended(PlanAmended) = "case.plan_amended", CASE, on;
    MediationRecorded(MediationRecorded) = "case.mediation_recorded", CASE, on;
    AppealRegistered(AppealRegistered) = "case.appeal_registered", CASE, on;
    AppealDecided(AppealDecided) = "case.appeal_decided", CASE, on;
    PlanCeased(PlanCeased) = "case.plan_ceased", CASE, on;
    TransferredOut(Transfer) = "case.transferred_out", CASE, on;
    TransferredIn(Transfer) = "case.transferred_in", CASE, on;
    DraftResponseReceived(DraftResponse) = "case.draft_response_received", CASE, on;
    ReviewInvitationsSent(ReviewStep) = "case.review_invitations_sent", CASE, on;
    ReviewReportSent(ReviewStep) = "case.review_report_sent", CASE, on;
    AmendmentsProposed(AmendmentsProposed) = "case.amendments_proposed", CASE, on;
    PhaseTransferPlanned(PhaseTransferPlanned) = "case.phase_transfer_planned", CASE, transfer_on;
    TransferReassessmentDecided(TransferReassessment) = "case.transfer_reassessment_decided", CASE, on;
    MediationChosen(MediationChoice) = "case.mediation_chosen", CASE, on;
    MediationHeld(MediationHeld) = "case.mediation_held", CASE, on;
    MediationCertificateIssued(MediationCertificate) = "case.mediation_certificate_issued", CASE, on;
    CessationDecided(CessationDecided) = "case.cessation_decided", CASE, on;
    ComplaintReceived(ComplaintReceived) = "case.complaint_received", CASE, on;
    MissingEducationReported(crate::education::MissingEducationReported) = "case.missing_education_reported", CASE, on;
    MissingEducationEnquiry(crate::education::MissingEducationEnquiry) = "case.missing_education_enquiry", CASE, on;
    MissingEducationClosed(crate::education::MissingEducationClosed) = "case.missing_education_closed", CASE, on;
    PartTimeAgreed(crate::education::PartTimeAgreed) = "case.part_time_timetable_agreed", CASE, on;
    PartTimeReviewed(crate::education::PartTimeReviewed) = "case.part_time_timetable_reviewed", CASE, on;
    PartTimeEnded(crate::education::PartTimeEnded) = "case.part_time_timetable_ended", CASE, on;
    AlternativeProvisionArranged(crate::education::AlternativeProvisionArranged) = "case.alternative_provision_arranged", CASE, on;
    HomeEducationNotified(crate::education::HomeEducationNotified) = "case.home_education_notified", CASE, on;
    ComplaintResponded(ComplaintResponded) = "case.complaint_responded", CASE, on;
    DocumentAdded(DocumentAdded) = "case.document_added", CASE, on;
    NoteRecorded(NoteRecorded) = "case.note_recorded", CASE, on;
    ErasureRequested(ErasureRequested) = "case.erasure_requested", CASE, received_on;
    ErasureDecided(ErasureDecided) = "case.erasure_decided", CASE, on;
    LetterIssued(LetterIssued) = "case.letter_issued", CASE, on;
    LetterSent(LetterSent) = "case.letter_sent", CASE, on;
    PlanAudited(PlanAudited) = "case.plan_audited", CASE, on;
    GateOverridden(GateOverridden) = "case.gate_overridden", CASE, on;
    AccountCreated(AccountCreated) = "account.created", ACCOUNT, none;
    AccountPasswordSet(DatedOnly) = "account.password_set", ACCOUNT, on;
    AccountDisabled(DatedOnly) = "account.disabled", ACCOUNT, on;
    AccountRoleChanged(RoleChanged) = "account.role_changed", ACCOUNT, on;
    TwoFactorEnrolled(DatedOnly) = "account.two_factor_enrolled", ACCOUNT, on;
    TwoFactorRemoved(DatedOnly) = "account.two_factor_removed", ACCOUNT, on;
    TokenIssued(TokenIssued) = "account.token_issued", ACCOUNT, on;
    TokenRevoked(TokenRevoked) = "account.token_revoked", ACCOUNT, on;
    PartnershipStarted(crate::partnership::PartnershipStarted) = "partnership.started", PARTNERSHIP, on;
    PriorityAdded(crate::partnership::PriorityAdded) = "partnership.priority_added", PARTNERSHIP, on;
    ActionAdded(crate::partnership::ActionAdded) = "partnership.action_added", PARTNERSHIP, on;
    MilestoneAdded(crate::partnership::MilestoneAdded) = "partnership.milestone_added", PARTNERSHIP, on;
    MilestoneMet(crate::partnership::MilestoneMet) = "partnership.milestone_met", PARTNERSHIP, on;
    ActionCompleted(crate::partnership::ActionCompleted) = "partnership.action_completed", PARTNERSHIP, on;
    EvidenceAdded(crate::partnership::EvidenceAdded) = "partnership.evidence_added", PARTNERSHIP, on;
    CommentaryAdded(crate::partnership::CommentaryAdded) = "partnership.commentary_added", PARTNERSHIP, on;
    ChangeRequested(crate::partnership::ChangeRequested) = "partnership.change_requested", PARTNERSHIP, on;
    ChangeDecided(crate::partnership::ChangeDecided) = "partnership.change_decided", PARTNERSHIP, on;
    RiskAdded(crate::partnership::RiskAdded) = "partnership.risk_added", PARTNERSHIP, on;
    RiskReviewed(crate::partnership::RiskReviewed) = "partnership.risk_reviewed", PARTNERSHIP, on;
    MemberAdded(crate::partnership::MemberAdded) = "partnership.member_added", PARTNERSHIP, on;
    MeetingHeld(crate::partnership::MeetingHeld) = "partnership.meeting_held", PARTNERSHIP, on;
    MinutesDrafted(crate::partnership::MinutesDrafted) = "partnership.minutes_drafted", PARTNERSHIP, on;
    MinutesApproved(crate::partnership::MinutesApproved) = "partnership.minutes_approved", PARTNERSHIP, on;
    QaRoundOpened(crate::partnership::QaRoundOpened) = "partnership.qa_round_opened", PARTNERSHIP, on;
    QaModerated(crate::partnership::QaModerated) = "partnership.qa_moderated", PARTNERSHIP, on;
    QaFinding(crate::partnership::QaFinding) = "partnership.qa_finding", PARTNERSHIP, on;
    FeedbackHeard(crate::partnership::FeedbackHeard) = "partnership.feedback_heard", PARTNERSHIP, on;
    FeedbackAnswered(crate::partnership::FeedbackAnswered) = "partnership.feedback_answered", PARTNERSHIP, on;
    Corrected(Correction) = "event.corrected", ANY, none;
    Voided(Voided) = "event.voided", ANY, none;
    PayloadsErased(PayloadsErased) = "event.payloads_erased", ANY, none;
    MergedInto(MergedInto) = "stream.merged_into", ANY, none;
    Merged(Merged) = "stream.merged", ANY, none;
}

impl EventBody {
    /// Events that change how earlier events are read: after one of these, a stream's
    /// state is re-derived from all its events rather than updated in place.
    pub fn rewrites_history(&self) -> bool {
        matches!(
            self,
            EventBody::Corrected(_) | EventBody::Voided(_) | EventBody::PayloadsErased(_)
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_nul_character_is_found_and_a_backslash_before_u0000_is_not_one() {
        assert!(json_has_nul(br#"{"a":"x\u0000"}"#));
        assert!(!json_has_nul(br#"{"a":"x\\u0000"}"#));
        assert!(json_has_nul(br#"{"a":"\\\u0000"}"#));
    }

    use super::*;

    #[test]
    fn catalogue_names_are_unique_and_round_trip() {
        let mut names = EventBody::TYPES.to_vec();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventBody::TYPES.len());
        let body = EventBody::RequestReceived(RequestReceived {
            request: RequestId(1),
            received_on: NaiveDate::from_ymd_opt(2025, 1, 6).expect("date"),
            requested_by: Requester::School,
        });
        let bytes = body.encode().expect("encodes");
        assert_eq!(
            EventBody::decode(body.event_type(), &bytes).ok(),
            Some(body)
        );
        assert!(EventBody::decode("case.nonsense", b"{}").is_err());
    }

    /// Each event type's effective day is the payload field its catalogue line names.
    #[test]
    fn effective_day_as_the_catalogue_declares() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 1, d).expect("date");
        let received = EventBody::RequestReceived(RequestReceived {
            request: RequestId(1),
            received_on: day(6),
            requested_by: Requester::School,
        });
        assert_eq!(received.effective_on(), Some(day(6)));
        let decided = EventBody::ApprovalDecided(ApprovalDecided {
            route: ApprovalRoute::SignificantChange,
            approved: true,
            decided_on: day(9),
            effective_from: Some(day(20)),
            places: None,
            need_types: None,
            deferred_pending: None,
        });
        assert_eq!(decided.effective_on(), Some(day(9)));
        let voided = EventBody::Voided(Voided { voids: 3 });
        assert_eq!(voided.effective_on(), None, "no day of its own");
    }

    /// The probe reads a payload's field names from its derived `Deserialize`.
    #[test]
    fn payload_fields_are_the_payloads_json_keys() {
        assert_eq!(
            EventBody::payload_fields("case.request_received"),
            Some(&["request", "received_on", "requested_by"][..])
        );
        assert_eq!(EventBody::payload_fields("case.nonsense"), None);
        for t in EventBody::TYPES {
            assert!(
                EventBody::payload_fields(t).is_some_and(|f| !f.is_empty()),
                "{t}: every payload is a struct with fields"
            );
        }
    }

    #[test]
    fn actors() {
        assert!(Actor::parse("user:caseworker").is_ok());
        assert!(Actor::parse("system:demo").is_ok());
        assert!(Actor::parse("caseworker").is_err());
        assert!(Actor::parse("user:").is_err());
    }
}
