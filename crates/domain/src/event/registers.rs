//! Payloads of the registers: areas, organisations, staff, settings and provisions.

use super::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatedOnly {
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AreaCreated {
    pub la_code: LaCode,
    pub name: String,
}

/// Whether the area has a designated medical, clinical and social care officer in post
/// (the SEN2 return's header asks), from a day until the next record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DesignatedOfficers {
    pub from: NaiveDate,
    pub medical: bool,
    pub clinical: bool,
    /// Not asked before the 2025 return.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub social_care: Option<bool>,
}

/// How the area's people sign in, from a day: whether staff must use a second factor,
/// and how long a session may sit idle before it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignInPolicy {
    pub from: NaiveDate,
    /// Staff (everyone but parents, carers, young people and board members) set up and
    /// give a TOTP code at every sign-in with a password.
    pub two_factor_for_staff: bool,
    /// A session unused for this many minutes ends (5 to 480).
    pub idle_minutes: u32,
}

impl SignInPolicy {
    /// Until an area adopts its own: two factors optional, 30 minutes idle (NCSC's
    /// guidance leaves the number to the service; GOV.UK services commonly use 15-60).
    pub fn standard() -> Self {
        SignInPolicy {
            from: NaiveDate::MIN,
            two_factor_for_staff: false,
            idle_minutes: 30,
        }
    }
    pub fn check(&self) -> Result<(), String> {
        if !(5..=480).contains(&self.idle_minutes) {
            return Err(format!(
                "an idle limit of {} minutes is outside 5 to 480: choose a number of minutes in that range",
                self.idle_minutes
            ));
        }
        Ok(())
    }
}

/// How long the area keeps a child's record, from a day: so many years after the child's
/// date of birth, or after the record closed (the plan ceased, or the last request ended
/// without one). Past it, `sendscope retention run` erases the record's personal data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RetentionSchedule {
    pub from: NaiveDate,
    pub trigger: RetentionTrigger,
    pub years: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionTrigger {
    DateOfBirth,
    Closed,
}

impl RetentionSchedule {
    /// Until an area adopts its own: the child's date of birth + 31 years, as the IRMS
    /// toolkit schedules SEN files (an area should check this against its own schedule).
    pub fn standard() -> Self {
        RetentionSchedule {
            from: NaiveDate::MIN,
            trigger: RetentionTrigger::DateOfBirth,
            years: 31,
        }
    }
    pub fn check(&self) -> Result<(), String> {
        if !(1..=100).contains(&self.years) {
            return Err(format!(
                "keep records for 1 to 100 years, not {}",
                self.years
            ));
        }
        Ok(())
    }
    pub fn describe(&self) -> String {
        match self.trigger {
            RetentionTrigger::DateOfBirth => {
                format!("the child's date of birth + {} years", self.years)
            }
            RetentionTrigger::Closed => format!("the record's closure + {} years", self.years),
        }
    }
}

/// The council's complaints policy from a day: a complaint about its SEND service is
/// answered within so many working days of the day it was received (weekends and bank
/// holidays in England not counted). Each complaint keeps the date the policy in force
/// when it arrived gave it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ComplaintsPolicy {
    pub from: NaiveDate,
    pub respond_within_working_days: u32,
}

