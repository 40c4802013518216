//! The settings list and a setting's page: its provisions, places and costs, and the
//! children placed there (counted for everyone allowed; named only to those who may
//! open each child's record).

use crate::auth::Visitor;
use crate::shell::blocking;
use crate::{AppState, ui};
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use maud::html;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::ids::SettingId;

/// GET /settings
pub async fn list(State(app): State<AppState>, visitor: Visitor) -> Response {
    blocking(&app, visitor, |store, who| {
        let settings = match crate::setting_views::settings(store, &who.principal) {
            Ok(s) => s,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let rows = settings.iter().map(|s| {
            html! {
                (ui::cell(ui::link(&format!("/settings/{}", s.id), &s.name)))
                (ui::cell(s.urn.as_deref().unwrap_or("")))
                (ui::cell(s.setting_type.replace('_', " ")))
                (ui::cell(s.trust.as_deref().unwrap_or("")))
                (ui::cell(format!("{}-{}", s.low_age, s.high_age)))
            }
        });
        let body = html! {
            h1.govuk-heading-l { "Settings" }
            p.govuk-body {
                (ui::link("/capital", "Capital projects")) " · "
                (ui::link("/compliance", "Compliance report: steps taken before approval"))
            }
            (ui::table(
                &format!("{} settings in this area", settings.len()),
                &[ui::col("Name"), ui::col("URN"), ui::col("Type"), ui::col("Trust"), ui::col("Ages")],
                rows,
            ))
        };
        Html(ui::page("Settings", body)).into_response()
    })
    .await
}

/// GET /settings/{id}
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    blocking(&app, visitor, move |store, who| {
        let not_found =
            || crate::Error::not_found("There is no such setting in your area.").into_response();
        let Ok(id) = SettingId::parse(&id) else {
            return not_found();
        };
        let v = match crate::setting_views::setting_view(store, &who.principal, id) {
            Ok(Some(v)) => v,
            Ok(None) => return not_found(),
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let money = |p: i64| sendscope_domain::codes::Pence(p).to_string();
        let provisions = v.provisions.iter().map(|p| {
            html! {
                (ui::cell(html! {
                    (ui::link(&format!("/provisions/{}", p.id), &p.name))
                    @if p.viable_options_evidence_required.is_some() {
                        " " (ui::tag("Viable-options evidence required", Some("orange")))
                    }
                }))
                (ui::cell(p.kind_label))
                (ui::num(p.places.map(|n| n.to_string()).unwrap_or_default()))
                (ui::cell(p.designated_needs.join(", ")))
                (ui::num(p.cost_per_place_pence.map(money).unwrap_or_default()))
                (ui::cell(&p.approval))
            }
        });
        let (year, fy) = v
            .provisions
            .first()
            .map(|p| (p.academic_year.clone(), p.financial_year.clone()))
            .unwrap_or_default();
        let ofsted = match &v.ofsted {
            None => html! {
                h2.govuk-heading-m { "Ofsted" }
                p.govuk-body { "No inspection recorded (import Ofsted's files with sendscope import ofsted)." }
            },
            Some(o) => {
                let judgements = o.judgements.iter().map(|(k, j)| {
                    let text = match j {
                        sendscope_domain::event::Judgement::Grade(g) => format!("{g}"),
                        sendscope_domain::event::Judgement::Scale(x) => format!("{x:?}"),
                        sendscope_domain::event::Judgement::SafeguardingMet(m) => {
                            if *m { "met".into() } else { "not met".into() }
                        }
                    };
                    (k.replace('_', " "), text)
                });
                html! {
                    h2.govuk-heading-m { "Ofsted" }
                    p.govuk-body { "Inspection of " (sendscope_domain::calendar::long_date(o.inspection_start)) "." }
                    @match &o.below_standard {
                        None => p.govuk-body { "Meets the standard for new places." },
                        Some(w) => p.govuk-body {
                            (ui::tag("Below the standard for new places", Some("orange")))
                            " " (w) ": new places here need viable-options evidence."
                        },
                    }
                    (ui::summary_list(judgements))
                }
            }
        };
        let s = &v.summary;
        let may_add = authorise(&who.principal, Action::Change, Resource::Settings { area: who.principal.area }).allowed();
        let body = html! {
            h1.govuk-heading-l { (s.name) }
            (ui::summary_list([
                ("URN", s.urn.clone().unwrap_or_default()),
                ("Type", v.establishment_type.clone()),
                ("Phase", s.phase.replace('_', " ")),
                ("Ages", format!("{}-{}", s.low_age, s.high_age)),
                ("Trust", s.trust.clone().unwrap_or_else(|| "none".into())),
            ]))
            (ui::table(
                &format!("Provisions ({year} places, {fy} cost per place)"),
                &[ui::col("Provision"), ui::col("Kind"), ui::num_col("Places"), ui::col("Designated needs"),
                  ui::num_col("Cost per place"), ui::col("Approval")],
                provisions,
            ))
            (ofsted)
            @if may_add {
                p.govuk-body { (ui::link(&format!("/settings/{id}/provisions/new"), "Add a provision")) }
            }
            h2.govuk-heading-m { "Children placed" }
            p.govuk-body { (v.children_placed.shown_as) " children with an EHC plan or request attend this setting." }
            @if !v.children_placed.records_you_can_open.is_empty() {
                ul class="govuk-list govuk-list--bullet" {
                    @for c in &v.children_placed.records_you_can_open {
                        li { (ui::link(&format!("/cases/{}", c.id), format!("{}, {}", c.family_name, c.given_names))) }
                    }
                }
            }
        };
        Html(ui::page("Setting", body)).into_response()
    })
    .await
}
