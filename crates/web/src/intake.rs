//! `/requests/new`: a request for an EHC needs assessment as a caseworker records it: the
//! child, a parent or carer, who asked and when, and the caseworker. Over
//! `app::intake::record_request` (which `POST /api/v1/cases` also calls). Possible
//! matches are shown for the caseworker to choose from, with what was entered carried
//! forward; a record is never merged or opened by guesswork.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{with_form, with_user};
use crate::steps::{REQUESTERS, Submitted, date_from, value};
use crate::{AppState, ui};
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::intake::{
    ChildDetails, Intake, IntakeError, NewRequest, ParentDetails, PossibleMatch, record_request,
};
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::long_date;
use sendscope_domain::event::{Relationship, StaffJob};
use sendscope_domain::projection::StreamState;
use sendscope_domain::sen::{ETHNICITY_CODES, Requester, Sex};
use sendscope_store::Store;

const TITLE: &str = "Record a request for an EHC needs assessment";

/// The form's questions, in the order it asks them.
const FIELDS: &[&str] = &[
    "requested_by",
    "received_on",
    "given_names",
    "family_name",
    "preferred_name",
    "birth_date",
    "sex",
    "upn",
    "nhs_number",
    "uln",
    "address",
    "postcode",
    "ethnicity",
    "home_language",
    "interpreter",
    "la_of_residence",
    "parent_acts",
    "social_worker",
    "virtual_school",
    "parent_name",
    "parent_relationship",
    "parent_pr",
    "parent_email",
    "parent_phone",
    "parent_letters",
    "caseworker",
];

const SEXES: &[(&str, &str)] = &[
    ("female", "Female"),
    ("male", "Male"),
    ("unknown", "Not known"),
];

const RELATIONSHIPS: &[(&str, &str)] = &[
    ("mother", "Mother"),
    ("father", "Father"),
    ("parent", "Parent"),
    ("grandparent", "Grandparent"),
    ("foster_carer", "Foster carer"),
    ("guardian", "Guardian"),
    ("carer", "Carer"),
    ("other", "Other"),
];

fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A snake_case answer as the enum serde reads it.
fn choice<T: serde::de::DeserializeOwned>(v: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(v.to_string())).ok()
}

/// The caseworkers in post in the recorder's team (everyone's, for a role without one).
fn caseworkers(store: &dyn Store, who: &SignedIn) -> Result<Vec<(String, String)>, crate::Error> {
    let p = &who.principal;
    let mut out: Vec<(String, String)> = store
        .area_projections(p.area, StreamKind::Staff)
        .map_err(crate::Error::internal)?
        .into_iter()
        .filter_map(|x| match &x.state {
            StreamState::Staff(s) if s.left_on.is_none() => s
                .added
                .as_ref()
                .filter(|a| a.job == StaffJob::Caseworker && (p.team.is_none() || a.team == p.team))
                .map(|a| (x.stream.id.to_string(), a.name.clone())),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

fn may_record(who: &SignedIn) -> Result<(), crate::Error> {
    let p = &who.principal;
    if authorise(p, Action::Change, Resource::CaseList { area: p.area }).allowed() {
        Ok(())
    } else {
        Err(crate::Error::forbidden(
            "Caseworkers and team managers record requests for assessment. Ask your team if a request needs recording.",
        ))
    }
}

/// GET /requests/new
pub async fn form(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        if let Err(e) = may_record(&who) {
            return e.into_response();
        }
        let staff = match caseworkers(store, &who) {
            Ok(s) => s,
            Err(e) => return e.into_response(),
        };
        let mine = who
            .principal
            .staff
            .map(|s| s.to_string())
            .unwrap_or_default();
        let form: Submitted = vec![
            ("caseworker".into(), mine),
            ("parent_pr".into(), "yes".into()),
        ];
        Html(ui::page(TITLE, render(&who, &staff, &form, &[]))).into_response()
    })
    .await
}

/// The request as asked for on the form, or the fields to put right.
fn asked(form: &Submitted) -> Result<NewRequest, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let opt = |k: &str| Some(value(form, k).to_string()).filter(|v| !v.is_empty());
    let birth_date = date_from(form, "birth_date", "Date of birth").unwrap_or_else(|e| {
        errors.push(("birth_date", e));
        None
    });
    let received_on = match date_from(form, "received_on", "Date the request was received") {
        Ok(Some(d)) => Some(d),
        Ok(None) => {
            errors.push((
                "received_on",
                "Enter the date the request was received".into(),
            ));
            None
        }
        Err(e) => {
            errors.push(("received_on", e));
            None
        }
    };
    let requested_by: Option<Requester> = choice(value(form, "requested_by"));
    if requested_by.is_none() {
        errors.push(("requested_by", "Choose who made the request".into()));
    }
    let mut parents = Vec::new();
    match parent_details(form) {
        Ok(Some(p)) => parents.push(p),
        Ok(None) => {}
        Err(e) => errors.push(e),
    }
    let matched = value(form, "match");
    let request = NewRequest {
        child: child_details(form, birth_date),
        parents,
        requested_by: requested_by.unwrap_or(Requester::Other),
        received_on: received_on.unwrap_or_default(),
        caseworker: opt("caseworker"),
        existing_case: sendscope_domain::ids::CaseId::parse(matched).ok(),
        not_a_match: matched == "none",
    };
    if errors.is_empty() {
        return Ok(request);
    }
    // The checks the form cannot make on its own, listed with its own.
    if let Err(more) = sendscope_app::intake::check_child(
        &request.child,
        sendscope_domain::calendar::england_today(),
    ) {
        for (k, m) in more {
            if !errors.iter().any(|(f, _)| *f == k) {
                errors.push((k, m));
            }
        }
    }
    Err(errors)
}

