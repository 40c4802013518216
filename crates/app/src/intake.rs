//! A new request for an EHC needs assessment: the child found, or their record opened,
//! with the people around them, the request recorded with the day it was received, and
//! the record allocated to a caseworker. One command behind the page and
//! `POST /api/v1/cases`.
//!
//! Duplicates are caught before anything is written: the same UPN or NHS number is the
//! same child, and the request goes on to their existing record; a similar name with the
//! same date of birth is offered as a possible match, and a new record is opened only
//! when the person recording says it is a different child.

use chrono::NaiveDate;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::event::{CaseworkerAssigned, Child, RequestReceived};
use sendscope_domain::ids::{CaseId, PersonId, RequestId, StaffId, TeamId};
pub use sendscope_domain::intake::{ChildDetails, ParentDetails, check_child};
use sendscope_domain::intake::{
    check_new_request, looks_like_email, new_record, related_person, text,
};
use sendscope_domain::projection::{StreamState, fold};
use sendscope_domain::sen::Requester;
use sendscope_domain::{Actor, EventBody, NewEvent, StreamRef};
use sendscope_store::{CaseQuery, Store};

/// A request for an EHC needs assessment, as it is recorded.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
pub struct NewRequest {
    pub child: ChildDetails,
    #[serde(default)]
    pub parents: Vec<ParentDetails>,
    pub requested_by: Requester,
    /// The day the council received the request (YYYY-MM-DD): today or earlier. An
    /// earlier day is a record made later, kept with its real date.
    pub received_on: NaiveDate,
    /// The caseworker the child is allocated to, by name; the person recording, if they
    /// are a caseworker, when not given.
    #[serde(default)]
    pub caseworker: Option<String>,
    /// The record to add the request to, when a possible match offered is the child.
    #[serde(default)]
    pub existing_case: Option<CaseId>,
    /// The possible matches offered are a different child: open a new record.
    #[serde(default)]
    pub not_a_match: bool,
}

/// A record that may be the same child.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct PossibleMatch {
    pub case: CaseId,
    pub name: String,
    pub birth_date: Option<NaiveDate>,
    pub upn: Option<String>,
    /// Why it may be the same child, in words.
    pub why: String,
}

/// What recording a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// The request is recorded; `existing` when it went on to a record already held
    /// (the same UPN or NHS number, or the match the person chose).
    Recorded {
        case: CaseId,
        existing: bool,
        why: Option<String>,
    },
    /// Nothing written: these records may be the same child. Ask again with
    /// `existing_case` set to one of them, or `not_a_match`.
    PossibleMatches(Vec<PossibleMatch>),
}

/// Why a request was not recorded. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeError {
    /// What is wrong with the answers, field by field (the field's name as the API and
    /// the form give it, and what to do).
    Invalid(Vec<(&'static str, String)>),
    Forbidden,
    /// The request cannot go on now: the message says why and what to do.
    Refused(String),
    Internal(String),
}

impl std::fmt::Display for IntakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IntakeError::Invalid(v) => {
                let parts: Vec<String> = v.iter().map(|(k, m)| format!("{k}: {m}")).collect();
                write!(f, "{}", parts.join("; "))
            }
            IntakeError::Forbidden => {
                write!(f, "only caseworkers and team managers record requests")
            }
            IntakeError::Refused(m) | IntakeError::Internal(m) => write!(f, "{m}"),
        }
    }
}

fn internal(e: impl std::fmt::Display) -> IntakeError {
    IntakeError::Internal(e.to_string())
}

/// The caseworker a new record is allocated to, and their team: the one named, or the
/// person recording when they are a caseworker.
fn allocation(
    store: &dyn Store,
    who: &Principal,
    named: Option<&str>,
) -> Result<(StaffId, TeamId), IntakeError> {
    let (staff, state) = match named {
        Some(name) => crate::setup::find_staff(store, who.area, name)
            .map_err(|e| IntakeError::Invalid(vec![("caseworker", e.to_string())]))?,
        None => {
            let Some(me) = who.staff else {
                return Err(IntakeError::Invalid(vec![(
                    "caseworker",
                    "Choose the caseworker the child is allocated to".into(),
                )]));
            };
            let state = store
                .projection(StreamRef::staff(me))
                .map_err(internal)?
                .and_then(|p| match p.state {
                    StreamState::Staff(s) => Some(s),
                    _ => None,
                })
                .ok_or_else(|| internal("your account's member of staff has no record"))?;
            (me, state)
        }
    };
    let team = state.added.as_ref().and_then(|a| a.team).ok_or_else(|| {
        IntakeError::Invalid(vec![(
            "caseworker",
            "That member of staff is in no team: move them into one first".into(),
        )])
    })?;
    Ok((staff, team))
}

