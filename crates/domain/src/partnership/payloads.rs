//! The partnership record's payloads: what each step records.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Who owns an action or a risk: the organisation and the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Owner {
    pub organisation: String,
    pub person: String,
}

impl Owner {
    pub fn text(&self) -> String {
        format!("{} ({})", self.person, self.organisation)
    }
}

/// The partnership record opened: the board's name and the residual risk score (1-25)
/// from which a risk is escalated to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PartnershipStarted {
    pub name: String,
    pub escalate_at: u8,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PriorityAdded {
    /// Numbered 1, 2, 3… in the plan.
    pub priority: u32,
    pub title: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActionAdded {
    /// Numbered 1, 2, 3… in the plan.
    pub action: u32,
    pub priority: u32,
    pub title: String,
    pub owner: Owner,
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// The trajectory (by number) whose measure the action should move, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trajectory: Option<u32>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MilestoneAdded {
    pub action: u32,
    /// Numbered 1, 2, 3… on the action.
    pub milestone: u32,
    pub title: String,
    pub due: NaiveDate,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MilestoneMet {
    pub action: u32,
    pub milestone: u32,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ActionCompleted {
    pub action: u32,
    pub on: NaiveDate,
    /// What shows it is done.
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EvidenceAdded {
    pub action: u32,
    pub on: NaiveDate,
    pub title: String,
    /// Where it is: a link to a page or figure, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// A person's words beside the computed status: they never change it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CommentaryAdded {
    pub action: u32,
    pub on: NaiveDate,
    pub text: String,
}

/// What a change request asks to change on an action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum ChangeAsked {
    DueDate { to: NaiveDate },
    Owner { to: Owner },
    Scope { to: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeRequested {
    /// Numbered 1, 2, 3… in the plan.
    pub request: u32,
    pub action: u32,
    /// `{"what": "due_date", "to": "2025-09-30"}`, `{"what": "owner", "to": {…}}` or
    /// `{"what": "scope", "to": "…"}`.
    pub change: ChangeAsked,
    pub why: String,
    pub impact: String,
    pub asked_by: String,
    /// Who decides it (the board, or a named person).
    pub decider: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ChangeDecided {
    pub request: u32,
    pub granted: bool,
    pub decided_by: String,
    #[serde(default)]
    pub note: String,
    pub on: NaiveDate,
}

/// A score on the 5×5 scale: likelihood and impact, each 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
}

impl Score {
    pub fn value(self) -> u8 {
        self.likelihood * self.impact
    }
    pub(crate) fn check(self, what: &str) -> Result<(), String> {
        if !(1..=5).contains(&self.likelihood) || !(1..=5).contains(&self.impact) {
            return Err(format!(
                "the {what} score is likelihood and impact, each 1 to 5 (not {} and {})",
                self.likelihood, self.impact
            ));
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RiskAdded {
    /// Numbered 1, 2, 3… in the register.
    pub risk: u32,
    pub title: String,
    pub owner: Owner,
    pub cause: String,
    pub effect: String,
    pub controls: String,
    pub inherent: Score,
    pub residual: Score,
    pub target: Score,
    pub review_by: NaiveDate,
    /// The plan's actions (by number) that treat it.
    #[serde(default)]
    pub actions: Vec<u32>,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RiskReviewed {
    pub risk: u32,
    pub on: NaiveDate,
    pub residual: Score,
    /// The controls now, where they changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controls: Option<String>,
    pub review_by: NaiveDate,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MemberAdded {
    /// Numbered 1, 2, 3… on the board.
    pub member: u32,
    pub name: String,
    pub organisation: String,
    /// Their place on the board ("Chair", "Director of Children's Services").
    pub role: String,
    pub on: NaiveDate,
}

/// A paper put to the board: its title and the SHA-256 of its content, kept as a
/// document so anyone can later prove which figures the board saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Paper {
    pub title: String,
    pub sha256: String,
    pub size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MeetingHeld {
    /// Numbered 1, 2, 3… in order of date.
    pub meeting: u32,
    pub on: NaiveDate,
    pub agenda: Vec<String>,
    /// Members present, and those who sent apologies (by number).
    pub attended: Vec<u32>,
    #[serde(default)]
    pub apologies: Vec<u32>,
    #[serde(default)]
    pub decisions: Vec<String>,
    #[serde(default)]
    pub papers: Vec<Paper>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MinutesDrafted {
    pub meeting: u32,
    pub on: NaiveDate,
    pub text: String,
}

/// Minutes approved at a later meeting: from then they are published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MinutesApproved {
    pub meeting: u32,
    pub at_meeting: u32,
    pub on: NaiveDate,
}

/// A multi-agency quality-assurance round: a sample of the plans issued in a period,
/// drawn at random from the seed (anyone can draw it again with `sample` and get the same
/// records), for audit by education, health and social care.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QaRoundOpened {
    /// Numbered 1, 2, 3… in order.
    pub round: u32,
    /// Plans issued from `from` to `to`, both days counted.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    pub seed: u64,
    /// The records drawn, in the order drawn.
    pub cases: Vec<uuid::Uuid>,
    pub on: NaiveDate,
}

/// A second auditor's grade of an audit in a round, for moderation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QaModerated {
    pub round: u32,
    pub case: uuid::Uuid,
    /// The audit moderated, by its number on the record.
    pub audit: u32,
    /// The grade the audit gave, and the moderator's.
    pub audited: crate::qa::QaGrade,
    pub moderated: crate::qa::QaGrade,
    pub moderator: String,
    pub on: NaiveDate,
}

/// What a round found, and the plan's action that takes it forward, if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct QaFinding {
    pub round: u32,
    pub finding: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<u32>,
    pub on: NaiveDate,
}

/// What families and young people said (a survey, the parent carer forum, a drop-in),
/// in words fit to publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FeedbackHeard {
    /// Numbered 1, 2, 3… in order.
    pub item: u32,
    /// Where it was heard ("Parent carer forum, March 2025").
    pub source: String,
    pub said: String,
    pub on: NaiveDate,
}

/// What was done about it: with `FeedbackHeard`, "You said, we did", published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FeedbackAnswered {
    pub item: u32,
    pub did: String,
    pub on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackState {
    pub heard: FeedbackHeard,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered: Option<FeedbackAnswered>,
}
