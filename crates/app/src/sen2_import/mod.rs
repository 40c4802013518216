//! A council's own SEN2 return as the way in (`sendscope sen2 import`): its children,
//! requests, assessments, named plans, placements, needs, reviews and ceased plans
//! recorded later, with their real dates, as "recorded later, from the SEN2 return of
//! <census day>"; addresses, parents and carers from an optional contacts file.
//!
//! Each person is matched to a record already there (by UPN, then ULN, then name, date
//! of birth and postcode) or given a new one. What the return says is checked item by
//! item: the DfE's validation rules first (a request with an error is left out whole),
//! then the domain's own rules, as if each event were recorded in date order; an item
//! refused is reported and the rest of the person imported. What a record already holds
//! is never recorded again or changed, so importing the same return twice writes
//! nothing, and the next year's return adds only what is new. Everything kept is written
//! in one transaction: all or nothing.

mod contacts;
mod plan;

use chrono::NaiveDate;
use contacts::Contacts;
use plan::{PersonPlan, Register, plan_person};
use sendscope_domain::codes::{Postcode, Uln, Upn};
use sendscope_domain::event::{
    CaseOpened, CaseworkerAssigned, Child, DesignatedOfficers, EventBody, NewEvent,
};
use sendscope_domain::ids::{AreaId, CaseId, RequestId};
use sendscope_domain::projection::{CaseState, Projection, StreamState};
use sendscope_domain::sen::Sex;
use sendscope_domain::{Actor, DomainError, StreamKind, StreamRef};
use sendscope_sen2::contacts::ContactRow;
use sendscope_sen2::rules::{Finding, Severity, validate};
use sendscope_sen2::{Person, Return};
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// Who the import's events are recorded by.
const ACTOR: &str = "import:sen2";

/// One thing in the file that was not imported: the child, the module and element, the
/// value found, the rule it breaks and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// "Surname, Forename (date of birth)", or "contacts line N".
    pub who: String,
    pub module: String,
    pub element: String,
    pub value: String,
    /// The SEN2 rule's id, "sendscope" for the service's own rules on the order of
    /// steps, or "contacts" for the contacts file's layout.
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} {}{}: {} [{}]",
            self.who,
            self.module,
            self.element,
            if self.value.is_empty() {
                String::new()
            } else {
                format!(" \"{}\"", self.value)
            },
            self.message,
            self.rule
        )
    }
}

impl Problem {
    fn from_finding(f: &Finding) -> Self {
        Problem {
            who: f.who.clone(),
            module: f.module.into(),
            element: f.element.into(),
            value: f.value.clone(),
            rule: f.rule.into(),
            message: f.message.clone(),
        }
    }
}

/// What an import did.
#[derive(Debug, Default, Clone)]
pub struct Imported {
    /// People in the return.
    pub persons: usize,
    /// Records opened for children not known before.
    pub new_children: usize,
    /// People matched to a record already there.
    pub matched: usize,
    /// Of those matched, people the return added nothing to.
    pub unchanged: usize,
    /// People left out whole (their name or date of birth unusable, or the same person twice).
    pub left_out: usize,
    pub requests: usize,
    pub plans: usize,
    pub placements: usize,
    pub events: usize,
    /// Rows of the contacts file used.
    pub contacts: usize,
    /// The header's designated officers recorded as the area's on census day (it had
    /// none recorded for that day).
    pub officers: bool,
    /// The return's queries (not stopping anything; `sendscope sen2 validate` lists them).
    pub queries: usize,
    pub problems: Vec<Problem>,
}