/// POST /requests/new
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        if let Err(e) = may_record(&who) {
            return e.into_response();
        }
        let staff = match caseworkers(store, &who) {
            Ok(s) => s,
            Err(e) => return e.into_response(),
        };
        let again = |status: StatusCode, errors: &[(&'static str, String)]| {
            let title = format!("Error: {TITLE}");
            (
                status,
                Html(ui::page(&title, render(&who, &staff, &form, errors))),
            )
                .into_response()
        };
        let request = match asked(&form) {
            Ok(r) => r,
            Err(errors) => return again(StatusCode::BAD_REQUEST, &errors),
        };
        match record_request(store, &who.principal, who.username.as_str(), &request) {
            Ok(Intake::Recorded { case, .. }) => {
                Redirect::to(&format!("/cases/{case}?recorded=request-received")).into_response()
            }
            Ok(Intake::PossibleMatches(matches)) => {
                let body = render_matches(&who, &form, &matches);
                // The possible matches (names, dates of birth, UPNs) are views of them.
                let shown = crate::access_log::Shows(matches.iter().map(|m| m.case).collect());
                let mut r = Html(ui::page("Is this a child already known?", body)).into_response();
                r.extensions_mut().insert(shown);
                r
            }
            Err(IntakeError::Invalid(errors)) => {
                let errors: Vec<(&'static str, String)> = errors
                    .into_iter()
                    .map(|(k, m)| (if k == "parents" { "parent_name" } else { k }, m))
                    .collect();
                again(StatusCode::BAD_REQUEST, &errors)
            }
            Err(IntakeError::Refused(m)) => {
                again(StatusCode::UNPROCESSABLE_ENTITY, &[("given_names", m)])
            }
            Err(IntakeError::Forbidden) => match may_record(&who) {
                Err(e) => e.into_response(),
                Ok(()) => crate::shell::not_found(),
            },
            Err(IntakeError::Internal(m)) => crate::Error::internal(m).into_response(),
        }
    })
    .await
}

/// Everything entered, carried forward as hidden fields (the match is asked afresh).
fn carried(form: &Submitted) -> Markup {
    html! {
        @for (k, v) in form.iter().filter(|(k, _)| k != "csrf" && k != "match") {
            input type="hidden" name=(k) value=(v);
        }
    }
}

fn render_matches(who: &SignedIn, form: &Submitted, matches: &[PossibleMatch]) -> Markup {
    let mut options: Vec<(String, String)> = matches
        .iter()
        .map(|m| {
            let born = m.birth_date.map(long_date).unwrap_or_default();
            let upn = m
                .upn
                .as_deref()
                .map(|u| format!(", UPN {u}"))
                .unwrap_or_default();
            (
                m.case.to_string(),
                format!("{}, born {born}{upn}: {}", m.name, m.why),
            )
        })
        .collect();
    options.push((
        "none".into(),
        "No, this is a different child: open a new record".into(),
    ));
    html! {
        span.govuk-caption-l { (value(form, "given_names")) " " (value(form, "family_name")) }
        h1.govuk-heading-l { "Is this a child already known?" }
        p.govuk-body { "Nothing has been recorded yet. These records have a similar name and the same date of birth. \
            If one of them is this child, the request goes on their record; a second record for one child \
            splits their history and counts them twice." }
        form method="post" action="/requests/new" novalidate {
            (ui::csrf(&who.session.csrf))
            (carried(form))
            (ui::radios(&ui::Question::new("match", "Which record is this child's?"), &options, "", None))
            (ui::submit("Continue"))
        }
    }
}

