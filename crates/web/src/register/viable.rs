//! Viable-options evidence: the search for other provisions that could take new places
//! (`/provisions/{id}/viable-options`), and recording it on the provision.

use super::*;
use crate::auth::Visitor;
use crate::shell::blocking;
use crate::steps::Submitted;
use crate::{AppState, ui};
use axum::extract::{Form, Path, Query, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::provisions::record;
use sendscope_app::steps::StepError;
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::codes::Pence;
use sendscope_domain::event::{EventBody, ViableOptionsRecorded};
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// The viable options for a provision's places, within `km` of its school.
fn options_page(
    store: &dyn Store,
    who: &crate::auth::SignedIn,
    l: &Loaded,
    km: f64,
) -> Result<Markup, StoreError> {
    let today = england_today();
    let options =
        sendscope_app::compliance::viable_options_for(store, who.principal.area, l.id, km, today)?
            .unwrap_or_default();
    let rules = sendscope_app::compliance::rules_on(store, who.principal.area, today)?;
    let standing = l
        .setting
        .as_ref()
        .and_then(|s| rules.below_standard(s, today));
    let rows: Vec<Vec<Markup>> = options
        .iter()
        .map(|o| {
            vec![
                html! { (ui::link(&format!("/provisions/{}", o.provision), &o.provision_name)) br; (o.name) },
                text(format!("{:.1}", o.distance_km)),
                text(o.places),
                text(o.children_placed),
                text(o.spare_places),
                text(o.expandable_places),
                text(
                    o.cost_per_place_pence
                        .map(|p| money(Pence(p)))
                        .unwrap_or_else(|| "not recorded".into()),
                ),
                text(&o.ofsted),
            ]
        })
        .collect();
    let count = rows.len();
    Ok(html! {
        span.govuk-caption-l { (l.name()) " at " (l.school()) }
        h1.govuk-heading-l { "Viable options" }
        @match standing {
            Some(why) => p.govuk-body { (ui::tag("Below the standard for new places", Some("orange"))) " " (why) },
            None => p.govuk-body { "This school is not below the Ofsted standard for new places (or has no inspection recorded)." },
        }
        p.govuk-body {
            "Provisions at other schools within " (km) " km that meet the Ofsted standard, serve the same phase, \
             overlapping ages and at least one of the same types of need, and have spare places now or places they \
             could add without a new approval."
        }
        form method="get" action={ "/provisions/" (l.id) "/viable-options" } novalidate {
            div.govuk-form-group {
                label.govuk-label for="km" { "Distance in kilometres" }
                input class="govuk-input govuk-input--width-4" id="km" name="km" type="text" inputmode="decimal" value=(km);
            }
            button type="submit" class="govuk-button govuk-button--secondary" { "Search again" }
        }
        (table(
            &format!("{count} viable options"),
            &["Provision", "Distance (km)", "Places", "Children placed", "Spare", "Could add", "Cost per place", "Ofsted"],
            rows,
            "No setting within that distance meets the standard with spare or expandable places.",
        ))
        @if may_change(&who.principal) {
            form method="post" action={ "/provisions/" (l.id) "/viable-options" } novalidate {
                (ui::csrf(&who.session.csrf))
                input type="hidden" name="km" value=(km);
                (ui::textarea(&ui::Question::new("note", "Why these options cannot take the places (optional)"), "", 3, ""))
                button type="submit" class="govuk-button" { "Record this search as the viable-options evidence" }
            }
        }
    })
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
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        let Ok(Some(l)) = load(store, &who.principal, &id) else {
            return not_found();
        };
        let km = match km_of(&q) {
            Ok(k) => k,
            Err(m) => {
                return crate::Error::invalid(m)
                    .heading("Viable options")
                    .back(
                        format!("/provisions/{}/viable-options", l.id),
                        "Search within 8 km",
                    )
                    .into_response();
            }
        };
        match options_page(store, &who, &l, km) {
            Ok(body) => Html(ui::page("Viable options", body)).into_response(),
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}

/// POST /provisions/{id}/viable-options: records the search (every option, with its
/// distance, places and cost) and the note as `provision.viable_options_recorded`.
pub async fn record_viable_options(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
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
            return crate::Error::invalid("Give the distance in kilometres, like 8")
                .heading("The distance is not a number")
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
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let summary = evidence_summary(&options, km, crate::steps::value_of(&form, "note"));
        let event = EventBody::ViableOptionsRecorded(ViableOptionsRecorded { on: today, summary });
        match record(
            store,
            &who.principal,
            who.username.as_str(),
            l.id,
            event,
            None,
        ) {
            Ok(_) => Redirect::to(&format!("/provisions/{}?recorded=viable-options", l.id))
                .into_response(),
            Err(StepError::Refused(m)) | Err(StepError::Invalid(m)) => {
                crate::Error::refused(m).into_response()
            }
            Err(StepError::Forbidden) => forbidden(),
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Internal(m)) => crate::Error::internal(m).into_response(),
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
