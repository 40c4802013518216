//! The joint SEND dashboard (`/dashboard`): the KPI engine's measures for the signed-in
//! user's area, each with its numerator and denominator, a trend chart with its data
//! table, small numbers suppressed for board members. The engine is shared by every
//! request and kept up to date by reading the events recorded since it last looked
//! (from any page, the API or the command line), re-reading each case they touch.

use crate::cases::with_user;
use crate::{AppState, SUPPRESS_BELOW, esc, page};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::projection::StreamState;
use sendscope_kpi::{Engine, Kpis, Share};
use sendscope_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// The engine and the last event it has seen.
#[derive(Default)]
pub struct Kpi {
    inner: Mutex<Option<(Engine, u64)>>,
}

impl Kpi {
    /// Runs `f` on an engine that has seen every event recorded so far: loads every
    /// record the first time, then applies the events recorded since.
    pub fn with<T>(
        &self,
        store: &dyn Store,
        f: impl FnOnce(&Engine) -> T,
    ) -> Result<T, StoreError> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| StoreError::Database("the KPI engine was poisoned by a panic".into()))?;
        if guard.is_none() {
            let seen = store.headline()?.events;
            let mut engine = Engine::new();
            for a in store.headline()?.areas {
                let Ok(area) = AreaId::parse(&a.area_id) else {
                    continue;
                };
                sendscope_store::for_each_case(store, area, &mut |id, c| {
                    engine.upsert_case(id, area, c)
                })?;
            }
            *guard = Some((engine, seen));
        }
        let Some((engine, seen)) = guard.as_mut() else {
            return Err(StoreError::Database("the KPI engine is not loaded".into()));
        };
        loop {
            let batch = store.events_after(*seen, 10_000)?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            let touched: BTreeSet<_> = batch
                .iter()
                .filter(|e| e.stream.kind == StreamKind::Case)
                .map(|e| e.stream)
                .collect();
            for s in touched {
                if let Some(p) = store.projection(s)?
                    && let StreamState::Case(c) = &p.state
                {
                    engine.upsert_case(CaseId(s.id), p.area, c);
                }
            }
            *seen = last;
        }
        Ok(f(engine))
    }
}

fn count(v: u64, suppress: bool) -> String {
    if suppress && v > 0 && v < SUPPRESS_BELOW {
        "c".into()
    } else {
        sendscope_domain::codes::group_thousands(v)
    }
}

fn share(s: Share, suppress: bool) -> (String, String, String) {
    let hidden = suppress && s.denominator > 0 && s.denominator < SUPPRESS_BELOW;
    (
        count(s.numerator, suppress),
        count(s.denominator, suppress),
        if hidden {
            "c".into()
        } else {
            s.percent()
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "none".into())
        },
    )
}

/// The 20-week share by year as an inline SVG bar chart (its data table follows it).
fn chart(years: &[Kpis]) -> String {
    let w = 60 * years.len() as u32 + 40;
    let bars: String = years
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let p = k.within_20_weeks.percent().unwrap_or(0.0);
            let h = (p * 1.6).round() as u32;
            let x = 40 + 60 * i as u32;
            format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"40\" height=\"{h}\" fill=\"#1d70b8\"></rect>\
                 <text x=\"{}\" y=\"178\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
                170 - h,
                x + 20,
                k.year
            )
        })
        .collect();
    format!(
        "<svg role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {w} 190\" width=\"{w}\" height=\"190\">\
         <title id=\"chart-title\">EHC plans issued within 20 weeks, per cent, by calendar year (the table below has the figures)</title>\
         <line x1=\"36\" y1=\"170\" x2=\"{w}\" y2=\"170\" stroke=\"#0b0c0c\"></line>\
         <text x=\"0\" y=\"14\" font-size=\"12\">100%</text><text x=\"0\" y=\"172\" font-size=\"12\">0%</text>{bars}</svg>"
    )
}

/// GET /dashboard?year=YYYY
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(&app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return (
                StatusCode::FORBIDDEN,
                Html(page(
                    "No access",
                    "<h1>You cannot see this page</h1><p>Your role does not include the area's figures.</p>",
                )),
            )
                .into_response();
        }
        let this_year = england_today().year();
        let year = match q.get("year").map(|s| s.trim()).filter(|s| !s.is_empty()) {
            None => this_year,
            Some(s) => match s.parse::<i32>() {
                Ok(y) if (2014..=this_year).contains(&y) => y,
                _ => {
                    return (
                        StatusCode::BAD_REQUEST,
                        Html(page(
                            "Error: Dashboard",
                            &format!(
                                "<h1>Dashboard</h1><p class=\"govuk-error-message\">The year must be a calendar year from 2014 to {this_year}, like 2024.</p><p><a href=\"/dashboard\">This year's figures</a></p>"
                            ),
                        )),
                    )
                        .into_response();
                }
            },
        };
        let years: Vec<i32> = ((year - 3).max(2014)..=year).collect();
        let area = p.area;
        let figures = kpi.with(store, |e| {
            years
                .iter()
                .map(|y| e.compute(Some(area), *y))
                .collect::<Vec<Kpis>>()
        });
        let figures = match figures {
            Ok(f) => f,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let suppress = p.role == Role::BoardMember;
        Html(page("Dashboard", &html(&figures, year, suppress))).into_response()
    })
    .await
}

