//! Current state derived from events. `apply` updates a projection with one event;
//! `fold` derives it from a whole stream. The store keeps projections up to date with
//! `apply` (or `fold` after a correction, void or erasure) and `rebuild` re-derives them
//! all with `fold`; both must give byte-identical JSON.

use crate::DomainError;
use crate::codes::{AcademicYear, FinancialYear, LaCode, Pence};
use crate::event::*;
use crate::ids::*;
use crate::sen::{AdviceKind, Need, NeedType, Requester};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// The projection of one stream: envelope facts common to every kind, then the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Projection {
    pub stream: StreamRef,
    pub area: AreaId,
    pub version: u32,
    pub last_seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<Uuid>,
    pub state: StreamState,
}

/// Stored as one JSON object with its `kind` first (serde's internal tagging). Read back
/// by [`StreamState`]'s own `Deserialize`, which reads `kind` and then the rest of the
/// object straight into the variant, instead of buffering the whole object first as
/// serde's derived code for internal tags does (that was most of the cost of reading a
/// projection, and the case list reads one per row to re-check access).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StreamState {
    Area(AreaState),
    Organisation(OrganisationState),
    Staff(StaffState),
    Setting(SettingState),
    Provision(ProvisionState),
    Case(Box<CaseState>),
    Account(AccountState),
    Publication(PublicationState),
}

/// A publication imported: the latest figures recorded for its file.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PublicationState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures: Option<crate::benchmarks::FiguresRecorded>,
}

/// The same enum with serde's derived reading, used when `kind` is not the first key.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TaggedState {
    Area(AreaState),
    Organisation(OrganisationState),
    Staff(StaffState),
    Setting(SettingState),
    Provision(ProvisionState),
    Case(Box<CaseState>),
    Account(AccountState),
    Publication(PublicationState),
}

impl From<TaggedState> for StreamState {
    fn from(t: TaggedState) -> Self {
        match t {
            TaggedState::Area(s) => StreamState::Area(s),
            TaggedState::Organisation(s) => StreamState::Organisation(s),
            TaggedState::Staff(s) => StreamState::Staff(s),
            TaggedState::Setting(s) => StreamState::Setting(s),
            TaggedState::Provision(s) => StreamState::Provision(s),
            TaggedState::Case(s) => StreamState::Case(s),
            TaggedState::Account(s) => StreamState::Account(s),
            TaggedState::Publication(s) => StreamState::Publication(s),
        }
    }
}

impl<'de> Deserialize<'de> for StreamState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = StreamState;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a record's state with its kind")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<StreamState, A::Error> {
                use serde::de::value::MapAccessDeserializer as Rest;
                let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                    return Err(serde::de::Error::missing_field("kind"));
                };
                if first != "kind" {
                    // Not as we write it: gather the whole object and read it the slow way.
                    let mut whole = serde_json::Map::new();
                    whole.insert(first.into_owned(), map.next_value::<serde_json::Value>()?);
                    while let Some((k, v)) = map.next_entry::<String, serde_json::Value>()? {
                        whole.insert(k, v);
                    }
                    return serde_json::from_value::<TaggedState>(serde_json::Value::Object(whole))
                        .map(StreamState::from)
                        .map_err(serde::de::Error::custom);
                }
                let kind = map.next_value::<std::borrow::Cow<'de, str>>()?;
                Ok(match kind.as_ref() {
                    "area" => StreamState::Area(Deserialize::deserialize(Rest::new(map))?),
                    "organisation" => {
                        StreamState::Organisation(Deserialize::deserialize(Rest::new(map))?)
                    }
                    "staff" => StreamState::Staff(Deserialize::deserialize(Rest::new(map))?),
                    "setting" => StreamState::Setting(Deserialize::deserialize(Rest::new(map))?),
                    "provision" => {
                        StreamState::Provision(Deserialize::deserialize(Rest::new(map))?)
                    }
                    "case" => StreamState::Case(Deserialize::deserialize(Rest::new(map))?),
                    "account" => StreamState::Account(Deserialize::deserialize(Rest::new(map))?),
                    "publication" => {
                        StreamState::Publication(Deserialize::deserialize(Rest::new(map))?)
                    }
                    other => {
                        return Err(serde::de::Error::unknown_variant(
                            other,
                            &[
                                "area",
                                "organisation",
                                "staff",
                                "setting",
                                "provision",
                                "case",
                                "account",
                                "publication",
                            ],
                        ));
                    }
                })
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AccountState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<AccountCreated>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_set_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_on: Option<NaiveDate>,
    /// API tokens by identifier, with the day each was revoked if it has been.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub tokens: std::collections::BTreeMap<crate::account::TokenId, TokenState>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TokenState {
    pub label: String,
    pub issued_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AreaState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub la_code: Option<LaCode>,
    pub name: String,
    /// Plan-quality rubrics adopted, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rubrics: Vec<QaRubricAdopted>,
    /// Programmes with deadlines, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programmes: Vec<ProgrammeDefined>,
    /// Approval gate rules adopted, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gate_rules: Vec<crate::event::GateRules>,
    /// Placement costing adopted, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placement_settings: Vec<crate::costs::PlacementSettings>,
    /// Trajectories, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trajectories: Vec<crate::trajectories::TrajectoryDefined>,
    /// How the area publishes its figures (the latest adopted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub figures_settings: Option<crate::benchmarks::FiguresSettings>,
}

