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

mod payloads;
mod publish;
mod qa;
pub use payloads::*;
pub use publish::*;
pub use qa::*;

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
}
