//! The settings list and a setting's page: its provisions, places and costs, and the
//! children placed there (counted for everyone allowed; named only to those who may
//! open each child's record).

use crate::auth::current;
use crate::{AppState, esc, page};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::codes::{AcademicYear, FinancialYear};
use sendscope_domain::ids::SettingId;
use sendscope_domain::projection::StreamState;
use sendscope_domain::{StreamKind, StreamRef};
use sendscope_store::{CaseQuery, Store};

async fn blocking(
    app: &AppState,
    headers: HeaderMap,
    f: impl FnOnce(&dyn Store, crate::auth::SignedIn) -> Response + Send + 'static,
) -> Response {
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || match current(store.as_ref(), &headers) {
        Some(who) if authorise(&who.principal, Action::View, Resource::Settings { area: who.principal.area }).allowed() => f(store.as_ref(), who),
        Some(_) => (StatusCode::FORBIDDEN, Html(page("No access", "<h1>You cannot see this page</h1><p>Your role does not include settings and provisions.</p>"))).into_response(),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await
    .unwrap_or_else(|e| crate::error_page(&e.to_string()))
}

/// GET /settings
pub async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    blocking(&app, headers, |store, who| {
        let settings = match store.area_projections(who.principal.area, StreamKind::Setting) {
            Ok(s) => s,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let mut rows = String::new();
        for p in &settings {
            let StreamState::Setting(s) = &p.state else { continue };
            let Some(d) = &s.details else { continue };
            rows.push_str(&format!(
                "<tr><td><a href=\"/settings/{}\">{}</a></td><td>{}</td><td>{:?}</td><td>{}</td><td>{}-{}</td></tr>\n",
                p.stream.id,
                esc(&d.name),
                d.urn.map(|u| u.to_string()).unwrap_or_default(),
                d.setting_type,
                esc(d.trust.as_deref().unwrap_or("")),
                d.low_age,
                d.high_age
            ));
        }
        let body = format!(
            "<h1>Settings</h1>\n<table><caption>{} settings in this area</caption><thead><tr><th scope=\"col\">Name</th><th scope=\"col\">URN</th>\
             <th scope=\"col\">Type</th><th scope=\"col\">Trust</th><th scope=\"col\">Ages</th></tr></thead><tbody>\n{rows}</tbody></table>",
            settings.len()
        );
        Html(page("Settings", &body)).into_response()
    })
    .await
}

/// GET /settings/{id}
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    blocking(&app, headers, move |store, who| {
        let not_found = || (StatusCode::NOT_FOUND, Html(page("Page not found", "<h1>Page not found</h1><p>There is no such setting in your area.</p>"))).into_response();
        let Ok(id) = SettingId::parse(&id) else { return not_found() };
        let setting = match store.projection(StreamRef::setting(id)) {
            Ok(Some(p)) if p.area == who.principal.area => p,
            Ok(_) => return not_found(),
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let StreamState::Setting(s) = &setting.state else { return not_found() };
        let Some(d) = &s.details else { return not_found() };
        let year = AcademicYear::containing(england_today());
        let fy = FinancialYear::containing(england_today());
        let mut provisions = String::new();
        for p in store.area_projections(who.principal.area, StreamKind::Provision).unwrap_or_default() {
            let StreamState::Provision(pr) = &p.state else { continue };
            let Some(o) = pr.opened.as_ref().filter(|o| o.setting == id) else { continue };
            let places = pr.places.range(..=year).next_back().map(|(_, n)| n.to_string()).unwrap_or_default();
            let cost = pr.costs.range(..=fy).next_back().map(|(_, c)| c.total().to_string()).unwrap_or_default();
            let needs: Vec<&str> = o.need_types.iter().map(|n| n.code()).collect();
            provisions.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{places}</td><td>{}</td><td class=\"num\">{cost}</td></tr>\n",
                esc(&o.name),
                o.kind.label(),
                needs.join(", ")
            ));
        }
        let placed = store.list_cases(&CaseQuery { area: Some(who.principal.area), setting: Some(id), limit: 500, ..Default::default() });
        let (count, mut names) = (placed.as_ref().map(|p| p.rows.len()).unwrap_or(0), String::new());
        for r in placed.map(|p| p.rows).unwrap_or_default() {
            let Ok(Some(proj)) = store.projection(StreamRef::case(r.case)) else { continue };
            if authorise(&who.principal, Action::View, Resource::Case { projection: &proj, today: england_today() }).allowed() {
                names.push_str(&format!("<li><a href=\"/cases/{}\">{}, {}</a></li>", r.case, esc(&r.family_name), esc(&r.given_names)));
            }
        }
        let names = if names.is_empty() { String::new() } else { format!("<ul>{names}</ul>") };        // Families see small counts suppressed, as public figures are (1-4 shown as "fewer than 5").
        let family = matches!(who.principal.role, sendscope_domain::access::Role::ParentCarer | sendscope_domain::access::Role::YoungPerson);
        let shown = if family && (1..crate::SUPPRESS_BELOW as usize).contains(&count) {
            "Fewer than 5".to_string()
        } else {
            count.to_string()
        };

        let body = format!(
            "<h1>{}</h1>\n<dl><dt>URN</dt><dd>{}</dd><dt>Type</dt><dd>{}</dd><dt>Phase</dt><dd>{:?}</dd><dt>Ages</dt><dd>{}-{}</dd><dt>Trust</dt><dd>{}</dd></dl>\n\
             <table><caption>Provisions ({year} places, {fy} cost per place)</caption><thead><tr><th scope=\"col\">Provision</th><th scope=\"col\">Kind</th>\
             <th scope=\"col\" class=\"num\">Places</th><th scope=\"col\">Designated needs</th><th scope=\"col\" class=\"num\">Cost per place</th></tr></thead><tbody>\n{provisions}</tbody></table>\n\
             <h2>Children placed</h2><p>{shown} children with an EHC plan or request attend this setting.</p>{names}",
            esc(&d.name),
            d.urn.map(|u| u.to_string()).unwrap_or_default(),
            esc(&d.establishment_type),
            d.phase,
            d.low_age,
            d.high_age,
            esc(d.trust.as_deref().unwrap_or("none")),
        );
        Html(page("Setting", &body)).into_response()
    })
    .await
}
