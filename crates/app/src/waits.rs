//! Waiting lists for health assessments and therapies, as the trust records them and the
//! partnership reads them: the area's pathways and prioritisation criteria (area data,
//! versioned), one record per referral, each referral's priority worked out from the
//! criteria in force the day it was received, the weekly figures, and the import of the
//! trust's CSV (`import`), which reports every bad row, matches NHS numbers to the
//! children here, offers possible matches without guessing, and changes nothing on a
//! second run.

use crate::steps::StepError;
use chrono::NaiveDate;
use sendscope_domain::NewEvent;
use sendscope_domain::StreamKind;
use sendscope_domain::codes::NhsNumber;
use sendscope_domain::event::{EventBody, StreamRef};
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::projection::{CaseState, StreamState};
use sendscope_domain::waits::*;
use sendscope_store::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;

fn internal(e: StoreError) -> StepError {
    StepError::Internal(e.to_string())
}

/// The area's waiting-list versions, oldest first.
pub fn adopted(store: &dyn Store, area: AreaId) -> Result<Vec<WaitingLists>, StoreError> {
    Ok(
        match store.projection(StreamRef::area(area))?.map(|p| p.state) {
            Some(StreamState::Area(a)) => a.waiting_lists,
            _ => Vec::new(),
        },
    )
}

/// Adopts pathways, standards and criteria from a day (a new version; earlier ones stay
/// for referrals received before it).
pub fn adopt(
    store: &dyn Store,
    area: AreaId,
    lists: WaitingLists,
    actor: &str,
) -> Result<(), StepError> {
    append(
        store,
        StreamRef::area(area),
        area,
        EventBody::WaitingListsAdopted(lists),
        actor,
    )
}

fn append(
    store: &dyn Store,
    stream: StreamRef,
    area: AreaId,
    body: EventBody,
    actor: &str,
) -> Result<(), StepError> {
    crate::provisions::append_one(store, stream, area, body, actor, None)
}

/// The area's referrals.
pub fn referrals(
    store: &dyn Store,
    area: AreaId,
) -> Result<Vec<(Uuid, ReferralState)>, StoreError> {
    Ok(store
        .area_projections(area, StreamKind::Referral)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Referral(s) if s.received.is_some() => Some((p.stream.id, *s)),
            _ => None,
        })
        .collect())
}

fn stream(id: Uuid) -> StreamRef {
    StreamRef {
        kind: StreamKind::Referral,
        id,
    }
}

/// Whether a child had an EHC plan on a day: one that started by then and had not
/// ceased.
fn had_plan(c: &CaseState, on: NaiveDate) -> bool {
    c.plan
        .as_ref()
        .is_some_and(|p| p.start <= on && p.ceased.as_ref().is_none_or(|x| x.on > on))
}

/// One referral's priority and why, under the criteria in force the day it was received.
pub fn priority_of(
    adopted: &[WaitingLists],
    r: &ReferralReceived,
    has_plan: bool,
) -> (String, String) {
    let Some(criteria) = in_force(adopted, r.received_on) else {
        return ("none".into(), "no criteria were in force that day".into());
    };
    let age = r
        .received_on
        .years_since(r.child.birth_date)
        .unwrap_or_default();
    criteria.priority(&ReferralFacts {
        pathway: &r.pathway,
        urgency: r.urgency,
        has_plan,
        age,
    })
}

/// A referral with its priority, as the figures and pages read it.
#[derive(Debug, Clone)]
pub struct Prioritised {
    pub id: Uuid,
    pub state: ReferralState,
    pub priority: String,
    pub reason: String,
}

/// Every referral in the area with its priority.
pub fn prioritised(store: &dyn Store, area: AreaId) -> Result<Vec<Prioritised>, StoreError> {
    let adopted = adopted(store, area)?;
    let all = referrals(store, area)?;
    let mut cases: HashMap<CaseId, bool> = HashMap::new();
    for (_, s) in &all {
        let Some(r) = &s.received else { continue };
        if let Some(c) = r.case
            && !cases.contains_key(&c)
        {
            let plan = match store.projection(StreamRef::case(c))?.map(|p| p.state) {
                Some(StreamState::Case(cs)) => had_plan(&cs, r.received_on),
                _ => false,
            };
            cases.insert(c, plan);
        }
    }
    Ok(all
        .into_iter()
        .filter_map(|(id, state)| {
            let r = state.received.as_ref()?;
            let plan = r.case.and_then(|c| cases.get(&c).copied()).unwrap_or(false);
            let (priority, reason) = priority_of(&adopted, r, plan);
            Some(Prioritised {
                id,
                priority,
                reason,
                state,
            })
        })
        .collect())
}

