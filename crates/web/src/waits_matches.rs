//! Possible matches (`/waits/matches`): referrals the trust's NHS number did not tie to a
//! child here, whose child has the name and date of birth of a child on record. The
//! service never links them itself: a person compares the two side by side and, if they
//! are the same child, links them with how they checked (`referral.linked`, with who and
//! why). Each record named is a logged view.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, Error, ui};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::steps::StepError;
use sendscope_app::waits::{PossibleMatch, possible_matches};
use sendscope_domain::access::Principal;
use sendscope_domain::calendar::long_date;
use sendscope_domain::ids::CaseId;
use std::collections::HashMap;
use uuid::Uuid;

fn forbidden() -> Response {
    Error::forbidden("Referrals are linked to records by the staff who hold children's records.")
        .into_response()
}

/// The matches whose record this user may open, with the record's name.
fn visible(
    store: &dyn sendscope_store::Store,
    p: &Principal,
) -> Result<Vec<(PossibleMatch, String)>, sendscope_store::StoreError> {
    let all = possible_matches(store, p.area)?;
    let refs: Vec<_> = all
        .iter()
        .map(|m| sendscope_domain::StreamRef::case(m.case))
        .collect();
    let records = store.projections(&refs)?;
    Ok(all
        .into_iter()
        .zip(records)
        .filter_map(|(m, r)| {
            let r = r?;
            sendscope_app::access::may_see(p, &r).then(|| (m, r.display_name()))
        })
        .collect())
}

fn shows(page: &mut Response, cases: Vec<CaseId>) {
    page.extensions_mut()
        .insert(crate::access_log::Shows(cases));
}

/// GET /waits/matches
pub async fn list(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !crate::waits::may_see_children(&who.principal) {
            return forbidden();
        }
        let matches = match visible(store, &who.principal) {
            Ok(m) => m,
            Err(e) => return Error::internal(e).into_response(),
        };
        let rows = matches.iter().map(|(m, name)| {
            let r = &m.received;
            html! {
                (ui::cell(&r.reference))
                (ui::cell(format!("{} {}, born {}", r.child.given_names, r.child.family_name, long_date(r.child.birth_date))))
                (ui::cell(long_date(r.received_on)))
                (ui::cell(html! { a.govuk-link href={ "/cases/" (m.case) } { (name) } }))
                (ui::cell(html! {
                    a.govuk-link href={ "/waits/matches/" (m.referral) "?case=" (m.case) } {
                        "Compare" span.govuk-visually-hidden { " referral " (r.reference) " with " (name) }
                    }
                }))
            }
        });
        let body = html! {
            h1.govuk-heading-l { "Possible matches" }
            p.govuk-body { "Referrals from the trust whose NHS number matched no child here, but whose name and date of birth match a child's record. Compare each one and link it only if it is the same child." }
            @if matches.is_empty() {
                p.govuk-body { "There are no possible matches to check." }
            } @else {
                (ui::table("Referrals to check", &[ui::col("Trust's reference"), ui::col("The referral's child"),
                    ui::col("Referred"), ui::col("The record"), ui::col("Check")], rows))
            }
            p.govuk-body { (ui::link("/waits", "Back to the waiting lists")) }
        };
        let mut page = Html(ui::page("Possible matches", body)).into_response();
        shows(&mut page, matches.iter().map(|(m, _)| m.case).collect());
        page
    })
    .await
}

