//! The partnership's governance as the board and its programme office use it: steps on the
//! area's partnership record (the improvement plan, change requests, risks, the board),
//! each action's RAG worked out from its dates, milestones and the trajectory it should
//! move, minutes checked for anything that identifies a child before they are kept,
//! minutes published once approved, and the stocktake pack for a date range.

use crate::steps::StepError;
use chrono::NaiveDate;
use sendscope_domain::event::{EventBody, NewEvent};
use sendscope_domain::ids::AreaId;
use sendscope_domain::partnership::{
    Children, MeetingHeld, Paper, PartnershipState, Rag, RiskState, due_text, identifying, rag,
    step_of,
};
use sendscope_domain::projection::StreamState;
use sendscope_domain::{Actor, StreamKind, StreamRef};
use sendscope_kpi::trajectory::Progress;
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// The area's partnership record, if it has been started.
pub fn find(
    store: &dyn Store,
    area: AreaId,
) -> Result<Option<(StreamRef, PartnershipState)>, StoreError> {
    Ok(store
        .area_projections(area, StreamKind::Partnership)?
        .into_iter()
        .find_map(|p| match p.state {
            StreamState::Partnership(s) => Some((p.stream, *s)),
            _ => None,
        }))
}

/// The area's children as published text is checked against them: names and dates of
/// birth.
fn children(store: &dyn Store, area: AreaId) -> Result<(Vec<String>, Vec<NaiveDate>), StoreError> {
    let mut names = Vec::new();
    let mut births = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |_, c| {
        if let Some(ch) = &c.child {
            names.push(format!(
                "{} {}",
                ch.given_names.trim(),
                ch.family_name.trim()
            ));
            births.push(ch.birth_date);
        }
    })?;
    births.sort();
    births.dedup();
    Ok((names, births))
}

/// Refuses text for publication that identifies a child, saying where.
pub fn check_publishable(store: &dyn Store, area: AreaId, text: &str) -> Result<(), StepError> {
    let (names, birth_dates) =
        children(store, area).map_err(|e| StepError::Internal(e.to_string()))?;
    let found = identifying(
        text,
        &Children {
            names: &names,
            birth_dates: &birth_dates,
        },
    );
    if found.is_empty() {
        return Ok(());
    }
    let places: Vec<String> = found
        .iter()
        .map(|f| {
            format!(
                "line {}, column {}: \"{}\" is {}",
                f.line, f.column, f.found, f.what
            )
        })
        .collect();
    Err(StepError::Invalid(format!(
        "what is published must not identify a child; take these out: {}",
        places.join("; ")
    )))
}

/// Records one step on the area's partnership record (the first must start it). Minutes
/// that identify a child are refused, saying where; a meeting's papers are recorded with
/// their content by `hold_meeting`.
pub fn record(
    store: &dyn Store,
    area: AreaId,
    body: EventBody,
    actor: &str,
) -> Result<(), StepError> {
    record_with(store, area, body, actor, None, None)
}

/// `record`, with a note for the record beside the step (why it is recorded late, say).
pub fn record_noted(
    store: &dyn Store,
    area: AreaId,
    body: EventBody,
    actor: &str,
    note: Option<String>,
) -> Result<(), StepError> {
    record_with(
        store,
        area,
        body,
        actor,
        None,
        note.filter(|n| !n.trim().is_empty()),
    )
}
fn record_with(
    store: &dyn Store,
    area: AreaId,
    body: EventBody,
    actor: &str,
    paper: Option<&crate::documents::Upload>,
    reason: Option<String>,
) -> Result<(), StepError> {
    if step_of(&body).is_none() {
        return Err(StepError::Invalid(format!(
            "{} is not a step of the partnership's record",
            body.event_type()
        )));
    }
    let found = find(store, area).map_err(|e| StepError::Internal(e.to_string()))?;
    let stream = match (&found, &body) {
        (Some((s, _)), _) => *s,
        (None, EventBody::PartnershipStarted(_)) => StreamRef {
            kind: StreamKind::Partnership,
            id: uuid::Uuid::new_v4(),
        },
        (None, _) => {
            return Err(StepError::Refused(
                "the partnership's record is not started: record partnership.started (the board's name) first".into(),
            ));
        }
    };
    match &body {
        EventBody::MinutesDrafted(m) => check_publishable(store, area, &m.text)?,
        EventBody::FeedbackHeard(f) => check_publishable(store, area, &f.said)?,
        EventBody::FeedbackAnswered(f) => check_publishable(store, area, &f.did)?,
        EventBody::MeetingHeld(m) if paper.is_none() && !m.papers.is_empty() => {
            return Err(StepError::Invalid(
                "a meeting's papers are kept with their content: record the meeting with its paper attached".into(),
            ));
        }
        _ => {}
    }
    let event = NewEvent {
        stream,
        area,
        effective_date: body
            .effective_on()
            .unwrap_or_else(sendscope_domain::calendar::england_today),
        body,
        actor: Actor::parse(actor).map_err(|e| StepError::Internal(e.to_string()))?,
        reason,
        recorded_at: None,
    };
    crate::documents::write_with(store, paper, &[event])
}