/// The weekly figures: the week ending `day`, and the number waiting at the end of each of
/// the eight weeks before it for the trend.
#[derive(Debug, Clone, Serialize)]
pub struct WaitsReport {
    pub week_ending: NaiveDate,
    /// The criteria version in force on the day.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub criteria_version: Option<String>,
    pub pathways: Vec<PathwayName>,
    pub lines: Vec<WeekLine>,
    /// (week ending, pathway, waiting) for the eight weeks before, oldest first.
    pub trend: Vec<(NaiveDate, String, u32)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PathwayName {
    pub code: String,
    pub name: String,
}

/// The weekly figures for the week ending `day`.
pub fn report(store: &dyn Store, area: AreaId, day: NaiveDate) -> Result<WaitsReport, StoreError> {
    let adopted = adopted(store, area)?;
    let all = prioritised(store, area)?;
    let criteria = in_force(&adopted, day).or(adopted.last());
    let pathways: Vec<Pathway> = criteria.map(|c| c.pathways.clone()).unwrap_or_default();
    let counted: Vec<Counted> = all
        .iter()
        .filter_map(|p| {
            Some(Counted {
                pathway: p.state.received.as_ref()?.pathway.as_str(),
                priority: &p.priority,
                state: &p.state,
            })
        })
        .collect();
    let lines = week(&pathways, &counted, day);
    let mut trend = Vec::new();
    for back in (1..=8u64).rev() {
        let d = day - chrono::Days::new(7 * back);
        for l in week(&pathways, &counted, d)
            .into_iter()
            .filter(|l| l.priority == "all")
        {
            trend.push((d, l.pathway, l.waiting));
        }
    }
    Ok(WaitsReport {
        week_ending: day,
        criteria_version: criteria.map(|c| c.version.clone()),
        pathways: pathways
            .iter()
            .map(|p| PathwayName {
                code: p.code.clone(),
                name: p.name.clone(),
            })
            .collect(),
        lines,
        trend,
    })
}

/// The report as CSV: one row per pathway and priority.
pub fn csv(r: &WaitsReport) -> String {
    let header = [
        "week_ending",
        "pathway",
        "priority",
        "waiting",
        "median_weeks",
        "p92_weeks",
        "over_18_weeks",
        "over_52_weeks",
        "over_104_weeks",
        "within_standard",
        "standard_weeks",
        "standard_percent",
        "stopped_in_week",
    ]
    .map(String::from)
    .to_vec();
    let opt = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_default();
    let rows = r.lines.iter().map(|l| {
        vec![
            r.week_ending.to_string(),
            l.pathway.clone(),
            l.priority.clone(),
            l.waiting.to_string(),
            opt(l.median_weeks),
            opt(l.p92_weeks),
            l.over_18_weeks.to_string(),
            l.over_52_weeks.to_string(),
            l.over_104_weeks.to_string(),
            l.within_standard.to_string(),
            l.standard_weeks.to_string(),
            l.standard_percent.to_string(),
            l.stopped_in_week.to_string(),
        ]
    });
    crate::csv_text(std::iter::once(header).chain(rows))
}

/// What an import did: rows read, referrals added, clocks stopped, support recorded, rows
/// already there, each bad row with its line and what to mend, and possible matches.
#[derive(Debug, Default, Serialize)]
pub struct Imported {
    pub rows: usize,
    pub added: usize,
    pub stopped: usize,
    pub support: usize,
    pub unchanged: usize,
    pub matched: usize,
    pub problems: Vec<String>,
    /// Referrals whose child's name and date of birth match a child here whose NHS number
    /// does not (or is not known): offered to a person to confirm, never linked.
    pub possible_matches: Vec<String>,
}

/// The CSV layout `sendscope import waits` reads, by column name.
pub const COLUMNS: [&str; 13] = [
    "referral_id",
    "pathway",
    "received_on",
    "source",
    "urgency",
    "nhs_number",
    "given_names",
    "family_name",
    "birth_date",
    "clock_stop",
    "clock_stopped_on",
    "support_offered_on",
    "support",
];

/// A row read and checked.
struct Row {
    line: usize,
    received: ReferralReceived,
    stop: Option<ClockStopped>,
    support: Option<SupportOffered>,
}

fn read_row(line: usize, f: &HashMap<&str, &str>, pathways: &[&str]) -> Result<Row, String> {
    let get = |k: &str| f.get(k).map(|s| s.trim()).unwrap_or("");
    let date = |k: &str| {
        sendscope_domain::calendar::parse_date(get(k))
            .map_err(|_| format!("{k} {:?} is not a date like 2025-03-31", get(k)))
    };
    let opt_date = |k: &str| {
        if get(k).is_empty() {
            Ok(None)
        } else {
            date(k).map(Some)
        }
    };
    let reference = get("referral_id");
    if reference.is_empty() {
        return Err("referral_id is empty".into());
    }
    let pathway = get("pathway");
    if !pathways.contains(&pathway) {
        return Err(format!(
            "pathway {pathway:?} is not one of the area's ({}): adopt it first or correct the row",
            pathways.join(", ")
        ));
    }
    let nhs = get("nhs_number");
    let nhs_number = if nhs.is_empty() {
        None
    } else {
        Some(
            NhsNumber::parse(nhs)
                .map_err(|e| format!("nhs_number: {e}"))?
                .to_string(),
        )
    };
    let urgency = match get("urgency").to_ascii_lowercase().as_str() {
        "routine" | "" => Urgency::Routine,
        "urgent" => Urgency::Urgent,
        other => return Err(format!("urgency {other:?} is not routine or urgent")),
    };
    let received_on = date("received_on")?;
    let birth_date = date("birth_date")?;
    let stop = match (get("clock_stop"), opt_date("clock_stopped_on")?) {
        ("", None) => None,
        (kind, Some(on)) => {
            let stop = match kind {
                "first_appointment" => ClockStop::FirstAppointment,
                "assessment_completed" => ClockStop::AssessmentCompleted,
                "discharged" => ClockStop::Discharged,
                "referred_on" => ClockStop::ReferredOn,
                other => {
                    return Err(format!(
                        "clock_stop {other:?} is not first_appointment, assessment_completed, discharged or referred_on"
                    ));
                }
            };
            Some(ClockStopped { on, stop })
        }
        (_, None) => return Err("clock_stop is given without clock_stopped_on".into()),
    };
    if birth_date > received_on {
        return Err("birth_date is after received_on: the dates are out of order".into());
    }
    if let Some(s) = &stop
        && s.on < received_on
    {
        return Err("clock_stopped_on is before received_on: the dates are out of order".into());
    }
    let support = match (opt_date("support_offered_on")?, get("support")) {
        (None, "") => None,
        (Some(on), what) if !what.is_empty() => {
            if on < received_on {
                return Err("support_offered_on is before received_on".into());
            }
            Some(SupportOffered {
                on,
                what: what.to_string(),
            })
        }
        _ => return Err("give both support_offered_on and support, or neither".into()),
    };
    Ok(Row {
        line,
        received: ReferralReceived {
            reference: reference.to_string(),
            pathway: pathway.to_string(),
            received_on,
            source: get("source").to_string(),
            urgency,
            child: ReferredChild {
                nhs_number,
                given_names: get("given_names").to_string(),
                family_name: get("family_name").to_string(),
                birth_date,
            },
            case: None,
        },
        stop,
        support,
    })
}

type NameKey = (String, String, NaiveDate);

fn name_key(c: &ReferredChild) -> NameKey {
    (
        c.given_names.trim().to_lowercase(),
        c.family_name.trim().to_lowercase(),
        c.birth_date,
    )
}

/// The children here, by NHS number and by name and date of birth (with their NHS
/// number, if known).
struct Children {
    by_nhs: HashMap<String, CaseId>,
    by_name: HashMap<NameKey, (CaseId, Option<String>)>,
}

fn children(store: &dyn Store, area: AreaId) -> Result<Children, StoreError> {
    let mut out = Children {
        by_nhs: HashMap::new(),
        by_name: HashMap::new(),
    };
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if let Some(ch) = &c.child {
            let nhs = ch.nhs_number.map(|n| n.to_string());
            if let Some(n) = &nhs {
                out.by_nhs.insert(n.clone(), case);
            }
            out.by_name.insert(
                (
                    ch.given_names.trim().to_lowercase(),
                    ch.family_name.trim().to_lowercase(),
                    ch.birth_date,
                ),
                (case, nhs),
            );
        }
    })?;
    Ok(out)
}