#[derive(Debug, thiserror::Error)]
pub enum Sen2ImportError {
    /// The return as a whole cannot come in here (another area's, a year without a layout).
    #[error("{0}")]
    Refused(String),
    /// `strict`, and some items are bad: nothing was written.
    #[error("{} item(s) in the return cannot be imported, so nothing was (--strict)", .problems.len())]
    Strict { problems: Vec<Problem> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// The records already in the area, as people in a return are matched to them.
#[derive(Default)]
struct Known {
    by_upn: HashMap<String, CaseId>,
    by_uln: HashMap<String, CaseId>,
    by_name: HashMap<(String, String, NaiveDate, String), CaseId>,
}

fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

fn postcode_key(s: Option<&str>) -> String {
    s.map(|p| {
        Postcode::parse(p)
            .map(|p| p.to_string())
            .unwrap_or_else(|_| p.trim().to_ascii_uppercase())
    })
    .unwrap_or_default()
}

impl Known {
    fn add(&mut self, case: CaseId, c: &Child) {
        if let Some(u) = &c.upn {
            self.by_upn.insert(u.to_string(), case);
        }
        if let Some(u) = &c.uln {
            self.by_uln.insert(u.to_string(), case);
        }
        self.by_name.insert(
            (
                name_key(&c.family_name),
                name_key(&c.given_names),
                c.birth_date,
                postcode_key(c.postcode.as_ref().map(|p| p.to_string()).as_deref()),
            ),
            case,
        );
    }

    /// The record this child already has: by UPN, then ULN, then name, date of birth
    /// and postcode.
    fn find(&self, c: &Child) -> Option<CaseId> {
        c.upn
            .as_ref()
            .and_then(|u| self.by_upn.get(&u.to_string()))
            .or_else(|| c.uln.as_ref().and_then(|u| self.by_uln.get(&u.to_string())))
            .or_else(|| {
                self.by_name.get(&(
                    name_key(&c.family_name),
                    name_key(&c.given_names),
                    c.birth_date,
                    postcode_key(c.postcode.as_ref().map(|p| p.to_string()).as_deref()),
                ))
            })
            .copied()
    }
}

/// The member of staff (by name) new records are allocated to, with their team.
pub fn allocation(
    store: &dyn Store,
    area: AreaId,
    name: &str,
) -> Result<CaseworkerAssigned, Sen2ImportError> {
    let (staff, state) = crate::setup::find_staff(store, area, name)
        .map_err(|e| Sen2ImportError::Refused(e.to_string()))?;
    let team = state.added.as_ref().and_then(|a| a.team).ok_or_else(|| {
        Sen2ImportError::Refused(format!(
            "{name} is in no team: move them into one first, so the children's records are their team's"
        ))
    })?;
    Ok(CaseworkerAssigned { staff, team })
}

/// How an import runs.
#[derive(Debug, Clone, Default)]
pub struct Options<'a> {
    /// The contacts file's rows, if one was given.
    pub contacts: Option<&'a [ContactRow]>,
    /// Who new records are allocated to (a team manager who shares them out, say):
    /// needed when the return brings in a child not yet known.
    pub allocate: Option<CaseworkerAssigned>,
    /// Any bad item refuses the whole file.
    pub strict: bool,
}

/// Brings the return into `area`.
pub fn import(
    store: &dyn Store,
    area: AreaId,
    ret: &Return,
    options: Options<'_>,
) -> Result<Imported, Sen2ImportError> {
    let Options {
        contacts,
        allocate,
        strict,
    } = options;
    let year = ret.year().ok_or_else(|| {
        Sen2ImportError::Refused(format!(
            "the return's year \"{}\" is not one sendscope knows the layout for ({})",
            ret.header.year,
            sendscope_sen2::layout::YEARS
                .map(|y| y.to_string())
                .join(", ")
        ))
    })?;
    let la = match store.projection(StreamRef::area(area))?.map(|p| p.state) {
        Some(StreamState::Area(a)) => a.la_code.map(|c| c.to_string()),
        _ => None,
    };
    if la.as_deref() != Some(ret.header.lea.trim()) {
        return Err(Sen2ImportError::Refused(format!(
            "the return is from LA {}, but this area is {}: import it into its own area (--area)",
            ret.header.lea,
            la.unwrap_or_else(|| "not given an LA code".into())
        )));
    }
    let findings = validate(ret);
    if let Some(f) = findings
        .iter()
        .find(|f| f.rule == "H1" && f.severity == Severity::Error)
    {
        return Err(Sen2ImportError::Refused(format!(
            "the return's header is not right: {} ({})",
            f.message, f.value
        )));
    }
    let mut by_person: HashMap<usize, Vec<&Finding>> = HashMap::new();
    for f in findings.iter().filter(|f| f.severity == Severity::Error) {
        if let Some(i) = f.person {
            by_person.entry(i).or_default().push(f);
        }
    }
    let source = format!("the SEN2 return of {}", year.census.format("%-d %B %Y"));
    let reason = format!("Recorded later, from {source}");
    let actor = Actor::parse(ACTOR)?;
    // Each event as written: by the import, for the day it happened, saying where from.
    let event = |case: CaseId| {
        let (actor, reason) = (actor.clone(), reason.clone());
        move |(on, body): (NaiveDate, EventBody)| NewEvent {
            stream: StreamRef::case(case),
            area,
            body,
            actor: actor.clone(),
            effective_date: on,
            reason: Some(reason.clone()),
            recorded_at: None,
        }
    };

    let mut known = Known::default();
    let mut states: HashMap<CaseId, CaseState> = HashMap::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if let Some(child) = &c.child {
            known.add(case, child);
            states.insert(case, c.clone());
        }
    })?;
    let register = register(store, area)?;
    let mut contacts = Contacts::new(contacts.unwrap_or_default());

    let mut out = Imported {
        persons: ret.persons.len(),
        queries: findings
            .iter()
            .filter(|f| f.severity == Severity::Query)
            .count(),
        ..Default::default()
    };
    let mut events: Vec<NewEvent> = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for (i, p) in ret.persons.iter().enumerate() {
        let who = format!("{}, {} ({})", p.surname, p.forename, p.birth_date);
        let errors = by_person.remove(&i).unwrap_or_default();
        out.problems
            .extend(errors.iter().map(|f| Problem::from_finding(f)));
        let identity = ["Surname", "Forename", "PersonBirthDate"];
        let Some(birth) = NaiveDate::parse_from_str(&p.birth_date, "%Y-%m-%d")
            .ok()
            .filter(|_| {
                !errors
                    .iter()
                    .any(|f| f.request.is_none() && identity.contains(&f.element))
            })
        else {
            out.left_out += 1;
            continue;
        };
        let same = (
            name_key(&p.surname),
            name_key(&p.forename),
            p.birth_date.clone(),
        );
        if let Some(first) = seen.get(&same)
            && ret.persons[*first].upn == p.upn
        {
            out.problems.push(Problem {
                who,
                module: "person".into(),
                element: "Person".into(),
                value: String::new(),
                rule: "sendscope".into(),
                message: format!(
                    "this person is in the return twice (also entry {}): only the first is imported; put the two together in the system the return came from",
                    first + 1
                ),
            });
            out.left_out += 1;
            continue;
        }
        seen.insert(same, i);
        let dropped: Vec<&str> = errors
            .iter()
            .filter(|f| f.request.is_none())
            .map(|f| f.element)
            .collect();
        let mut child = child(p, birth, &dropped);
        let bad: Vec<usize> = errors.iter().filter_map(|f| f.request).collect();
        let existing = known.find(&child);
        let (case, base) = match existing {
            Some(case) => (case, states.get(&case).cloned().unwrap_or_default()),
            None => (CaseId::new_random(), CaseState::default()),
        };
        let rows = contacts.take(p, &child);
        let mut planned = plan_person(p, birth, &bad, &base, year, &register, &source);
        let (kept, refused) = simulate(
            (case, area),
            existing.is_none().then(|| allocate.clone()),
            &base,
            &mut planned,
            &mut child,
            &rows,
        );
        out.problems.extend(
            refused
                .into_iter()
                .map(|(module, element, value, message)| Problem {
                    who: who.clone(),
                    module: module.into(),
                    element: element.into(),
                    value,
                    rule: "sendscope".into(),
                    message,
                }),
        );
        let recorded: Vec<(NaiveDate, EventBody)> = if existing.is_none() {
            // A record with nothing in it but the child is not opened.
            if kept
                .iter()
                .all(|(_, b)| matches!(b, EventBody::CaseOpened(_)))
            {
                out.left_out += 1;
                continue;
            }
            out.new_children += 1;
            known.add(case, &child);
            kept
        } else {
            out.matched += 1;
            let mut k = kept;
            k.extend(contacts::for_existing(&base, &rows));
            if k.is_empty() {
                out.unchanged += 1;
            }
            k
        };
        out.contacts += rows.len();
        count(&mut out, &recorded);
        events.extend(recorded.into_iter().map(event(case)));
    }
    // Contacts for children already in the records but not in this return.
    let (rest, problems) = contacts.finish();
    out.problems.extend(problems);
    for rows in rest {
        let Some(case) = rows.first().and_then(|r| known.find(&r.as_child())) else {
            for r in rows {
                out.problems.push(r.unmatched());
            }
            continue;
        };
        let Some(c) = states.get(&case) else {
            continue;
        };
        out.contacts += rows.len();
        let k = contacts::for_existing(c, &rows);
        count(&mut out, &k);
        events.extend(k.into_iter().map(event(case)));
    }
    // The header's designated officers, where the area has not said who was in post.
    let yn = |v: &str| match v.trim() {
        "Y" => Some(true),
        "N" => Some(false),
        _ => None,
    };
    let h = &ret.header;
    if let (Some(medical), Some(clinical)) = (yn(&h.dmo), yn(&h.dco))
        && crate::sen2::officers_on(store, area, year.census)?.is_none()
    {
        out.officers = true;
        out.events += 1;
        events.push(NewEvent {
            stream: StreamRef::area(area),
            area,
            body: EventBody::DesignatedOfficersRecorded(DesignatedOfficers {
                from: year.census,
                medical,
                clinical,
                social_care: h.dsco.as_deref().and_then(yn),
            }),
            actor: actor.clone(),
            effective_date: year.census,
            reason: Some(reason.clone()),
            recorded_at: None,
        });
    }
    if out.new_children > 0 && allocate.is_none() {
        return Err(Sen2ImportError::Refused(format!(
            "the return brings in {} children not yet known: name the member of staff their records are allocated to (--caseworker), such as the team manager who will share them out; nothing was imported",
            out.new_children
        )));
    }
    if strict && !out.problems.is_empty() {
        return Err(Sen2ImportError::Strict {
            problems: out.problems,
        });
    }
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(out)
}

