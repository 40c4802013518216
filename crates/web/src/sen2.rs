//! The SEN2 lead's page (`/sen2`): the area's return for the coming census day checked
//! before it is sent, every error and query with the child, the rule and a link to the
//! record to put right. Children outside the viewer's reach are counted, not named; every
//! child named is written to the access log first.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, ui};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use sendscope_domain::StreamRef;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_sen2::layout::{YEARS, Year};
use sendscope_sen2::rules::{Severity, rule, validate};
use std::collections::HashMap;

/// The return a page is about: the census day asked for, or the next one (the latest
/// known after the last).
fn year_for(params: &HashMap<String, String>) -> Result<Year, String> {
    if let Some(d) = params.get("census").filter(|d| !d.is_empty()) {
        let d = sendscope_domain::calendar::parse_date(d)
            .map_err(|_| format!("{d:?} is not a date: give the census day as YYYY-MM-DD"))?;
        return Year::for_census(d);
    }
    let today = england_today();
    Ok(YEARS
        .iter()
        .filter_map(|y| Year::of(*y))
        .find(|y| y.census >= today)
        .or_else(|| YEARS.last().and_then(|y| Year::of(*y)))
        .unwrap_or(Year {
            year: 2027,
            census: sendscope_sen2::layout::census_day(2027),
        }))
}

/// GET /sen2: team managers and commissioners.
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::FindingCases { area: p.area }).allowed() {
            return crate::Error::forbidden(
                "Checking the SEN2 return is for team managers and commissioners.",
            )
            .into_response();
        }
        let year = match year_for(&params) {
            Ok(y) => y,
            Err(m) => return crate::Error::invalid(m).into_response(),
        };
        // The officers in post are said when the return is exported; here they are taken
        // as given, so only the children's records are checked.
        let officers = sendscope_app::sen2::Officers {
            dmo: "Y".into(),
            dco: "Y".into(),
            dsco: "Y".into(),
            made_at: String::new(),
        };
        let (ret, cases) =
            match sendscope_app::sen2::build_with_cases(store, p.area, year, &officers) {
                Ok(x) => x,
                Err(e) => return crate::Error::internal(e).into_response(),
            };
        let found: Vec<_> = validate(&ret)
            .into_iter()
            .filter(|f| f.person.is_some())
            .collect();
        // The children this viewer may open are named and linked (and logged); others
        // are counted.
        let mut visible: HashMap<usize, bool> = HashMap::new();
        for f in &found {
            let Some(i) = f.person else { continue };
            if visible.contains_key(&i) {
                continue;
            }
            let ok = store
                .projection(StreamRef::case(cases[i]))
                .ok()
                .flatten()
                .is_some_and(|proj| sendscope_app::access::may_see(p, &proj));
            visible.insert(i, ok);
        }
        let entries: Vec<_> = visible
            .iter()
            .filter(|(_, ok)| **ok)
            .map(|(i, _)| sendscope_store::AccessEntry {
                at: sendscope_domain::Instant::now(),
                username: who.username.to_string(),
                role: p.role.as_str().to_string(),
                case: cases[*i],
                via: format!("page /sen2 {}", cases[*i]),
            })
            .collect();
        if let Err(e) = store.log_accesses(&entries) {
            return crate::Error::internal(e).into_response();
        }
        let errors = found.iter().filter(|f| f.severity == Severity::Error).count();
        let queries = found.len() - errors;
        let rows = found.iter().map(|f| {
            let i = f.person.unwrap_or_default();
            let child = if visible.get(&i).copied().unwrap_or(false) {
                ui::link(&format!("/cases/{}", cases[i]), &f.who)
            } else {
                html! { "A child outside your team" }
            };
            let number = rule(f.rule)
                .and_then(|r| r.dfe)
                .map(|n| format!(" (DfE {n})"))
                .unwrap_or_default();
            html! {
                (ui::cell(child))
                (ui::cell(match f.severity {
                    Severity::Error => ui::tag("Error", Some("red")),
                    Severity::Query => ui::tag("Query", Some("yellow")),
                }))
                (ui::cell(format!("{}{number}", f.rule)))
                (ui::cell(format!("{}: {}", f.module, f.element)))
                (ui::cell(&f.value))
                (ui::cell(&f.message))
            }
        });
        Html(ui::page(
            "SEN2 return",
            html! {
                h1.govuk-heading-l { "SEN2 return for census day " (long_date(year.census)) }
                p.govuk-body {
                    "The return made from the records as they stand today: "
                    (ret.persons.len()) " children, "
                    strong { (errors) " errors" } " (the DfE will not accept the return until they are put right) and "
                    (queries) " queries (put right, or explain in a note with the return)."
                }
                @if found.is_empty() {
                    (ui::notification_banner("Ready to send", html! {
                        p.govuk-body { "Nothing to put right: the return passes every check." }
                    }, true))
                } @else {
                    (ui::table("What to put right", &[ui::col("Child"), ui::col("Severity"), ui::col("Rule"),
                        ui::col("Where"), ui::col("Value"), ui::col("What to do")], rows))
                }
                p.govuk-body {
                    "The file itself is written by " code { "sendscope sen2 export --census " (year.census) } "."
                }
            },
        ))
        .into_response()
    })
    .await
}