fn html(figures: &[Kpis], year: i32, suppress: bool) -> String {
    let Some(k) = figures.last() else {
        return "<h1>Dashboard</h1><p>No figures.</p>".into();
    };
    let row = |label: &str, s: Share, definition: &str| {
        let (n, d, pc) = share(s, suppress);
        format!(
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{pc}</td><td class=\"num\">{n}</td><td class=\"num\">{d}</td><td>{}</td></tr>",
            esc(label),
            esc(definition)
        )
    };
    let plain = |label: &str, v: String, definition: &str| {
        format!(
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{v}</td><td class=\"num\"></td><td class=\"num\"></td><td>{}</td></tr>",
            esc(label),
            esc(definition)
        )
    };
    let days = |d: Option<i32>| {
        d.map(|x| format!("{x} days"))
            .unwrap_or_else(|| "none".into())
    };
    let trend: String = figures
        .iter()
        .map(|k| {
            let (n, d, pc) = share(k.within_20_weeks, suppress);
            let (ne, de, pce) = share(k.within_20_weeks_excluding_exceptions, suppress);
            format!(
                "<tr><th scope=\"row\">{}</th><td class=\"num\">{pc}</td><td class=\"num\">{n}</td><td class=\"num\">{d}</td>\
                 <td class=\"num\">{pce}</td><td class=\"num\">{ne}</td><td class=\"num\">{de}</td><td class=\"num\">{}</td></tr>",
                k.year,
                count(k.exception_cases, suppress)
            )
        })
        .collect();
    let options: String = (2014..=england_today().year())
        .rev()
        .map(|y| {
            format!(
                "<option value=\"{y}\"{}>{y}</option>",
                if y == year { " selected" } else { "" }
            )
        })
        .collect();
    format!(
        "<h1>Dashboard</h1>\
         <form method=\"get\" action=\"/dashboard\" novalidate><div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"year\">Calendar year</label>\
         <select class=\"govuk-select\" id=\"year\" name=\"year\">{options}</select></div>\
         <button type=\"submit\" class=\"govuk-button govuk-button--secondary\">Show</button></form>\
         <p>Worked out from every event recorded, by the DfE's definitions; each share with its numerator and denominator.{}</p>\
         <table><caption>{year}</caption><thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">Figure</th>\
         <th scope=\"col\" class=\"num\">Numerator</th><th scope=\"col\" class=\"num\">Denominator</th><th scope=\"col\">Definition</th></tr></thead><tbody>\
         {}{}{}{}{}{}{}{}</tbody></table>\
         <h2>Plans issued within 20 weeks, by year</h2>{}\
         <table><caption>The chart's figures</caption><thead><tr><th scope=\"col\">Year</th><th scope=\"col\" class=\"num\">Within 20 weeks</th>\
         <th scope=\"col\" class=\"num\">Within</th><th scope=\"col\" class=\"num\">Issued</th><th scope=\"col\" class=\"num\">Excluding exceptions</th>\
         <th scope=\"col\" class=\"num\">Within</th><th scope=\"col\" class=\"num\">Issued</th><th scope=\"col\" class=\"num\">Exception cases</th></tr></thead>\
         <tbody>{trend}</tbody></table>",
        if suppress {
            " Counts from 1 to 4 are shown as c, as the DfE does."
        } else {
            ""
        },
        plain(
            "Requests for an assessment received",
            count(k.requests, suppress),
            "received in the calendar year"
        ),
        row(
            "Decisions on assessment within 6 weeks",
            k.decisions_within_6_weeks,
            "of requests decided in the year, decided within 42 days of receipt"
        ),
        plain(
            "New EHC plans",
            count(k.new_plans, suppress),
            "final plans issued in the year"
        ),
        row(
            "Plans issued within 20 weeks",
            k.within_20_weeks,
            "of plans issued in the year, within 140 days of the request"
        ),
        row(
            "Plans issued within 20 weeks, excluding exception cases",
            k.within_20_weeks_excluding_exceptions,
            "the same, leaving out requests with an exception recorded"
        ),
        plain(
            "Plans in place at the year's end",
            count(k.plans_in_place_at_year_end, suppress),
            "started by 31 December and not ceased, replaced or transferred out"
        ),
        plain(
            "Median time from request to final plan",
            days(k.median_days_to_final_plan),
            "plans issued in the year, nearest-rank median"
        ),
        plain(
            "90th percentile time from request to final plan",
            days(k.p90_days_to_final_plan),
            "nearest-rank 90th percentile"
        ),
        chart(figures),
    )
}