fn count(out: &mut Imported, events: &[(NaiveDate, EventBody)]) {
    out.events += events.len();
    for (_, b) in events {
        match b {
            EventBody::RequestRecorded(_) => out.requests += 1,
            EventBody::PlanRecorded(_) => out.plans += 1,
            EventBody::PlacementStarted(_) => out.placements += 1,
            _ => {}
        }
    }
}

/// The area's settings by URN and UKPRN.
fn register(store: &dyn Store, area: AreaId) -> Result<Register, StoreError> {
    let mut r = Register::default();
    for p in store.area_projections(area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = p.state
            && let Some(d) = s.details
        {
            let id = sendscope_domain::ids::SettingId(p.stream.id);
            if let Some(u) = d.urn {
                r.by_urn.insert(u, id);
            }
            if let Some(u) = d.ukprn {
                r.by_ukprn.entry(u).or_insert(id);
            }
        }
    }
    Ok(r)
}

/// The child as the return gives them; an element with an error is left out (an
/// unusable sex is "not known", an unusable ethnicity "not yet obtained").
fn child(p: &Person, birth: NaiveDate, dropped: &[&str]) -> Child {
    let ok = |e: &str| !dropped.contains(&e);
    let sex = match p.sex.as_str() {
        "M" if ok("Sex") => Sex::Male,
        "F" if ok("Sex") => Sex::Female,
        _ => Sex::Unknown,
    };
    let ethnicity = if ok("Ethnicity") && sendscope_domain::sen::is_ethnicity_code(&p.ethnicity) {
        p.ethnicity.as_str()
    } else {
        "NOBT"
    };
    Child {
        postcode: p
            .postcode
            .as_deref()
            .filter(|_| ok("PostCode"))
            .and_then(|x| Postcode::parse(x).ok()),
        upn: p
            .upn
            .as_deref()
            .filter(|_| ok("UPN"))
            .and_then(|x| Upn::parse(x).ok()),
        uln: p
            .uln
            .as_deref()
            .filter(|_| ok("UniqueLearnerNumber"))
            .and_then(|x| Uln::parse(x).ok()),
        ..Child::named(&p.forename, &p.surname, birth, sex, ethnicity)
    }
}

