//! Payloads of accounts, and of the events that change how other events are read.

use super::*;

/// What an account is linked to, which scopes what its role may see.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AccountCreated {
    pub username: crate::account::Username,
    pub role: Role,
    pub links: AccountLinks,
}

/// A mover: the account's role and what it is linked to, from a day. Its sessions and
/// tokens carry on with the new role from the next request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RoleChanged {
    pub role: Role,
    pub links: AccountLinks,
    pub on: NaiveDate,
}

/// An API token issued to an account. Only its public identifier is recorded: the secret
/// is shown once to whoever created it and stored only as a SHA-256 digest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenIssued {
    pub token_id: crate::account::TokenId,
    pub label: String,
    pub on: NaiveDate,
    /// The last day the token works (tokens issued before expiry existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<NaiveDate>,
}

/// An API token withdrawn: from now on it authenticates nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TokenRevoked {
    pub token_id: crate::account::TokenId,
    pub on: NaiveDate,
}

/// Puts right a mistake: the event `corrects` is read as if it had said `replacement`
/// (same event type) from now on. The original stays stored and visible.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Correction {
    pub corrects: u64,
    pub replacement: serde_json::Value,
}

/// An event recorded in error: it stays stored and visible but no longer counts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Voided {
    pub voids: u64,
}

/// Lawful erasure of payloads (retention, erasure of personal data). The chain still
/// verifies because it covers each payload's digest, not its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PayloadsErased {
    pub events: Vec<u64>,
    pub basis: String,
}

/// Written on a duplicate stream: it is joined into `survivor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MergedInto {
    pub survivor: Uuid,
}

/// Written on the surviving stream: `duplicate` has been joined into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Merged {
    pub duplicate: Uuid,
}

/// The roles of domain.md §1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Caseworker,
    TeamManager,
    Commissioner,
    HealthProfessional,
    /// An educational psychologist of the council's EP service: psychological advice.
    EducationalPsychologist,
    /// A social worker of the children's or adults' social care service: social care
    /// advice.
    SocialWorker,
    School,
    ParentCarer,
    YoungPerson,
    BoardMember,
    Admin,
}

impl Role {
    /// The child's family: a parent carer, or the young person themself. Pages written
    /// for them lead with what happens next, and small counts are not shown them.
    pub fn is_family(self) -> bool {
        matches!(self, Role::ParentCarer | Role::YoungPerson)
    }

    /// The service whose advice for assessments a partner's role gives (reg 6(1)): the
    /// people of that service see the children it is asked about.
    pub fn advice_service(self) -> Option<crate::sen::AdviceKind> {
        match self {
            Role::HealthProfessional => Some(crate::sen::AdviceKind::Health),
            Role::EducationalPsychologist => Some(crate::sen::AdviceKind::EducationalPsychology),
            Role::SocialWorker => Some(crate::sen::AdviceKind::SocialCare),
            _ => None,
        }
    }

    pub const ALL: [Role; 11] = [
        Role::Caseworker,
        Role::TeamManager,
        Role::Commissioner,
        Role::HealthProfessional,
        Role::EducationalPsychologist,
        Role::SocialWorker,
        Role::School,
        Role::ParentCarer,
        Role::YoungPerson,
        Role::BoardMember,
        Role::Admin,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::TeamManager => "team_manager",
            Role::Commissioner => "commissioner",
            Role::HealthProfessional => "health_professional",
            Role::EducationalPsychologist => "educational_psychologist",
            Role::SocialWorker => "social_worker",
            Role::School => "school",
            Role::ParentCarer => "parent_carer",
            Role::YoungPerson => "young_person",
            Role::BoardMember => "board_member",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}