/// The comparison and the form to link them.
fn compare(
    m: &PossibleMatch,
    name: &str,
    csrf: &str,
    reason: &str,
    problem: Option<&str>,
) -> Markup {
    let r = &m.received;
    let problems: Vec<(&'static str, String)> = problem
        .map(|p| vec![("reason", p.to_string())])
        .unwrap_or_default();
    let problems = ui::Problems(&problems);
    html! {
        (problems.summary())
        span.govuk-caption-l { "Possible match" }
        h1.govuk-heading-l { "Is referral " (r.reference) " about " (name) "?" }
        h2.govuk-heading-m { "The trust's referral" }
        (ui::summary_list([
            ("Name", format!("{} {}", r.child.given_names, r.child.family_name)),
            ("Date of birth", long_date(r.child.birth_date)),
            ("NHS number", r.child.nhs_number.clone().unwrap_or_else(|| "not given".into())),
            ("Referred", format!("{} by {}", long_date(r.received_on), r.source)),
        ]))
        h2.govuk-heading-m { "The child's record" }
        (ui::summary_list([
            ("Name", name.to_string()),
            // The same by construction: a possible match is one of name and birth date.
            ("Date of birth", long_date(r.child.birth_date)),
            ("NHS number", m.case_nhs_number.clone().unwrap_or_else(|| "not recorded".into())),
        ]))
        p.govuk-body { (ui::link(&format!("/cases/{}", m.case), "Open the child's record")) }
        form method="post" action={ "/waits/matches/" (m.referral) } novalidate {
            (ui::csrf(csrf))
            input type="hidden" name="case" value=(m.case);
            (ui::textarea(&problems.hinted("reason", "How did you check it is the same child?",
                "For example: the parent confirmed the address and the GP practice on the phone."), "", 3, reason))
            (ui::submit("Link the referral to this record"))
        }
        p.govuk-body { (ui::link("/waits/matches", "Back to the possible matches")) }
    }
}

fn find(
    store: &dyn sendscope_store::Store,
    p: &Principal,
    referral: &str,
    case: &str,
) -> Result<Option<(PossibleMatch, String)>, sendscope_store::StoreError> {
    let (Ok(referral), Ok(case)) = (Uuid::parse_str(referral), CaseId::parse(case)) else {
        return Ok(None);
    };
    Ok(visible(store, p)?
        .into_iter()
        .find(|(m, _)| m.referral == referral && m.case == case))
}

fn gone() -> Response {
    Error::not_found("There is no such possible match: it may have been linked already.")
        .heading("Possible match not found")
        .back("/waits/matches", "Back to the possible matches")
        .into_response()
}

/// GET /waits/matches/{referral}?case=
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(referral): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !crate::waits::may_see_children(&who.principal) {
            return forbidden();
        }
        let case = q.get("case").map(String::as_str).unwrap_or("");
        match find(store, &who.principal, &referral, case) {
            Ok(Some((m, name))) => {
                let mut page = Html(ui::page(
                    "Possible match",
                    compare(&m, &name, &who.session.csrf, "", None),
                ))
                .into_response();
                shows(&mut page, vec![m.case]);
                page
            }
            Ok(None) => gone(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// POST /waits/matches/{referral}: links it, or shows the form again with what to mend.
pub async fn link(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(referral): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !crate::waits::may_see_children(&who.principal) {
            return forbidden();
        }
        let get = |k: &str| form.get(k).map(String::as_str).unwrap_or("");
        if get("csrf") != who.session.csrf {
            return crate::form_expired();
        }
        let (m, name) = match find(store, &who.principal, &referral, get("case")) {
            Ok(Some(x)) => x,
            Ok(None) => return gone(),
            Err(e) => return Error::internal(e).into_response(),
        };
        let again = |status: StatusCode, problem: &str| {
            (
                status,
                Html(ui::page(
                    "Error: Possible match",
                    compare(&m, &name, &who.session.csrf, get("reason"), Some(problem)),
                )),
            )
                .into_response()
        };
        match sendscope_app::waits::link(
            store,
            &who.principal,
            &format!("user:{}", who.username.as_str()),
            m.referral,
            m.case,
            get("reason"),
        ) {
            Ok(()) => Redirect::to(&format!("/cases/{}", m.case)).into_response(),
            Err(StepError::Invalid(msg)) => again(StatusCode::BAD_REQUEST, &ui::sentence(&msg)),
            Err(StepError::Refused(msg)) => {
                again(StatusCode::UNPROCESSABLE_ENTITY, &ui::sentence(&msg))
            }
            Err(StepError::Forbidden) => forbidden(),
            Err(StepError::NotFound) => gone(),
            Err(StepError::Internal(msg)) => Error::internal(msg).into_response(),
        }
    })
    .await
}
