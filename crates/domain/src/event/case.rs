//! Payloads of a child's case: the steps of the law, from the request to cessation.

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Child {
    /// Legal names, as on the birth certificate.
    pub given_names: String,
    pub family_name: String,
    /// The name the child is known by, where it is not their legal given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_name: Option<String>,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// SEN2 / CBDS ethnicity code, e.g. WBRI.
    pub ethnicity: String,
    pub postcode: Option<Postcode>,
    pub upn: Option<Upn>,
    pub uln: Option<Uln>,
    pub nhs_number: Option<NhsNumber>,
    pub home: Option<Location>,
    /// The home address, as the family writes it (the postcode is kept apart above).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_language: Option<String>,
    /// The family needs an interpreter to take part in meetings and read letters.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interpreter_needed: bool,
    /// The local authority the child lives in, where it is not this area's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub la_of_residence: Option<crate::codes::LaCode>,
    /// A parent acts for the young person after compulsory school age (they lack the
    /// capacity to, or have asked): letters and decisions go to the parent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub parent_acts: bool,
    /// For a looked-after child: their social worker and the virtual school, as named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub looked_after: Option<LookedAfter>,
}

impl Child {
    /// A child known only by name, date of birth, sex and ethnicity (as another
    /// system's record gives them); the rest is added as it becomes known.
    pub fn named(
        given_names: &str,
        family_name: &str,
        birth_date: NaiveDate,
        sex: crate::sen::Sex,
        ethnicity: &str,
    ) -> Self {
        Child {
            given_names: given_names.trim().to_string(),
            family_name: family_name.trim().to_string(),
            preferred_name: None,
            birth_date,
            sex,
            ethnicity: ethnicity.to_string(),
            postcode: None,
            upn: None,
            uln: None,
            nhs_number: None,
            home: None,
            address: None,
            home_language: None,
            interpreter_needed: false,
            la_of_residence: None,
            parent_acts: false,
            looked_after: None,
        }
    }
}

/// Who is responsible for a looked-after child, beside the council's SEND team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LookedAfter {
    pub social_worker: String,
    pub virtual_school: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
