//! The validation rules for a return, sendscope's own implementation: each rule is a row
//! of data (its id, the DfE's number where the brief gives one, whether it is an error
//! the DfE will not accept or a query to explain, and what it checks) with its check in
//! [`validate`]. The DfE's numbers are unconfirmed except the UPN checks it shares with
//! the children-in-need census (1510-1550); the rest carry the project's own ids until
//! the real ones are filled in here.

mod person;
mod request;

use crate::Return;
use crate::layout::Year;
use chrono::NaiveDate;
use person::person;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// The DfE will not accept the return until it is put right.
    Error,
    /// To put right or explain in a note with the return.
    Query,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Query => "query",
        }
    }
}

/// A rule as data.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    /// The DfE's rule number, where known.
    pub dfe: Option<&'static str>,
    pub checks: &'static str,
}

/// Every rule sendscope checks.
pub const RULES: &[Rule] = &[
    Rule {
        id: "H1",
        dfe: None,
        checks: "the collection is SEN2, for a known year, on its census day, from the area sending it",
    },
    Rule {
        id: "H2",
        dfe: None,
        checks: "DMO and DCO (and DSCO from 2025) are given, each Y or N",
    },
    Rule {
        id: "P1",
        dfe: None,
        checks: "name, date of birth, sex, ethnicity and postcode are given, with valid codes",
    },
    Rule {
        id: "P2",
        dfe: None,
        checks: "a person with neither UPN nor ULN has a UPNunknown reason, and only then",
    },
    Rule {
        id: "P3",
        dfe: Some("1510"),
        checks: "the UPN's check letter matches its other characters",
    },
    Rule {
        id: "P4",
        dfe: Some("1530"),
        checks: "UPN characters 2-4 are an LA code",
    },
    Rule {
        id: "P5",
        dfe: Some("1540"),
        checks: "UPN characters 5-12 are digits",
    },
    Rule {
        id: "P6",
        dfe: Some("1550"),
        checks: "UPN character 13 is a digit or a valid letter",
    },
    Rule {
        id: "P7",
        dfe: Some("1520"),
        checks: "no UPN is given to two people",
    },
    Rule {
        id: "P8",
        dfe: None,
        checks: "the date of birth is before census day and gives an age of 0 to 25; UN1 only for the under-6s",
    },
    Rule {
        id: "P9",
        dfe: None,
        checks: "a ULN is 10 digits",
    },
    Rule {
        id: "R1",
        dfe: None,
        checks: "the request outcome is Y, N, A, W or H; a received date is given unless H",
    },
    Rule {
        id: "R2",
        dfe: None,
        checks: "the request outcome date is given for Y and N, and only for them",
    },
    Rule {
        id: "R3",
        dfe: None,
        checks: "dates are real dates, none after census day, and a request is received before its outcome",
    },
    Rule {
        id: "R4",
        dfe: None,
        checks: "Exported and TransferLA are LA codes other than the sender's",
    },
    Rule {
        id: "R5",
        dfe: None,
        checks: "flags are 0 or 1 and the request source is 1 to 5",
    },
    Rule {
        id: "A1",
        dfe: None,
        checks: "an assessment is reported only for a request outcome of Y or H",
    },
    Rule {
        id: "A2",
        dfe: None,
        checks: "the assessment outcome is Y, N, A, W or H, its date given for N and for an issued plan, on or after the request's dates",
    },
    Rule {
        id: "A3",
        dfe: None,
        checks: "Week20 is given for a Y or N outcome in the period; an exception on a plan issued within 20 weeks is queried",
    },
    Rule {
        id: "N1",
        dfe: None,
        checks: "a named plan only under an assessment outcome of Y or H, with a start date on or after the assessment outcome date",
    },
    Rule {
        id: "N2",
        dfe: None,
        checks: "every setting has a URN (6 digits), UKPRN (8 digits) or SENsetting code; rank 1 is given and no rank twice; SENSettingOther for OTH and NIEO",
    },
    Rule {
        id: "N3",
        dfe: None,
        checks: "the SEN unit and resourced provision flags are 0 or 1, not both 1, and both 0 for a setting given by code",
    },
    Rule {
        id: "N4",
        dfe: None,
        checks: "start date ≤ cease date ≤ census day; a cease reason exactly when there is a cease date; maximum age only from 24",
    },
    Rule {
        id: "N5",
        dfe: None,
        checks: "OA and DP only with a personal budget; valid residential, work-based and direct-payment codes",
    },
    Rule {
        id: "C1",
        dfe: None,
        checks: "a plan active in the period has its placements and exactly one primary need",
    },
    Rule {
        id: "C2",
        dfe: None,
        checks: "need ranks are 1 and 2, each once, of two different types valid that year",
    },
    Rule {
        id: "C3",
        dfe: None,
        checks: "each placement has an entry date not after census day, and leaves on or after it entered",
    },
    Rule {
        id: "C4",
        dfe: None,
        checks: "a plan active on census day has a placement open that day",
    },
    Rule {
        id: "C5",
        dfe: None,
        checks: "the review decision is on or after the meeting, with its outcome; a decision more than 4 weeks after the meeting is queried",
    },
    Rule {
        id: "C6",
        dfe: None,
        checks: "the plan is amended for a phase transfer by its due date",
    },
];

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// One thing wrong with a return: the rule, how serious, the person (their place in the
/// file and name), the module and element, the value found and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// The person's index in the return (None: the header).
    pub person: Option<usize>,
    /// The index of the request, within the person, the finding is about (None: the
    /// person as a whole).
    pub request: Option<usize>,
    /// "Surname, Forename (date of birth)", for reports.
    pub who: String,
    pub module: &'static str,
    pub element: &'static str,
    pub value: String,
    pub message: String,
}