impl ComplaintsPolicy {
    /// Until an area adopts its own: 20 working days, a common first-stage time in
    /// councils' published corporate complaints policies (an area should adopt its own).
    pub fn standard() -> Self {
        ComplaintsPolicy {
            from: NaiveDate::MIN,
            respond_within_working_days: 20,
        }
    }
    pub fn check(&self) -> Result<(), String> {
        if !(1..=130).contains(&self.respond_within_working_days) {
            return Err(format!(
                "a complaint is answered within 1 to 130 working days (about six months), not {}",
                self.respond_within_working_days
            ));
        }
        Ok(())
    }
    /// The last day to respond to a complaint received on `received`: the day counted
    /// as the `n`th working day after it.
    pub fn respond_by(&self, received: NaiveDate) -> NaiveDate {
        let mut day = received;
        let mut left = self.respond_within_working_days;
        while left > 0 {
            day = day.succ_opt().unwrap_or(day);
            if crate::holidays::is_working_day(day) {
                left -= 1;
            }
        }
        day
    }
    pub fn describe(&self) -> String {
        format!(
            "a response within {} working days of the complaint's receipt",
            self.respond_within_working_days
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    Council,
    IntegratedCareBoard,
    HealthService,
    School,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct OrganisationRegistered {
    pub kind: OrganisationKind,
    pub name: String,
    /// For a school: the setting it runs.
    pub setting: Option<SettingId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TeamAdded {
    pub team: TeamId,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

/// How families and partners reach a member of staff, as letters give it: from this
/// record until the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaffContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl StaffContact {
    /// Either may be left out, not both; an email address has one @ and no spaces, a
    /// telephone number digits, spaces and a leading +.
    pub fn check(&self) -> Result<(), String> {
        if self.email.is_none() && self.phone.is_none() {
            return Err("give an email address or a telephone number, or both".into());
        }
        if let Some(e) = &self.email {
            let parts: Vec<&str> = e.split('@').collect();
            if parts.len() != 2
                || parts.iter().any(|p| p.is_empty())
                || e.contains(char::is_whitespace)
                || !parts[1].contains('.')
            {
                return Err(format!(
                    "{e:?} is not an email address: write it like name@council.gov.uk"
                ));
            }
        }
        if let Some(p) = &self.phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            let allowed = p
                .chars()
                .enumerate()
                .all(|(i, c)| c.is_ascii_digit() || c == ' ' || (c == '+' && i == 0));
            if !allowed || !(10..=13).contains(&digits) {
                return Err(format!(
                    "{p:?} is not a telephone number: write it like 01332 640000"
                ));
            }
        }
        Ok(())
    }
    /// As a letter prints it: "zara.ali@derby.gov.uk, 01332 640000".
    pub fn line(&self) -> String {
        [self.email.as_deref(), self.phone.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaffAdded {
    pub name: String,
    pub organisation: OrganisationId,
    pub team: Option<TeamId>,
    pub job: StaffJob,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StaffMovedTeam {
    pub team: TeamId,
}

/// Where a setting is: British National Grid or WGS84.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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

impl SettingDetails {
    /// The setting as a list names it: schools with the same name (there are many St
    /// Mary's) told apart by their URN and postcode.
    pub fn label(&self) -> String {
        let mut apart: Vec<String> = Vec::new();
        if let Some(u) = &self.urn {
            apart.push(format!("URN {u}"));
        }
        if let Some(p) = &self.postcode {
            apart.push(p.to_string());
        }
        if apart.is_empty() {
            self.name.clone()
        } else {
            format!("{} ({})", self.name, apart.join(", "))
        }
    }
}

/// Ofsted's framework: 4-point grades (to 2025) or report cards (from November 2025).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionFramework {
    Graded,
    ReportCard,
}

/// A report card's 5-point scale, best first.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Grade(u8),
    Scale(ReportCardScale),
    SafeguardingMet(bool),
}

/// A school's inspection as Ofsted published it, judgements by evaluation area (e.g.
/// `quality_of_education`, `leadership_and_management`, `inclusion`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SettingInspected {
    pub framework: InspectionFramework,
    pub inspection_start: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<NaiveDate>,
    pub judgements: std::collections::BTreeMap<String, Judgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SettingIdentifierChanged {
    pub urn: Option<Urn>,
    pub ukprn: Option<Ukprn>,
    pub on: NaiveDate,
    /// Why, e.g. "academy conversion".
    pub cause: String,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisionOpened {
    pub setting: SettingId,
    pub kind: ProvisionKind,
    pub name: String,
    pub need_types: Vec<NeedType>,
    pub low_age: u8,
    pub high_age: u8,
    /// The day its first places open (a new provision's planned opening, or when an
    /// established one opened, where known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisionPlacesSet {
    pub academic_year: AcademicYear,
    pub places: u32,
}

/// A service level agreement for a provision's places.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SlaSigned {
    pub parties: Vec<String>,
    pub signed_on: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// How a change to a school's provision is approved: DfE's significant change process
/// for academies, a statutory prescribed alteration for maintained schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ApprovalApplied {
    pub route: ApprovalRoute,
    pub submitted_on: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory_board_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
    /// Neither approved nor refused: deferred until something is provided (the DfE's
    /// "deferred pending viable-options evidence"). `approved` is false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_pending: Option<String>,
}

impl ApprovalDecided {
    /// A refusal: not approved, and not a deferral.
    pub fn refused(&self) -> bool {
        !self.approved && self.deferral().is_none()
    }

    /// What a deferral waits for (a blank answer is no deferral).
    pub fn deferral(&self) -> Option<&str> {
        self.deferred_pending
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
    }
}

/// The types of need a provision is designated for, changed from a day: a significant
/// change (or prescribed alteration) that needs its own approval first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NeedTypesChanged {
    pub on: NaiveDate,
    pub need_types: Vec<NeedType>,
}

/// Capital spent to date on a project, as reported on a day (a running total, not an
/// increment: the latest report is the figure).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CapitalSpent {
    /// The project's reference, as given when the capital was approved.
    pub reference: String,
    pub on: NaiveDate,
    pub spent_to_date: Pence,
}

/// Capital approved for a provision's places. One project may fund places in several
/// provisions: each records the same `reference` with its share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ViableOptionsRecorded {
    pub on: NaiveDate,
    pub summary: String,
}

/// Annual cost of one place, split by who pays. Transport is costed separately.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ProvisionCostsSet {
    pub financial_year: FinancialYear,
    pub cost: CostPerPlace,
}

/// The gates, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GateRules {
    pub effective_from: NaiveDate,
    /// Kinds of provision whose opening or resizing needs an approval first.
    pub approval_needed: Vec<ProvisionKind>,
    /// Graded inspections: the worst grade (1-4) that meets the standard, and the
    /// judgements it applies to.
    pub graded_worst: u8,
    pub graded_judgements: Vec<String>,
    /// Report cards: the lowest point that meets the standard, and the areas it applies to.
    pub report_card_lowest: ReportCardScale,
    pub report_card_areas: Vec<String>,
    /// Kinds of provision (special schools) whose places may change within a threshold
    /// without approval: a change of more than `threshold_places` places or
    /// `threshold_percent` per cent of the places before, whichever is smaller, needs one.
    #[serde(default = "threshold_kinds")]
    pub threshold_kinds: Vec<ProvisionKind>,
    #[serde(default = "twenty")]
    pub threshold_places: u32,
    #[serde(default = "twenty")]
    pub threshold_percent: u32,
    /// Whether changing the types of need a provision caters for needs approval.
    #[serde(default = "yes")]
    pub need_type_change_needs_approval: bool,
}

