//! Viable-options evidence: the search for other provisions that could take new places
//! (`/provisions/{id}/viable-options`), and recording it on the provision.

use super::*;
use crate::shell::blocking;
use crate::steps::Submitted;
use crate::{AppState, esc, page};
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use sendscope_app::provisions::record;
use sendscope_app::steps::StepError;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::codes::Pence;
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// The viable options for a provision's places, within `km` of its school.
fn options_page(
    store: &dyn Store,
    who: &crate::auth::SignedIn,
    l: &Loaded,
    km: f64,
) -> Result<String, StoreError> {
    let today = england_today();
    let options =
        sendscope_app::compliance::viable_options_for(store, who.principal.area, l.id, km, today)?
            .unwrap_or_default();
    let rules = sendscope_app::compliance::rules_on(store, who.principal.area, today)?;
    let standing = match l
        .setting
        .as_ref()
        .and_then(|s| rules.below_standard(s, today))
    {
        Some(why) => format!(
            "<p><strong class=\"govuk-tag govuk-tag--orange\">Below the standard for new places</strong> {}</p>",
            esc(&why)
        ),
        None => "<p>This school is not below the Ofsted standard for new places (or has no inspection recorded).</p>".into(),
    };
    let rows: Vec<Vec<String>> = options
        .iter()
        .map(|o| {
            vec![
                format!(
                    "<a href=\"/provisions/{}\">{}</a><br>{}",
                    o.provision,
                    esc(&o.provision_name),
                    esc(&o.name)
                ),
                format!("{:.1}", o.distance_km),
                o.places.to_string(),
                o.children_placed.to_string(),
                o.spare_places.to_string(),
                o.expandable_places.to_string(),
                o.cost_per_place_pence
                    .map(|p| money(Pence(p)))
                    .unwrap_or_else(|| "not recorded".into()),
                esc(&o.ofsted),
            ]
        })
        .collect();
    let count = rows.len();
    let mut h = format!(
        "<span class=\"govuk-caption-l\">{} at {}</span><h1>Viable options</h1>{standing}\
         <p>Provisions at other schools within {km} km that meet the Ofsted standard, serve the same phase, \
         overlapping ages and at least one of the same types of need, and have spare places now or places they could add without a new approval.</p>\
         <form method=\"get\" action=\"/provisions/{}/viable-options\" novalidate><div class=\"govuk-form-group\">\
         <label class=\"govuk-label\" for=\"km\">Distance in kilometres</label>\
         <input class=\"govuk-input govuk-input--width-4\" id=\"km\" name=\"km\" type=\"text\" inputmode=\"decimal\" value=\"{km}\"></div>\
         <button type=\"submit\" class=\"govuk-button govuk-button--secondary\">Search again</button></form>",
        esc(&l.name()),
        esc(&l.school()),
        l.id
    );
    h.push_str(&table(
        &format!("{count} viable options"),
        &[
            "Provision",
            "Distance (km)",
            "Places",
            "Children placed",
            "Spare",
            "Could add",
            "Cost per place",
            "Ofsted",
        ],
        rows,
        "No setting within that distance meets the standard with spare or expandable places.",
    ));
    if may_change(&who.principal) {
        h.push_str(&format!(
            "<form method=\"post\" action=\"/provisions/{}/viable-options\" novalidate>\
             <input type=\"hidden\" name=\"csrf\" value=\"{}\"><input type=\"hidden\" name=\"km\" value=\"{km}\">\
             <div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"note\">Why these options cannot take the places (optional)</label>\
             <textarea class=\"govuk-textarea\" id=\"note\" name=\"note\" rows=\"3\"></textarea></div>\
             <button type=\"submit\" class=\"govuk-button\">Record this search as the viable-options evidence</button></form>",
            l.id,
            esc(&who.session.csrf)
        ));
    }
    Ok(h)
}

