//! Caseloads: how many children each caseworker of a team holds and how many of their
//! deadlines are overdue; children moved from one caseworker to another, one or many at
//! once, with a reason (a team manager's decision, each move an event on the child's
//! record); the caseload and the queue as CSV.

use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::CaseworkerAssigned;
use sendscope_domain::ids::StaffId;
use sendscope_domain::{Actor, DomainError, EventBody, NewEvent};
use sendscope_store::{CaseQuery, Store, StoreError};
use std::collections::BTreeMap;

/// One caseworker's caseload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caseload {
    pub staff: Option<StaffId>,
    /// "Not allocated" for children with no caseworker.
    pub name: String,
    pub children: u64,
    /// Deadlines overdue on their children's records today.
    pub overdue: u64,
}

/// The caseloads in a queue's scope (a team manager's team): every caseworker in post in
/// the team, even with no children, and the children with none.
pub fn caseloads(
    store: &dyn Store,
    who: &Principal,
    queue: &[crate::queue::Item],
) -> Result<Vec<Caseload>, StoreError> {
    let Some(q) = crate::queue::scope(who) else {
        return Ok(Vec::new());
    };
    let names = crate::queue::caseworker_names(store, who.area)?;
    let mut by: BTreeMap<Option<StaffId>, (u64, u64)> = BTreeMap::new();
    if q.caseworker.is_none() {
        for (id, (_, team)) in &names {
            if *team == q.team {
                by.entry(Some(*id)).or_default();
            }
        }
    }
    let mut page_q = CaseQuery { limit: 500, ..q };
    loop {
        let page = store.list_cases(&page_q)?;
        for r in &page.rows {
            by.entry(r.caseworker).or_default().0 += 1;
        }
        match page.next {
            Some(n) => page_q.after = Some(n),
            None => break,
        }
    }
    for i in queue.iter().filter(|i| i.days_left < 0) {
        by.entry(i.caseworker).or_default().1 += 1;
    }
    let mut out: Vec<Caseload> = by
        .into_iter()
        .map(|(staff, (children, overdue))| Caseload {
            staff,
            name: staff
                .and_then(|s| names.get(&s).map(|(n, _)| n.clone()))
                .unwrap_or_else(|| "Not allocated".into()),
            children,
            overdue,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The caseloads as CSV text.
pub fn caseloads_csv(rows: &[Caseload]) -> String {
    crate::csv_text(
        std::iter::once(vec![
            "Caseworker".to_string(),
            "Children".into(),
            "Deadlines overdue".into(),
        ])
        .chain(rows.iter().map(|r| {
            vec![
                r.name.clone(),
                r.children.to_string(),
                r.overdue.to_string(),
            ]
        })),
    )
}

/// The queue as CSV text: child, caseworker, step, due date, days left (negative: late).
pub fn queue_csv(items: &[crate::queue::Item]) -> String {
    crate::csv_text(
        std::iter::once(vec![
            "Child".to_string(),
            "Caseworker".into(),
            "Step".into(),
            "Due".into(),
            "Days left (negative: days late)".into(),
        ])
        .chain(items.iter().map(|i| {
            vec![
                i.name.clone(),
                i.caseworker_name.clone(),
                i.step.to_string(),
                i.due.to_string(),
                i.days_left.to_string(),
            ]
        })),
    )
}

/// Moves children to caseworker `to` (a name or identifier), saying why: each child's
/// record gains a `case.caseworker_assigned` with the reason, all in one transaction, or
/// none if any child cannot be moved. A team manager's decision, for their team's
/// children.
pub fn reassign(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    cases: &[String],
    to: &str,
    reason: &str,
) -> Result<usize, StepError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StepError::Invalid(
            "say why the children are moving (for example, a caseworker leaving, or caseloads evened out)".into(),
        ));
    }
    if cases.is_empty() {
        return Err(StepError::Invalid(
            "choose at least one child to move".into(),
        ));
    }
    let (staff, state) = crate::setup::find_staff(store, who.area, to)
        .map_err(|e| StepError::Invalid(e.to_string()))?;
    let team = state.added.as_ref().and_then(|a| a.team).ok_or_else(|| {
        StepError::Invalid("that member of staff is in no team: move them into one first".into())
    })?;
    let actor = Actor::parse(&format!("user:{username}"))
        .map_err(|e| StepError::Internal(e.to_string()))?;
    let mut events = Vec::with_capacity(cases.len());
    for id in cases {
        let p = crate::steps::changeable(store, who, id, Action::Approve)?;
        if p.case().is_some_and(|c| c.caseworker == Some(staff)) {
            continue;
        }
        events.push(NewEvent {
            stream: p.stream,
            area: p.area,
            body: EventBody::CaseworkerAssigned(CaseworkerAssigned { staff, team }),
            actor: actor.clone(),
            effective_date: england_today(),
            reason: Some(reason.to_string()),
            recorded_at: None,
        });
    }
    let moved = events.len();
    if moved == 0 {
        return Ok(0);
    }
    match store.append(&events) {
        Ok(_) => Ok(moved),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}