pub(crate) struct Check<'a> {
    out: Vec<Finding>,
    person: Option<usize>,
    pub(crate) request: Option<usize>,
    who: String,
    pub(crate) year: Option<Year>,
    pub(crate) census: Option<NaiveDate>,
    pub(crate) lea: &'a str,
}

impl Check<'_> {
    pub(crate) fn add(
        &mut self,
        rule: &'static str,
        sev: Severity,
        at: (&'static str, &'static str),
        value: &str,
        message: String,
    ) {
        self.out.push(Finding {
            rule,
            severity: sev,
            person: self.person,
            request: self.request,
            who: self.who.clone(),
            module: at.0,
            element: at.1,
            value: value.to_string(),
            message,
        });
    }

    pub(crate) fn error(
        &mut self,
        rule: &'static str,
        at: (&'static str, &'static str),
        value: &str,
        message: String,
    ) {
        self.add(rule, Severity::Error, at, value, message);
    }

    /// A date, or an R3 error saying it is not one; none after census day.
    pub(crate) fn date(
        &mut self,
        at: (&'static str, &'static str),
        v: Option<&str>,
    ) -> Option<NaiveDate> {
        let v = v?;
        match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => {
                if let Some(c) = self.census
                    && d > c
                {
                    self.error(
                        "R3",
                        at,
                        v,
                        format!(
                            "{} is after census day ({c}): nothing after census day is reported",
                            at.1
                        ),
                    );
                }
                Some(d)
            }
            Err(_) => {
                self.error(
                    "R3",
                    at,
                    v,
                    format!("{} must be a date written YYYY-MM-DD", at.1),
                );
                None
            }
        }
    }

    /// An N5 error unless `v` is one of `codes`.
    pub(crate) fn one_of(
        &mut self,
        at: (&'static str, &'static str),
        v: Option<&String>,
        codes: &[&str],
    ) {
        if let Some(v) = v
            && !codes.contains(&v.as_str())
        {
            self.error(
                "N5",
                at,
                v,
                format!("{} must be one of {}", at.1, codes.join(", ")),
            );
        }
    }

    pub(crate) fn flag(&mut self, at: (&'static str, &'static str), v: Option<&str>) {
        if let Some(v) = v
            && v != "0"
            && v != "1"
        {
            self.error(
                "R5",
                at,
                v,
                format!("{} is a flag: 1 for yes, 0 for no", at.1),
            );
        }
    }
}

/// Every finding for a return, errors first within each person.
pub fn validate(r: &Return) -> Vec<Finding> {
    let year = r.year();
    let mut c = Check {
        out: Vec::new(),
        person: None,
        request: None,
        who: "the return's header".into(),
        year,
        census: year.map(|y| y.census),
        lea: &r.header.lea,
    };
    header(&mut c, r);
    let mut upns: std::collections::HashMap<&str, usize> = Default::default();
    for (i, p) in r.persons.iter().enumerate() {
        c.person = Some(i);
        c.request = None;
        c.who = format!("{}, {} ({})", p.surname, p.forename, p.birth_date);
        if let Some(u) = p.upn.as_deref() {
            if let Some(first) = upns.get(u) {
                let other = &r.persons[*first];
                c.error(
                    "P7",
                    ("person", "UPN"),
                    u,
                    format!(
                        "the same UPN is given to {}, {} too: each child has their own",
                        other.surname, other.forename
                    ),
                );
            } else {
                upns.insert(u, i);
            }
        }
        person(&mut c, p);
    }
    c.out
}

fn header(c: &mut Check<'_>, r: &Return) {
    let h = &r.header;
    match c.year {
        None => c.error(
            "H1",
            ("header", "Year"),
            &h.year,
            format!(
                "the year must be one sendscope knows the layout for ({})",
                crate::layout::YEARS.map(|y| y.to_string()).join(", ")
            ),
        ),
        Some(y) if h.reference_date != y.census.to_string() => c.error(
            "H1",
            ("header", "ReferenceDate"),
            &h.reference_date,
            format!("the {} return's census day is {}", y.year, y.census),
        ),
        Some(_) => {}
    }
    let known = sendscope_domain::codes::LaCode::parse(&h.lea)
        .ok()
        .and_then(sendscope_domain::local_authorities::find)
        .is_some();
    if !known {
        c.error(
            "H1",
            ("header", "LEA"),
            &h.lea,
            "LEA must be the sending authority's 3-digit LA code".into(),
        );
    }
    let dsco_needed = c.year.is_some_and(|y| y.collects("DSCO"));
    for (tag, v) in [
        ("DMO", Some(h.dmo.as_str())),
        ("DCO", Some(h.dco.as_str())),
        (
            "DSCO",
            if dsco_needed {
                Some(h.dsco.as_deref().unwrap_or(""))
            } else {
                None
            },
        ),
    ] {
        if let Some(v) = v
            && v != "Y"
            && v != "N"
        {
            c.error(
                "H2",
                ("header", tag),
                v,
                format!("{tag} must be Y or N: whether the area has a designated officer in post"),
            );
        }
    }
}