pub(crate) fn km_of(q: &HashMap<String, String>) -> Result<f64, String> {
    match q.get("km").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(8.0),
        Some(s) => match s.parse::<f64>() {
            Ok(k) if k > 0.0 && k <= 200.0 => Ok(k),
            _ => Err(format!(
                "The distance must be a number of kilometres from 0.1 to 200, like 8 (not {s:?})"
            )),
        },
    }
}

/// GET /provisions/{id}/viable-options?km=
pub async fn viable_options(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    blocking(&app, headers, move |store, who| {
        let Ok(Some(l)) = load(store, &who.principal, &id) else {
            return not_found();
        };
        let km = match km_of(&q) {
            Ok(k) => k,
            Err(m) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Html(page(
                        "Error: Viable options",
                        &format!(
                            "<h1>Viable options</h1><p class=\"govuk-error-message\">{}</p><p><a href=\"/provisions/{}/viable-options\">Search within 8 km</a></p>",
                            esc(&m),
                            l.id
                        ),
                    )),
                )
                    .into_response();
            }
        };
        match options_page(store, &who, &l, km) {
            Ok(body) => Html(page("Viable options", &body)).into_response(),
            Err(e) => crate::error_page(&e.to_string()),
        }
    })
    .await
}

/// POST /provisions/{id}/viable-options: records the search (every option, with its
/// distance, places and cost) and the note as `provision.viable_options_recorded`.
pub async fn record_viable_options(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    blocking(&app, headers, move |store, who| {
        if crate::steps::value_of(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        if !may_change(&who.principal) {
            return forbidden();
        }
        let Ok(Some(l)) = load(store, &who.principal, &id) else {
            return not_found();
        };
        let q: HashMap<String, String> = form.iter().cloned().collect();
        let Ok(km) = km_of(&q) else {
            return (
                StatusCode::BAD_REQUEST,
                Html(page("Error", "<h1>The distance is not a number</h1>")),
            )
                .into_response();
        };
        let today = england_today();
        let options = match sendscope_app::compliance::viable_options_for(
            store,
            who.principal.area,
            l.id,
            km,
            today,
        ) {
            Ok(o) => o.unwrap_or_default(),
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let summary = evidence_summary(&options, km, crate::steps::value_of(&form, "note"));
        let payload = serde_json::json!({ "on": today, "summary": summary });
        match record(
            store,
            &who.principal,
            who.username.as_str(),
            l.id,
            "provision.viable_options_recorded",
            &payload,
            None,
        ) {
            Ok(_) => Redirect::to(&format!("/provisions/{}?recorded=viable-options", l.id))
                .into_response(),
            Err(StepError::Refused(m)) | Err(StepError::Invalid(m)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(page(
                    "Error",
                    &format!("<h1>Not recorded</h1><p>{}</p>", esc(&m)),
                )),
            )
                .into_response(),
            Err(StepError::Forbidden) => forbidden(),
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Internal(m)) => crate::error_page(&m),
        }
    })
    .await
}

/// The evidence in words: the search, each option found, and the note.
pub fn evidence_summary(
    options: &[sendscope_domain::compliance::ViableOption],
    km: f64,
    note: &str,
) -> String {
    let mut s = format!(
        "Searched within {km} km on {}: {} provisions at schools meeting the Ofsted standard with spare or expandable places.",
        long_date(england_today()),
        options.len()
    );
    for o in options {
        s.push_str(&format!(
            "\n- {} at {}: {:.1} km, {} places, {} spare, {} could be added, {}",
            o.provision_name,
            o.name,
            o.distance_km,
            o.places,
            o.spare_places,
            o.expandable_places,
            o.cost_per_place_pence
                .map(|p| format!("{} a place", Pence(p)))
                .unwrap_or_else(|| "cost not recorded".into())
        ));
    }
    if !note.trim().is_empty() {
        s.push_str(&format!("\n{}", note.trim()));
    }
    s
}