impl AreaState {
    /// The gate rules in force on a date: the newest adopted on or before it, else the
    /// standard rules.
    pub fn gate_rules_on(&self, on: NaiveDate) -> crate::event::GateRules {
        self.gate_rules
            .iter()
            .rev()
            .find(|r| r.effective_from <= on)
            .cloned()
            .unwrap_or_else(crate::event::GateRules::standard)
    }

    /// The placement costing in force on a date: the newest adopted on or before it,
    /// else sendscope's defaults.
    pub fn placement_settings_on(&self, on: NaiveDate) -> crate::costs::PlacementSettings {
        self.placement_settings
            .iter()
            .rev()
            .find(|r| r.effective_from <= on)
            .copied()
            .unwrap_or_default()
    }

    /// The rubric in force on a date: the newest adopted on or before it, else the standard.
    pub fn rubric_on(&self, on: NaiveDate) -> crate::qa::Rubric {
        self.rubrics
            .iter()
            .rev()
            .find(|r| r.effective_from <= on)
            .map(|r| r.rubric.clone())
            .unwrap_or_else(crate::qa::Rubric::standard)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct OrganisationState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<OrganisationRegistered>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub teams: Vec<TeamAdded>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct StaffState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added: Option<StaffAdded>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub left_on: Option<NaiveDate>,
}

/// One period during which a setting carried a URN/UKPRN.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentifierPeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urn: Option<crate::codes::Urn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ukprn: Option<crate::codes::Ukprn>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SettingState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<SettingDetails>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<IdentifierPeriod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    /// Ofsted inspections, oldest first (one per inspection start date).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inspections: Vec<SettingInspected>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProvisionState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened: Option<ProvisionOpened>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub places: BTreeMap<AcademicYear, u32>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub costs: BTreeMap<FinancialYear, CostPerPlace>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slas: Vec<SlaSigned>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applications: Vec<ApprovalApplied>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub decisions: Vec<ApprovalDecided>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capital: Vec<CapitalApproved>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub viable_options: Vec<ViableOptionsRecorded>,
    /// Changes to the designated need types after opening, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub need_type_changes: Vec<NeedTypesChanged>,
    /// Capital spend reports, oldest first (each a running total for its project).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capital_spend: Vec<CapitalSpent>,
}

impl ProvisionState {
    /// The places set for the academic year containing a day (or the latest year
    /// before it).
    pub fn places_on(&self, on: NaiveDate) -> Option<u32> {
        self.places
            .range(..=AcademicYear::containing(on))
            .next_back()
            .map(|(_, n)| *n)
    }

    /// The need types designated on a day.
    pub fn need_types_on(&self, on: NaiveDate) -> Vec<NeedType> {
        self.need_type_changes
            .iter()
            .rfind(|c| c.on <= on)
            .map(|c| c.need_types.clone())
            .or_else(|| self.opened.as_ref().map(|o| o.need_types.clone()))
            .unwrap_or_default()
    }