/// A case opened: the child, the people around them known at the time, and the
/// caseworker first assigned. Later changes are events of their own.
pub struct CaseOpened {
    pub child: Child,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<RelatedPerson>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caseworker: Option<CaseworkerAssigned>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RelatedPerson {
    pub person: PersonId,
    pub name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    /// Their address must never be shown to anyone else linked to the child.
    pub confidential_address: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// They have asked for letters and decisions by email rather than by post.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub letters_by_email: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonRef {
    pub person: PersonId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CourtRestriction {
    pub description: String,
    /// People the order restricts from seeing the record.
    pub restricted_persons: Vec<PersonId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CaseworkerAssigned {
    pub staff: StaffId,
    pub team: TeamId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequestReceived {
    pub request: RequestId,
    pub received_on: NaiveDate,
    pub requested_by: Requester,
}

/// A request and what became of it, recorded later from another system's record (a
/// council's SEN2 return): what that record says, with its real dates where it gives
/// them. Recorded again for the same request (the next year's return), it adds what was
/// not known and changes nothing already recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequestRecorded {
    pub request: RequestId,
    pub received_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_by: Option<Requester>,
    /// Made while the young person was in relevant youth accommodation (custody).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub youth_custody: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<AssessDecision>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_issued_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_not_issued_on: Option<NaiveDate>,
    /// Steps the record says happened without saying when, each with the last day it
    /// can have been.
    #[serde(default, skip_serializing_if = "Undated::is_empty")]
    pub undated: Undated,
    /// An exception to the 20 weeks applied (the record does not say which).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exception: bool,
    /// What the return says of disagreements in its period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disputes: Option<RecordedDisputes>,
    /// Where the record came from, e.g. "the SEN2 return of 16 January 2025".
    pub source: String,
}

/// Steps a record gives without their dates: each the last day it can have happened.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct Undated {
    /// The decision whether to assess (a return gives none for one made before its period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<NaiveDate>,
    /// The assessment came to its end (a plan issued or not) before the return's period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concluded_by: Option<NaiveDate>,
    /// The request or its assessment was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn_by: Option<NaiveDate>,
}

impl Undated {
    pub fn is_empty(&self) -> bool {
        *self == Undated::default()
    }
}

/// A SEN2 return's flags for a request in its reference period: whether mediation took
/// place and an appeal was made to the Tribunal, about the decision not to assess, about
/// the plan (not issuing one, or its contents) and about anything else (the setting).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct RecordedDisputes {
    /// The return's census day: the flags are for the year before it.
    pub census: NaiveDate,
    pub assessment_mediation: bool,
    pub assessment_tribunal: bool,
    pub plan_mediation: bool,
    pub plan_tribunal: bool,
    pub other_mediation: bool,
    pub other_tribunal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RequestStep {
    pub request: RequestId,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessDecision {
    Assess,
    DoNotAssess,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AssessmentDecided {
    pub request: RequestId,
    pub decision: AssessDecision,
    pub on: NaiveDate,
    pub reasons: Option<String>,
}

/// Advice requested, usually from several services on the same day; each clock runs
/// separately from this date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdviceRequested {
    pub request: RequestId,
    pub kinds: Vec<AdviceKind>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AdviceStep {
    pub request: RequestId,
    pub kind: AdviceKind,
    pub on: NaiveDate,
    /// The advice in the service's own words, where it was given in sendscope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    /// The SHA-256 of the report given with it (a document on the record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}

/// The exceptions the Regulations allow to the 6- and 20-week limits (Reg 5(4), 10(4), 13(3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    SchoolClosure,
    ExceptionalPersonalCircumstances,
    AbsentFromArea,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ExceptionRecorded {
    pub request: RequestId,
    pub exception: ExceptionKind,
    pub evidence: String,
}

/// An EHC plan's sections A-K, as the SEND Code of Practice (9.62) sets them out: each
/// as text, with section E's outcomes and section F's provision also as structured
/// lines (the provision specified and quantified: what, how often, by whom). The text of
/// E and F introduces or, in plans brought in from elsewhere, holds them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Section E: the outcomes sought, each with the steps towards it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<PlanOutcome>,
    /// Section F: the special educational provision, line by line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<ProvisionLine>,
}

/// One outcome in section E.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanOutcome {
    /// What the child or young person will achieve.
    pub outcome: String,
    /// The steps towards it (short-term targets).
    #[serde(default)]
    pub steps: String,
    /// When it should be achieved by (usually the end of a key stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<NaiveDate>,
}

/// One line of provision in section F, specified and quantified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisionLine {
    /// What is provided (for example "One-to-one speech and language therapy").
    pub what: String,
    /// How much and how often (for example "2 sessions of 30 minutes a week").
    pub how_often: String,
    /// Who provides it (for example "NHS speech and language therapist").
    pub by_whom: String,
}

/// The sections' letters and headings, in order, as the Code of Practice names them.
pub const PLAN_SECTIONS: &[(&str, &str)] = &[
    (
        "a",
        "Section A: The views, interests and aspirations of the child or young person and their parents",
    ),
    ("b", "Section B: Special educational needs"),
    (
        "c",
        "Section C: Health needs related to their special educational needs",
    ),
    (
        "d",
        "Section D: Social care needs related to their special educational needs or disability",
    ),
    ("e", "Section E: Outcomes sought"),
    ("f", "Section F: Special educational provision"),
    ("g", "Section G: Health provision"),
    (
        "h1",
        "Section H1: Social care provision under section 2 of the Chronically Sick and Disabled Persons Act 1970",
    ),
    ("h2", "Section H2: Other social care provision"),
    ("i", "Section I: Placement"),
    ("j", "Section J: Personal budget"),
    ("k", "Section K: Advice and information"),
];

impl PlanSections {
    /// A section's text by its letter (`a` to `k`, `h1`, `h2`).
    pub fn text(&self, key: &str) -> &str {
        match key {
            "a" => &self.a,
            "b" => &self.b,
            "c" => &self.c,
            "d" => &self.d,
            "e" => &self.e,
            "f" => &self.f,
            "g" => &self.g,
            "h1" => &self.h1,
            "h2" => &self.h2,
            "i" => &self.i,
            "j" => &self.j,
            "k" => &self.k,
            _ => "",
        }
    }

    /// Every line of provision says what, how often and by whom; every outcome says
    /// what it is. Returns what to mend.
    pub fn incomplete(&self) -> Option<String> {
        for (n, p) in self.provision.iter().enumerate() {
            let missing: Vec<&str> = [
                ("what is provided", &p.what),
                ("how much and how often", &p.how_often),
                ("who provides it", &p.by_whom),
            ]
            .into_iter()
            .filter(|(_, v)| v.trim().is_empty())
            .map(|(k, _)| k)
            .collect();
            if !missing.is_empty() {
                return Some(format!(
                    "section F, provision {}: say {} (provision must be specified and quantified)",
                    n + 1,
                    missing.join(" and ")
                ));
            }
        }
        for (n, o) in self.outcomes.iter().enumerate() {
            if o.outcome.trim().is_empty() {
                return Some(format!(
                    "section E, outcome {}: say what the outcome is, or leave the whole outcome blank",
                    n + 1
                ));
            }
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftPlanServed {
    pub request: RequestId,
    pub on: NaiveDate,
    pub sections: PlanSections,
}

/// A setting as named in a plan: a known setting, a SEN2 code where there is no URN, or
/// (brought in from another record) a URN or UKPRN not in the area's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SettingRef {
    Setting(SettingId),
    Code(SettingCode),
    Urn(Urn),
    Ukprn(Ukprn),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SettingConsulted {
    pub setting: SettingId,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConsultationResponse {
    pub setting: SettingId,
    pub on: NaiveDate,
    pub can_meet_needs: bool,
    /// Why, in the setting's words (required when it says it cannot meet the needs).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reasons: String,
    /// What meeting the needs would cost a year beyond the setting's own funding, in
    /// pence, where the setting says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_cost_pence: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FinalPlanIssued {
    pub request: RequestId,
    pub on: NaiveDate,
    pub sections: PlanSections,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
}

/// A plan that existed before sendscope (or outside it), recorded with its real dates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanRecorded {
    pub plan_start: NaiveDate,
    /// The request the plan was issued on, where the record has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestId>,
    /// The local authority the plan was transferred in from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transferred_from: Option<LaCode>,
    pub last_review: Option<NaiveDate>,
    pub sections: PlanSections,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    pub personal_budget: bool,
    /// Where the record came from, e.g. "legacy case management system".
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlacementStarted {
    pub setting: SettingRef,
    pub provision: Option<ProvisionId>,
    pub on: NaiveDate,
    pub sen_unit: bool,
    pub resourced_provision: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewDecision {
    Maintain,
    Amend,
    Cease,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReviewDecided {
    pub meeting_on: NaiveDate,
    pub decision: ReviewDecision,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanAmended {
    pub on: NaiveDate,
    pub needs: Vec<Need>,
    pub named: Vec<NamedSetting>,
    /// True when the amendment names the setting for a phase transfer.
    pub phase_transfer: bool,
    /// The plan's sections as amended, where the amendment changes their words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sections: Option<PlanSections>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediationRecorded {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    /// False when the family declined mediation and asked for a certificate.
    pub took_place: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppealRegistered {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
}

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
pub enum AppealOutcome {
    Upheld,
    PartlyUpheld,
    Dismissed,
    Withdrawn,
    Conceded,
}

/// What the Tribunal ordered, or what the council conceded, when an appeal ends in the
/// family's favour. Each starts its own statutory clock (Regs 44 and 45).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AppealDecided {
    pub on: NaiveDate,
    pub outcome: AppealOutcome,
    /// What the council must now do, where the appeal succeeded or was conceded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<AppealOrder>,
}

/// The family's response to a draft plan, and the setting they ask to be named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DraftResponse {
    pub request: RequestId,
    pub on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requested_setting: Option<SettingRef>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comments: String,
}

/// A step of an annual review, identified by the date of its meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ReviewStep {
    pub meeting_on: NaiveDate,
    pub on: NaiveDate,
}

/// Amendments proposed to the family after a review (or otherwise), with the notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AmendmentsProposed {
    pub on: NaiveDate,
    /// The review meeting the proposal follows, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meeting_on: Option<NaiveDate>,
    pub summary: String,
}

/// The kinds of move between phases that Reg 18 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

impl PhaseTransferKind {
    /// The years a child born on `birth` moves phase, by their date of birth alone:
    /// starting school (Reception), Year 7 and Year 12, each in the September of the
    /// academic year of birth plus 5, 12 and 16.
    pub fn by_birth(birth: NaiveDate) -> [(i32, PhaseTransferKind); 3] {
        let born = crate::codes::AcademicYear::containing(birth).start_year();
        [
            (born + 5, PhaseTransferKind::BetweenSchools),
            (born + 12, PhaseTransferKind::BetweenSchools),
            (born + 16, PhaseTransferKind::SecondaryToPost16),
        ]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PhaseTransferPlanned {
    /// The day the child or young person will start at the new phase.
    pub transfer_on: NaiveDate,
    pub kind: PhaseTransferKind,
}

/// A plan transferred in: the new council tells the family whether it will reassess.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TransferReassessment {
    pub on: NaiveDate,
    pub reassess: bool,
}

/// After a decision that can be appealed, the family talks to a mediation adviser and
/// either chooses mediation or declines it and asks for a certificate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediationChoice {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    pub wants_mediation: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediationHeld {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
    /// Whether the meeting reached agreement.
    pub agreed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MediationCertificate {
    pub on: NaiveDate,
    pub subject: DisputeSubject,
}

/// The council's decision to cease a plan (s.45 CFA), after consulting the family and
/// the setting. The plan is kept until the appeal window has passed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CessationDecided {
    pub on: NaiveDate,
    pub reason: CeaseReason,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComplaintReceived {
    /// The council's complaint reference, unique on the case.
    pub reference: String,
    pub on: NaiveDate,
    pub about: String,
    /// The last day for the council's response, by its complaints policy in force on the
    /// day of receipt: filled in when the complaint is recorded, never by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub respond_by: Option<NaiveDate>,
}

/// A programme: these cases must reach the milestone by the deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProgrammeDefined {
    /// Numbered 1, 2, 3… in the area.
    pub programme: u32,
    pub name: String,
    pub milestone: Milestone,
    pub start: NaiveDate,
    pub deadline: NaiveDate,
    /// Flag the programme when the rate still required exceeds the achieved rate by
    /// this factor (1.0 flags as soon as it is behind).
    pub flag_factor: f64,
    pub cases: Vec<CaseId>,
}

/// A plan-quality rubric the area adopts from a date (audits on or after it use it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QaRubricAdopted {
    pub effective_from: NaiveDate,
    pub rubric: crate::qa::Rubric,
}

/// A plan audited section by section; the grade is worked out from the scores by the
/// rubric, never typed in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// A plan audit as it is asked for: sendscope fills in its number (the next on the
/// case, unless given), its rubric and its grade (worked out from the scores by the
/// rubric the area has in force on the audit's date; a grade sent must agree).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditRequest {
    #[serde(default)]
    pub audit: Option<u32>,
    pub on: NaiveDate,
    pub service: crate::qa::AuditService,
    pub scores: std::collections::BTreeMap<String, u8>,
    #[serde(default)]
    pub grade: Option<crate::qa::QaGrade>,
    #[serde(default)]
    pub comments: String,
}

/// A team manager let a step through a gate it would have stopped, with a written
/// reason; recorded with the step, and reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GateOverridden {
    /// Which gate, e.g. "provision_approval".
    pub gate: String,
    pub provision: ProvisionId,
    pub on: NaiveDate,
    /// What the gate found missing, in its own words.
    pub finding: String,
    pub reason: String,
    /// The step it let through (its event type), recorded with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
}

/// The stage a letter to the family is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LetterSection {
    pub heading: String,
    pub paragraphs: Vec<String>,
}

/// A letter to the family, recorded word for word as issued; it waits in the outbox
/// until it is sent (by email, or marked as posted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// The words as drafted, kept beside the letter when staff changed them before issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drafted: Option<Vec<LetterSection>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LetterSent {
    pub letter: u32,
    pub on: NaiveDate,
    /// How: "post", or "email via HOST".
    pub via: String,
}

/// A request to erase the child's data (UK GDPR article 17), as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErasureRequested {
    pub received_on: NaiveDate,
    /// Who asked, and how ("the young person, by email").
    pub requested_by: String,
}