type Refusal = (&'static str, &'static str, String, String);

/// The person's events in date order, each checked by the domain's rules against the
/// record as it would stand: an item with a step refused is left out whole (and the
/// history tried again without it). A step that would change nothing is not recorded.
/// For a new record, its opening comes first, with the child and the contacts' details.
fn simulate(
    (case, area): (CaseId, AreaId),
    new: Option<Option<CaseworkerAssigned>>,
    base: &CaseState,
    planned: &mut PersonPlan,
    child: &mut Child,
    rows: &[contacts::Row],
) -> (Vec<(NaiveDate, EventBody)>, Vec<Refusal>) {
    planned.events.sort_by_key(|e| (e.on, e.order));
    let mut left_out = vec![false; planned.items.len()];
    let mut refused = Vec::new();
    let is_new = new.is_some();
    let opening = new.map(|caseworker| {
        contacts::fill_child(child, rows);
        EventBody::CaseOpened(CaseOpened {
            child: child.clone(),
            people: contacts::people(rows),
            caseworker,
        })
    });
    'again: loop {
        let mut p = Projection::empty(StreamRef::case(case), area);
        if !is_new {
            p.version = 1;
            p.state = StreamState::Case(Box::new(base.clone()));
        }
        let mut kept = Vec::new();
        if let Some(o) = &opening {
            let first = planned
                .events
                .iter()
                .filter(|e| !left_out[e.item])
                .map(|e| e.on)
                .min()
                .unwrap_or(child.birth_date);
            p.apply_as_recorded(o, first, ACTOR);
            kept.push((first, o.clone()));
        }
        let mut ids: HashMap<usize, RequestId> = HashMap::new();
        for e in &planned.events {
            if left_out[e.item] {
                continue;
            }
            let item = &planned.items[e.item];
            let mut body = e.body.clone();
            let c = p.case().cloned().unwrap_or_default();
            let mut why = None;
            match &mut body {
                EventBody::RequestRecorded(x) if item.new_request => {
                    x.request = RequestId(c.requests.len() as u32 + 1);
                    ids.insert(e.item, x.request);
                }
                EventBody::PlanRecorded(x) if item.new_request => match ids.get(&e.item) {
                    Some(id) => x.request = Some(*id),
                    None => {
                        why = Some("the plan starts before its request was received".to_string())
                    }
                },
                _ => {}
            }
            let why = why.or_else(|| {
                sendscope_domain::rules::check(&p, &body, None)
                    .err()
                    .map(|e| match e {
                        DomainError::Refused(m) => m,
                        other => other.to_string(),
                    })
            });
            if let Some(why) = why {
                left_out[e.item] = true;
                refused.push((item.module, item.element, item.value.clone(), why));
                continue 'again;
            }
            p.apply_as_recorded(&body, e.on, ACTOR);
            if p.case() != Some(&c) {
                kept.push((e.on, body));
            }
        }
        return (kept, refused);
    }
}