/// Records a request for an EHC needs assessment (see the module's notes).
pub fn record_request(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    asked: &NewRequest,
) -> Result<Intake, IntakeError> {
    let allowed = authorise(who, Action::Change, Resource::CaseList { area: who.area });
    if !allowed.allowed() {
        return Err(IntakeError::Forbidden);
    }
    let child = check_new_request(
        &asked.child,
        &asked.parents,
        asked.received_on,
        england_today(),
    )
    .map_err(IntakeError::Invalid)?;
    let actor = Actor::parse(&format!("user:{username}")).map_err(internal)?;

    // The same child already known: by UPN or NHS number, or the match chosen.
    let known = match asked.existing_case {
        Some(c) => Some((c, None)),
        None => same_child(store, who, &child)?,
    };
    if let Some((case, why)) = known {
        let p = crate::steps::changeable(store, who, &case.to_string(), Action::Change)
            .map_err(|e| match e {
                crate::steps::StepError::Internal(m) => IntakeError::Internal(m),
                _ => IntakeError::Refused(format!(
                    "{} already has a record{}, held by another team: ask that team, or a team manager, to record the request on it",
                    child.given_names,
                    why.as_deref().map(|w| format!(" ({w})")).unwrap_or_default()
                )),
            })?;
        let event = NewEvent {
            stream: p.stream,
            area: p.area,
            body: EventBody::RequestReceived(RequestReceived {
                // A record's requests are numbered from 1.
                request: RequestId(
                    p.case()
                        .and_then(|c| c.requests.iter().map(|r| r.request.0).max())
                        .unwrap_or(0)
                        + 1,
                ),
                received_on: asked.received_on,
                requested_by: asked.requested_by,
            }),
            actor,
            effective_date: asked.received_on,
            reason: None,
            recorded_at: None,
        };
        return match store.append(&[event]) {
            Ok(_) => Ok(Intake::Recorded {
                case,
                existing: true,
                why,
            }),
            Err(sendscope_store::StoreError::Domain(sendscope_domain::DomainError::Refused(m))) => {
                Err(IntakeError::Refused(m))
            }
            Err(e) => Err(internal(e)),
        };
    }
    if !asked.not_a_match {
        let similar = possible_matches(store, who, &child)?;
        if !similar.is_empty() {
            return Ok(Intake::PossibleMatches(similar));
        }
    }

    let (staff, team) = allocation(store, who, text(&asked.caseworker))?;
    let case = CaseId::new_random();
    let events = new_record(
        child,
        &asked.parents,
        CaseworkerAssigned { staff, team },
        (asked.received_on, asked.requested_by),
        &mut PersonId::new_random,
    )
    .map(|body| NewEvent {
        stream: StreamRef::case(case),
        area: who.area,
        body,
        actor: actor.clone(),
        effective_date: asked.received_on,
        reason: None,
        recorded_at: None,
    });
    store.append(&events).map_err(internal)?;
    Ok(Intake::Recorded {
        case,
        existing: false,
        why: None,
    })
}

/// The rows of the area's case list whose search text holds every word of `query`.
fn search(
    store: &dyn Store,
    who: &Principal,
    query: &str,
) -> Result<Vec<sendscope_store::CaseRow>, IntakeError> {
    let page = store
        .list_cases(&CaseQuery {
            area: Some(who.area),
            name: Some(query.to_string()),
            limit: 100,
            ..Default::default()
        })
        .map_err(internal)?;
    Ok(page
        .rows
        .into_iter()
        .filter(|r| r.stage != sendscope_domain::Stage::Merged)
        .collect())
}

/// A record of the same child: the same UPN, or the same NHS number.
fn same_child(
    store: &dyn Store,
    who: &Principal,
    child: &Child,
) -> Result<Option<(CaseId, Option<String>)>, IntakeError> {
    if let Some(upn) = &child.upn {
        let rows = store
            .list_cases(&CaseQuery {
                area: Some(who.area),
                upn: Some(upn.to_string()),
                limit: 10,
                ..Default::default()
            })
            .map_err(internal)?;
        if let Some(r) = rows
            .rows
            .iter()
            .find(|r| r.stage != sendscope_domain::Stage::Merged)
        {
            return Ok(Some((r.case, Some(format!("the same UPN, {upn}")))));
        }
    }
    if let Some(nhs) = &child.nhs_number {
        for r in search(store, who, &nhs.to_string())? {
            let p = store
                .projection(StreamRef::case(r.case))
                .map_err(internal)?;
            let same = p
                .as_ref()
                .and_then(|p| p.case())
                .and_then(|c| c.child.as_ref())
                .is_some_and(|c| c.nhs_number.as_ref() == Some(nhs));
            if same {
                return Ok(Some((r.case, Some(format!("the same NHS number, {nhs}")))));
            }
        }
    }
    Ok(None)
}

