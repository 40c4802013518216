//! The rules of recording a request for an EHC needs assessment for a child not yet
//! known to the service, with no store: the child's details checked field by field, and
//! the events that open their record. `sendscope_app::intake::record_request` writes
//! them (after looking for the same child); the demo generator makes its children the
//! same way, so every demo child passes the checks a council's do.

use crate::calendar::long_date;
use crate::codes::{LaCode, NhsNumber, Postcode, Uln, Upn};
use crate::event::{
    CaseOpened, CaseworkerAssigned, Child, LookedAfter, RelatedPerson, Relationship,
    RequestReceived,
};
use crate::ids::{PersonId, RequestId};
use crate::sen::{Requester, Sex, is_ethnicity_code};
use crate::{DomainError, EventBody};
use chrono::NaiveDate;

/// What is wrong with the answers, field by field: the field's name as the API and the
/// form give it, and what to do.
pub type Problems = Vec<(&'static str, String)>;

/// The child as the person recording the request gives them.
#[derive(Debug, Clone, Default, serde::Deserialize, schemars::JsonSchema)]
pub struct ChildDetails {
    /// Legal given names.
    #[serde(default)]
    pub given_names: String,
    /// Legal family name.
    #[serde(default)]
    pub family_name: String,
    /// The name the child is known by, where it is not their legal given name.
    #[serde(default)]
    pub preferred_name: Option<String>,
    /// YYYY-MM-DD.
    pub birth_date: Option<NaiveDate>,
    pub sex: Option<Sex>,
    /// A DfE ethnicity code (e.g. WBRI); "NOBT" (not yet obtained) if not given.
    #[serde(default)]
    pub ethnicity: Option<String>,
    #[serde(default)]
    pub upn: Option<String>,
    #[serde(default)]
    pub uln: Option<String>,
    #[serde(default)]
    pub nhs_number: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub home_language: Option<String>,
    #[serde(default)]
    pub interpreter_needed: bool,
    /// The LA code of the local authority they live in, where it is not this area's.
    #[serde(default)]
    pub la_of_residence: Option<String>,
    /// A parent acts for the young person after compulsory school age: letters and
    /// decisions go to the parent.
    #[serde(default)]
    pub parent_acts: bool,
    /// For a looked-after child: their social worker's name.
    #[serde(default)]
    pub social_worker: Option<String>,
    /// For a looked-after child: the virtual school, as named.
    #[serde(default)]
    pub virtual_school: Option<String>,
}

/// A parent or carer recorded with the request.
#[derive(Debug, Clone, serde::Deserialize, schemars::JsonSchema)]
pub struct ParentDetails {
    pub name: String,
    pub relationship: Relationship,
    /// Whether they hold parental responsibility (yes unless said otherwise).
    #[serde(default = "yes")]
    pub parental_responsibility: bool,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub letters_by_email: bool,
    /// Their address must not be shared (for example, a refuge).
    #[serde(default)]
    pub confidential_address: bool,
}

fn yes() -> bool {
    true
}

pub fn text(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// The child's details checked, each problem with its field; a child ready to record.
pub fn check_child(d: &ChildDetails, today: NaiveDate) -> Result<Child, Problems> {
    let mut errors = Vec::new();
    if d.given_names.trim().is_empty() {
        errors.push(("given_names", "Enter the child's given names".into()));
    }
    if d.family_name.trim().is_empty() {
        errors.push(("family_name", "Enter the child's family name".into()));
    }
    match d.birth_date {
        None => errors.push(("birth_date", "Enter the child's date of birth".into())),
        Some(b) if b > today => errors.push((
            "birth_date",
            "The date of birth must be today or in the past".into(),
        )),
        Some(b) if today.years_since(b).unwrap_or(0) >= 26 => errors.push((
            "birth_date",
            format!(
                "The date of birth makes them {} years old: EHC plans are for children and young people up to 25. Check the year",
                today.years_since(b).unwrap_or(0)
            ),
        )),
        Some(_) => {}
    }
    let ethnicity = text(&d.ethnicity).unwrap_or("NOBT").to_ascii_uppercase();
    if !is_ethnicity_code(&ethnicity) {
        errors.push((
            "ethnicity",
            format!("{ethnicity} is not a DfE ethnicity code: choose one from the list (NOBT if not yet known)"),
        ));
    }
    // Each code parsed once: its value, or what is wrong with it.
    let mut code = |field: &'static str,
                    v: &Option<String>,
                    parse: &dyn Fn(&str) -> Result<(), DomainError>| {
        if let Some(t) = text(v)
            && let Err(e) = parse(t)
        {
            errors.push((field, capitalise(&e.to_string())));
        }
    };
    code("upn", &d.upn, &|t| Upn::parse(t).map(|_| ()));
    code("uln", &d.uln, &|t| Uln::parse(t).map(|_| ()));
    code("nhs_number", &d.nhs_number, &|t| {
        NhsNumber::parse(t).map(|_| ())
    });
    code("postcode", &d.postcode, &|t| Postcode::parse(t).map(|_| ()));
    code("la_of_residence", &d.la_of_residence, &|t| {
        let la = LaCode::parse(t)?;
        match crate::local_authorities::find(la) {
            Some(_) => Ok(()),
            None => Err(DomainError::Invalid {
                what: "LA code",
                value: t.to_string(),
                how: "it is not an English local authority's: check it against the DfE's list"
                    .into(),
            }),
        }
    });
    if text(&d.social_worker).is_some() != text(&d.virtual_school).is_some() {
        errors.push((
            if text(&d.social_worker).is_some() {
                "virtual_school"
            } else {
                "social_worker"
            },
            "For a looked-after child, give both their social worker and the virtual school".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Child {
        given_names: d.given_names.trim().to_string(),
        family_name: d.family_name.trim().to_string(),
        preferred_name: text(&d.preferred_name).map(str::to_string),
        birth_date: d.birth_date.unwrap_or(today),
        sex: d.sex.unwrap_or(Sex::Unknown),
        ethnicity,
        postcode: text(&d.postcode).and_then(|t| Postcode::parse(t).ok()),
        upn: text(&d.upn).and_then(|t| Upn::parse(t).ok()),
        uln: text(&d.uln).and_then(|t| Uln::parse(t).ok()),
        nhs_number: text(&d.nhs_number).and_then(|t| NhsNumber::parse(t).ok()),
        home: None,
        address: text(&d.address).map(str::to_string),
        home_language: text(&d.home_language).map(str::to_string),
        interpreter_needed: d.interpreter_needed,
        la_of_residence: text(&d.la_of_residence).and_then(|t| LaCode::parse(t).ok()),
        parent_acts: d.parent_acts,
        looked_after: match (text(&d.social_worker), text(&d.virtual_school)) {
            (Some(s), Some(v)) => Some(LookedAfter {
                social_worker: s.to_string(),
                virtual_school: v.to_string(),
            }),
            _ => None,
        },
    })
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A request for a child not yet known, checked: the child ready to record, or every
/// problem with the child, the day received (`today` or earlier, not before the birth)
/// and the parents.
pub fn check_new_request(
    child: &ChildDetails,
    parents: &[ParentDetails],
    received_on: NaiveDate,
    today: NaiveDate,
) -> Result<Child, Problems> {
    let checked = check_child(child, today);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    if received_on > today {
        errors.push((
            "received_on",
            format!(
                "The day the request was received must be today or earlier, not {}",
                long_date(received_on)
            ),
        ));
    }
    if let Some(b) = child.birth_date
        && received_on < b
    {
        errors.push((
            "received_on",
            "The day the request was received is before the child's date of birth: check both dates".into(),
        ));
    }
    for (i, p) in parents.iter().enumerate() {
        if p.name.trim().is_empty() {
            errors.push((
                "parents",
                format!("Enter the name of parent or carer {}", i + 1),
            ));
        }
        if let Some(e) = text(&p.email)
            && !looks_like_email(e)
        {
            errors.push((
                "parents",
                format!(
                    "Enter {}'s email address in the correct format, like name@example.com",
                    p.name.trim()
                ),
            ));
        }
    }
    match checked {
        Ok(c) if errors.is_empty() => Ok(c),
        _ => Err(errors),
    }
}

/// A parent or carer as they are recorded, with a new identity.
pub fn related_person(p: &ParentDetails, person: PersonId) -> RelatedPerson {
    RelatedPerson {
        person,
        name: p.name.trim().to_string(),
        relationship: p.relationship,
        parental_responsibility: p.parental_responsibility,
        confidential_address: p.confidential_address,
        email: text(&p.email).map(str::to_string),
        phone: text(&p.phone).map(str::to_string),
        letters_by_email: p.letters_by_email && text(&p.email).is_some(),
    }
}

/// What recording a request for a child not yet known writes: their record opened with
/// the people around them and the caseworker it is allocated to, then the request
/// (a record's requests are numbered from 1). `person` gives each parent an identity.
pub fn new_record(
    child: Child,
    parents: &[ParentDetails],
    caseworker: CaseworkerAssigned,
    (received_on, requested_by): (NaiveDate, Requester),
    person: &mut dyn FnMut() -> PersonId,
) -> [EventBody; 2] {
    let people = parents
        .iter()
        .map(|p| related_person(p, person()))
        .collect();
    [
        EventBody::CaseOpened(CaseOpened {
            child,
            people,
            caseworker: Some(caseworker),
        }),
        EventBody::RequestReceived(RequestReceived {
            request: RequestId(1),
            received_on,
            requested_by,
        }),
    ]
}

pub fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((a, b)) => !a.is_empty() && b.contains('.') && !b.starts_with('.') && !s.contains(' '),
        None => false,
    }
}
