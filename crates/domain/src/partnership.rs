//! The partnership's own governance, kept like casework: the improvement plan (priorities,
//! actions with owners, dates, milestones and evidence), change requests for delayed
//! actions, the risk register, and the board with its meetings, papers and minutes. One
//! `partnership` record per area holds them all. Nothing here is typed in as a status:
//! an action's RAG comes from its dates, milestones and the measure it should move
//! (`rag`); a slipped date stays on the action with every revision (`due_text`); a risk
//! keeps the history of its scores. Published minutes are checked for anything that
//! identifies a child (`identifying`).

use crate::calendar::long_date;
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
    fn check(self, what: &str) -> Result<(), String> {
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaRoundState {
    pub opened: QaRoundOpened,
    #[serde(default)]
    pub moderated: Vec<QaModerated>,
    #[serde(default)]
    pub findings: Vec<QaFinding>,
}

impl QaRoundState {
    /// Moderated audits where the second auditor gave the same grade, of those moderated.
    pub fn agreement(&self) -> (usize, usize) {
        agreement(self.moderated.iter().map(|m| (m.audited, m.moderated)))
    }
}

/// Exact agreement between auditors and moderators: (agreed, moderated).
pub fn agreement(
    pairs: impl IntoIterator<Item = (crate::qa::QaGrade, crate::qa::QaGrade)>,
) -> (usize, usize) {
    pairs
        .into_iter()
        .fold((0, 0), |(a, n), (x, y)| (a + usize::from(x == y), n + 1))
}

/// `size` of `candidates` drawn at random from `seed` (a partial Fisher-Yates shuffle of
/// the candidates in sorted order, driven by SplitMix64): the same candidates and seed
/// give the same sample, in the same order, on any machine.
pub fn sample(candidates: &[uuid::Uuid], size: usize, seed: u64) -> Vec<uuid::Uuid> {
    let mut pool = candidates.to_vec();
    pool.sort();
    pool.dedup();
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let take = size.min(pool.len());
    for i in 0..take {
        let j = i + (next() % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(take);
    pool
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MilestoneState {
    pub milestone: u32,
    pub title: String,
    pub due: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub met_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionState {
    pub added: ActionAdded,
    /// As it is now, after any change granted.
    pub title: String,
    pub owner: Owner,
    pub due: NaiveDate,
    /// Each due date granted after the first: (decided on, the new date), oldest first.
    #[serde(default)]
    pub revised: Vec<(NaiveDate, NaiveDate)>,
    #[serde(default)]
    pub milestones: Vec<MilestoneState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<ActionCompleted>,
    #[serde(default)]
    pub evidence: Vec<EvidenceAdded>,
    #[serde(default)]
    pub commentary: Vec<CommentaryAdded>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChangeState {
    pub requested: ChangeRequested,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided: Option<ChangeDecided>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskState {
    pub added: RiskAdded,
    pub residual: Score,
    pub controls: String,
    pub review_by: NaiveDate,
    /// Every residual score with its day and why: the first is the one it was added with.
    pub history: Vec<(NaiveDate, Score, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeetingState {
    pub held: MeetingHeld,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes: Option<MinutesDrafted>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approved: Option<MinutesApproved>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PartnershipState {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<PartnershipStarted>,
    #[serde(default)]
    pub priorities: Vec<PriorityAdded>,
    #[serde(default)]
    pub actions: Vec<ActionState>,
    #[serde(default)]
    pub changes: Vec<ChangeState>,
    #[serde(default)]
    pub risks: Vec<RiskState>,
    #[serde(default)]
    pub members: Vec<MemberAdded>,
    #[serde(default)]
    pub meetings: Vec<MeetingState>,
    #[serde(default)]
    pub qa_rounds: Vec<QaRoundState>,
    #[serde(default)]
    pub feedback: Vec<FeedbackState>,
}

/// One of the partnership's steps, for `apply` and `check`.
pub enum Step<'a> {
    Started(&'a PartnershipStarted),
    Priority(&'a PriorityAdded),
    Action(&'a ActionAdded),
    Milestone(&'a MilestoneAdded),
    MilestoneMet(&'a MilestoneMet),
    Completed(&'a ActionCompleted),
    Evidence(&'a EvidenceAdded),
    Commentary(&'a CommentaryAdded),
    ChangeRequested(&'a ChangeRequested),
    ChangeDecided(&'a ChangeDecided),
    Risk(&'a RiskAdded),
    RiskReviewed(&'a RiskReviewed),
    Member(&'a MemberAdded),
    Meeting(&'a MeetingHeld),
    Minutes(&'a MinutesDrafted),
    Approved(&'a MinutesApproved),
    QaRound(&'a QaRoundOpened),
    QaModerated(&'a QaModerated),
    QaFinding(&'a QaFinding),
    Heard(&'a FeedbackHeard),
    Answered(&'a FeedbackAnswered),
}

/// The partnership step an event is, if it is one.
pub fn step_of(body: &crate::EventBody) -> Option<Step<'_>> {
    use crate::EventBody as E;
    Some(match body {
        E::PartnershipStarted(x) => Step::Started(x),
        E::PriorityAdded(x) => Step::Priority(x),
        E::ActionAdded(x) => Step::Action(x),
        E::MilestoneAdded(x) => Step::Milestone(x),
        E::MilestoneMet(x) => Step::MilestoneMet(x),
        E::ActionCompleted(x) => Step::Completed(x),
        E::EvidenceAdded(x) => Step::Evidence(x),
        E::CommentaryAdded(x) => Step::Commentary(x),
        E::ChangeRequested(x) => Step::ChangeRequested(x),
        E::ChangeDecided(x) => Step::ChangeDecided(x),
        E::RiskAdded(x) => Step::Risk(x),
        E::RiskReviewed(x) => Step::RiskReviewed(x),
        E::MemberAdded(x) => Step::Member(x),
        E::MeetingHeld(x) => Step::Meeting(x),
        E::MinutesDrafted(x) => Step::Minutes(x),
        E::MinutesApproved(x) => Step::Approved(x),
        E::QaRoundOpened(x) => Step::QaRound(x),
        E::QaModerated(x) => Step::QaModerated(x),
        E::QaFinding(x) => Step::QaFinding(x),
        E::FeedbackHeard(x) => Step::Heard(x),
        E::FeedbackAnswered(x) => Step::Answered(x),
        _ => return None,
    })
}

impl PartnershipState {
    pub fn action(&self, n: u32) -> Option<&ActionState> {
        self.actions.iter().find(|a| a.added.action == n)
    }
    fn action_mut(&mut self, n: u32) -> Option<&mut ActionState> {
        self.actions.iter_mut().find(|a| a.added.action == n)
    }
    pub fn risk(&self, n: u32) -> Option<&RiskState> {
        self.risks.iter().find(|r| r.added.risk == n)
    }
    pub fn meeting(&self, n: u32) -> Option<&MeetingState> {
        self.meetings.iter().find(|m| m.held.meeting == n)
    }
    pub fn change(&self, n: u32) -> Option<&ChangeState> {
        self.changes.iter().find(|c| c.requested.request == n)
    }

    /// Folds one step in (it has passed `check`).
    pub fn apply(&mut self, step: Step<'_>) {
        match step {
            Step::Started(x) => self.started = Some(x.clone()),
            Step::Priority(x) => self.priorities.push(x.clone()),
            Step::Action(x) => self.actions.push(ActionState {
                added: x.clone(),
                title: x.title.clone(),
                owner: x.owner.clone(),
                due: x.due,
                revised: Vec::new(),
                milestones: Vec::new(),
                completed: None,
                evidence: Vec::new(),
                commentary: Vec::new(),
            }),
            Step::Milestone(x) => {
                if let Some(a) = self.action_mut(x.action) {
                    a.milestones.push(MilestoneState {
                        milestone: x.milestone,
                        title: x.title.clone(),
                        due: x.due,
                        met_on: None,
                    });
                }
            }
            Step::MilestoneMet(x) => {
                if let Some(m) = self
                    .action_mut(x.action)
                    .and_then(|a| a.milestones.iter_mut().find(|m| m.milestone == x.milestone))
                {
                    m.met_on = Some(x.on);
                }
            }
            Step::Completed(x) => {
                if let Some(a) = self.action_mut(x.action) {
                    a.completed = Some(x.clone());
                }
            }
            Step::Evidence(x) => {
                if let Some(a) = self.action_mut(x.action) {
                    a.evidence.push(x.clone());
                }
            }
            Step::Commentary(x) => {
                if let Some(a) = self.action_mut(x.action) {
                    a.commentary.push(x.clone());
                }
            }
            Step::ChangeRequested(x) => self.changes.push(ChangeState {
                requested: x.clone(),
                decided: None,
            }),
            Step::ChangeDecided(x) => {
                let Some(i) = self
                    .changes
                    .iter()
                    .position(|c| c.requested.request == x.request)
                else {
                    return;
                };
                self.changes[i].decided = Some(x.clone());
                let asked = self.changes[i].requested.clone();
                if x.granted
                    && let Some(a) = self.action_mut(asked.action)
                {
                    match asked.change {
                        ChangeAsked::DueDate { to } => {
                            a.due = to;
                            a.revised.push((x.on, to));
                        }
                        ChangeAsked::Owner { to } => a.owner = to,
                        ChangeAsked::Scope { to } => a.title = to,
                    }
                }
            }
            Step::Risk(x) => self.risks.push(RiskState {
                added: x.clone(),
                residual: x.residual,
                controls: x.controls.clone(),
                review_by: x.review_by,
                history: vec![(x.on, x.residual, "Added to the register".into())],
            }),
            Step::RiskReviewed(x) => {
                if let Some(r) = self.risks.iter_mut().find(|r| r.added.risk == x.risk) {
                    r.residual = x.residual;
                    r.review_by = x.review_by;
                    if let Some(c) = &x.controls {
                        r.controls = c.clone();
                    }
                    r.history.push((x.on, x.residual, x.note.clone()));
                }
            }
            Step::Member(x) => self.members.push(x.clone()),
            Step::Meeting(x) => self.meetings.push(MeetingState {
                held: x.clone(),
                minutes: None,
                approved: None,
            }),
            Step::Minutes(x) => {
                if let Some(m) = self
                    .meetings
                    .iter_mut()
                    .find(|m| m.held.meeting == x.meeting)
                {
                    m.minutes = Some(x.clone());
                }
            }
            Step::Approved(x) => {
                if let Some(m) = self
                    .meetings
                    .iter_mut()
                    .find(|m| m.held.meeting == x.meeting)
                {
                    m.approved = Some(x.clone());
                }
            }
            Step::QaRound(x) => self.qa_rounds.push(QaRoundState {
                opened: x.clone(),
                moderated: Vec::new(),
                findings: Vec::new(),
            }),
            Step::QaModerated(x) => {
                if let Some(r) = self
                    .qa_rounds
                    .iter_mut()
                    .find(|r| r.opened.round == x.round)
                {
                    r.moderated.push(x.clone());
                }
            }
            Step::QaFinding(x) => {
                if let Some(r) = self
                    .qa_rounds
                    .iter_mut()
                    .find(|r| r.opened.round == x.round)
                {
                    r.findings.push(x.clone());
                }
            }
            Step::Heard(x) => self.feedback.push(FeedbackState {
                heard: x.clone(),
                answered: None,
            }),
            Step::Answered(x) => {
                if let Some(f) = self.feedback.iter_mut().find(|f| f.heard.item == x.item) {
                    f.answered = Some(x.clone());
                }
            }
        }
    }

    /// Whether a step may be taken now; the answer says what must happen first.
    pub fn check(&self, step: &Step<'_>) -> Result<(), String> {
        let next = |n: u32, len: usize, what: &str| {
            if n as usize == len + 1 {
                Ok(())
            } else {
                Err(format!(
                    "{what} are numbered in order: this one must be {}",
                    len + 1
                ))
            }
        };
        let text = |t: &str, what: &str| {
            if t.trim().is_empty() {
                Err(format!("give the {what}"))
            } else {
                Ok(())
            }
        };
        let owner = |o: &Owner| {
            text(&o.person, "owner's name")?;
            text(&o.organisation, "owner's organisation")
        };
        let open_action = |n: u32| match self.action(n) {
            None => Err(format!("there is no action {n} in the plan: add it first")),
            Some(a) if a.completed.is_some() => Err(format!("action {n} is complete")),
            Some(a) => Ok(a),
        };
        match step {
            Step::Started(x) => {
                text(&x.name, "board's name")?;
                if !(1..=25).contains(&x.escalate_at) {
                    return Err("risks are escalated from a residual score of 1 to 25".into());
                }
                Ok(())
            }
            Step::Priority(x) => {
                next(x.priority, self.priorities.len(), "priorities")?;
                text(&x.title, "priority's title")
            }
            Step::Action(x) => {
                next(x.action, self.actions.len(), "actions")?;
                if !self.priorities.iter().any(|p| p.priority == x.priority) {
                    return Err(format!("there is no priority {}: add it first", x.priority));
                }
                text(&x.title, "action")?;
                owner(&x.owner)?;
                if x.due < x.start {
                    return Err("an action is due on or after its start".into());
                }
                Ok(())
            }
            Step::Milestone(x) => {
                let a = open_action(x.action)?;
                next(x.milestone, a.milestones.len(), "an action's milestones")?;
                text(&x.title, "milestone")
            }
            Step::MilestoneMet(x) => {
                let a = open_action(x.action)?;
                match a.milestones.iter().find(|m| m.milestone == x.milestone) {
                    None => Err(format!(
                        "action {} has no milestone {}",
                        x.action, x.milestone
                    )),
                    Some(m) if m.met_on.is_some() => Err("that milestone is already met".into()),
                    Some(_) => Ok(()),
                }
            }
            Step::Completed(x) => {
                open_action(x.action)?;
                text(&x.evidence, "evidence that it is done")
            }
            Step::Evidence(x) => {
                self.action(x.action)
                    .ok_or_else(|| format!("there is no action {}", x.action))?;
                text(&x.title, "evidence's title")
            }
            Step::Commentary(x) => {
                self.action(x.action)
                    .ok_or_else(|| format!("there is no action {}", x.action))?;
                text(&x.text, "commentary")
            }
            Step::ChangeRequested(x) => {
                next(x.request, self.changes.len(), "change requests")?;
                let a = open_action(x.action)?;
                if self
                    .changes
                    .iter()
                    .any(|c| c.requested.action == x.action && c.decided.is_none())
                {
                    return Err(format!(
                        "action {} already has a change request waiting for its decision",
                        x.action
                    ));
                }
                text(&x.why, "reason for the change")?;
                text(&x.impact, "impact of the change")?;
                text(&x.asked_by, "name of who asks")?;
                text(&x.decider, "name of who decides")?;
                match &x.change {
                    ChangeAsked::DueDate { to } if *to == a.due => Err(format!(
                        "action {} is already due on {}",
                        x.action,
                        long_date(*to)
                    )),
                    ChangeAsked::DueDate { to } if *to < a.added.start => {
                        Err("an action cannot be due before it starts".into())
                    }
                    ChangeAsked::Owner { to } => owner(to),
                    ChangeAsked::Scope { to } => text(to, "action as it would now read"),
                    ChangeAsked::DueDate { .. } => Ok(()),
                }
            }
            Step::ChangeDecided(x) => match self.change(x.request) {
                None => Err(format!("there is no change request {}", x.request)),
                Some(c) if c.decided.is_some() => {
                    Err(format!("change request {} is already decided", x.request))
                }
                Some(c) if x.on < c.requested.on => {
                    Err("a change request is decided on or after the day it was made".into())
                }
                Some(_) => text(&x.decided_by, "name of who decided"),
            },
            Step::Risk(x) => {
                next(x.risk, self.risks.len(), "risks")?;
                text(&x.title, "risk")?;
                owner(&x.owner)?;
                x.inherent.check("inherent")?;
                x.residual.check("residual")?;
                x.target.check("target")?;
                if let Some(n) = x.actions.iter().find(|n| self.action(**n).is_none()) {
                    return Err(format!("there is no action {n} in the plan"));
                }
                Ok(())
            }
            Step::RiskReviewed(x) => {
                let r = self
                    .risk(x.risk)
                    .ok_or_else(|| format!("there is no risk {} in the register", x.risk))?;
                x.residual.check("residual")?;
                if x.on < r.history.last().map_or(r.added.on, |h| h.0) {
                    return Err("a review is dated on or after the risk's last score".into());
                }
                text(&x.note, "reason for the score")
            }
            Step::Member(x) => {
                next(x.member, self.members.len(), "board members")?;
                text(&x.name, "member's name")
            }
            Step::Meeting(x) => {
                next(x.meeting, self.meetings.len(), "meetings")?;
                if let Some(last) = self.meetings.last()
                    && x.on <= last.held.on
                {
                    return Err(format!(
                        "meeting {} is after meeting {} ({})",
                        x.meeting,
                        last.held.meeting,
                        long_date(last.held.on)
                    ));
                }
                if let Some(n) = x
                    .attended
                    .iter()
                    .chain(&x.apologies)
                    .find(|n| !self.members.iter().any(|m| m.member == **n))
                {
                    return Err(format!("there is no board member {n}"));
                }
                Ok(())
            }
            Step::Minutes(x) => match self.meeting(x.meeting) {
                None => Err(format!("there is no meeting {}", x.meeting)),
                Some(m) if m.approved.is_some() => Err(format!(
                    "the minutes of meeting {} are approved and published: they are not redrafted",
                    x.meeting
                )),
                Some(_) => text(&x.text, "minutes"),
            },
            Step::Approved(x) => match (self.meeting(x.meeting), self.meeting(x.at_meeting)) {
                (None, _) => Err(format!("there is no meeting {}", x.meeting)),
                (Some(m), _) if m.minutes.is_none() => {
                    Err(format!("meeting {} has no minutes drafted yet", x.meeting))
                }
                (Some(m), _) if m.approved.is_some() => Err(format!(
                    "the minutes of meeting {} are already approved",
                    x.meeting
                )),
                (_, None) => Err(format!(
                    "minutes are approved at a later meeting: record meeting {} first",
                    x.at_meeting
                )),
                (Some(m), Some(at)) if at.held.on <= m.held.on => {
                    Err("minutes are approved at a later meeting".into())
                }
                _ => Ok(()),
            },
            Step::QaRound(x) => {
                next(x.round, self.qa_rounds.len(), "quality-assurance rounds")?;
                if x.to < x.from {
                    return Err("a round's period ends on or after it starts".into());
                }
                if x.size == 0 || x.cases.len() > x.size as usize {
                    return Err(
                        "a round samples at least one plan, and no more than its size".into(),
                    );
                }
                Ok(())
            }
            Step::QaModerated(x) => {
                let r = self
                    .qa_rounds
                    .iter()
                    .find(|r| r.opened.round == x.round)
                    .ok_or_else(|| format!("there is no quality-assurance round {}", x.round))?;
                if !r.opened.cases.contains(&x.case) {
                    return Err(format!("that record is not in round {}'s sample", x.round));
                }
                if r.moderated
                    .iter()
                    .any(|m| m.case == x.case && m.audit == x.audit)
                {
                    return Err("that audit is already moderated".into());
                }
                text(&x.moderator, "moderator's name")
            }
            Step::QaFinding(x) => {
                if !self.qa_rounds.iter().any(|r| r.opened.round == x.round) {
                    return Err(format!("there is no quality-assurance round {}", x.round));
                }
                if let Some(a) = x.action
                    && self.action(a).is_none()
                {
                    return Err(format!("there is no action {a} in the plan"));
                }
                text(&x.finding, "finding")
            }
            Step::Heard(x) => {
                next(x.item, self.feedback.len(), "what families said")?;
                text(&x.source, "place it was heard")?;
                text(&x.said, "words families used")
            }
            Step::Answered(x) => match self.feedback.iter().find(|f| f.heard.item == x.item) {
                None => Err(format!("nothing heard is numbered {}", x.item)),
                Some(f) if x.on < f.heard.on => {
                    Err("what was done is dated on or after what was said".into())
                }
                Some(_) => text(&x.did, "what was done"),
            },
        }
    }

    /// The risks whose residual score has reached the area's escalation threshold.
    pub fn escalated(&self) -> Vec<&RiskState> {
        let at = self.started.as_ref().map_or(15, |s| s.escalate_at);
        self.risks
            .iter()
            .filter(|r| r.residual.value() >= at)
            .collect()
    }
}

/// An action's status, computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    Red,
    Amber,
    Green,
    Complete,
}

impl Rag {
    pub fn label(self) -> &'static str {
        match self {
            Rag::Red => "Red",
            Rag::Amber => "Amber",
            Rag::Green => "Green",
            Rag::Complete => "Complete",
        }
    }
}

/// An action's RAG on `today`, with why: complete when done; red past its due date;
/// amber when a milestone is overdue, when the measure it should move is behind its
/// trajectory (`behind`), or when it is due within four weeks with milestones unmet;
/// green otherwise. Never typed in.
pub fn rag(a: &ActionState, today: NaiveDate, behind: Option<bool>) -> (Rag, String) {
    if let Some(c) = &a.completed {
        return (Rag::Complete, format!("Completed on {}", long_date(c.on)));
    }
    if today > a.due {
        return (Rag::Red, format!("Overdue: {}", due_text(a)));
    }
    if let Some(m) = a
        .milestones
        .iter()
        .find(|m| m.met_on.is_none() && m.due < today)
    {
        return (
            Rag::Amber,
            format!("Milestone \"{}\" was due on {}", m.title, long_date(m.due)),
        );
    }
    if behind == Some(true) {
        return (
            Rag::Amber,
            "The measure it should move is behind its trajectory".into(),
        );
    }
    let unmet = a.milestones.iter().any(|m| m.met_on.is_none());
    if unmet && (a.due - today).num_days() <= 28 {
        return (
            Rag::Amber,
            format!("Due on {} with milestones still to meet", long_date(a.due)),
        );
    }
    (Rag::Green, format!("On track: {}", due_text(a)))
}

fn month_year(d: NaiveDate) -> String {
    d.format("%B %Y").to_string()
}

/// The due date as every report gives it, slips kept: "due March 2025, revised twice:
/// now September 2025".
pub fn due_text(a: &ActionState) -> String {
    let times = match a.revised.len() {
        0 => return format!("due {}", month_year(a.due)),
        1 => "once".to_string(),
        2 => "twice".to_string(),
        n => format!("{n} times"),
    };
    format!(
        "due {}, revised {times}: now {}",
        month_year(a.added.due),
        month_year(a.due)
    )
}

/// Something in a text that could identify a child: where it is and what it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    pub found: String,
    pub what: &'static str,
}

/// The area's children as a published text is checked against them.
pub struct Children<'a> {
    /// Each child's name as "given family".
    pub names: &'a [String],
    pub birth_dates: &'a [NaiveDate],
}

fn is_case_reference(w: &str) -> bool {
    let hex_dashes = w.len() == 36
        && w.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    let send = w.len() == 17
        && w[..5].eq_ignore_ascii_case("SEND-")
        && w[5..].chars().all(|c| c.is_ascii_hexdigit());
    hex_dashes || send
}

fn is_upn(w: &str) -> bool {
    let c: Vec<char> = w.chars().collect();
    c.len() == 13
        && c[0].is_ascii_alphabetic()
        && c[1..12].iter().all(char::is_ascii_digit)
        && (c[12].is_ascii_digit() || c[12].is_ascii_alphabetic())
}

/// Everything in `text` that identifies a child: a child's name, a child's date of birth
/// (as "4 May 2018", "04/05/2018" or "2018-05-04"), a UPN, or a case reference. Names and
/// dates are matched whole-word, case ignored.
pub fn identifying(text: &str, children: &Children<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut patterns: Vec<(String, &'static str)> = children
        .names
        .iter()
        .filter(|n| n.split_whitespace().count() >= 2)
        .map(|n| (n.to_lowercase(), "a child's name"))
        .collect();
    for d in children.birth_dates {
        for f in [
            long_date(*d),
            d.format("%d/%m/%Y").to_string(),
            d.to_string(),
        ] {
            patterns.push((f.to_lowercase(), "a child's date of birth"));
        }
    }
    for (i, line) in text.lines().enumerate() {
        let lower = line.to_lowercase();
        let boundary = |s: &str, at: usize, len: usize| {
            let before = s[..at].chars().next_back();
            let after = s[at + len..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        };
        for (p, what) in &patterns {
            let mut from = 0;
            while let Some(at) = lower[from..].find(p.as_str()).map(|x| x + from) {
                if boundary(&lower, at, p.len()) {
                    out.push(Finding {
                        line: i + 1,
                        column: lower[..at].chars().count() + 1,
                        found: line.get(at..at + p.len()).unwrap_or(p).to_string(),
                        what,
                    });
                }
                from = at + p.len().max(1);
            }
        }
        let mut start = None;
        for (column, (j, ch)) in line.char_indices().chain([(line.len(), ' ')]).enumerate() {
            let part = ch.is_alphanumeric() || ch == '-';
            match (part, start) {
                (true, None) => start = Some((j, column)),
                (false, Some((s, col))) => {
                    let w = line[s..j].trim_matches('-');
                    let what = if is_upn(w) {
                        Some("a UPN")
                    } else if is_case_reference(w) {
                        Some("a case reference")
                    } else {
                        None
                    };
                    if let Some(what) = what {
                        out.push(Finding {
                            line: i + 1,
                            column: col + 1,
                            found: w.to_string(),
                            what,
                        });
                    }
                    start = None;
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|f| (f.line, f.column));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn action(due: NaiveDate) -> ActionState {
        let added = ActionAdded {
            action: 1,
            priority: 1,
            title: "Clear the backlog of annual reviews".into(),
            owner: Owner {
                organisation: "Derby City Council".into(),
                person: "Head of SEND".into(),
            },
            start: d(2025, 1, 6),
            due,
            trajectory: None,
            on: d(2025, 1, 6),
        };
        let mut s = PartnershipState::default();
        s.apply(Step::Priority(&PriorityAdded {
            priority: 1,
            title: "Timeliness".into(),
            on: d(2025, 1, 6),
        }));
        s.apply(Step::Action(&added));
        s.actions.remove(0)
    }

    #[test]
    fn rag_follows_the_dates_milestones_and_measure() {
        let mut a = action(d(2025, 3, 31));
        assert_eq!(rag(&a, d(2025, 2, 1), None).0, Rag::Green);
        assert_eq!(rag(&a, d(2025, 2, 1), Some(true)).0, Rag::Amber);
        assert_eq!(rag(&a, d(2025, 4, 1), None).0, Rag::Red);
        a.milestones.push(MilestoneState {
            milestone: 1,
            title: "Recruit two caseworkers".into(),
            due: d(2025, 2, 1),
            met_on: None,
        });
        assert_eq!(rag(&a, d(2025, 2, 2), None).0, Rag::Amber);
        a.milestones[0].met_on = Some(d(2025, 1, 30));
        assert_eq!(rag(&a, d(2025, 2, 2), None).0, Rag::Green);
        // The date moved by a granted change: red turns back to green, the slip stays.
        a.due = d(2025, 9, 30);
        a.revised.push((d(2025, 3, 20), d(2025, 6, 30)));
        a.revised.push((d(2025, 6, 20), d(2025, 9, 30)));
        assert_eq!(rag(&a, d(2025, 4, 1), None).0, Rag::Green);
        assert_eq!(
            due_text(&a),
            "due March 2025, revised twice: now September 2025"
        );
        a.completed = Some(ActionCompleted {
            action: 1,
            on: d(2025, 9, 1),
            evidence: "Backlog report".into(),
        });
        assert_eq!(rag(&a, d(2025, 10, 1), None).0, Rag::Complete);
    }

    #[test]
    fn the_sample_is_drawn_again_the_same_and_only_from_the_candidates() {
        let ids: Vec<uuid::Uuid> = (1..=40u128).map(uuid::Uuid::from_u128).collect();
        let a = sample(&ids, 10, 7);
        let mut shuffled = ids.clone();
        shuffled.reverse();
        assert_eq!(
            a,
            sample(&shuffled, 10, 7),
            "the order given does not matter"
        );
        assert_eq!(a.len(), 10);
        assert!(a.iter().all(|x| ids.contains(x)));
        let mut unique = a.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10, "no record drawn twice");
        assert_ne!(a, sample(&ids, 10, 8), "another seed, another sample");
        assert_eq!(sample(&ids, 100, 7).len(), 40, "no more than there are");
    }

    /// Ten audits moderated: seven agree exactly, so agreement is 7 of 10.
    #[test]
    fn moderation_agreement_on_a_worked_example() {
        use crate::qa::QaGrade::*;
        let pairs = [
            (Good, Good),
            (Good, RequiresImprovement),
            (Outstanding, Outstanding),
            (RequiresImprovement, RequiresImprovement),
            (Inadequate, RequiresImprovement),
            (Good, Good),
            (Good, Good),
            (RequiresImprovement, Inadequate),
            (Inadequate, Inadequate),
            (Good, Good),
        ];
        assert_eq!(agreement(pairs), (7, 10));
        assert_eq!(agreement([]), (0, 0));
    }

    #[test]
    fn identifying_details_are_found_where_they_are() {
        let names = ["Chidi Okafor".to_string()];
        let dobs = [d(2018, 5, 4)];
        let children = Children {
            names: &names,
            birth_dates: &dobs,
        };
        let text = "The board heard about waits.\nCHIDI OKAFOR (born 04/05/2018) waited; UPN A123456789012.\nSee SEND-0A1B2C3D4E5F and 3b49a048-cc89-4dbe-9ac9-4099ae1cc3f0.\nChidi Okaforson is not a match; nor is 2018-05-05.";
        let found: Vec<(usize, usize, &str)> = identifying(text, &children)
            .iter()
            .map(|f| (f.line, f.column, f.what))
            .collect();
        assert_eq!(
            found,
            [
                (2, 1, "a child's name"),
                (2, 20, "a child's date of birth"),
                (2, 44, "a UPN"),
                (3, 5, "a case reference"),
                (3, 27, "a case reference"),
            ]
        );
        assert!(identifying("Nothing about any child.", &children).is_empty());
    }
}