/// Records a board meeting with its paper (the board report as it stood that day, say):
/// the paper is kept content-addressed and the meeting names it by its SHA-256.
pub fn hold_meeting(
    store: &dyn Store,
    area: AreaId,
    mut held: MeetingHeld,
    paper_title: &str,
    paper: Vec<u8>,
    actor: &str,
) -> Result<Paper, StepError> {
    use sha2::Digest;
    let p = Paper {
        title: paper_title.trim().to_string(),
        sha256: hex::encode(sha2::Sha256::digest(&paper)),
        size: paper.len() as u64,
    };
    if p.title.is_empty() {
        return Err(StepError::Invalid("give the paper's title".into()));
    }
    held.papers = vec![p.clone()];
    let upload = crate::documents::Upload {
        file_name: format!("meeting-{}-paper.txt", held.meeting),
        title: p.title.clone(),
        kind: sendscope_domain::documents::DocumentKind::Evidence,
        bytes: paper,
    };
    record_with(
        store,
        area,
        EventBody::MeetingHeld(held),
        actor,
        Some(&upload),
        None,
    )?;
    Ok(p)
}

/// Which trajectories (by number) are behind on their plan: not met, and at the rate
/// achieved not reaching the target by the deadline.
pub fn behind(progress: &[Progress]) -> HashMap<u32, bool> {
    progress
        .iter()
        .map(|p| {
            let late = p.projected.is_none_or(|when| when > p.trajectory.deadline);
            (p.trajectory.trajectory, !p.met && late)
        })
        .collect()
}

/// One action as every view shows it: its status worked out, never typed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ActionView {
    pub priority: u32,
    pub action: u32,
    pub title: String,
    pub owner: String,
    pub rag: Rag,
    pub why: String,
    /// "due March 2025, revised twice: now September 2025".
    pub due: String,
    pub milestones_met: usize,
    pub milestones: usize,
    pub evidence: Vec<String>,
    pub commentary: Vec<String>,
}

/// Every action on `today`, in plan order.
pub fn actions(
    s: &PartnershipState,
    today: NaiveDate,
    behind: &HashMap<u32, bool>,
) -> Vec<ActionView> {
    s.actions
        .iter()
        .map(|a| {
            let b = a.added.trajectory.and_then(|t| behind.get(&t).copied());
            let (r, why) = rag(a, today, b);
            ActionView {
                priority: a.added.priority,
                action: a.added.action,
                title: a.title.clone(),
                owner: a.owner.text(),
                rag: r,
                why,
                due: due_text(a),
                milestones_met: a.milestones.iter().filter(|m| m.met_on.is_some()).count(),
                milestones: a.milestones.len(),
                evidence: a
                    .evidence
                    .iter()
                    .map(|e| match &e.link {
                        Some(l) => format!("{} ({l})", e.title),
                        None => e.title.clone(),
                    })
                    .collect(),
                commentary: a.commentary.iter().map(|c| c.text.clone()).collect(),
            }
        })
        .collect()
}

/// A meeting whose minutes are approved, as the public see it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub meeting: u32,
    pub on: NaiveDate,
    pub approved_on: NaiveDate,
    pub agenda: Vec<String>,
    pub decisions: Vec<String>,
    pub minutes: String,
    pub papers: Vec<Paper>,
}

/// The minutes published: those approved at a later meeting, newest first. Nothing else
/// of the partnership's record is public.
pub fn published(s: &PartnershipState) -> Vec<Published> {
    let mut out: Vec<Published> = s
        .meetings
        .iter()
        .filter_map(|m| {
            let approved = m.approved.as_ref()?;
            let minutes = m.minutes.as_ref()?;
            Some(Published {
                meeting: m.held.meeting,
                on: m.held.on,
                approved_on: approved.on,
                agenda: m.held.agenda.clone(),
                decisions: m.held.decisions.clone(),
                minutes: minutes.text.clone(),
                papers: m.held.papers.clone(),
            })
        })
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.on));
    out
}

/// A risk's movement over the pack's period.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RiskView {
    pub risk: u32,
    pub title: String,
    pub owner: String,
    pub inherent: u8,
    /// The residual score at the start of the period (or when added, during it) and at
    /// its end.
    pub residual_before: Option<u8>,
    pub residual: u8,
    pub target: u8,
    pub escalated: bool,
    pub review_by: NaiveDate,
    pub review_overdue: bool,
    /// Every score in the period: (day, score, why).
    pub history: Vec<(NaiveDate, u8, String)>,
}

