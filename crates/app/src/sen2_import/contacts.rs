//! The contacts file's rows checked and matched to the children of a return (or to
//! records already there): the child's address and home language, their parents and
//! carers. Layout: `sendscope_sen2::contacts`, documented in `docs/sen2-import.md`.

use super::{Problem, name_key};
use chrono::NaiveDate;
use sendscope_domain::calendar::england_today;
use sendscope_domain::codes::{Postcode, Upn};
use sendscope_domain::event::{Child, EventBody, RelatedPerson, Relationship};
use sendscope_domain::ids::PersonId;
use sendscope_domain::intake::{ParentDetails, looks_like_email, related_person};
use sendscope_domain::projection::CaseState;
use sendscope_sen2::Person;
use sendscope_sen2::contacts::ContactRow;
use std::collections::HashMap;

/// A row that passed its checks.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    line: usize,
    upn: Option<Upn>,
    surname: String,
    forename: String,
    birth: NaiveDate,
    postcode: Option<Postcode>,
    address: Option<String>,
    home_language: Option<String>,
    parent: Option<ParentDetails>,
}

impl Row {
    /// The child the row is about, as records are matched.
    pub(crate) fn as_child(&self) -> Child {
        Child {
            postcode: self.postcode.clone(),
            upn: self.upn.clone(),
            ..Child::named(
                &self.forename,
                &self.surname,
                self.birth,
                sendscope_domain::sen::Sex::Unknown,
                "",
            )
        }
    }

    pub(crate) fn unmatched(&self) -> Problem {
        Problem {
            who: format!("contacts line {}", self.line),
            module: "contacts".into(),
            element: "child".into(),
            value: format!("{}, {} ({})", self.surname, self.forename, self.birth),
            rule: "contacts".into(),
            message: "no child in the return or in the records has this UPN, or this name, date of birth and postcode: check the row against the return".into(),
        }
    }
}

/// The rows not yet matched, by child.
pub(crate) struct Contacts {
    rows: Vec<Option<Row>>,
    by_upn: HashMap<String, Vec<usize>>,
    by_name: HashMap<(String, String, NaiveDate), Vec<usize>>,
    problems: Vec<Problem>,
}

fn flag(v: Option<&str>) -> Result<Option<bool>, ()> {
    match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(None),
        Some("yes" | "y" | "1" | "true") => Ok(Some(true)),
        Some("no" | "n" | "0" | "false") => Ok(Some(false)),
        Some(_) => Err(()),
    }
}

fn check(r: &ContactRow) -> Result<Row, Box<Problem>> {
    let bad = |element: &str, value: &Option<String>, message: &str| {
        Box::new(Problem {
            who: format!("contacts line {}", r.line),
            module: "contacts".into(),
            element: element.into(),
            value: value.clone().unwrap_or_default(),
            rule: "contacts".into(),
            message: message.into(),
        })
    };
    let (Some(surname), Some(forename)) = (&r.surname, &r.forename) else {
        return Err(bad(
            "surname",
            &None,
            "give the child's surname and forename, as in the return",
        ));
    };
    let birth = r
        .birth_date
        .as_deref()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            bad(
                "birth_date",
                &r.birth_date,
                "give the child's date of birth written YYYY-MM-DD",
            )
        })?;
    let upn = match &r.upn {
        None => None,
        Some(u) => Some(Upn::parse(u).map_err(|e| bad("upn", &r.upn, &e.to_string()))?),
    };
    let postcode = match &r.postcode {
        None => None,
        Some(p) => {
            Some(Postcode::parse(p).map_err(|e| bad("postcode", &r.postcode, &e.to_string()))?)
        }
    };
    let yes_no = |element: &str, v: &Option<String>| {
        flag(v.as_deref()).map_err(|_| bad(element, v, "write yes or no"))
    };
    let parent = match &r.parent_name {
        None => None,
        Some(name) => {
            let relationship = r
                .relationship
                .as_deref()
                .map(|x| x.trim().to_ascii_lowercase().replace([' ', '-'], "_"))
                .map(|x| {
                    serde_json::from_value::<Relationship>(serde_json::Value::String(x))
                        .map_err(|_| bad("relationship", &r.relationship, "use one of: mother, father, parent, grandparent, foster carer, local authority, guardian, carer, other"))
                })
                .transpose()?
                .unwrap_or(Relationship::Parent);
            if let Some(e) = &r.email
                && !looks_like_email(e)
            {
                return Err(bad(
                    "email",
                    &r.email,
                    "write the email address in the correct format, like name@example.com",
                ));
            }
            Some(ParentDetails {
                name: name.clone(),
                relationship,
                parental_responsibility: yes_no(
                    "parental_responsibility",
                    &r.parental_responsibility,
                )?
                .unwrap_or(true),
                email: r.email.clone(),
                phone: r.phone.clone(),
                letters_by_email: yes_no("letters_by_email", &r.letters_by_email)?.unwrap_or(false),
                confidential_address: yes_no("confidential_address", &r.confidential_address)?
                    .unwrap_or(false),
            })
        }
    };
    Ok(Row {
        line: r.line,
        upn,
        surname: surname.clone(),
        forename: forename.clone(),
        birth,
        postcode,
        address: r.address.clone(),
        home_language: r.home_language.clone(),
        parent,
    })
}

