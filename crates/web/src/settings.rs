//! The settings list and a setting's page: its provisions, places and costs, and the
//! children placed there (counted for everyone allowed; named only to those who may
//! open each child's record).

use crate::shell::blocking;
use crate::views;
use crate::{AppState, esc, page};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::ids::SettingId;

/// GET /settings
pub async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    blocking(&app, headers, |store, who| {
        let settings = match views::settings(store, &who.principal) {
            Ok(s) => s,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let mut rows = String::new();
        for s in &settings {
            rows.push_str(&format!(
                "<tr><td><a href=\"/settings/{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}-{}</td></tr>\n",
                s.id,
                esc(&s.name),
                s.urn.as_deref().unwrap_or(""),
                esc(&s.setting_type.replace('_', " ")),
                esc(s.trust.as_deref().unwrap_or("")),
                s.low_age,
                s.high_age
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
        let not_found = || {
            (
                StatusCode::NOT_FOUND,
                Html(page(
                    "Page not found",
                    "<h1>Page not found</h1><p>There is no such setting in your area.</p>",
                )),
            )
                .into_response()
        };
        let Ok(id) = SettingId::parse(&id) else {
            return not_found();
        };
        let v = match views::setting_view(store, &who.principal, id) {
            Ok(Some(v)) => v,
            Ok(None) => return not_found(),
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let money = |p: i64| sendscope_domain::codes::Pence(p).to_string();
        let provisions: String = v
            .provisions
            .iter()
            .map(|p| {
                let flag = p
                    .viable_options_evidence_required
                    .as_ref()
                    .map(|_| " <strong class=\"govuk-tag govuk-tag--orange\">Viable-options evidence required</strong>")
                    .unwrap_or_default();
                format!(
                    "<tr><td><a href=\"/provisions/{}\">{}</a>{flag}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>\n",
                    p.id,
                    esc(&p.name),
                    p.kind_label,
                    p.places.map(|n| n.to_string()).unwrap_or_default(),
                    p.designated_needs.join(", "),
                    p.cost_per_place_pence.map(money).unwrap_or_default(),
                    esc(&p.approval)
                )
            })
            .collect();
        let (year, fy) = v
            .provisions
            .first()
            .map(|p| (p.academic_year.clone(), p.financial_year.clone()))
            .unwrap_or_default();
        let names: String = v
            .children_placed
            .records_you_can_open
            .iter()
            .map(|c| format!("<li><a href=\"/cases/{}\">{}, {}</a></li>", c.id, esc(&c.family_name), esc(&c.given_names)))
            .collect();
        let names = if names.is_empty() { String::new() } else { format!("<ul>{names}</ul>") };
        let ofsted = match &v.ofsted {
            None => "<h2>Ofsted</h2><p>No inspection recorded (import Ofsted's files with sendscope import ofsted).</p>".to_string(),
            Some(o) => {
                let rows: String = o
                    .judgements
                    .iter()
                    .map(|(k, j)| {
                        let text = match j {
                            sendscope_domain::event::Judgement::Grade(g) => format!("{g}"),
                            sendscope_domain::event::Judgement::Scale(x) => format!("{x:?}"),
                            sendscope_domain::event::Judgement::SafeguardingMet(m) => if *m { "met".into() } else { "not met".into() },
                        };
                        format!("<dt>{}</dt><dd>{}</dd>", esc(&k.replace('_', " ")), esc(&text))
                    })
                    .collect();
                let standard = match &o.below_standard {
                    None => "<p>Meets the standard for new places.</p>".to_string(),
                    Some(w) => format!("<p><strong class=\"govuk-tag govuk-tag--orange\">Below the standard for new places</strong> {}: new places here need viable-options evidence.</p>", esc(w)),
                };
                format!(
                    "<h2>Ofsted</h2><p>Inspection of {}.</p>{standard}<dl>{rows}</dl>",
                    sendscope_domain::calendar::long_date(o.inspection_start)
                )
            }
        };
        let s = &v.summary;
        let body = format!(
            "<h1>{}</h1>\n<dl><dt>URN</dt><dd>{}</dd><dt>Type</dt><dd>{}</dd><dt>Phase</dt><dd>{}</dd><dt>Ages</dt><dd>{}-{}</dd><dt>Trust</dt><dd>{}</dd></dl>\n\
             <table><caption>Provisions ({year} places, {fy} cost per place)</caption><thead><tr><th scope=\"col\">Provision</th><th scope=\"col\">Kind</th>\
             <th scope=\"col\" class=\"num\">Places</th><th scope=\"col\">Designated needs</th><th scope=\"col\" class=\"num\">Cost per place</th><th scope=\"col\">Approval</th></tr></thead><tbody>\n{provisions}</tbody></table>\n{ofsted}\
{add}<h2>Children placed</h2><p>{} children with an EHC plan or request attend this setting.</p>{names}",
            esc(&s.name),
            s.urn.as_deref().unwrap_or(""),
            esc(&v.establishment_type),
            esc(&s.phase.replace('_', " ")),
            s.low_age,
            s.high_age,
            esc(s.trust.as_deref().unwrap_or("none")),
            v.children_placed.shown_as,
            add = if authorise(&who.principal, Action::Change, Resource::Settings { area: who.principal.area }).allowed() {
                format!("<p><a class=\"govuk-link\" href=\"/settings/{id}/provisions/new\">Add a provision</a></p>")
            } else {
                String::new()
            },
        );
        Html(page("Setting", &body)).into_response()
    })
    .await
}