fn risk_view(s: &PartnershipState, r: &RiskState, from: NaiveDate, to: NaiveDate) -> RiskView {
    let at = s.started.as_ref().map_or(15, |x| x.escalate_at);
    // The score it started the period with: its last before the period, or, for a risk
    // added during it, the one it was added with.
    let before = r
        .history
        .iter()
        .rfind(|h| h.0 < from)
        .or_else(|| r.history.iter().find(|h| h.0 <= to))
        .map(|h| h.1.value());
    let residual = r
        .history
        .iter()
        .rfind(|h| h.0 <= to)
        .map_or(r.residual.value(), |h| h.1.value());
    RiskView {
        risk: r.added.risk,
        title: r.added.title.clone(),
        owner: r.added.owner.text(),
        inherent: r.added.inherent.value(),
        residual_before: before,
        residual,
        target: r.added.target.value(),
        escalated: residual >= at,
        review_by: r.review_by,
        review_overdue: r.review_by < to,
        history: r
            .history
            .iter()
            .filter(|h| h.0 >= from && h.0 <= to)
            .map(|h| (h.0, h.1.value(), h.2.clone()))
            .collect(),
    }
}

/// A change request as the pack lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangeView {
    pub request: u32,
    pub action: u32,
    pub asked: String,
    pub why: String,
    pub impact: String,
    pub asked_by: String,
    pub asked_on: NaiveDate,
    /// "Granted by the board on 20 March 2025", or "Waiting for the board".
    pub decision: String,
}

fn change_view(c: &sendscope_domain::partnership::ChangeState) -> ChangeView {
    use sendscope_domain::calendar::long_date;
    use sendscope_domain::partnership::ChangeAsked;
    let r = &c.requested;
    ChangeView {
        request: r.request,
        action: r.action,
        asked: match &r.change {
            ChangeAsked::DueDate { to } => format!("Due date to {}", long_date(*to)),
            ChangeAsked::Owner { to } => format!("Owner to {}", to.text()),
            ChangeAsked::Scope { to } => format!("Scope to \"{to}\""),
        },
        why: r.why.clone(),
        impact: r.impact.clone(),
        asked_by: r.asked_by.clone(),
        asked_on: r.on,
        decision: match &c.decided {
            Some(d) => format!(
                "{} by {} on {}{}",
                if d.granted { "Granted" } else { "Refused" },
                d.decided_by,
                long_date(d.on),
                if d.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", d.note)
                }
            ),
            None => format!("Waiting for {}", r.decider),
        },
    }
}

/// The stocktake pack for a period: one document for the partnership.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Stocktake {
    pub board: String,
    pub area: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub priorities: Vec<(u32, String)>,
    /// Each action's status on the last day of the period.
    pub actions: Vec<ActionView>,
    pub changes: Vec<ChangeView>,
    pub risks: Vec<RiskView>,
    pub trajectories: Vec<Progress>,
    /// Meetings in the period: (number, day, decisions).
    pub meetings: Vec<(u32, NaiveDate, Vec<String>)>,
    pub published: Vec<Published>,
    /// The quality-assurance rounds opened by the end of the period.
    pub qa: Vec<QaRoundView>,
    /// What families said by the end of the period, and what was done: (where, said, did).
    pub feedback: Vec<(String, String, Option<String>)>,
}