impl Contacts {
    pub(crate) fn new(rows: &[ContactRow]) -> Self {
        let mut c = Contacts {
            rows: Vec::new(),
            by_upn: HashMap::new(),
            by_name: HashMap::new(),
            problems: Vec::new(),
        };
        for r in rows {
            match check(r) {
                Ok(row) => {
                    let i = c.rows.len();
                    if let Some(u) = &row.upn {
                        c.by_upn.entry(u.to_string()).or_default().push(i);
                    }
                    c.by_name
                        .entry((name_key(&row.surname), name_key(&row.forename), row.birth))
                        .or_default()
                        .push(i);
                    c.rows.push(Some(row));
                }
                Err(p) => c.problems.push(*p),
            }
        }
        c
    }

    /// The rows about this person of the return: by UPN where the row gives one, else by
    /// name and date of birth (and postcode, where the row gives one).
    pub(crate) fn take(&mut self, p: &Person, child: &Child) -> Vec<Row> {
        if self.rows.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<usize> = child
            .upn
            .as_ref()
            .and_then(|u| self.by_upn.get(&u.to_string()))
            .cloned()
            .unwrap_or_default();
        let key = (
            name_key(&p.surname),
            name_key(&p.forename),
            child.birth_date,
        );
        for &i in self
            .by_name
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let Some(r) = &self.rows[i] else { continue };
            let same_upn = r.upn.is_none() || r.upn == child.upn;
            let same_postcode = r.postcode.is_none() || r.postcode == child.postcode;
            if same_upn && same_postcode && !found.contains(&i) {
                found.push(i);
            }
        }
        found.sort_unstable();
        found
            .into_iter()
            .filter_map(|i| self.rows[i].take())
            .collect()
    }

    /// The rows no person of the return took, by child, and the rows that failed their checks.
    pub(crate) fn finish(self) -> (Vec<Vec<Row>>, Vec<Problem>) {
        let mut groups: Vec<Vec<Row>> = Vec::new();
        let mut at: HashMap<(Option<String>, String, String, NaiveDate), usize> = HashMap::new();
        for r in self.rows.into_iter().flatten() {
            let key = (
                r.upn.as_ref().map(|u| u.to_string()),
                name_key(&r.surname),
                name_key(&r.forename),
                r.birth,
            );
            match at.get(&key) {
                Some(&g) => groups[g].push(r),
                None => {
                    at.insert(key, groups.len());
                    groups.push(vec![r]);
                }
            }
        }
        (groups, self.problems)
    }
}

/// The child's address and home language from the rows, where the return had none.
pub(crate) fn fill_child(child: &mut Child, rows: &[Row]) {
    if child.address.is_none() {
        child.address = rows.iter().find_map(|r| r.address.clone());
    }
    if child.home_language.is_none() {
        child.home_language = rows.iter().find_map(|r| r.home_language.clone());
    }
}

/// The parents and carers in the rows, each once.
pub(crate) fn people(rows: &[Row]) -> Vec<RelatedPerson> {
    let mut out: Vec<RelatedPerson> = Vec::new();
    for p in rows.iter().filter_map(|r| r.parent.as_ref()) {
        if !out.iter().any(|x| name_key(&x.name) == name_key(&p.name)) {
            out.push(related_person(p, PersonId::new_random()));
        }
    }
    out
}

/// For a record already there: the address and home language it lacks, and the people
/// it does not have yet (by name), recorded today.
pub(crate) fn for_existing(c: &CaseState, rows: &[Row]) -> Vec<(NaiveDate, EventBody)> {
    let today = england_today();
    let mut out = Vec::new();
    if let Some(child) = &c.child {
        let mut filled = child.clone();
        fill_child(&mut filled, rows);
        if &filled != child {
            out.push((today, EventBody::ChildDetailsChanged(filled)));
        }
    }
    for p in people(rows) {
        if !c
            .related
            .iter()
            .any(|x| name_key(&x.name) == name_key(&p.name))
        {
            out.push((today, EventBody::RelatedPersonAdded(p)));
        }
    }
    out
}