/// Records with the same date of birth and a similar name: the same family name or first
/// given name, or names a letter or two apart ("Jon Smith", "John Smyth").
pub fn possible_matches(
    store: &dyn Store,
    who: &Principal,
    child: &Child,
) -> Result<Vec<PossibleMatch>, IntakeError> {
    let dob = child.birth_date.format("%Y-%m-%d").to_string();
    let first = |s: &str| fold(s).split(' ').next().unwrap_or_default().to_string();
    let family = fold(&child.family_name);
    let given = first(&child.given_names);
    let mut out = Vec::new();
    for r in search(store, who, &dob)? {
        if r.birth_date != Some(child.birth_date) {
            continue;
        }
        let (f, g) = (fold(&r.family_name), first(&r.given_names));
        let why = if f == family && g == given {
            "the same name and date of birth"
        } else if f == family {
            "the same family name and date of birth"
        } else if g == given {
            "the same given name and date of birth"
        } else if distance(&format!("{g} {f}"), &format!("{given} {family}")) <= 2 {
            "a similar name and the same date of birth"
        } else {
            continue;
        };
        out.push(PossibleMatch {
            case: r.case,
            name: format!("{} {}", r.given_names, r.family_name),
            birth_date: r.birth_date,
            upn: r.upn,
            why: why.into(),
        });
    }
    Ok(out)
}

/// Edit distance between two short strings (letters inserted, removed or changed).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// A change to what is recorded on a child's record, said with a reason: the reason is
/// kept with the change.
fn record_change(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    reason: &str,
    body: impl FnOnce(&sendscope_domain::projection::CaseState) -> Result<EventBody, IntakeError>,
) -> Result<(), IntakeError> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(IntakeError::Invalid(vec![(
            "reason",
            "Say why the record is changing (for example, the family told us of a new address)"
                .into(),
        )]));
    }
    let p = crate::steps::changeable(store, who, case, Action::Change).map_err(|e| match e {
        crate::steps::StepError::Internal(m) => IntakeError::Internal(m),
        crate::steps::StepError::Forbidden => IntakeError::Forbidden,
        _ => IntakeError::Refused("there is no such record that you can change".into()),
    })?;
    let state = p.case().ok_or_else(|| internal("not a child's record"))?;
    let body = body(state)?;
    let event = NewEvent {
        stream: p.stream,
        area: p.area,
        body,
        actor: Actor::parse(&format!("user:{username}")).map_err(internal)?,
        effective_date: england_today(),
        reason: Some(reason.to_string()),
        recorded_at: None,
    };
    store.append(&[event]).map(|_| ()).map_err(|e| match e {
        sendscope_store::StoreError::Domain(sendscope_domain::DomainError::Refused(m)) => {
            IntakeError::Refused(m)
        }
        e => internal(e),
    })
}

/// Changes the child's details (names, date of birth, identifiers, address, language),
/// each checked as on a new request; where they live on the map is kept.
pub fn change_child(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    details: &ChildDetails,
    reason: &str,
) -> Result<(), IntakeError> {
    let child = check_child(details, england_today()).map_err(IntakeError::Invalid)?;
    record_change(store, who, username, case, reason, |c| {
        Ok(EventBody::ChildDetailsChanged(Child {
            home: c.child.as_ref().and_then(|x| x.home),
            ..child
        }))
    })
}

/// Records a parent or carer on the child's record.
pub fn add_person(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    case: &str,
    person: &ParentDetails,
    reason: &str,
) -> Result<(), IntakeError> {
    if person.name.trim().is_empty() {
        return Err(IntakeError::Invalid(vec![(
            "parent_name",
            "Enter the parent or carer's full name".into(),
        )]));
    }
    if let Some(e) = text(&person.email)
        && !looks_like_email(e)
    {
        return Err(IntakeError::Invalid(vec![(
            "parent_email",
            "Enter the email address in the correct format, like name@example.com".into(),
        )]));
    }
    record_change(store, who, username, case, reason, |_| {
        Ok(EventBody::RelatedPersonAdded(related_person(
            person,
            PersonId::new_random(),
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_a_letter_or_two_apart_are_near() {
        assert_eq!(distance("jon smith", "john smith"), 1);
        assert_eq!(distance("john smyth", "jon smith"), 2);
        assert!(distance("amy brown", "zara ali") > 2);
    }

    #[test]
    fn a_childs_details_are_checked_field_by_field() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        let Err(errors) = check_child(
            &ChildDetails {
                given_names: " ".into(),
                family_name: "Ali".into(),
                birth_date: NaiveDate::from_ymd_opt(2027, 1, 1),
                upn: Some("A12345678901".into()),
                nhs_number: Some("943 476 5918".into()),
                ethnicity: Some("XXXX".into()),
                ..Default::default()
            },
            today,
        ) else {
            panic!("these details are not valid");
        };
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "given_names",
                "birth_date",
                "ethnicity",
                "upn",
                "nhs_number"
            ]
        );
        let child = check_child(
            &ChildDetails {
                given_names: "Zoë".into(),
                family_name: "Ali".into(),
                birth_date: NaiveDate::from_ymd_opt(2018, 3, 12),
                nhs_number: Some("943 476 5919".into()),
                ..Default::default()
            },
            today,
        )
        .expect("valid");
        assert_eq!(child.ethnicity, "NOBT");
        assert!(child.nhs_number.is_some());
    }
}
