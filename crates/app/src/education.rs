//! The area's registers of children out of full-time education, read from each child's
//! record (domain::education): missing education now and who has left the register with
//! the reason, part-time timetables with their review dates, alternative provision and
//! home education, each child flagged where they have an EHC plan, a request under way or
//! are awaiting a placement; and what a child's record shows of it and of their waits.

use chrono::NaiveDate;
use sendscope_domain::StreamKind;
use sendscope_domain::access::Principal;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::projection::CaseState;
use sendscope_store::{Store, StoreError};
use serde::Serialize;

/// What the child's EHC case says beside an entry.
pub fn flags(c: &CaseState, today: NaiveDate) -> Vec<&'static str> {
    let mut out = Vec::new();
    let plan = c
        .plan
        .as_ref()
        .is_some_and(|p| p.start <= today && p.ceased.is_none());
    if plan {
        out.push("EHC plan");
        if c.awaiting_placement() {
            out.push("awaiting a placement");
        }
    } else if c.requests.iter().any(|r| {
        r.final_issued_on.is_none()
            && r.withdrawn_on.is_none()
            && r.plan_not_issued_on.is_none()
            && r.decision != Some(sendscope_domain::event::AssessDecision::DoNotAssess)
    }) {
        out.push("EHC needs assessment under way");
    }
    out
}

/// One line of a register.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub case: String,
    pub child: String,
    pub flags: Vec<&'static str>,
    /// Since when (reported, agreed, arranged, notified).
    pub since: NaiveDate,
    /// In words: "6 hours a week, review by 3 March 2026".
    pub detail: String,
    /// Overdue for review, or still missing: what needs doing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<NaiveDate>,
    pub overdue: bool,
}

#[derive(Debug, Default, Serialize)]
pub struct Registers {
    pub missing: Vec<Entry>,
    /// Left the missing-education register in the last year, with the outcome and reason.
    pub left: Vec<Entry>,
    pub part_time: Vec<Entry>,
    pub alternative: Vec<Entry>,
    pub home_education: Vec<Entry>,
}

/// The registers of the children this user may see.
pub fn registers(store: &dyn Store, who: &Principal) -> Result<Registers, StoreError> {
    let today = england_today();
    let year_ago = today - chrono::Days::new(365);
    let mut r = Registers::default();
    for p in store.area_projections(who.area, StreamKind::Case)? {
        let Some(c) = p.case() else { continue };
        let e = &c.education;
        if (e.missing.is_empty()
            && e.timetables.is_empty()
            && e.alternative.is_empty()
            && e.home_education.is_empty())
            || !crate::access::may_see(who, &p)
        {
            continue;
        }
        let entry = |since, detail: String, due: Option<NaiveDate>| Entry {
            case: p.stream.id.to_string(),
            child: crate::documents::child_name(c),
            flags: flags(c, today),
            since,
            detail,
            due,
            overdue: due.is_some_and(|d| d < today),
        };
        for m in &e.missing {
            match &m.closed {
                None => r.missing.push(entry(
                    m.reported.on,
                    format!(
                        "reported by {}; {} enquiries made",
                        m.reported.source,
                        m.enquiries.len()
                    ),
                    None,
                )),
                Some(x) if x.on >= year_ago => r.left.push(entry(
                    x.on,
                    format!("{}: {}", sentence(x.outcome.label()), x.reason),
                    None,
                )),
                Some(_) => {}
            }
        }
        for t in e.timetables.iter().filter(|t| t.ended_on.is_none()) {
            r.part_time.push(entry(
                t.agreed.on,
                format!(
                    "{} hours a week{}; review by {}",
                    t.hours_a_week,
                    if t.agreed.agreed_with_parent {
                        ", agreed with the parent"
                    } else {
                        ", not agreed with the parent"
                    },
                    long_date(t.review_by)
                ),
                Some(t.review_by),
            ));
        }
        if let Some(a) = e.alternative.last() {
            r.alternative.push(entry(
                a.on,
                format!("{}, {} hours a week", a.provider, a.hours_a_week),
                None,
            ));
        }
        if let Some(h) = e.home_education.last() {
            r.home_education
                .push(entry(h.on, "notified by the parents".into(), None));
        }
    }
    for list in [
        &mut r.missing,
        &mut r.left,
        &mut r.part_time,
        &mut r.alternative,
        &mut r.home_education,
    ] {
        list.sort_by_key(|e| (!e.overdue, e.due, e.since));
    }
    Ok(r)
}

fn sentence(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// What a child's record shows of their education outside a full-time place and of their
/// waits for health assessments: a line each, in words.
pub fn child_lines(
    store: &dyn Store,
    case: sendscope_domain::ids::CaseId,
    c: &CaseState,
    area: sendscope_domain::ids::AreaId,
) -> Result<Vec<(String, String)>, StoreError> {
    let today = england_today();
    let e = &c.education;
    let mut out = Vec::new();
    for m in &e.missing {
        let state = match &m.closed {
            None => format!("missing education since {}", long_date(m.reported.on)),
            Some(x) => format!(
                "missing education from {} to {}: {} ({})",
                long_date(m.reported.on),
                long_date(x.on),
                x.outcome.label(),
                x.reason
            ),
        };
        out.push(("Missing education".to_string(), state));
    }
    for t in &e.timetables {
        let state = match t.ended_on {
            Some(end) => format!("from {} to {}", long_date(t.agreed.on), long_date(end)),
            None => format!(
                "{} hours a week since {}; review {} {}",
                t.hours_a_week,
                long_date(t.agreed.on),
                if t.review_by < today {
                    "overdue since"
                } else {
                    "by"
                },
                long_date(t.review_by)
            ),
        };
        out.push(("Part-time timetable".to_string(), state));
    }
    for a in &e.alternative {
        out.push((
            "Alternative provision (s.19)".to_string(),
            format!(
                "{}, {} hours a week, from {}",
                a.provider,
                a.hours_a_week,
                long_date(a.on)
            ),
        ));
    }
    for h in &e.home_education {
        out.push((
            "Elective home education".to_string(),
            format!("notified {}", long_date(h.on)),
        ));
    }
    let adopted = crate::waits::adopted(store, area)?;
    for (_, r) in crate::waits::referrals(store, area)? {
        let Some(x) = &r.received else { continue };
        if x.case != Some(case) {
            continue;
        }
        let pathway = adopted
            .iter()
            .rev()
            .find_map(|w| w.pathway(&x.pathway))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| x.pathway.clone());
        let state = match &r.stopped {
            Some(s) => format!(
                "referred {}; {} {}",
                long_date(x.received_on),
                s.stop.label(),
                long_date(s.on)
            ),
            None => format!(
                "waiting since {} ({} weeks)",
                long_date(x.received_on),
                sendscope_domain::waits::weeks(x.received_on, today)
            ),
        };
        out.push((format!("Waiting: {pathway}"), state));
    }
    Ok(out)
}

/// Adopts the area's longest time to a part-time timetable's review, from a day.
pub fn adopt_part_time_policy(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    policy: sendscope_domain::education::PartTimePolicy,
    actor: &str,
) -> Result<(), crate::steps::StepError> {
    use sendscope_domain::event::{EventBody, StreamRef};
    crate::provisions::append_one(
        store,
        StreamRef::area(area),
        area,
        EventBody::PartTimePolicyAdopted(policy),
        actor,
        None,
    )
}