fn threshold_kinds() -> Vec<ProvisionKind> {
    vec![ProvisionKind::Special]
}
fn twenty() -> u32 {
    20
}
fn yes() -> bool {
    true
}

impl GateRules {
    /// The rules sendscope ships: approval for SEN units and resourced provisions
    /// (significant change at academies, prescribed alteration at maintained schools);
    /// new places where leadership and quality of education are good or better (or, on
    /// report cards, leadership and curriculum at the expected standard or better).
    pub fn standard() -> GateRules {
        GateRules {
            effective_from: NaiveDate::from_ymd_opt(2014, 9, 1).unwrap_or(NaiveDate::MIN),
            approval_needed: vec![ProvisionKind::SenUnit, ProvisionKind::ResourcedProvision],
            graded_worst: 2,
            graded_judgements: vec![
                "leadership_and_management".into(),
                "quality_of_education".into(),
            ],
            report_card_lowest: ReportCardScale::ExpectedStandard,
            report_card_areas: vec![
                "leadership_and_governance".into(),
                "curriculum_and_teaching".into(),
            ],
            threshold_kinds: threshold_kinds(),
            threshold_places: twenty(),
            threshold_percent: twenty(),
            need_type_change_needs_approval: yes(),
        }
    }
}

/// An area's single sign-on, from a day (`area.single_sign_on_adopted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SingleSignOn {
    pub from: NaiveDate,
    /// What the sign-in page calls the account: "your Derby City Council account".
    pub label: String,
    /// The provider's issuer URL, exactly as its discovery document gives it.
    pub issuer: String,
    /// The client identifier the provider gave sendscope (not a secret; the secret is
    /// kept outside the records).
    pub client_id: String,
    /// Which verified claim names the account: `email` (its part before the @, at one of
    /// `email_domains`) or `preferred_username`.
    pub username_claim: UsernameClaim,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub email_domains: Vec<String>,
    /// The area's rules from the provider's `groups` claim to roles, first match wins.
    /// None: the account's own role stands.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<GroupRole>,
    /// Scopes to ask for besides `openid email profile` (e.g. `groups`, where the
    /// provider gives groups only when asked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UsernameClaim {
    Email,
    PreferredUsername,
}

/// Members of `group` have `role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GroupRole {
    pub group: String,
    pub role: Role,
}