/// A referral not linked to a record whose child has the name and date of birth of a
/// child on record: for a person to check, never linked by the service itself.
#[derive(Debug, Clone, Serialize)]
pub struct PossibleMatch {
    pub referral: Uuid,
    pub received: ReferralReceived,
    pub case: CaseId,
    /// The record's NHS number, if it has one.
    pub case_nhs_number: Option<String>,
}

/// Every possible match in the area, oldest referral first.
pub fn possible_matches(store: &dyn Store, area: AreaId) -> Result<Vec<PossibleMatch>, StoreError> {
    let Children { by_name, .. } = children(store, area)?;
    let mut out: Vec<PossibleMatch> = referrals(store, area)?
        .into_iter()
        .filter_map(|(id, s)| {
            let r = s.received?;
            if r.case.is_some() {
                return None;
            }
            let (case, nhs) = by_name.get(&name_key(&r.child))?;
            Some(PossibleMatch {
                referral: id,
                case: *case,
                case_nhs_number: nhs.clone(),
                received: r,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.received.received_on, &a.received.reference)
            .cmp(&(b.received.received_on, &b.received.reference))
    });
    Ok(out)
}

/// Links a referral to the child's record a person has checked it against (a possible
/// match), with why; refused for a referral that is not a possible match of that
/// record, already linked, or a record this user may not open.
pub fn link(
    store: &dyn Store,
    who: &sendscope_domain::access::Principal,
    actor: &str,
    referral: Uuid,
    case: CaseId,
    reason: &str,
) -> Result<(), StepError> {
    if reason.trim().is_empty() {
        return Err(StepError::Invalid(
            "say how you checked it is the same child (for example, the parent confirmed the address)".into(),
        ));
    }
    let record = store
        .projection(StreamRef::case(case))
        .map_err(internal)?
        .ok_or(StepError::NotFound)?;
    if record.area != who.area || !crate::access::may_see(who, &record) {
        return Err(StepError::Forbidden);
    }
    let matches = possible_matches(store, who.area).map_err(internal)?;
    if !matches
        .iter()
        .any(|m| m.referral == referral && m.case == case)
    {
        return Err(StepError::Refused(
            "this referral is not a possible match for that record (linked already, or the name or date of birth differs)".into(),
        ));
    }
    crate::provisions::append_one(
        store,
        stream(referral),
        who.area,
        EventBody::ReferralLinked(ReferralLinked { case }),
        actor,
        Some(reason.trim().to_string()),
    )
}

/// Rows written to a transaction by the import.
const IMPORT_ROWS_PER_TRANSACTION: usize = 1_000;

/// A row's events, ready to write, and what they add to the counts (added, stopped,
/// support, unchanged).
struct Pending {
    line: usize,
    events: Vec<NewEvent>,
    counts: (usize, usize, usize, usize),
}

impl Pending {
    fn count(&self, out: &mut Imported) {
        out.added += self.counts.0;
        out.stopped += self.counts.1;
        out.support += self.counts.2;
        out.unchanged += self.counts.3;
    }
}

fn event(id: Uuid, area: AreaId, body: EventBody, actor: &str) -> Result<NewEvent, StepError> {
    Ok(NewEvent {
        stream: stream(id),
        area,
        effective_date: body
            .effective_on()
            .unwrap_or_else(sendscope_domain::calendar::england_today),
        body,
        actor: sendscope_domain::Actor::parse(actor)
            .map_err(|e| StepError::Internal(e.to_string()))?,
        reason: None,
        recorded_at: None,
    })
}

/// Imports the trust's CSV (see [`COLUMNS`]): every good row is recorded (a new referral,
/// or a clock stop or support new since the last import), every bad row reported with
/// its line and what to mend; a second run of the same file changes nothing.
pub fn import(
    store: &dyn Store,
    area: AreaId,
    text: &str,
    actor: &str,
) -> Result<Imported, StepError> {
    let adopted = adopted(store, area).map_err(internal)?;
    let Some(latest) = adopted.last() else {
        return Err(StepError::Refused(
            "the area has no waiting lists adopted: adopt its pathways first (sendscope waits adopt)".into(),
        ));
    };
    let pathways: Vec<&str> = latest.pathways.iter().map(|p| p.code.as_str()).collect();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| StepError::Invalid(format!("the header row cannot be read: {e}")))?
        .clone();
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|c| !headers.iter().any(|h| h.trim() == **c))
        .copied()
        .collect();
    if !missing.is_empty() {
        return Err(StepError::Invalid(format!(
            "the file has no column {}: the layout is {}",
            missing.join(", "),
            COLUMNS.join(",")
        )));
    }
    let mut out = Imported::default();
    let mut rows: Vec<Row> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut twice: std::collections::HashSet<String> = std::collections::HashSet::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        out.rows += 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                out.problems
                    .push(format!("line {line}: cannot be read ({e})"));
                continue;
            }
        };
        if record.len() != headers.len() {
            out.problems.push(format!(
                "line {line}: has {} fields where the header has {} (a truncated or broken line)",
                record.len(),
                headers.len()
            ));
            continue;
        }
        let fields: HashMap<&str, &str> =
            headers.iter().map(str::trim).zip(record.iter()).collect();
        match read_row(line, &fields, &pathways) {
            Ok(row) => {
                if let Some(first) = seen.insert(row.received.reference.clone(), line) {
                    out.problems.push(format!(
                        "line {line}: referral {} is also on line {first}: each referral is one row, so neither is imported",
                        row.received.reference
                    ));
                    twice.insert(row.received.reference.clone());
                    continue;
                }
                rows.push(row);
            }
            Err(m) => out.problems.push(format!("line {line}: {m}")),
        }
    }
    // A referral on two rows is refused whole: which row is right is for the trust.
    rows.retain(|r| !twice.contains(&r.received.reference));
    let Children { by_nhs, by_name } = children(store, area).map_err(internal)?;
    let existing: HashMap<String, (Uuid, ReferralState)> = referrals(store, area)
        .map_err(internal)?
        .into_iter()
        .filter_map(|(id, s)| Some((s.received.as_ref()?.reference.clone(), (id, s))))
        .collect();
    // Each row's events are written together (a row is imported whole or not at all),
    // many rows to a transaction; a transaction refused is retried a row at a time so
    // the refusal is reported against its row.
    let mut pending: Vec<Pending> = Vec::new();
    for mut row in rows {
        let mut events = Vec::new();
        let mut counts = (0usize, 0usize, 0usize, 0usize);
        let id = match existing.get(&row.received.reference) {
            Some((id, _)) => {
                counts.3 = 1;
                *id
            }
            None => {
                let child = &row.received.child;
                if let Some(case) = child.nhs_number.as_ref().and_then(|n| by_nhs.get(n)) {
                    row.received.case = Some(*case);
                    out.matched += 1;
                } else if let Some((_, nhs)) = by_name.get(&name_key(child)) {
                    out.possible_matches.push(format!(
                        "line {}: referral {} may be of a child on record with the same name and date of birth (their NHS number here: {}): compare and link it at /waits/matches",
                        row.line,
                        row.received.reference,
                        nhs.as_deref().unwrap_or("not recorded")
                    ));
                }
                let id = Uuid::new_v4();
                events.push(event(
                    id,
                    area,
                    EventBody::ReferralReceived(row.received.clone()),
                    actor,
                )?);
                counts.0 = 1;
                id
            }
        };
        let state = existing.get(&row.received.reference).map(|(_, s)| s);
        if let Some(stop) = row.stop
            && state.is_none_or(|s| s.stopped.is_none())
        {
            events.push(event(id, area, EventBody::ClockStopped(stop), actor)?);
            counts.1 = 1;
        }
        if let Some(support) = row.support
            && state.is_none_or(|s| !s.support.contains(&support))
        {
            events.push(event(id, area, EventBody::SupportOffered(support), actor)?);
            counts.2 = 1;
        }
        pending.push(Pending {
            line: row.line,
            events,
            counts,
        });
    }
    for chunk in pending.chunks(IMPORT_ROWS_PER_TRANSACTION) {
        let all: Vec<NewEvent> = chunk.iter().flat_map(|p| p.events.clone()).collect();
        if store.append(&all).is_ok() {
            chunk.iter().for_each(|p| p.count(&mut out));
            continue;
        }
        for p in chunk {
            if p.events.is_empty() {
                p.count(&mut out);
                continue;
            }
            match store.append(&p.events) {
                Ok(_) => p.count(&mut out),
                Err(e) => out.problems.push(format!(
                    "line {}: {}",
                    p.line,
                    crate::provisions::refusal(e).message()
                )),
            }
        }
    }
    Ok(out)
}