    /// Capital spent to date on each project (reference → latest reported total).
    pub fn spent_to_date(&self, reference: &str) -> Option<Pence> {
        self.capital_spend
            .iter()
            .filter(|c| c.reference == reference)
            .max_by_key(|c| c.on)
            .map(|c| c.spent_to_date)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceState {
    pub kind: AdviceKind,
    pub requested_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsultationState {
    pub setting: SettingId,
    pub consulted_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub can_meet_needs: Option<bool>,
}

/// An exception to the 6- and 20-week limits as recorded: a flag with its evidence and
/// who recorded it, never a new due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ExceptionRepr")]
pub struct ExceptionState {
    pub kind: ExceptionKind,
    pub evidence: String,
    /// The actor who recorded it (`user:NAME`); empty for projections written before
    /// sendscope kept it (a rebuild fills it in).
    pub recorded_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_on: Option<NaiveDate>,
}

/// Projections written before exceptions kept their details held only the kind.
#[derive(Deserialize)]
#[serde(untagged)]
enum ExceptionRepr {
    Kind(ExceptionKind),
    Full {
        kind: ExceptionKind,
        evidence: String,
        recorded_by: String,
        #[serde(default)]
        recorded_on: Option<NaiveDate>,
    },
}

impl From<ExceptionRepr> for ExceptionState {
    fn from(r: ExceptionRepr) -> Self {
        match r {
            ExceptionRepr::Kind(kind) => ExceptionState {
                kind,
                evidence: String::new(),
                recorded_by: String::new(),
                recorded_on: None,
            },
            ExceptionRepr::Full {
                kind,
                evidence,
                recorded_by,
                recorded_on,
            } => ExceptionState {
                kind,
                evidence,
                recorded_by,
                recorded_on,
            },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftResponseState {
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_setting: Option<SettingRef>,
}

/// Amendments proposed to the family and, once made, the amended plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalState {
    pub proposed_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseTransferState {
    pub transfer_on: NaiveDate,
    pub kind: PhaseTransferKind,
    /// The amended plan naming the new setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amended_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintState {
    pub reference: String,
    pub received_on: NaiveDate,
    pub about: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responded_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upheld: Option<bool>,
}

/// One request for an EHC needs assessment and everything that followed from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestState {
    pub request: RequestId,
    pub received_on: NaiveDate,
    pub requested_by: Requester,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AssessDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub advice: Vec<AdviceState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ExceptionState>,
    /// A decision to assess made after a Tribunal order or a conceded appeal, when the
    /// request had already been refused (the first decision and its clock stay as they were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_decision_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_served_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_response: Option<DraftResponseState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consultations: Vec<ConsultationState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_issued_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_not_issued_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanState {
    pub start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    pub sections: PlanSections,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_review: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amended_on: Vec<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceased: Option<PlanCeased>,
    /// The decision to cease, while the plan is kept through the appeal window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cessation: Option<CessationDecided>,
    /// Set when the plan was recorded retrospectively (made before sendscope).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlacementState {
    pub setting: SettingRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<ProvisionId>,
    pub start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<NaiveDate>,
    pub sen_unit: bool,
    pub resourced_provision: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewState {
    pub meeting_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<ReviewDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitations_on: Option<NaiveDate>,
    /// The meeting date the invitations gave (the meeting may then be held on another day;
    /// the invitations are judged against the date they gave).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_for: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_on: Option<NaiveDate>,
    /// True while the meeting is only planned (invitations sent, not yet held).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub planned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisputeState {
    pub subject: DisputeSubject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_took_place: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appeal_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<AppealOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    /// The day the family chose mediation or declined it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mediation_chosen_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wants_mediation: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AppealOrder>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CaseState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child: Option<Child>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedPerson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court_restriction: Option<CourtRestriction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseworker: Option<StaffId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<RequestState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanState>,
    /// Plans that ended before the current one was made, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub earlier_plans: Vec<PlanState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<PlacementState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<ReviewState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disputes: Vec<DisputeState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_in: Option<Transfer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_out: Option<Transfer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_reassessment: Option<TransferReassessment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposals: Vec<ProposalState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phase_transfers: Vec<PhaseTransferState>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<ComplaintState>,
    /// Letters to the family; the words are in the `case.letter_issued` event.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub letters: Vec<LetterState>,
    /// Quality audits of the plan, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audits: Vec<PlanAudited>,
    /// Each provision the child was named into (plan or amendment) or placed in, with
    /// the first day: what the approval gates judge.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namings: Vec<Naming>,
    /// Gates a team manager overrode, with their reasons and who they were.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrides: Vec<OverrideState>,
    /// A transport cost agreed for this child, a year (the latest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport_cost: Option<crate::costs::TransportCostSet>,
}

/// A gate overridden: what it found, why it was overridden, and by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverrideState {
    pub gate: String,
    pub provision: ProvisionId,
    pub on: NaiveDate,
    pub finding: String,
    pub reason: String,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Naming {
    pub provision: ProvisionId,
    pub on: NaiveDate,
    /// The day the placement starts, where later than the naming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_on: Option<NaiveDate>,
    /// The day the placement actually started, once recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_on: Option<NaiveDate>,
}

impl Naming {
    /// The day the child takes up the place: the recorded start, else the planned one.
    pub fn start(&self) -> NaiveDate {
        self.placed_on
            .or(self.starts_on)
            .unwrap_or(self.on)
            .max(self.on)
    }
}

impl CaseState {
    fn named(
        &mut self,
        provision: Option<ProvisionId>,
        on: NaiveDate,
        starts_on: Option<NaiveDate>,
        placed: bool,
    ) {
        let Some(p) = provision else { return };
        match self.namings.iter_mut().find(|n| n.provision == p) {
            Some(n) => {
                if placed && n.placed_on.is_none() {
                    n.placed_on = Some(on);
                }
            }
            None => self.namings.push(Naming {
                provision: p,
                on,
                starts_on,
                placed_on: placed.then_some(on),
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterState {
    pub letter: u32,
    pub kind: LetterKind,
    pub on: NaiveDate,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Where a case stands now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Opened,
    RequestReceived,
    Assessing,
    DraftPlan,
    PlanInPlace,
    NotAssessed,
    NoPlan,
    Withdrawn,
    Ceased,
    TransferredOut,
    Merged,
}

impl Stage {
    pub const ALL: [Stage; 11] = [
        Stage::Opened,
        Stage::RequestReceived,
        Stage::Assessing,
        Stage::DraftPlan,
        Stage::PlanInPlace,
        Stage::NotAssessed,
        Stage::NoPlan,
        Stage::Withdrawn,
        Stage::Ceased,
        Stage::TransferredOut,
        Stage::Merged,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Opened => "opened",
            Stage::RequestReceived => "request_received",
            Stage::Assessing => "assessing",
            Stage::DraftPlan => "draft_plan",
            Stage::PlanInPlace => "plan_in_place",
            Stage::NotAssessed => "not_assessed",
            Stage::NoPlan => "no_plan",
            Stage::Withdrawn => "withdrawn",
            Stage::Ceased => "ceased",
            Stage::TransferredOut => "transferred_out",
            Stage::Merged => "merged",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Stage::Opened => "Opened",
            Stage::RequestReceived => "Request received",
            Stage::Assessing => "Being assessed",
            Stage::DraftPlan => "Draft plan",
            Stage::PlanInPlace => "Plan in place",
            Stage::NotAssessed => "Not assessed",
            Stage::NoPlan => "Assessed, no plan",
            Stage::Withdrawn => "Withdrawn",
            Stage::Ceased => "Plan ceased",
            Stage::TransferredOut => "Transferred out",
            Stage::Merged => "Merged into another case",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// The columns a case list filters and searches on, derived from the case state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseIndex {
    /// The case list's order: family name, then given names, lower-cased (see [`sort_key`]).
    pub sort_key: String,
    pub stage: Stage,
    pub family_name: String,
    pub given_names: String,
    pub upn: Option<String>,
    pub birth_date: Option<NaiveDate>,
    pub primary_need: Option<NeedType>,
    pub setting: Option<SettingId>,
    pub caseworker: Option<StaffId>,
    pub team: Option<TeamId>,
    pub plan_start: Option<NaiveDate>,
}

/// The key a case list sorts and searches by: lower-cased family name, a unit separator,
/// lower-cased given names. Computed here, not in SQL, so both backends agree.
pub fn sort_key(family_name: &str, given_names: &str) -> String {
    format!(
        "{}\u{1f}{}",
        family_name.trim().to_lowercase(),
        given_names.trim().to_lowercase()
    )
}

/// Who recorded the event being applied, and on which England date.
struct Meta<'a> {
    actor: &'a str,
    recorded_on: NaiveDate,
}

impl CaseState {
    fn request_mut(&mut self, id: RequestId) -> Option<&mut RequestState> {
        self.requests.iter_mut().find(|r| r.request == id)
    }

    fn review_mut(&mut self, meeting_on: NaiveDate) -> Option<&mut ReviewState> {
        self.reviews
            .iter_mut()
            .rev()
            .find(|r| r.meeting_on == meeting_on)
    }

    /// The newest dispute about `subject` that has not reached the Tribunal's decision.
    fn dispute_mut(&mut self, subject: DisputeSubject) -> Option<&mut DisputeState> {
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
        if r.withdrawn_on.is_some() {
            Stage::Withdrawn
        } else if r.decision == Some(AssessDecision::DoNotAssess) {
            Stage::NotAssessed
        } else if r.plan_not_issued_on.is_some() {
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

    pub fn index(&self, merged: bool) -> CaseIndex {
        let child = self.child.as_ref();
        let setting = self.current_placement().and_then(|p| match p.setting {
            SettingRef::Setting(s) => Some(s),
            SettingRef::Code(_) => None,
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
        }
    }

    fn apply(&mut self, meta: &Meta, body: &EventBody) {
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
            E::ChildDetailsChanged(c) => self.child = Some(c.clone()),
            E::RelatedPersonAdded(p) => {
                self.related.retain(|r| r.person != p.person);
                self.related.push(p.clone());
            }
            E::RelatedPersonRemoved(p) => self.related.retain(|r| r.person != p.person),
            E::CourtRestrictionRecorded(r) => self.court_restriction = Some(r.clone()),
            E::CourtRestrictionLifted(_) => self.court_restriction = None,
            E::CaseworkerAssigned(a) => {
                self.caseworker = Some(a.staff);
                self.team = Some(a.team);
            }
            E::RequestReceived(r) => self.requests.push(RequestState {
                request: r.request,
                received_on: r.received_on,
                requested_by: r.requested_by,
                withdrawn_on: None,
                decision: None,
                decided_on: None,
                advice: Vec::new(),
                exceptions: Vec::new(),
                ordered_decision_on: None,
                draft_served_on: None,
                draft_response: None,
                consultations: Vec::new(),
                final_issued_on: None,
                plan_not_issued_on: None,
            }),
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
                });
            }
            E::PlanRecorded(p) => {
                self.earlier_plans.extend(self.plan.take());
                self.plan = Some(PlanState {
                    start: p.plan_start,
                    request: None,
                    sections: p.sections.clone(),
                    needs: p.needs.clone(),
                    named: p.named.clone(),
                    personal_budget: p.personal_budget,
                    last_review: p.last_review,
                    amended_on: Vec::new(),
                    ceased: None,
                    cessation: None,
                    source: Some(p.source.clone()),
                });
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
                self.phase_transfers
                    .retain(|t| t.transfer_on != x.transfer_on);
                self.phase_transfers.push(PhaseTransferState {
                    transfer_on: x.transfer_on,
                    kind: x.kind,
                    amended_on: None,
                });
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
            }),
            E::LetterSent(x) => {
                if let Some(l) = self.letters.iter_mut().find(|l| l.letter == x.letter) {
                    l.sent_on = Some(x.on);
                    l.via = Some(x.via.clone());
                }
            }
            E::ComplaintReceived(c) => self.complaints.push(ComplaintState {
                reference: c.reference.clone(),
                received_on: c.on,
                about: c.about.clone(),
                responded_on: None,
                upheld: None,
            }),
            E::ComplaintResponded(c) => {
                if let Some(k) = self
                    .complaints
                    .iter_mut()
                    .find(|k| k.reference == c.reference)
                {
                    k.responded_on = Some(c.on);
                    k.upheld = Some(c.upheld);
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

impl Projection {
    /// The empty projection a stream starts from.
    pub fn empty(stream: StreamRef, area: AreaId) -> Self {
        let state = match stream.kind {
            StreamKind::Area => StreamState::Area(AreaState::default()),
            StreamKind::Organisation => StreamState::Organisation(OrganisationState::default()),
            StreamKind::Staff => StreamState::Staff(StaffState::default()),
            StreamKind::Setting => StreamState::Setting(SettingState::default()),
            StreamKind::Provision => StreamState::Provision(ProvisionState::default()),
            StreamKind::Case => StreamState::Case(Box::default()),
            StreamKind::Account => StreamState::Account(AccountState::default()),
            StreamKind::Publication => StreamState::Publication(PublicationState::default()),
        };
        Projection {
            stream,
            area,
            version: 0,
            last_seq: 0,
            merged_into: None,
            merged_from: Vec::new(),
            state,
        }
    }

    fn note(&mut self, e: &RecordedEvent) {
        self.version = e.version;
        self.last_seq = e.seq;
    }

    /// Applies one event whose body does not rewrite history (see
    /// [`EventBody::rewrites_history`]); for those, use [`fold`].
    pub fn apply(&mut self, e: &RecordedEvent, body: &EventBody) {
        self.note(e);
        self.apply_body(e, body);
    }

    fn apply_body(&mut self, e: &RecordedEvent, body: &EventBody) {
        let meta = Meta {
            actor: &e.actor,
            recorded_on: e.recorded_at.england_date(),
        };
        use EventBody as E;
        match (body, &mut self.state) {
            (E::MergedInto(m), _) => self.merged_into = Some(m.survivor),
            (E::Merged(m), _) => self.merged_from.push(m.duplicate),
            (E::AreaCreated(a), StreamState::Area(s)) => {
                s.la_code = Some(a.la_code);
                s.name = a.name.clone();
            }
            (E::QaRubricAdopted(r), StreamState::Area(s)) => s.rubrics.push(r.clone()),
            (E::ProgrammeDefined(x), StreamState::Area(s)) => s.programmes.push(x.clone()),
            (E::GateRulesAdopted(x), StreamState::Area(s)) => {
                s.gate_rules.push(x.clone());
                s.gate_rules.sort_by_key(|r| r.effective_from);
            }
            (E::FiguresRecorded(x) | E::FiguresRevised(x), StreamState::Publication(s)) => {
                s.figures = Some(x.clone())
            }
            (E::TrajectoryDefined(x), StreamState::Area(s)) => s.trajectories.push(x.clone()),
            (E::FiguresSettingsAdopted(x), StreamState::Area(s)) => {
                s.figures_settings = Some(x.clone())
            }
            (E::PlacementSettingsAdopted(x), StreamState::Area(s)) => {
                s.placement_settings.push(*x);
                s.placement_settings.sort_by_key(|r| r.effective_from);
            }
            (E::OrganisationRegistered(o), StreamState::Organisation(s)) => {
                s.registered = Some(o.clone())
            }
            (E::TeamAdded(t), StreamState::Organisation(s)) => s.teams.push(t.clone()),
            (E::StaffAdded(a), StreamState::Staff(s)) => s.added = Some(a.clone()),
            (E::StaffMovedTeam(m), StreamState::Staff(s)) => {
                if let Some(a) = &mut s.added {
                    a.team = Some(m.team);
                }
            }
            (E::StaffLeft(d), StreamState::Staff(s)) => s.left_on = Some(d.on),
            (E::SettingRegistered(d), StreamState::Setting(s)) => {
                s.identifiers = vec![IdentifierPeriod {
                    urn: d.urn,
                    ukprn: d.ukprn,
                    from: None,
                    to: None,
                    cause: None,
                }];
                s.details = Some(d.clone());
            }
            (E::SettingDetailsChanged(d), StreamState::Setting(s)) => s.details = Some(d.clone()),
            (E::SettingIdentifierChanged(c), StreamState::Setting(s)) => {
                if let Some(last) = s.identifiers.last_mut() {
                    last.to = Some(c.on);
                }
                s.identifiers.push(IdentifierPeriod {
                    urn: c.urn,
                    ukprn: c.ukprn,
                    from: Some(c.on),
                    to: None,
                    cause: Some(c.cause.clone()),
                });
                if let Some(d) = &mut s.details {
                    d.urn = c.urn;
                    d.ukprn = c.ukprn;
                }
            }
            (E::SettingClosed(d), StreamState::Setting(s)) => s.closed_on = Some(d.on),
            (E::SettingInspected(i), StreamState::Setting(s)) => {
                s.inspections
                    .retain(|x| x.inspection_start != i.inspection_start);
                s.inspections.push(i.clone());
                s.inspections.sort_by_key(|x| x.inspection_start);
            }
            (E::ProvisionOpened(o), StreamState::Provision(s)) => s.opened = Some(o.clone()),
            (E::ProvisionPlacesSet(p), StreamState::Provision(s)) => {
                s.places.insert(p.academic_year, p.places);
            }
            (E::ProvisionCostsSet(c), StreamState::Provision(s)) => {
                s.costs.insert(c.financial_year, c.cost);
            }
            (E::ProvisionClosed(d), StreamState::Provision(s)) => s.closed_on = Some(d.on),
            (E::SlaSigned(x), StreamState::Provision(s)) => s.slas.push(x.clone()),
            (E::ApprovalApplied(x), StreamState::Provision(s)) => s.applications.push(x.clone()),
            (E::ApprovalDecided(x), StreamState::Provision(s)) => s.decisions.push(x.clone()),
            (E::CapitalApproved(x), StreamState::Provision(s)) => s.capital.push(x.clone()),
            (E::ViableOptionsRecorded(x), StreamState::Provision(s)) => {
                s.viable_options.push(x.clone())
            }
            (E::NeedTypesChanged(x), StreamState::Provision(s)) => {
                s.need_type_changes.push(x.clone());
                s.need_type_changes.sort_by_key(|c| c.on);
            }
            (E::CapitalSpent(x), StreamState::Provision(s)) => s.capital_spend.push(x.clone()),
            (E::AccountCreated(a), StreamState::Account(s)) => s.created = Some(a.clone()),
            (E::AccountPasswordSet(d), StreamState::Account(s)) => s.password_set_on = Some(d.on),
            (E::AccountDisabled(d), StreamState::Account(s)) => s.disabled_on = Some(d.on),
            (E::TokenIssued(t), StreamState::Account(s)) => {
                s.tokens.insert(
                    t.token_id.clone(),
                    TokenState {
                        label: t.label.clone(),
                        issued_on: t.on,
                        revoked_on: None,
                    },
                );
            }
            (E::TokenRevoked(t), StreamState::Account(s)) => {
                if let Some(k) = s.tokens.get_mut(&t.token_id) {
                    k.revoked_on = Some(t.on);
                }
            }
            (b, StreamState::Case(s)) => s.apply(&meta, b),
            _ => {}
        }
    }

    /// Derives a projection from all the events of one stream, in version order: corrections
    /// replace what the corrected event said, voided and erased events no longer count.
    pub fn fold(
        stream: StreamRef,
        area: AreaId,
        events: &[RecordedEvent],
    ) -> Result<Self, DomainError> {
        let mut bodies = Vec::with_capacity(events.len());
        let mut replaced: BTreeMap<u64, EventBody> = BTreeMap::new();
        let mut voided: BTreeSet<u64> = BTreeSet::new();
        for e in events {
            let body = e.body()?;
            match &body {
                Some(EventBody::Corrected(c)) => {
                    let target =
                        events
                            .iter()
                            .find(|t| t.seq == c.corrects)
                            .ok_or(DomainError::Rule(format!(
                                "event {} corrects event {}, which is not in this stream",
                                e.seq, c.corrects
                            )))?;
                    let bytes = serde_json::to_vec(&c.replacement)
                        .map_err(|x| DomainError::Encoding(x.to_string()))?;
                    replaced.insert(c.corrects, EventBody::decode(&target.event_type, &bytes)?);
                }
                Some(EventBody::Voided(v)) => {
                    voided.insert(v.voids);
                }
                _ => {}
            }
            bodies.push(body);
        }
        let mut p = Projection::empty(stream, area);
        for (e, body) in events.iter().zip(bodies) {
            p.note(e);
            let Some(body) = body else { continue };
            if body.rewrites_history() || voided.contains(&e.seq) {
                continue;
            }
            p.apply_body(e, replaced.get(&e.seq).unwrap_or(&body));
        }
        Ok(p)
    }

    /// Canonical JSON: the bytes stored and compared.
    pub fn to_json(&self) -> Result<String, DomainError> {
        serde_json::to_string(self).map_err(|e| DomainError::Encoding(e.to_string()))
    }
    pub fn from_json(s: &str) -> Result<Self, DomainError> {
        serde_json::from_str(s).map_err(|e| DomainError::Decoding {
            event_type: "projection".into(),
            detail: e.to_string(),
        })
    }

    pub fn case(&self) -> Option<&CaseState> {
        match &self.state {
            StreamState::Case(c) => Some(c),
            _ => None,
        }
    }

    /// The case-list columns, for case streams.
    pub fn case_index(&self) -> Option<CaseIndex> {
        self.case().map(|c| c.index(self.merged_into.is_some()))
    }

    /// For case streams, the people recorded with parental responsibility (sorted): the
    /// index a parent carer's list of their children is read from. Court restrictions are
    /// left to `authorise`, which every listed record still passes through.
    pub fn case_people(&self) -> Option<Vec<PersonId>> {
        self.case().map(|c| {
            let mut v: Vec<PersonId> = c
                .related
                .iter()
                .filter(|r| r.parental_responsibility)
                .map(|r| r.person)
                .collect();
            v.sort();
            v.dedup();
            v
        })
    }

    /// A short human name for any stream (a child's name, a setting's name...).
    pub fn display_name(&self) -> String {
        match &self.state {
            StreamState::Area(a) => a.name.clone(),
            StreamState::Organisation(o) => o
                .registered
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            StreamState::Staff(s) => s.added.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            StreamState::Setting(s) => s
                .details
                .as_ref()
                .map(|d| d.name.clone())
                .unwrap_or_default(),
            StreamState::Provision(p) => p
                .opened
                .as_ref()
                .map(|o| o.name.clone())
                .unwrap_or_default(),
            StreamState::Account(a) => a
                .created
                .as_ref()
                .map(|c| c.username.to_string())
                .unwrap_or_default(),
            StreamState::Publication(p) => p
                .figures
                .as_ref()
                .map(|f| f.source.clone())
                .unwrap_or_default(),
            StreamState::Case(c) => c
                .child
                .as_ref()
                .map(|ch| format!("{} {}", ch.given_names, ch.family_name))
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod state_reading {
    use super::*;

    /// Every kind reads back as written, and an object whose `kind` is not first (as
    /// another writer might produce) reads the same.
    #[test]
    fn states_read_back_whatever_the_key_order() {
        let kinds = [
            r#"{"kind":"area","name":"Northmoor","la_code":"100"}"#,
            r#"{"kind":"staff","left_on":"2025-01-02"}"#,
            r#"{"kind":"case","caseworker":"00000000-0000-4000-8000-000000000001","related":[]}"#,
            r#"{"kind":"account"}"#,
        ];
        for json in kinds {
            let s: StreamState = serde_json::from_str(json).expect(json);
            let again: StreamState =
                serde_json::from_str(&serde_json::to_string(&s).expect("written")).expect("read");
            assert_eq!(s, again);
            // The same object with `kind` moved to the end.
            let mut v: serde_json::Value = serde_json::from_str(json).expect("json");
            let kind = v
                .as_object_mut()
                .and_then(|o| o.remove("kind"))
                .expect("kind");
            v.as_object_mut()
                .expect("object")
                .insert("kind".into(), kind);
            let moved: StreamState = serde_json::from_value(v).expect("kind last");
            assert_eq!(s, moved);
        }
        assert!(serde_json::from_str::<StreamState>(r#"{"kind":"spaceship"}"#).is_err());
        assert!(serde_json::from_str::<StreamState>(r#"{"name":"x"}"#).is_err());
        assert!(
            serde_json::from_str::<StreamState>(r#"{"kind":"staff","left_on":"soon"}"#).is_err()
        );
    }
}