/// The decision on the open erasure request: erase (carried out by an
/// `event.payloads_erased` citing it) or refuse, with the reasons either way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErasureDecided {
    pub on: NaiveDate,
    pub erase: bool,
    pub reasons: String,
}

/// How a contact was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// A note on the record, not a contact.
    Note,
    PhoneCall,
    Email,
    Meeting,
    Visit,
    Letter,
}

impl ContactKind {
    pub fn label(self) -> &'static str {
        match self {
            ContactKind::Note => "Note",
            ContactKind::PhoneCall => "Phone call",
            ContactKind::Email => "Email",
            ContactKind::Meeting => "Meeting",
            ContactKind::Visit => "Visit",
            ContactKind::Letter => "Letter",
        }
    }
}

/// A dated case note or contact, by staff, for staff: seen by those who may record
/// casework on the record, never by the family or partners.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NoteRecorded {
    pub on: NaiveDate,
    pub kind: ContactKind,
    /// Who the contact was with, where it was one ("Ms Okafor, mother").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub with_whom: String,
    pub summary: String,
}

/// A document put on the record: its content is kept apart, content-addressed by its
/// SHA-256, and this event says what it is, who added it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DocumentAdded {
    /// The SHA-256 of the content, as 64 hexadecimal digits.
    pub sha256: String,
    pub file_name: String,
    pub media_type: crate::documents::MediaType,
    pub size: u64,
    /// What it is, in words ("Speech and language therapy advice").
    pub title: String,
    pub kind: crate::documents::DocumentKind,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComplaintResponded {
    pub reference: String,
    pub on: NaiveDate,
    pub upheld: bool,
    /// The response as sent, kept whole (empty only in records from before it was kept).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub response: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PlanCeased {
    pub on: NaiveDate,
    pub reason: CeaseReason,
    /// Recorded later from another system's record, which this names (only a plan
    /// brought in from such a record is ceased this way: a plan kept in sendscope is
    /// ceased by its decision and the appeal window).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Transfer {
    pub other_la: LaCode,
    pub on: NaiveDate,
}

/// What each case in a programme must reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Milestone {
    /// A final EHC plan issued.
    FinalPlanIssued,
    /// The decision whether to assess made.
    AssessmentDecided,
    /// An amended plan naming the setting for a phase transfer.
    PhaseTransferAmended,
    /// An annual review meeting held.
    ReviewHeld,
    /// The plan amended.
    PlanAmended,
}

impl Milestone {
    pub fn label(self) -> &'static str {
        match self {
            Milestone::FinalPlanIssued => "final plan issued",
            Milestone::AssessmentDecided => "decision whether to assess made",
            Milestone::PhaseTransferAmended => "plan amended naming the next setting",
            Milestone::ReviewHeld => "annual review held",
            Milestone::PlanAmended => "plan amended",
        }
    }
}
