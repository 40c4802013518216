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

/// What a stream is about. Each stream holds the events of exactly one thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
}

impl StreamKind {
    pub const ALL: [StreamKind; 8] = [
        StreamKind::Area,
        StreamKind::Organisation,
        StreamKind::Staff,
        StreamKind::Setting,
        StreamKind::Provision,
        StreamKind::Case,
        StreamKind::Account,
        StreamKind::Publication,
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
        }
    }
    pub fn parse(s: &str) -> Result<Self, DomainError> {
        StreamKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| DomainError::Invalid {
                what: "stream kind",
                value: s.to_string(),
                how: "use area, organisation, staff, setting, provision, case, account or publication"
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

impl PreparedEvent {
    pub fn new(event: NewEvent) -> Result<Self, DomainError> {
        let payload = event.body.encode()?;
        let payload_digest = crate::chain::payload_digest(&payload);
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
    ($( $variant:ident($payload:ty) = $name:literal, $kind:expr; )*) => {
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
            /// The payload bytes as stored and hashed (compact JSON of the payload type).
            pub fn encode(&self) -> Result<Vec<u8>, DomainError> {
                let r = match self { $( EventBody::$variant(p) => serde_json::to_vec(p), )* };
                r.map_err(|e| DomainError::Encoding(e.to_string()))
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
const ANY: Option<StreamKind> = None;

event_catalogue! {
    AreaCreated(AreaCreated) = "area.created", AREA;
    QaRubricAdopted(QaRubricAdopted) = "area.qa_rubric_adopted", AREA;
    ProgrammeDefined(ProgrammeDefined) = "area.programme_defined", AREA;
    GateRulesAdopted(crate::compliance::GateRules) = "area.gate_rules_adopted", AREA;
    PlacementSettingsAdopted(crate::costs::PlacementSettings) = "area.placement_settings_adopted", AREA;
    TrajectoryDefined(crate::trajectories::TrajectoryDefined) = "area.trajectory_defined", AREA;
    FiguresSettingsAdopted(crate::benchmarks::FiguresSettings) = "area.figures_settings_adopted", AREA;
    OrganisationRegistered(OrganisationRegistered) = "organisation.registered", ORG;
    TeamAdded(TeamAdded) = "organisation.team_added", ORG;
    StaffAdded(StaffAdded) = "staff.added", STAFF;
    StaffMovedTeam(StaffMovedTeam) = "staff.moved_team", STAFF;
    StaffLeft(DatedOnly) = "staff.left", STAFF;
    SettingRegistered(SettingDetails) = "setting.registered", SETTING;
    SettingDetailsChanged(SettingDetails) = "setting.details_changed", SETTING;
    SettingIdentifierChanged(SettingIdentifierChanged) = "setting.identifier_changed", SETTING;
    SettingClosed(DatedOnly) = "setting.closed", SETTING;
    SettingInspected(SettingInspected) = "setting.inspected", SETTING;
    ProvisionOpened(ProvisionOpened) = "provision.opened", PROVISION;
    ProvisionPlacesSet(ProvisionPlacesSet) = "provision.places_set", PROVISION;
    ProvisionCostsSet(ProvisionCostsSet) = "provision.costs_set", PROVISION;
    ProvisionClosed(DatedOnly) = "provision.closed", PROVISION;
    SlaSigned(SlaSigned) = "provision.sla_signed", PROVISION;
    ApprovalApplied(ApprovalApplied) = "provision.approval_applied", PROVISION;
    ApprovalDecided(ApprovalDecided) = "provision.approval_decided", PROVISION;
    CapitalApproved(CapitalApproved) = "provision.capital_approved", PROVISION;
    ViableOptionsRecorded(ViableOptionsRecorded) = "provision.viable_options_recorded", PROVISION;
    NeedTypesChanged(NeedTypesChanged) = "provision.need_types_changed", PROVISION;
    CapitalSpent(CapitalSpent) = "provision.capital_spent", PROVISION;
    FiguresRecorded(crate::benchmarks::FiguresRecorded) = "publication.figures_recorded", PUBLICATION;
    FiguresRevised(crate::benchmarks::FiguresRecorded) = "publication.figures_revised", PUBLICATION;
    CaseOpened(CaseOpened) = "case.opened", CASE;
    ChildDetailsChanged(Child) = "case.child_details_changed", CASE;
    RelatedPersonAdded(RelatedPerson) = "case.related_person_added", CASE;
    RelatedPersonRemoved(PersonRef) = "case.related_person_removed", CASE;
    CourtRestrictionRecorded(CourtRestriction) = "case.court_restriction_recorded", CASE;
    CourtRestrictionLifted(DatedOnly) = "case.court_restriction_lifted", CASE;
    CaseworkerAssigned(CaseworkerAssigned) = "case.caseworker_assigned", CASE;
    RequestReceived(RequestReceived) = "case.request_received", CASE;
    RequestWithdrawn(RequestStep) = "case.request_withdrawn", CASE;
    AssessmentDecided(AssessmentDecided) = "case.assessment_decided", CASE;
    AdviceRequested(AdviceRequested) = "case.advice_requested", CASE;
    AdviceReceived(AdviceStep) = "case.advice_received", CASE;
    ExceptionRecorded(ExceptionRecorded) = "case.exception_recorded", CASE;
    PlanNotIssued(RequestStep) = "case.plan_not_issued", CASE;
    DraftPlanServed(DraftPlanServed) = "case.draft_plan_served", CASE;
    SettingConsulted(SettingConsulted) = "case.setting_consulted", CASE;
    ConsultationResponse(ConsultationResponse) = "case.consultation_response", CASE;
    FinalPlanIssued(FinalPlanIssued) = "case.final_plan_issued", CASE;
    TransportCostSet(crate::costs::TransportCostSet) = "case.transport_cost_set", CASE;
    PlanRecorded(PlanRecorded) = "case.plan_recorded", CASE;
    PlacementStarted(PlacementStarted) = "case.placement_started", CASE;
    PlacementEnded(DatedOnly) = "case.placement_ended", CASE;
    ReviewMeetingHeld(DatedOnly) = "case.review_meeting_held", CASE;
    ReviewDecided(ReviewDecided) = "case.review_decided", CASE;
    PlanAmended(PlanAmended) = "case.plan_amended", CASE;
    MediationRecorded(MediationRecorded) = "case.mediation_recorded", CASE;
    AppealRegistered(AppealRegistered) = "case.appeal_registered", CASE;
    AppealDecided(AppealDecided) = "case.appeal_decided", CASE;
    PlanCeased(PlanCeased) = "case.plan_ceased", CASE;
    TransferredOut(Transfer) = "case.transferred_out", CASE;
    TransferredIn(Transfer) = "case.transferred_in", CASE;
    DraftResponseReceived(DraftResponse) = "case.draft_response_received", CASE;
    ReviewInvitationsSent(ReviewStep) = "case.review_invitations_sent", CASE;
    ReviewReportSent(ReviewStep) = "case.review_report_sent", CASE;
    AmendmentsProposed(AmendmentsProposed) = "case.amendments_proposed", CASE;
    PhaseTransferPlanned(PhaseTransferPlanned) = "case.phase_transfer_planned", CASE;
    TransferReassessmentDecided(TransferReassessment) = "case.transfer_reassessment_decided", CASE;
    MediationChosen(MediationChoice) = "case.mediation_chosen", CASE;
    MediationHeld(MediationHeld) = "case.mediation_held", CASE;
    MediationCertificateIssued(MediationCertificate) = "case.mediation_certificate_issued", CASE;
    CessationDecided(CessationDecided) = "case.cessation_decided", CASE;
    ComplaintReceived(ComplaintReceived) = "case.complaint_received", CASE;
    ComplaintResponded(ComplaintResponded) = "case.complaint_responded", CASE;
    LetterIssued(LetterIssued) = "case.letter_issued", CASE;
    LetterSent(LetterSent) = "case.letter_sent", CASE;
    PlanAudited(PlanAudited) = "case.plan_audited", CASE;
    GateOverridden(GateOverridden) = "case.gate_overridden", CASE;
    AccountCreated(AccountCreated) = "account.created", ACCOUNT;
    AccountPasswordSet(DatedOnly) = "account.password_set", ACCOUNT;
    AccountDisabled(DatedOnly) = "account.disabled", ACCOUNT;
    TokenIssued(TokenIssued) = "account.token_issued", ACCOUNT;
    TokenRevoked(TokenRevoked) = "account.token_revoked", ACCOUNT;
    Corrected(Correction) = "event.corrected", ANY;
    Voided(Voided) = "event.voided", ANY;
    PayloadsErased(PayloadsErased) = "event.payloads_erased", ANY;
    MergedInto(MergedInto) = "stream.merged_into", ANY;
    Merged(Merged) = "stream.merged", ANY;
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

// ---- payloads ---------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatedOnly {
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaCreated {
    pub la_code: LaCode,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Council,
    IntegratedCareBoard,
    HealthService,
    School,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrganisationRegistered {
    pub kind: OrganisationKind,
    pub name: String,
    /// For a school: the setting it runs.
    pub setting: Option<SettingId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamAdded {
    pub team: TeamId,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffJob {
    Caseworker,
    TeamManager,
    Commissioner,
    HealthProfessional,
    Senco,
    EducationalPsychologist,
    Administrator,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffAdded {
    pub name: String,
    pub organisation: OrganisationId,
    pub team: Option<TeamId>,
    pub job: StaffJob,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffMovedTeam {
    pub team: TeamId,
}

/// Where a setting is: British National Grid or WGS84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Location {
    Grid { easting: u32, northing: u32 },
    LatLong { lat: f64, long: f64 },
}

impl Location {
    /// Straight-line distance in kilometres, where both places are given the same way
    /// (grid to grid exactly; latitude and longitude by the haversine formula).
    pub fn km_to(&self, other: &Location) -> Option<f64> {
        match (self, other) {
            (
                Location::Grid {
                    easting: e1,
                    northing: n1,
                },
                Location::Grid {
                    easting: e2,
                    northing: n2,
                },
            ) => {
                let dx = f64::from(*e1) - f64::from(*e2);
                let dy = f64::from(*n1) - f64::from(*n2);
                Some((dx * dx + dy * dy).sqrt() / 1000.0)
            }
            (Location::LatLong { lat: a1, long: o1 }, Location::LatLong { lat: a2, long: o2 }) => {
                let (p1, p2) = (a1.to_radians(), a2.to_radians());
                let dp = (a2 - a1).to_radians();
                let dl = (o2 - o1).to_radians();
                let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
                Some(6371.0 * 2.0 * h.sqrt().asin())
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Nursery,
    Primary,
    MiddleDeemedPrimary,
    Secondary,
    MiddleDeemedSecondary,
    SixteenPlus,
    AllThrough,
    NotApplicable,
}

/// The kind of establishment, grouped as SEN2 counts placements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingType {
    MainstreamLaMaintained,
    MainstreamAcademy,
    MainstreamFreeSchool,
    MainstreamIndependent,
    SpecialLaMaintained,
    SpecialAcademy,
    SpecialIndependent,
    SpecialNonMaintained,
    AlternativeProvision,
    FurtherEducation,
    SpecialistPost16,
    EarlyYears,
}

impl SettingType {
    pub fn is_special(self) -> bool {
        matches!(
            self,
            SettingType::SpecialLaMaintained
                | SettingType::SpecialAcademy
                | SettingType::SpecialIndependent
                | SettingType::SpecialNonMaintained
        )
    }
    pub fn is_academy(self) -> bool {
        matches!(
            self,
            SettingType::MainstreamAcademy
                | SettingType::MainstreamFreeSchool
                | SettingType::SpecialAcademy
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingDetails {
    pub name: String,
    pub setting_type: SettingType,
    /// The GIAS type of establishment as published (e.g. "Academy converter").
    pub establishment_type: String,
    pub phase: Phase,
    pub low_age: u8,
    pub high_age: u8,
    pub la_code: LaCode,
    pub trust: Option<String>,
    pub urn: Option<Urn>,
    pub ukprn: Option<Ukprn>,
    pub postcode: Option<Postcode>,
    pub location: Option<Location>,
    pub capacity: Option<u32>,
}

/// Ofsted's framework: 4-point grades (to 2025) or report cards (from November 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InspectionFramework {
    Graded,
    ReportCard,
}

/// A report card's 5-point scale, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportCardScale {
    Exceptional,
    StrongStandard,
    ExpectedStandard,
    NeedsAttention,
    UrgentImprovement,
}

impl ReportCardScale {
    pub fn parse(s: &str) -> Option<ReportCardScale> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "exceptional" => ReportCardScale::Exceptional,
            "strong standard" | "strong" => ReportCardScale::StrongStandard,
            "expected standard" | "expected" => ReportCardScale::ExpectedStandard,
            "needs attention" => ReportCardScale::NeedsAttention,
            "urgent improvement" => ReportCardScale::UrgentImprovement,
            _ => return None,
        })
    }
}

/// One judgement: a grade 1 (outstanding) to 4 (inadequate), a report-card point, or
/// whether safeguarding is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Grade(u8),
    Scale(ReportCardScale),
    SafeguardingMet(bool),
}

/// A school's inspection as Ofsted published it, judgements by evaluation area (e.g.
/// `quality_of_education`, `leadership_and_management`, `inclusion`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingInspected {
    pub framework: InspectionFramework,
    pub inspection_start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<NaiveDate>,
    pub judgements: std::collections::BTreeMap<String, Judgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingIdentifierChanged {
    pub urn: Option<Urn>,
    pub ukprn: Option<Ukprn>,
    pub on: NaiveDate,
    /// Why, e.g. "academy conversion".
    pub cause: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisionKind {
    Mainstream,
    SenUnit,
    ResourcedProvision,
    Special,
    IndependentSpecial,
    AlternativeProvision,
    Post16,
}

impl ProvisionKind {
    pub fn label(self) -> &'static str {
        match self {
            ProvisionKind::Mainstream => "mainstream",
            ProvisionKind::SenUnit => "SEN unit",
            ProvisionKind::ResourcedProvision => "resourced provision (ERP)",
            ProvisionKind::Special => "special school",
            ProvisionKind::IndependentSpecial => "independent special school",
            ProvisionKind::AlternativeProvision => "alternative provision",
            ProvisionKind::Post16 => "post-16",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionOpened {
    pub setting: SettingId,
    pub kind: ProvisionKind,
    pub name: String,
    pub need_types: Vec<NeedType>,
    pub low_age: u8,
    pub high_age: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionPlacesSet {
    pub academic_year: AcademicYear,
    pub places: u32,
}

/// A service level agreement for a provision's places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaSigned {
    pub parties: Vec<String>,
    pub signed_on: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// How a change to a school's provision is approved: DfE's significant change process
/// for academies, a statutory prescribed alteration for maintained schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalRoute {
    SignificantChange,
    PrescribedAlteration,
}

impl ApprovalRoute {
    pub fn label(self) -> &'static str {
        match self {
            ApprovalRoute::SignificantChange => "DfE significant change approval",
            ApprovalRoute::PrescribedAlteration => "prescribed alteration decision",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalApplied {
    pub route: ApprovalRoute,
    pub submitted_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_board_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApprovalDecided {
    pub route: ApprovalRoute,
    pub approved: bool,
    pub decided_on: NaiveDate,
    /// The day the change may take effect (places may be offered from it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<NaiveDate>,
    /// The number of places approved, where the approval is for a number (a resize).
    /// Without it the approval covers the provision as first opened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub places: Option<u32>,
    /// The types of need approved, where the approval is for a change of them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub need_types: Option<Vec<NeedType>>,
}

/// The types of need a provision is designated for, changed from a day: a significant
/// change (or prescribed alteration) that needs its own approval first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NeedTypesChanged {
    pub on: NaiveDate,
    pub need_types: Vec<NeedType>,
}

/// Capital spent to date on a project, as reported on a day (a running total, not an
/// increment: the latest report is the figure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapitalSpent {
    /// The project's reference, as given when the capital was approved.
    pub reference: String,
    pub on: NaiveDate,
    pub spent_to_date: Pence,
}

/// Capital approved for a provision's places. One project may fund places in several
/// provisions: each records the same `reference` with its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapitalApproved {
    pub amount: Pence,
    pub approving_body: String,
    pub approved_on: NaiveDate,
    pub places: u32,
    /// The capital project's reference (used to report spend against it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Evidence that no other viable option existed, for new places at a school below the
/// Ofsted standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViableOptionsRecorded {
    pub on: NaiveDate,
    pub summary: String,
}

/// Annual cost of one place, split by who pays. Transport is costed separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CostPerPlace {
    pub place_funding: Pence,
    pub top_up: Pence,
    pub health: Pence,
    pub social_care: Pence,
}

impl CostPerPlace {
    pub fn total(&self) -> Pence {
        Pence(self.place_funding.0 + self.top_up.0 + self.health.0 + self.social_care.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProvisionCostsSet {
    pub financial_year: FinancialYear,
    pub cost: CostPerPlace,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Child {
    pub given_names: String,
    pub family_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// SEN2 / CBDS ethnicity code, e.g. WBRI.
    pub ethnicity: String,
    pub postcode: Option<Postcode>,
    pub upn: Option<Upn>,
    pub uln: Option<Uln>,
    pub nhs_number: Option<NhsNumber>,
    pub home: Option<Location>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
/// A case opened: the child, the people around them known at the time, and the
/// caseworker first assigned. Later changes are events of their own.
pub struct CaseOpened {
    pub child: Child,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<RelatedPerson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseworker: Option<CaseworkerAssigned>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Relationship {
    Mother,
    Father,
    Parent,
    Grandparent,
    FosterCarer,
    LocalAuthority,
    Guardian,
    Carer,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelatedPerson {
    pub person: PersonId,
    pub name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    /// Their address must never be shown to anyone else linked to the child.
    pub confidential_address: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonRef {
    pub person: PersonId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourtRestriction {
    pub description: String,
    /// People the order restricts from seeing the record.
    pub restricted_persons: Vec<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseworkerAssigned {
    pub staff: StaffId,
    pub team: TeamId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestReceived {
    pub request: RequestId,
    pub received_on: NaiveDate,
    pub requested_by: Requester,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestStep {
    pub request: RequestId,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessDecision {
    Assess,
    DoNotAssess,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssessmentDecided {
    pub request: RequestId,
    pub decision: AssessDecision,
    pub on: NaiveDate,
    pub reasons: Option<String>,
}

/// Advice requested, usually from several services on the same day; each clock runs
/// separately from this date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceRequested {
    pub request: RequestId,
    pub kinds: Vec<AdviceKind>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceStep {
    pub request: RequestId,
    pub kind: AdviceKind,
    pub on: NaiveDate,
}

/// The exceptions the Regulations allow to the 6- and 20-week limits (Reg 5(4), 10(4), 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    SchoolClosure,
    ExceptionalPersonalCircumstances,
    AbsentFromArea,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExceptionRecorded {
    pub request: RequestId,
    pub exception: ExceptionKind,
    pub evidence: String,
}

/// An EHC plan's sections A-K as text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PlanSections {
    pub a: String,
    pub b: String,
    pub c: String,
    pub d: String,
    pub e: String,
    pub f: String,
    pub g: String,
    pub h1: String,
    pub h2: String,
    pub i: String,
    pub j: String,
    pub k: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftPlanServed {
    pub request: RequestId,
    pub on: NaiveDate,
    pub sections: PlanSections,
}

/// A setting as named in a plan: a known setting, or a SEN2 code where there is no URN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingRef {
    Setting(SettingId),
    Code(SettingCode),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedSetting {
    pub setting: SettingRef,
    pub provision: Option<ProvisionId>,
    pub rank: u8,
    pub sen_unit: bool,
    pub resourced_provision: bool,
    /// The day the placement is to start, where it is later than the plan (e.g. the
    /// next September). The approval gate judges the provision on this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingConsulted {
    pub setting: SettingId,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsultationResponse {
    pub setting: SettingId,
    pub on: NaiveDate,
    pub can_meet_needs: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinalPlanIssued {
    pub request: RequestId,
    pub on: NaiveDate,
    pub sections: PlanSections,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
}

/// A plan that existed before sendscope (or outside it), recorded with its real dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanRecorded {
    pub plan_start: NaiveDate,
    pub last_review: Option<NaiveDate>,
    pub sections: PlanSections,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
    /// Where the record came from, e.g. "legacy case management system".
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementStarted {
    pub setting: SettingRef,
    pub provision: Option<ProvisionId>,
    pub on: NaiveDate,
    pub sen_unit: bool,
    pub resourced_provision: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Maintain,
    Amend,
    Cease,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewDecided {
    pub meeting_on: NaiveDate,
    pub decision: ReviewDecision,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanAmended {
    pub on: NaiveDate,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    /// True when the amendment names the setting for a phase transfer.
    pub phase_transfer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeSubject {
    RefusalToAssess,
    RefusalToIssue,
    PlanContents,
    NamedSetting,
    Cessation,
}

impl DisputeSubject {
    pub fn label(self) -> &'static str {
        match self {
            DisputeSubject::RefusalToAssess => "a refusal to assess",
            DisputeSubject::RefusalToIssue => "a refusal to issue a plan",
            DisputeSubject::PlanContents => "a plan's contents",
            DisputeSubject::NamedSetting => "the setting named in a plan",
            DisputeSubject::Cessation => "ceasing a plan",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationRecorded {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    /// False when the family declined mediation and asked for a certificate.
    pub took_place: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealRegistered {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealOutcome {
    Upheld,
    PartlyUpheld,
    Dismissed,
    Withdrawn,
    Conceded,
}

/// What the Tribunal ordered, or what the council conceded, when an appeal ends in the
/// family's favour. Each starts its own statutory clock (Regs 44 and 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealOrder {
    /// Carry out an EHC needs assessment.
    Assess,
    /// Make and maintain a plan.
    MakePlan,
    /// Amend the plan's contents.
    AmendPlan,
    /// Name a school or other institution (or a type of one) in the plan.
    NameSetting,
    /// Review the plan (a conceded appeal).
    Review,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppealDecided {
    pub on: NaiveDate,
    pub outcome: AppealOutcome,
    /// What the council must now do, where the appeal succeeded or was conceded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AppealOrder>,
}

/// The family's response to a draft plan, and the setting they ask to be named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftResponse {
    pub request: RequestId,
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_setting: Option<SettingRef>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comments: String,
}

/// A step of an annual review, identified by the date of its meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewStep {
    pub meeting_on: NaiveDate,
    pub on: NaiveDate,
}

/// Amendments proposed to the family after a review (or otherwise), with the notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmendmentsProposed {
    pub on: NaiveDate,
    /// The review meeting the proposal follows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_on: Option<NaiveDate>,
    pub summary: String,
}

/// The kinds of move between phases that Reg 18 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseTransferKind {
    /// Early years to school, infant to junior, primary to middle or secondary, middle to
    /// secondary: before 15 February of the calendar year of transfer.
    BetweenSchools,
    /// Secondary school to a post-16 institution: before 31 March.
    SecondaryToPost16,
    /// One post-16 institution to another: at least 5 months before.
    Post16ToPost16,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTransferPlanned {
    /// The day the child or young person will start at the new phase.
    pub transfer_on: NaiveDate,
    pub kind: PhaseTransferKind,
}

/// A plan transferred in: the new council tells the family whether it will reassess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferReassessment {
    pub on: NaiveDate,
    pub reassess: bool,
}

/// After a decision that can be appealed, the family talks to a mediation adviser and
/// either chooses mediation or declines it and asks for a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationChoice {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    pub wants_mediation: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationHeld {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    /// Whether the meeting reached agreement.
    pub agreed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediationCertificate {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
}

/// The council's decision to cease a plan (s.45 CFA), after consulting the family and
/// the setting. The plan is kept until the appeal window has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CessationDecided {
    pub on: NaiveDate,
    pub reason: CeaseReason,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintReceived {
    /// The council's complaint reference, unique on the case.
    pub reference: String,
    pub on: NaiveDate,
    pub about: String,
}

/// A programme: these cases must reach the milestone by the deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgrammeDefined {
    /// Numbered 1, 2, 3… in the area.
    pub programme: u32,
    pub name: String,
    pub milestone: crate::programmes::Milestone,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    /// Flag the programme when the rate still required exceeds the achieved rate by
    /// this factor (1.0 flags as soon as it is behind).
    pub flag_factor: f64,
    pub cases: Vec<CaseId>,
}

/// A plan-quality rubric the area adopts from a date (audits on or after it use it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaRubricAdopted {
    pub effective_from: NaiveDate,
    pub rubric: crate::qa::Rubric,
}

/// A plan audited section by section; the grade is worked out from the scores by the
/// rubric, never typed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanAudited {
    /// Numbered 1, 2, 3… on the case.
    pub audit: u32,
    pub on: NaiveDate,
    pub service: crate::qa::AuditService,
    pub rubric_id: String,
    pub scores: std::collections::BTreeMap<String, u8>,
    pub grade: crate::qa::QaGrade,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comments: String,
}

/// A team manager let a step through a gate it would have stopped, with a written
/// reason; recorded with the step, and reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateOverridden {
    /// Which gate, e.g. "provision_approval".
    pub gate: String,
    pub provision: ProvisionId,
    pub on: NaiveDate,
    /// What the gate found missing, in its own words.
    pub finding: String,
    pub reason: String,
}

/// The stage a letter to the family is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LetterKind {
    DecisionToAssess,
    DecisionNotToAssess,
    DraftPlan,
    FinalPlan,
    NoPlan,
    ReviewDecision,
    AmendedPlan,
    CessationDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// A letter to the family, recorded word for word as issued; it waits in the outbox
/// until it is sent (by email, or marked as posted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterIssued {
    /// Numbered 1, 2, 3… on the case.
    pub letter: u32,
    pub kind: LetterKind,
    pub on: NaiveDate,
    /// Who it is addressed to.
    pub to: String,
    /// Where to email it, if the family asked for email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub subject: String,
    pub sections: Vec<LetterSection>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterSent {
    pub letter: u32,
    pub on: NaiveDate,
    /// How: "post", or "email via HOST".
    pub via: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintResponded {
    pub reference: String,
    pub on: NaiveDate,
    pub upheld: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanCeased {
    pub on: NaiveDate,
    pub reason: CeaseReason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    pub other_la: LaCode,
    pub on: NaiveDate,
}

/// What an account is linked to, which scopes what its role may see.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountLinks {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff: Option<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub setting: Option<SettingId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<PersonId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<CaseId>,
}

/// An account created. The password is never part of an event: only that it was set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountCreated {
    pub username: crate::account::Username,
    pub role: crate::access::Role,
    pub links: AccountLinks,
}

/// An API token issued to an account. Only its public identifier is recorded: the secret
/// is shown once to whoever created it and stored only as a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenIssued {
    pub token_id: crate::account::TokenId,
    pub label: String,
    pub on: NaiveDate,
}

/// An API token withdrawn: from now on it authenticates nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRevoked {
    pub token_id: crate::account::TokenId,
    pub on: NaiveDate,
}

/// Puts right a mistake: the event `corrects` is read as if it had said `replacement`
/// (same event type) from now on. The original stays stored and visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub corrects: u64,
    pub replacement: serde_json::Value,
}

/// An event recorded in error: it stays stored and visible but no longer counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Voided {
    pub voids: u64,
}

/// Lawful erasure of payloads (retention, erasure of personal data). The chain still
/// verifies because it covers each payload's digest, not its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PayloadsErased {
    pub events: Vec<u64>,
    pub basis: String,
}

/// Written on a duplicate stream: it is joined into `survivor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergedInto {
    pub survivor: Uuid,
}

/// Written on the surviving stream: `duplicate` has been joined into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merged {
    pub duplicate: Uuid,
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn actors() {
        assert!(Actor::parse("user:caseworker").is_ok());
        assert!(Actor::parse("system:demo").is_ok());
        assert!(Actor::parse("caseworker").is_err());
        assert!(Actor::parse("user:").is_err());
    }
}
