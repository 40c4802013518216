//! Current state derived from events. `apply` updates a projection with one event;
//! `fold` derives it from a whole stream. The store keeps projections up to date with
//! `apply` (or `fold` after a correction, void or erasure) and `rebuild` re-derives them
//! all with `fold`; both must give byte-identical JSON.

use crate::DomainError;
use crate::codes::{AcademicYear, FinancialYear, LaCode, Pence};
use crate::event::*;
use crate::ids::*;
use crate::sen::NeedType;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

mod case;
mod case_apply;
pub use case::*;
use case_apply::Meta;

/// The plan-quality rubric an area has in force on a day, read from its record (`area`);
/// sendscope's standard rubric where there is no record or none adopted.
pub fn rubric_in_force(area: Option<&Projection>, on: NaiveDate) -> crate::qa::Rubric {
    match area.map(|p| &p.state) {
        Some(StreamState::Area(a)) => a.rubric_on(on),
        _ => crate::qa::Rubric::standard(),
    }
}

/// The approval-gate rules an area has in force on a day, read from its record (`area`);
/// sendscope's standard rules where there is no record or none adopted.
pub fn gate_rules_in_force(area: Option<&Projection>, on: NaiveDate) -> GateRules {
    match area.map(|p| &p.state) {
        Some(StreamState::Area(a)) => a.gate_rules_on(on),
        _ => GateRules::standard(),
    }
}

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
    Partnership(Box<crate::partnership::PartnershipState>),
    CapitalProject(Box<crate::capital::CapitalProjectState>),
    Referral(Box<crate::waits::ReferralState>),
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
    Partnership(Box<crate::partnership::PartnershipState>),
    CapitalProject(Box<crate::capital::CapitalProjectState>),
    Referral(Box<crate::waits::ReferralState>),
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
            TaggedState::Partnership(s) => StreamState::Partnership(s),
            TaggedState::CapitalProject(s) => StreamState::CapitalProject(s),
            TaggedState::Referral(s) => StreamState::Referral(s),
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
                    "partnership" => {
                        StreamState::Partnership(Deserialize::deserialize(Rest::new(map))?)
                    }
                    "capital_project" => {
                        StreamState::CapitalProject(Deserialize::deserialize(Rest::new(map))?)
                    }
                    "referral" => StreamState::Referral(Deserialize::deserialize(Rest::new(map))?),
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
                                "partnership",
                                "capital_project",
                                "referral",
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
    /// Signs in with a second factor (a TOTP code) since this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub two_factor_on: Option<NaiveDate>,
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
    /// The designated officers in post, by the day each record takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officers: Vec<crate::event::DesignatedOfficers>,
    /// The sign-in policies adopted, by the day each takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sign_in_policies: Vec<crate::event::SignInPolicy>,
    /// Single sign-on as adopted, by the day each takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub single_sign_on: Vec<crate::event::SingleSignOn>,
    /// Retention schedules, by the day each takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retention: Vec<crate::event::RetentionSchedule>,
    /// Complaints policies, by the day each takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints_policies: Vec<crate::event::ComplaintsPolicy>,
    /// Waiting lists: pathways, standards and prioritisation criteria, by the day each
    /// version takes effect.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waiting_lists: Vec<crate::waits::WaitingLists>,
    /// Part-time timetable policies, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_time_policies: Vec<crate::education::PartTimePolicy>,
}

impl AreaState {
    /// The complaints policy in force on a day: the newest adopted on or before it, else
    /// the standard one.
    pub fn complaints_policy_on(&self, on: NaiveDate) -> crate::event::ComplaintsPolicy {
        self.complaints_policies
            .iter()
            .rev()
            .find(|r| r.from <= on)
            .copied()
            .unwrap_or_else(crate::event::ComplaintsPolicy::standard)
    }

    /// The retention schedule in force on a day: the newest adopted on or before it, else
    /// the standard one.
    pub fn retention_on(&self, on: NaiveDate) -> crate::event::RetentionSchedule {
        self.retention
            .iter()
            .rev()
            .find(|r| r.from <= on)
            .copied()
            .unwrap_or_else(crate::event::RetentionSchedule::standard)
    }

    /// The single sign-on in force on a day, if the area has adopted one.
    pub fn single_sign_on_on(&self, on: NaiveDate) -> Option<&crate::event::SingleSignOn> {
        self.single_sign_on.iter().rev().find(|s| s.from <= on)
    }

    /// The sign-in policy in force on a day: the newest adopted on or before it, else the
    /// standard one.
    pub fn sign_in_policy_on(&self, on: NaiveDate) -> crate::event::SignInPolicy {
        self.sign_in_policies
            .iter()
            .rev()
            .find(|p| p.from <= on)
            .copied()
            .unwrap_or_else(crate::event::SignInPolicy::standard)
    }