/// The pack for `from`..=`to`, from the partnership's record and the KPI engine's
/// trajectories on `to`.
pub fn stocktake(
    store: &dyn Store,
    engine: &sendscope_kpi::Engine,
    area: AreaId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Stocktake, StepError> {
    if to < from {
        return Err(StepError::Invalid(format!(
            "the period ends ({to}) before it starts ({from}): give --from before --to"
        )));
    }
    let internal = |e: StoreError| StepError::Internal(e.to_string());
    let Some((_, s)) = find(store, area).map_err(internal)? else {
        return Err(StepError::NotFound);
    };
    let trajectories =
        crate::trajectories::progress_all(store, engine, area, to).map_err(internal)?;
    let late = behind(&trajectories);
    let area_name = match store.projection(StreamRef::area(area)).map_err(internal)? {
        Some(p) => match p.state {
            StreamState::Area(a) => a.name,
            _ => String::new(),
        },
        None => String::new(),
    };
    let in_period = |d: NaiveDate| d >= from && d <= to;
    Ok(Stocktake {
        board: s
            .started
            .as_ref()
            .map(|x| x.name.clone())
            .unwrap_or_default(),
        area: area_name,
        from,
        to,
        priorities: s
            .priorities
            .iter()
            .map(|p| (p.priority, p.title.clone()))
            .collect(),
        actions: actions(&s, to, &late),
        changes: s
            .changes
            .iter()
            .filter(|c| {
                in_period(c.requested.on) || c.decided.as_ref().is_some_and(|d| in_period(d.on))
            })
            .map(change_view)
            .collect(),
        risks: s
            .risks
            .iter()
            .filter(|r| r.added.on <= to)
            .map(|r| risk_view(&s, r, from, to))
            .collect(),
        trajectories,
        meetings: s
            .meetings
            .iter()
            .filter(|m| in_period(m.held.on))
            .map(|m| (m.held.meeting, m.held.on, m.held.decisions.clone()))
            .collect(),
        published: published(&s)
            .into_iter()
            .filter(|p| p.approved_on <= to)
            .collect(),
        feedback: s
            .feedback
            .iter()
            .filter(|f| f.heard.on <= to)
            .map(|f| {
                (
                    f.heard.source.clone(),
                    f.heard.said.clone(),
                    f.answered
                        .as_ref()
                        .filter(|a| a.on <= to)
                        .map(|a| a.did.clone()),
                )
            })
            .collect(),
        qa: qa_results(store, &s)
            .map_err(internal)?
            .into_iter()
            .filter(|r| {
                s.qa_rounds
                    .iter()
                    .any(|x| x.opened.round == r.round && x.opened.on <= to)
            })
            .collect(),
    })
}

/// Opens a quality-assurance round: `size` of the plans issued from `from` to `to` in the
/// area, drawn at random from `seed`; the records drawn are kept with the seed, so the
/// sample can be drawn again and checked.
pub fn open_qa_round(
    store: &dyn Store,
    area: AreaId,
    period: (NaiveDate, NaiveDate),
    size: u32,
    seed: u64,
    actor: &str,
) -> Result<sendscope_domain::partnership::QaRoundOpened, StepError> {
    let (from, to) = period;
    let candidates =
        issued_between(store, area, from, to).map_err(|e| StepError::Internal(e.to_string()))?;
    let round = find(store, area)
        .map_err(|e| StepError::Internal(e.to_string()))?
        .map_or(1, |(_, s)| s.qa_rounds.len() as u32 + 1);
    let opened = sendscope_domain::partnership::QaRoundOpened {
        round,
        from,
        to,
        size,
        seed,
        cases: sendscope_domain::partnership::sample(&candidates, size as usize, seed),
        on: sendscope_domain::calendar::england_today(),
    };
    record(store, area, EventBody::QaRoundOpened(opened.clone()), actor)?;
    Ok(opened)
}

/// The records whose final plan was issued from `from` to `to` (a round's candidates).
pub fn issued_between(
    store: &dyn Store,
    area: AreaId,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<uuid::Uuid>, StoreError> {
    let mut out = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if c.requests
            .iter()
            .filter_map(|r| r.final_issued_on)
            .any(|d| d >= from && d <= to)
        {
            out.push(case.0);
        }
    })?;
    Ok(out)
}

/// A round's results: its sample, the audits of each service on the plans drawn, their
/// grades, and the moderation agreement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QaRoundView {
    pub round: u32,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub sampled: usize,
    /// (service, audits) for education, health and social care.
    pub audits: Vec<(&'static str, usize)>,
    /// (grade, audits) for each grade.
    pub grades: Vec<(&'static str, usize)>,
    pub agreed: usize,
    pub moderated: usize,
    pub findings: Vec<String>,
}

/// Every round's results, from the audits recorded on the plans drawn (those dated on or
/// after the round opened).
pub fn qa_results(store: &dyn Store, s: &PartnershipState) -> Result<Vec<QaRoundView>, StoreError> {
    use sendscope_domain::qa::{AuditService, QaGrade};
    let mut out = Vec::new();
    for r in &s.qa_rounds {
        let mut audits: Vec<sendscope_domain::event::PlanAudited> = Vec::new();
        for case in &r.opened.cases {
            if let Some(c) = store
                .projection(StreamRef::case(sendscope_domain::ids::CaseId(*case)))?
                .and_then(|p| p.case().cloned())
            {
                audits.extend(c.audits.into_iter().filter(|a| a.on >= r.opened.on));
            }
        }
        let (agreed, moderated) = r.agreement();
        out.push(QaRoundView {
            round: r.opened.round,
            from: r.opened.from,
            to: r.opened.to,
            sampled: r.opened.cases.len(),
            audits: [
                AuditService::Education,
                AuditService::Health,
                AuditService::SocialCare,
            ]
            .map(|k| (k.label(), audits.iter().filter(|a| a.service == k).count()))
            .to_vec(),
            grades: QaGrade::ALL
                .map(|g| (g.label(), audits.iter().filter(|a| a.grade == g).count()))
                .to_vec(),
            agreed,
            moderated,
            findings: r
                .findings
                .iter()
                .map(|f| match f.action {
                    Some(a) => format!("{} (action {a})", f.finding),
                    None => f.finding.clone(),
                })
                .collect(),
        });
    }
    Ok(out)
}
