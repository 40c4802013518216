//! The work queue: for a caseworker their own cases, for a team manager their team's,
//! every statutory deadline overdue or due soon, most urgent first. Computed from the
//! cases' records with the clock engine on each request.

use sendscope_domain::access::{Principal, queue_scope};
use sendscope_domain::calendar::england_today;
use sendscope_domain::clocks::{Status, case_deadlines};
use sendscope_domain::{StreamRef, projection::StreamState};
use sendscope_store::{CaseQuery, Store, StoreError};

/// One line of the queue.
pub struct Item {
    pub case: String,
    pub name: String,
    pub caseworker: Option<sendscope_domain::ids::StaffId>,
    /// The caseworker's name, or "Not allocated".
    pub caseworker_name: String,
    pub step: String,
    pub due: chrono::NaiveDate,
    /// Negative when overdue.
    pub days_left: i64,
}

/// Deadlines not yet met that are overdue or due within `horizon` days, most urgent first.
pub fn items(
    store: &dyn Store,
    q: CaseQuery,
    who: &sendscope_domain::access::Principal,
    horizon: i64,
) -> Result<Vec<Item>, StoreError> {
    let today = england_today();
    let names = caseworker_names(store, who.area)?;
    let mut out = Vec::new();
    let mut q = CaseQuery { limit: 500, ..q };
    loop {
        let page = store.list_cases(&q)?;
        let refs: Vec<StreamRef> = page.rows.iter().map(|r| StreamRef::case(r.case)).collect();
        for (row, p) in page.rows.iter().zip(store.projections(&refs)?) {
            let Some(p) = p.filter(|p| crate::access::may_see(who, p)) else {
                continue;
            };
            let StreamState::Case(c) = &p.state else {
                continue;
            };
            let name = format!("{}, {}", row.family_name, row.given_names);
            let caseworker_name = row
                .caseworker
                .and_then(|s| names.get(&s).map(|(n, _)| n.clone()))
                .unwrap_or_else(|| "Not allocated".into());
            // Every statutory deadline not yet met, and every complaint still to be
            // answered by the council's policy.
            let mut due: Vec<(String, chrono::NaiveDate, i64)> = Vec::new();
            for d in case_deadlines(c, today)? {
                match d.status {
                    Status::Upcoming { days_left } => due.push((d.what(), d.due, days_left)),
                    Status::Overdue { days } => due.push((d.what(), d.due, -days)),
                    _ => {}
                }
            }
            for k in c.complaints.iter().filter(|k| k.responded_on.is_none()) {
                let step = format!("Response to complaint {}", k.reference);
                due.push((step, k.respond_by, (k.respond_by - today).num_days()));
            }
            // A part-time timetable is time-limited: its review is due on the queue of
            // the child's caseworker, overdue once its date has passed.
            for t in c
                .education
                .timetables
                .iter()
                .filter(|t| t.ended_on.is_none())
            {
                let step = format!(
                    "Review the part-time timetable ({} hours a week)",
                    t.hours_a_week
                );
                due.push((step, t.review_by, (t.review_by - today).num_days()));
            }
            for (step, due, days_left) in due {
                if days_left <= horizon {
                    out.push(Item {
                        case: row.case.to_string(),
                        name: name.clone(),
                        caseworker: row.caseworker,
                        caseworker_name: caseworker_name.clone(),
                        step,
                        due,
                        days_left,
                    });
                }
            }
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| a.days_left.cmp(&b.days_left).then(a.name.cmp(&b.name)));
    Ok(out)
}

/// The queue's scope for a user (`access::queue_scope`): a caseworker's own cases, a
/// team manager's team's; `None` for roles without a queue.
pub fn scope(p: &Principal) -> Option<CaseQuery> {
    let (team, caseworker) = queue_scope(p)?;
    Some(CaseQuery {
        area: Some(p.area),
        team,
        caseworker,
        ..Default::default()
    })
}

/// Every member of the area's staff by identifier: their name and team.
pub fn caseworker_names(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
) -> Result<
    std::collections::HashMap<
        sendscope_domain::ids::StaffId,
        (String, Option<sendscope_domain::ids::TeamId>),
    >,
    StoreError,
> {
    Ok(store
        .area_projections(area, sendscope_domain::StreamKind::Staff)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Staff(s) => s.added.map(|a| {
                (
                    sendscope_domain::ids::StaffId(p.stream.id),
                    (a.name, a.team),
                )
            }),
            _ => None,
        })
        .collect())
}