    /// The designated officers in post on a day, if the area has said.
    pub fn officers_on(&self, on: NaiveDate) -> Option<crate::event::DesignatedOfficers> {
        self.officers.iter().rev().find(|o| o.from <= on).copied()
    }

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
    /// How to reach them: the latest recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<crate::event::StaffContact>,
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
            StreamKind::Partnership => StreamState::Partnership(Box::default()),
            StreamKind::CapitalProject => StreamState::CapitalProject(Box::default()),
            StreamKind::Referral => StreamState::Referral(Box::default()),
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

    /// Applies a body as if it had been recorded now by `actor`, effective `on`: for
    /// trying steps out before they are written (an import checks a child's history
    /// this way) and for tests. The store records the real event.
    pub fn apply_as_recorded(&mut self, body: &EventBody, on: NaiveDate, actor: &str) {
        let version = self.version + 1;
        let e = RecordedEvent {
            seq: self.last_seq + 1,
            stream: self.stream,
            version,
            area: self.area,
            event_type: body.event_type().into(),
            actor: actor.into(),
            recorded_at: crate::Instant::now(),
            effective_date: on,
            reason: None,
            payload: None,
            payload_digest: [0; 32],
            hash: [0; 32],
        };
        self.apply(&e, body);
    }

    fn apply_body(&mut self, e: &RecordedEvent, body: &EventBody) {
        let meta = Meta {
            actor: &e.actor,
            recorded_on: e.recorded_at.england_date(),
        };
        use EventBody as E;
        match (body, &mut self.state) {
            (body, StreamState::Partnership(s)) if crate::partnership::step_of(body).is_some() => {
                if let Some(step) = crate::partnership::step_of(body) {
                    s.apply(step);
                }
            }
            (body, StreamState::CapitalProject(s)) if crate::capital::step_of(body).is_some() => {
                if let Some(step) = crate::capital::step_of(body) {
                    s.apply(step);
                }
            }
            (body, StreamState::Referral(s)) if crate::waits::step_of(body).is_some() => {
                if let Some(step) = crate::waits::step_of(body) {
                    s.apply(step);
                }
            }
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
            (E::RetentionScheduleAdopted(x), StreamState::Area(s)) => {
                s.retention.push(*x);
                s.retention.sort_by_key(|r| r.from);
            }
            (E::PartTimePolicyAdopted(x), StreamState::Area(s)) => {
                s.part_time_policies.push(*x);
                s.part_time_policies.sort_by_key(|p| p.from);
            }
            (E::WaitingListsAdopted(x), StreamState::Area(s)) => {
                s.waiting_lists.push(x.clone());
                s.waiting_lists.sort_by_key(|w| w.from);
            }
            (E::ComplaintsPolicyAdopted(x), StreamState::Area(s)) => {
                s.complaints_policies.push(*x);
                s.complaints_policies.sort_by_key(|r| r.from);
            }
            (E::SingleSignOnAdopted(x), StreamState::Area(s)) => {
                s.single_sign_on.push(x.clone());
                s.single_sign_on.sort_by_key(|p| p.from);
            }
            (E::SignInPolicyAdopted(x), StreamState::Area(s)) => {
                s.sign_in_policies.push(*x);
                s.sign_in_policies.sort_by_key(|p| p.from);
            }
            (E::DesignatedOfficersRecorded(x), StreamState::Area(s)) => {
                s.officers.push(*x);
                s.officers.sort_by_key(|o| o.from);
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
            (E::StaffContactRecorded(x), StreamState::Staff(s)) => s.contact = Some(x.clone()),
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
            (E::AccountRoleChanged(c), StreamState::Account(s)) => {
                if let Some(created) = s.created.as_mut() {
                    created.role = c.role;
                    created.links = c.links.clone();
                }
            }
            (E::TwoFactorEnrolled(d), StreamState::Account(s)) => s.two_factor_on = Some(d.on),
            (E::TwoFactorRemoved(_), StreamState::Account(s)) => s.two_factor_on = None,
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
        let bodies = bodies_in_effect(events)?;
        let mut p = Projection::empty(stream, area);
        for (e, body) in events.iter().zip(bodies) {
            p.note(e);
            if let Some(body) = body {
                p.apply_body(e, &body);
            }
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
            StreamState::Partnership(p) => p
                .started
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            StreamState::CapitalProject(p) => p
                .proposed
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            StreamState::Referral(r) => r
                .received
                .as_ref()
                .map(|x| format!("{} {}", x.child.given_names, x.child.family_name))
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

/// What each event of one stream says as things stand, in the events' order: as corrected
/// where it was corrected; `None` for an event voided, erased, or one that itself
/// corrects, voids or erases another.
pub fn bodies_in_effect(events: &[RecordedEvent]) -> Result<Vec<Option<EventBody>>, DomainError> {
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
    Ok(events
        .iter()
        .zip(bodies)
        .map(|(e, body)| {
            let body = body?;
            if body.rewrites_history() || voided.contains(&e.seq) {
                return None;
            }
            Some(replaced.remove(&e.seq).unwrap_or(body))
        })
        .collect())
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