fn render(
    who: &SignedIn,
    staff: &[(String, String)],
    form: &Submitted,
    errors: &[(&'static str, String)],
) -> Markup {
    // The error summary lists the problems in the order the page asks the questions.
    let mut listed: Vec<(&'static str, String)> = errors.to_vec();
    listed.sort_by_key(|(k, _)| FIELDS.iter().position(|f| f == k).unwrap_or(FIELDS.len()));
    let p = ui::Problems(&listed);
    let q = |name: &'static str, label: &'static str| p.question(name, label);
    let hinted =
        |name: &'static str, label: &'static str, hint: &'static str| p.hinted(name, label, hint);
    let v = |k: &str| value(form, k);
    let date = |k: &str| date_parts(form, k);
    html! {
        (p.summary())
        h1.govuk-heading-l { (TITLE) }
        p.govuk-body { "Record the request on the day it was received. If the child already has a record, sendscope finds it by their UPN or NHS number, or offers records with a similar name and the same date of birth." }
        form method="post" action="/requests/new" novalidate {
            (ui::csrf(&who.session.csrf))
            h2.govuk-heading-m { "The request" }
            (ui::radios(&q("requested_by", "Who made the request?"), &owned(REQUESTERS), v("requested_by"), None))
            (ui::date_input(&hinted("received_on", "Date the request was received", "For example, 27 3 2026. A date before today is kept as a record made later."), date("received_on")))
            h2.govuk-heading-m { "The child or young person" }
            (child_questions(&p, form))
            h2.govuk-heading-m { "Parent or carer" }
            (parent_questions(&p, form, true))
            h2.govuk-heading-m { "Allocation" }
            (ui::select_question(&q("caseworker", "Caseworker"), staff, Some("Choose a caseworker"), v("caseworker")))
            (ui::submit("Record the request"))
        }
    }
}

/// The questions about the child, as a new request and a change of details ask them.
pub(crate) fn child_questions(p: &ui::Problems<'_>, form: &Submitted) -> Markup {
    let q = |name: &'static str, label: &'static str| p.question(name, label);
    let hinted =
        |name: &'static str, label: &'static str, hint: &'static str| p.hinted(name, label, hint);
    let v = |k: &str| value(form, k);
    let date = |k: &str| date_parts(form, k);
    let ethnicities: Vec<(String, String)> = ETHNICITY_CODES
        .iter()
        .map(|(c, l)| (c.to_string(), l.to_string()))
        .collect();
    let yes_no = owned(&[("yes", "Yes"), ("no", "No")]);
    html! {
        (ui::text_input(&hinted("given_names", "Given names", "Their legal names, as on their birth certificate"), "", ui::Width::Half, v("given_names")))
        (ui::text_input(&q("family_name", "Family name"), "", ui::Width::Half, v("family_name")))
        (ui::text_input(&hinted("preferred_name", "Name they are known by", "If it is not their legal given name"), " (optional)", ui::Width::Half, v("preferred_name")))
        (ui::date_input(&hinted("birth_date", "Date of birth", "For example, 12 3 2019"), date("birth_date")))
        (ui::radios(&q("sex", "Sex"), &owned(SEXES), v("sex"), None))
        (ui::text_input(&hinted("upn", "Unique pupil number (UPN)", "13 characters, from their school, like H801200001001"), " (optional)", ui::Width::Half, v("upn")))
        (ui::text_input(&hinted("nhs_number", "NHS number", "10 digits, like 943 476 5919"), " (optional)", ui::Width::Half, v("nhs_number")))
        (ui::text_input(&hinted("uln", "Unique learner number (ULN)", "10 digits, for a young person in further education"), " (optional)", ui::Width::Half, v("uln")))
        (ui::textarea(&q("address", "Home address"), " (optional)", 3, v("address")))
        (ui::text_input(&q("postcode", "Postcode"), " (optional)", ui::Width::Half, v("postcode")))
        (ui::select_question(&q("ethnicity", "Ethnicity"), &ethnicities, None, if v("ethnicity").is_empty() { "NOBT" } else { v("ethnicity") }))
        (ui::text_input(&q("home_language", "Language spoken at home"), " (optional)", ui::Width::Half, v("home_language")))
        (ui::radios(&q("interpreter", "Does the family need an interpreter?"), &yes_no, v("interpreter"), None))
        (ui::text_input(&hinted("la_of_residence", "Local authority they live in", "Its LA code, if it is not this area's, like 830 for Derbyshire"), " (optional)", ui::Width::Number, v("la_of_residence")))
        (ui::radios(&hinted("parent_acts", "After compulsory school age, does a parent act for the young person?", "Letters and decisions go to the young person from the end of compulsory school age, unless a parent acts for them"), &yes_no, if v("parent_acts").is_empty() { "no" } else { v("parent_acts") }, None))
        (ui::text_input(&hinted("social_worker", "Social worker", "For a looked-after child"), " (optional)", ui::Width::Half, v("social_worker")))
        (ui::text_input(&hinted("virtual_school", "Virtual school", "For a looked-after child"), " (optional)", ui::Width::Half, v("virtual_school")))
    }
}

/// The questions about a parent or carer; `optional` when the form may have none.
pub(crate) fn parent_questions(p: &ui::Problems<'_>, form: &Submitted, optional: bool) -> Markup {
    let q = |name: &'static str, label: &'static str| p.question(name, label);
    let v = |k: &str| value(form, k);
    let yes_no = owned(&[("yes", "Yes"), ("no", "No")]);
    let name_hint = if optional {
        "Leave blank if there is no parent or carer to record (for example, a young person's own request)"
    } else {
        "As they write it"
    };
    html! {
        (ui::text_input(&p.hinted("parent_name", "Full name", name_hint), "", ui::Width::Half, v("parent_name")))
        (ui::select_question(&q("parent_relationship", "Relationship to the child"), &owned(RELATIONSHIPS), Some("Choose"), v("parent_relationship")))
        (ui::radios(&q("parent_pr", "Do they have parental responsibility?"), &yes_no, v("parent_pr"), None))
        (ui::text_input(&q("parent_email", "Email address"), " (optional)", ui::Width::Half, v("parent_email")))
        (ui::text_input(&q("parent_phone", "Phone number"), " (optional)", ui::Width::Half, v("parent_phone")))
        (ui::radios(&q("parent_letters", "How do they want letters and decisions?"), &owned(&[("post", "By post"), ("email", "By email")]), if v("parent_letters").is_empty() { "post" } else { v("parent_letters") }, None))
        (ui::radios(&p.hinted("parent_confidential", "Must their address be kept confidential?", "For example, they live in a refuge: their address is never shown to others involved with the child"), &yes_no, if v("parent_confidential").is_empty() { "no" } else { v("parent_confidential") }, None))
    }
}

/// The child's details as the form gives them.
pub(crate) fn child_details(
    form: &Submitted,
    birth_date: Option<chrono::NaiveDate>,
) -> ChildDetails {
    let opt = |k: &str| Some(value(form, k).to_string()).filter(|v| !v.is_empty());
    ChildDetails {
        given_names: value(form, "given_names").to_string(),
        family_name: value(form, "family_name").to_string(),
        preferred_name: opt("preferred_name"),
        birth_date,
        sex: choice::<Sex>(value(form, "sex")),
        ethnicity: opt("ethnicity"),
        upn: opt("upn"),
        uln: opt("uln"),
        nhs_number: opt("nhs_number"),
        address: opt("address"),
        postcode: opt("postcode"),
        home_language: opt("home_language"),
        interpreter_needed: value(form, "interpreter") == "yes",
        la_of_residence: opt("la_of_residence"),
        parent_acts: value(form, "parent_acts") == "yes",
        social_worker: opt("social_worker"),
        virtual_school: opt("virtual_school"),
    }
}

/// The parent or carer as the form gives them, if one was named, or what to put right.
pub(crate) fn parent_details(
    form: &Submitted,
) -> Result<Option<ParentDetails>, (&'static str, String)> {
    let opt = |k: &str| Some(value(form, k).to_string()).filter(|v| !v.is_empty());
    if value(form, "parent_name").is_empty() {
        return Ok(None);
    }
    match choice::<Relationship>(value(form, "parent_relationship")) {
        Some(relationship) => Ok(Some(ParentDetails {
            name: value(form, "parent_name").to_string(),
            relationship,
            parental_responsibility: value(form, "parent_pr") != "no",
            email: opt("parent_email"),
            phone: opt("parent_phone"),
            letters_by_email: value(form, "parent_letters") == "email",
            confidential_address: value(form, "parent_confidential") == "yes",
        })),
        None => Err((
            "parent_relationship",
            "Choose how the parent or carer is related to the child".into(),
        )),
    }
}

/// A date question's three parts as they were entered.
fn date_parts<'a>(form: &'a Submitted, k: &str) -> (&'a str, &'a str, &'a str) {
    (
        value(form, &format!("{k}-day")),
        value(form, &format!("{k}-month")),
        value(form, &format!("{k}-year")),
    )
}
