//! The case list and the case page. Every row and every page is checked with the domain's
//! `authorise`; a record the user may not see is "not found", and every view is logged.

use crate::auth::{SignedIn, current};
use crate::{AppState, esc, page};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::ids::CaseId;
use sendscope_domain::sen::NeedType;
use sendscope_domain::{Instant, Projection, Stage, StreamRef};
use sendscope_store::{AccessEntry, CaseQuery, Store, StoreError};
use std::collections::HashMap;

fn not_found() -> Response {
    let body = "<h1>Page not found</h1><p>If you typed the web address, check it is correct.</p>\
                <p>If you followed a link to a child's record, you may not have access to it.</p>";
    (StatusCode::NOT_FOUND, Html(page("Page not found", body))).into_response()
}

fn no_access(message: &str) -> Response {
    (
        StatusCode::FORBIDDEN,
        Html(page(
            "No access",
            &format!("<h1>You cannot see this page</h1><p>{}</p>", esc(message)),
        )),
    )
        .into_response()
}

/// Runs blocking store work for a signed-in user; signed-out users go to sign in.
async fn with_user<F>(app: &AppState, headers: HeaderMap, f: F) -> Response
where
    F: FnOnce(&dyn Store, SignedIn) -> Response + Send + 'static,
{
    let store = app.store.clone();
    let r = tokio::task::spawn_blocking(move || match current(store.as_ref(), &headers) {
        Some(who) => f(store.as_ref(), who),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await;
    r.unwrap_or_else(|e| crate::error_page(&e.to_string()))
}

fn may_see(who: &SignedIn, p: &Projection) -> bool {
    authorise(
        &who.principal,
        Action::View,
        Resource::Case {
            projection: p,
            today: england_today(),
        },
    )
    .allowed()
}

/// GET /cases: search and filters, scoped to what the role may see.
pub async fn list(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, headers, move |store, who| {
        list_page(store, &who, &params)
    })
    .await
}

fn list_page(store: &dyn Store, who: &SignedIn, params: &HashMap<String, String>) -> Response {
    let p = &who.principal;
    if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed() {
        return no_access("Your role sees figures, not individual children's records.");
    }
    let get = |k: &str| {
        params
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut errors = Vec::new();
    let mut q = CaseQuery {
        area: Some(p.area),
        limit: 25,
        name: get("name"),
        upn: get("upn"),
        after: get("after"),
        ..Default::default()
    };
    if let Some(v) = get("case") {
        match CaseId::parse(&v) {
            Ok(id) => q.case = Some(id),
            Err(_) => errors.push("Enter a case reference as it appears on the case page"),
        }
    }
    if let Some(v) = get("stage") {
        match Stage::parse(&v) {
            Some(s) => q.stage = Some(s),
            None => errors.push("Choose a stage from the list"),
        }
    }
    if let Some(v) = get("need") {
        match NeedType::parse(&v) {
            Ok(n) => q.need = Some(n),
            Err(_) => errors.push("Choose a need type from the list"),
        }
    }
    // Scope the query to the role's links; rows are checked again one by one below.
    match p.role {
        Role::Caseworker | Role::TeamManager => q.team = p.team,
        Role::School => q.setting = p.setting,
        _ if q.case.is_none() => {
            return Html(page(
                "Children's records",
                "<h1>Children's records</h1><p>Open a record from the link you were given, or search by its case reference.</p>\
                 <form method=\"get\" action=\"/cases\"><p><label for=\"case\">Case reference</label><br>\
                 <input id=\"case\" name=\"case\" type=\"text\" spellcheck=\"false\"></p><p><button type=\"submit\">Search</button></p></form>",
            ))
            .into_response();
        }
        _ => {}
    }
    let page_result = if errors.is_empty() {
        store.list_cases(&q).map_err(|e| e.to_string())
    } else {
        Err(String::new())
    };
    let (rows, next) = match page_result {
        Ok(pg) => (pg.rows, pg.next),
        Err(e) => {
            if !e.is_empty() {
                errors.push("That page of results is no longer available: start the search again");
            }
            (Vec::new(), None)
        }
    };
    let mut table = String::new();
    for r in rows {
        let Ok(Some(proj)) = store.projection(StreamRef::case(r.case)) else {
            continue;
        };
        if !may_see(who, &proj) {
            continue;
        }
        table.push_str(&format!(
            "<tr><td><a href=\"/cases/{}\">{}, {}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            r.case,
            esc(&r.family_name),
            esc(&r.given_names),
            r.birth_date.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default(),
            esc(r.upn.as_deref().unwrap_or("")),
            r.stage.label(),
            r.primary_need.map(|n| n.description()).unwrap_or(""),
        ));
    }
    let summary = if errors.is_empty() {
        String::new()
    } else {
        let items: String = errors
            .iter()
            .map(|e| format!("<li>{}</li>", esc(e)))
            .collect();
        format!(
            "<div class=\"govuk-error-summary\" role=\"alert\"><h2>There is a problem</h2><ul>{items}</ul></div>"
        )
    };
    let value = |k: &str| esc(params.get(k).map(String::as_str).unwrap_or(""));
    let stages: String = Stage::ALL
        .iter()
        .map(|s| {
            let sel = if params.get("stage").map(String::as_str) == Some(s.as_str()) {
                " selected"
            } else {
                ""
            };
            format!(
                "<option value=\"{}\"{sel}>{}</option>",
                s.as_str(),
                s.label()
            )
        })
        .collect();
    let next_link = match next {
        Some(n) => {
            let mut kept: Vec<String> = params
                .iter()
                .filter(|(k, v)| k.as_str() != "after" && !v.is_empty())
                .map(|(k, v)| format!("{}={}", esc(k), esc(&url_encode(v))))
                .collect();
            kept.sort();
            kept.push(format!("after={}", esc(&n)));
            format!(
                "<p><a href=\"/cases?{}\">Next page</a></p>",
                kept.join("&amp;")
            )
        }
        None => String::new(),
    };
    let body = format!(
        "{summary}<h1>Children's records</h1>\n<form method=\"get\" action=\"/cases\">\
         <p><label for=\"name\">Family name</label><br><input id=\"name\" name=\"name\" type=\"text\" value=\"{}\"></p>\
         <p><label for=\"upn\">UPN</label><br><input id=\"upn\" name=\"upn\" type=\"text\" value=\"{}\"></p>\
         <p><label for=\"stage\">Stage</label><br><select id=\"stage\" name=\"stage\"><option value=\"\">Any</option>{stages}</select></p>\
         <p><button type=\"submit\">Search</button></p></form>\n\
         <table><caption>Children's records you can see</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">Date of birth</th>\
         <th scope=\"col\">UPN</th><th scope=\"col\">Stage</th><th scope=\"col\">Primary need</th></tr></thead><tbody>\n{table}</tbody></table>{next_link}",
        value("name"),
        value("upn"),
    );
    Html(page("Children's records", &body)).into_response()
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// GET /cases/{id}: one child's record, if the role may see it; the view is logged.
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    with_user(&app, headers, move |store, who| case_page(store, &who, &id)).await
}

fn case_page(store: &dyn Store, who: &SignedIn, id: &str) -> Response {
    let Ok(case) = CaseId::parse(id) else {
        return not_found();
    };
    let proj = match store.projection(StreamRef::case(case)) {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => return crate::error_page(&e.to_string()),
    };
    if !may_see(who, &proj) {
        return not_found();
    }
    let entry = AccessEntry {
        at: Instant::now(),
        username: who.username.to_string(),
        role: who.principal.role.as_str().to_string(),
        case,
        via: format!("page /cases/{case}"),
    };
    // A view that cannot be logged is not shown.
    if let Err(e) = store.log_access(&entry) {
        return crate::error_page(&e.to_string());
    }
    match render_case(store, who, case, &proj) {
        Ok(html) => Html(page("Child's record", &html)).into_response(),
        Err(e) => crate::error_page(&e.to_string()),
    }
}

fn render_case(
    store: &dyn Store,
    who: &SignedIn,
    case: CaseId,
    proj: &Projection,
) -> Result<String, StoreError> {
    let Some(c) = proj.case() else {
        return Ok(String::new());
    };
    let mut h = String::new();
    if let Some(ch) = &c.child {
        h.push_str(&format!(
            "<h1>{} {}</h1>\n<dl><dt>Date of birth</dt><dd>{}</dd><dt>UPN</dt><dd>{}</dd><dt>Stage</dt><dd>{}</dd><dt>Case reference</dt><dd>{case}</dd></dl>\n",
            esc(&ch.given_names),
            esc(&ch.family_name),
            ch.birth_date.format("%-d %B %Y"),
            esc(&ch.upn.as_ref().map(|u| u.to_string()).unwrap_or_default()),
            proj.case_index().map(|i| i.stage.label()).unwrap_or(""),
        ));
    }
    if let Some(plan) = &c.plan {
        let needs: Vec<String> = plan
            .needs
            .iter()
            .map(|n| format!("{} (rank {})", n.need.description(), n.rank))
            .collect();
        h.push_str(&format!(
            "<h2>EHC plan</h2><dl><dt>Issued</dt><dd>{}</dd><dt>Needs</dt><dd>{}</dd><dt>Last review</dt><dd>{}</dd></dl>\n",
            plan.start.format("%-d %B %Y"),
            esc(&needs.join(", ")),
            plan.last_review.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_else(|| "none yet".into()),
        ));
    }
    let people: String = c
        .related
        .iter()
        .map(|r| {
            let pr = if r.parental_responsibility {
                "parental responsibility"
            } else {
                ""
            };
            format!("<li>{} ({:?}) {pr}</li>", esc(&r.name), r.relationship)
        })
        .collect();
    h.push_str(&format!(
        "<h2>People around the child</h2><ul>{people}</ul>\n"
    ));
    if matches!(who.principal.role, Role::ParentCarer | Role::YoungPerson) {
        h.push_str("<h2>Who can see this record</h2><ul><li>The council's SEND caseworker for this child and their team</li>");
        for r in c.related.iter().filter(|r| r.parental_responsibility) {
            h.push_str(&format!(
                "<li>{} (parental responsibility)</li>",
                esc(&r.name)
            ));
        }
        if c.current_placement().is_some() {
            h.push_str("<li>The setting the child attends</li>");
        }
        h.push_str("</ul>\n");
    }
    if who.principal.role == Role::TeamManager {
        let views: String = store
            .accesses(case)?
            .iter()
            .rev()
            .take(50)
            .map(|a| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    a.at,
                    esc(&a.username),
                    esc(&a.role)
                )
            })
            .collect();
        h.push_str(&format!(
            "<h2>Who viewed this record</h2><table><thead><tr><th scope=\"col\">When (UTC)</th><th scope=\"col\">Who</th><th scope=\"col\">Role</th></tr></thead><tbody>{views}</tbody></table>\n"
        ));
    }
    let events: String = store
        .stream_events(StreamRef::case(case))?
        .iter()
        .map(|e| {
            let backdated = if e.backdated() {
                " (recorded later)"
            } else {
                ""
            };
            format!(
                "<tr><td>{}</td><td>{}{backdated}</td><td>{}</td><td>{}</td></tr>",
                e.effective_date.format("%-d %B %Y"),
                esc(&e.event_type.replace(['.', '_'], " ")),
                e.recorded_at,
                esc(&e.actor)
            )
        })
        .collect();
    h.push_str(&format!(
        "<h2>Timeline</h2><table><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">What happened</th><th scope=\"col\">Recorded (UTC)</th><th scope=\"col\">By</th></tr></thead><tbody>{events}</tbody></table>"
    ));
    Ok(h)
}
