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
use sendscope_kpi::{AgeGroup, Behind, Engine, Filter, Kpis, Period, Share};
use sendscope_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;

/// Every record of every area read into a new engine (staff teams, then cases; `each`
/// sees every case as it goes in), and the number of events the store held when it
/// began: events after it are read again by `Kpi::with`, which is harmless.
pub fn load(
    store: &dyn Store,
    each: &mut dyn FnMut(CaseId, AreaId, &sendscope_domain::projection::CaseState),
) -> Result<(Engine, u64), StoreError> {
    let headline = store.headline()?;
    let mut engine = Engine::new();
    for a in headline.areas {
        let Ok(area) = AreaId::parse(&a.area_id) else {
            continue;
        };
        for p in store.area_projections(area, StreamKind::Staff)? {
            if let StreamState::Staff(s) = &p.state {
                engine.set_staff_team(
                    sendscope_domain::ids::StaffId(p.stream.id),
                    s.added.as_ref().and_then(|a| a.team),
                );
            }
        }
        sendscope_store::for_each_case(store, area, &mut |id, c| {
            engine.upsert_case(id, area, c);
            each(id, area, c);
        })?;
    }
    Ok((engine, headline.events))
}

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
            let (engine, seen) = load(store, &mut |_, _, _| {})?;
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
                .filter(|e| matches!(e.stream.kind, StreamKind::Case | StreamKind::Staff))
                .map(|e| e.stream)
                .collect();
            for s in touched {
                match store.projection(s)?.map(|p| (p.area, p.state)) {
                    Some((area, StreamState::Case(c))) => {
                        engine.upsert_case(CaseId(s.id), area, &c)
                    }
                    Some((_, StreamState::Staff(x))) => engine.set_staff_team(
                        sendscope_domain::ids::StaffId(s.id),
                        x.added.as_ref().and_then(|a| a.team),
                    ),
                    _ => {}
                }
            }
            *seen = last;
        }
        Ok(f(engine))
    }
}

/// A page of the area's figures: for roles that may see them, the body `f` writes from
/// the store, the up-to-date engine, the user's area and whether they are a board member.
pub(crate) async fn figures_page(
    app: &AppState,
    headers: HeaderMap,
    title: &'static str,
    f: impl FnOnce(&dyn Store, &Engine, AreaId, bool) -> Result<String, StoreError> + Send + 'static,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let (area, board) = (p.area, p.role == Role::BoardMember);
        match kpi.with(store, |e| f(store, e, area, board)) {
            Ok(Ok(body)) => Html(page(title, &body)).into_response(),
            Ok(Err(e)) | Err(e) => crate::error_page(&e.to_string()),
        }
    })
    .await
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

/// A period's label short enough to stand under a bar: "Jan" for "January 2025", "Q1"
/// for "2025 Q1", years as they are.
fn short(label: &str) -> String {
    match label.split_once(' ') {
        Some((m, _)) if m.chars().all(char::is_alphabetic) => m.chars().take(3).collect(),
        Some((_, q)) => q.to_string(),
        None => label.to_string(),
    }
}

/// The 20-week share by period as an inline SVG bar chart (its data table follows it).
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
                esc(&short(&k.period))
            )
        })
        .collect();
    format!(
        "<svg role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 {w} 190\" width=\"{w}\" height=\"190\">\
         <title id=\"chart-title\">EHC plans issued within 20 weeks, per cent, by period (the table below has the figures)</title>\
         <line x1=\"36\" y1=\"170\" x2=\"{w}\" y2=\"170\" stroke=\"#0b0c0c\"></line>\
         <text x=\"0\" y=\"14\" font-size=\"12\">100%</text><text x=\"0\" y=\"172\" font-size=\"12\">0%</text>{bars}</svg>"
    )
}

/// What the dashboard was asked for: the kind of period and the year it ends in, and
/// the children to count.
pub struct Ask {
    pub kind: &'static str,
    pub year: i32,
    pub filter: Filter,
}

/// Reads the query, saying what is wrong with it.
pub fn ask(q: &HashMap<String, String>) -> Result<Ask, String> {
    let this_year = england_today().year();
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let year = match get("year") {
        None => this_year,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2014..=this_year).contains(&y) => y,
            _ => {
                return Err(format!(
                    "The year must be a calendar year from 2014 to {this_year}, like 2024"
                ));
            }
        },
    };
    let kind = match get("period").unwrap_or("calendar") {
        "calendar" => "calendar",
        "academic" => "academic",
        "financial" => "financial",
        "quarter" => "quarter",
        "month" => "month",
        other => {
            return Err(format!(
                "The period must be calendar, academic, financial, quarter or month, not {other:?}"
            ));
        }
    };
    let need =
        match get("need") {
            None => None,
            Some(s) => Some(sendscope_domain::sen::NeedType::parse(s).map_err(|_| {
                format!("{s:?} is not a type of need: use a code such as ASD or SEMH")
            })?),
        };
    let age = match get("age") {
        None => None,
        Some(s) => Some(
            AgeGroup::ALL
                .into_iter()
                .find(|g| g.label() == s)
                .ok_or_else(|| format!("{s:?} is not an age group: use under 5, 5 to 10, 11 to 15, 16 to 19 or 20 to 25"))?,
        ),
    };
    let caseworker = match get("caseworker") {
        None => None,
        Some(s) => Some(
            sendscope_domain::ids::StaffId::parse(s)
                .map_err(|_| format!("{s:?} is not a member of staff's identifier"))?,
        ),
    };
    let team = match get("team") {
        None => None,
        Some(s) => Some(
            sendscope_domain::ids::TeamId::parse(s)
                .map_err(|_| format!("{s:?} is not a team's identifier"))?,
        ),
    };
    Ok(Ask {
        kind,
        year,
        filter: Filter {
            need,
            age,
            team,
            caseworker,
        },
    })
}

/// The periods shown: four years of the kind asked for ending with the year asked for
/// (a year starting in it, for academic and financial years), or the quarters or
/// months of that calendar year.
pub fn periods(kind: &str, year: i32) -> Vec<Period> {
    let years = (year - 3).max(2014)..=year;
    match kind {
        "academic" => years.filter_map(Period::academic_year).collect(),
        "financial" => years.filter_map(Period::financial_year).collect(),
        "quarter" => (1..=4).filter_map(|q| Period::quarter(year, q)).collect(),
        "month" => (1..=12).filter_map(|m| Period::month(year, m)).collect(),
        _ => years.filter_map(Period::calendar_year).collect(),
    }
}

/// GET /dashboard?period=&year=&need=&age=&caseworker=&team=
pub async fn show(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    let options = app.filter_options.clone();
    with_user(&app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let ask = match ask(&q) {
            Ok(a) => a,
            Err(m) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Html(page(
                        "Error: Dashboard",
                        &format!(
                            "<h1>Dashboard</h1><p class=\"govuk-error-message\">{}.</p><p><a href=\"/dashboard\">This year's figures</a></p>",
                            esc(&m)
                        ),
                    )),
                )
                    .into_response();
            }
        };
        let periods = periods(ask.kind, ask.year);
        let area = p.area;
        let figures = kpi.with(store, |e| e.compute_series(area, &periods, &ask.filter));
        let figures = match figures {
            Ok(f) => f,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let caseworkers = match options.get(store, area, None) {
            Ok(c) => c.caseworkers.clone(),
            Err(e) => return crate::error_page(&e.to_string()),
        };
        // Board members see aggregates only, with small counts suppressed; they are not
        // offered a caseworker filter.
        let suppress = p.role == Role::BoardMember;
        let caseworkers = if suppress { Vec::new() } else { caseworkers };
        let mut teams: Vec<(String, String)> = Vec::new();
        if !suppress {
            match store.area_projections(area, StreamKind::Organisation) {
                Ok(orgs) => {
                    for o in orgs {
                        if let StreamState::Organisation(o) = o.state {
                            teams.extend(o.teams.into_iter().map(|t| (t.team.to_string(), t.name)));
                        }
                    }
                }
                Err(e) => return crate::error_page(&e.to_string()),
            }
            teams.sort_by(|a, b| a.1.cmp(&b.1));
        }
        let published = match crate::benchmarks::figures(store, area) {
            Ok(f) => f,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let own = match store
            .projection(sendscope_domain::StreamRef::area(area))
            .map(|p| p.map(|p| p.state))
        {
            Ok(Some(StreamState::Area(a))) => a.la_code.map(|c| c.to_string()),
            Ok(_) => None,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let drill = if suppress {
            String::new()
        } else {
            let keep: String = ["period", "year", "need", "age", "caseworker", "team"]
                .iter()
                .filter_map(|k| q.get(*k).filter(|v| !v.is_empty()).map(|v| format!("&amp;{k}={}", crate::cases::url_encode(v))))
                .collect();
            let links: String = Behind::ALL
                .iter()
                .map(|b| format!("<li><a href=\"/dashboard/cases?measure={}{keep}\">{}</a></li>", b.key(), esc(b.label())))
                .collect();
            format!("<h2>The children behind the figures</h2><ul class=\"govuk-list\">{links}</ul>")
        };
        let body = format!(
            "{}{drill}{}",
            html(&figures, &ask, &q, (&caseworkers, &teams), suppress),
            crate::benchmarks::html(&published, own.as_deref())
        );
        Html(page("Dashboard", &body)).into_response()
    })
    .await
}

/// GET /dashboard/cases?measure=…&period=…: the children behind a figure of the
/// dashboard's latest period, for those who may open children's records (never board
/// members: they see aggregates only). Each child listed is one this user may see.
pub async fn cases(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(&app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed()
            || p.role == Role::BoardMember
        {
            return (
                StatusCode::FORBIDDEN,
                Html(page(
                    "No access",
                    "<h1>You cannot see this page</h1><p>Your role sees the area's figures, not the children behind them.</p>",
                )),
            )
                .into_response();
        }
        let bad = |m: String| {
            (
                StatusCode::BAD_REQUEST,
                Html(page(
                    "Error: Children behind a figure",
                    &format!(
                        "<h1>Children behind a figure</h1><p class=\"govuk-error-message\">{}.</p><p><a href=\"/dashboard\">Back to the dashboard</a></p>",
                        esc(&m)
                    ),
                )),
            )
                .into_response()
        };
        let ask = match ask(&q) {
            Ok(a) => a,
            Err(m) => return bad(m),
        };
        let measure = q.get("measure").map(String::as_str).unwrap_or("");
        let Some(behind) = Behind::ALL.into_iter().find(|b| b.key() == measure) else {
            return bad(format!(
                "There is no figure called {measure:?}: use one of {}",
                Behind::ALL.map(|b| b.key()).join(", ")
            ));
        };
        let Some(period) = periods(ask.kind, ask.year).pop() else {
            return bad("There is no such period".into());
        };
        let area = p.area;
        let ids = match kpi.with(store, |e| e.cases_behind(area, &period, &ask.filter, behind)) {
            Ok(ids) => ids,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let shown: Vec<CaseId> = ids.iter().take(500).copied().collect();
        let refs: Vec<sendscope_domain::StreamRef> =
            shown.iter().map(|c| sendscope_domain::StreamRef::case(*c)).collect();
        let projections = match store.projections(&refs) {
            Ok(x) => x,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let rows: String = shown
            .iter()
            .zip(projections)
            .filter_map(|(id, p)| {
                let p = p?;
                crate::views::may_see(&who.principal, &p).then(|| {
                    format!(
                        "<tr><td><a href=\"/cases/{id}\">{}</a></td><td>{id}</td></tr>",
                        esc(&p.display_name())
                    )
                })
            })
            .collect();
        Html(page(
            "Children behind a figure",
            &format!(
                "<span class=\"govuk-caption-l\">{}</span><h1>{}</h1><p>{} children{}.</p>\
                 <table><caption>The children (the first 500)</caption><thead><tr><th scope=\"col\">Child</th><th scope=\"col\">Case reference</th></tr></thead>\
                 <tbody>{rows}</tbody></table><p><a href=\"/dashboard\">Back to the dashboard</a></p>",
                esc(&period.label),
                esc(behind.label()),
                ids.len(),
                if ids.len() > 500 { "; the first 500 are listed" } else { "" }
            ),
        ))
        .into_response()
    })
    .await
}

fn filters(ask: &Ask, q: &HashMap<String, String>, (caseworkers, teams): Choices) -> String {
    let get = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let select = |name: &str, label: &str, options: Vec<(String, String)>, none: &str| {
        crate::select_field(name, label, &options, none, get(name))
    };
    let years: Vec<(String, String)> = (2014..=england_today().year())
        .rev()
        .map(|y| (y.to_string(), y.to_string()))
        .collect();
    let mut year_select = select("year", "Year", years, "This year");
    if get("year").is_empty() {
        year_select = year_select.replace(
            &format!("<option value=\"{}\">", ask.year),
            &format!("<option value=\"{}\" selected>", ask.year),
        );
    }
    let kinds = [
        ("calendar", "Calendar years"),
        ("academic", "Academic years"),
        ("financial", "Financial years"),
        ("quarter", "Quarters of the year"),
        ("month", "Months of the year"),
    ]
    .iter()
    .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
    .collect();
    let needs = sendscope_domain::sen::NeedType::all()
        .map(|n| {
            (
                n.code().to_string(),
                format!("{} ({})", n.description(), n.code()),
            )
        })
        .collect();
    let ages = AgeGroup::ALL
        .iter()
        .map(|g| (g.label().to_string(), g.label().to_string()))
        .collect();
    format!(
        "<form method=\"get\" action=\"/dashboard\" novalidate>{}{}{}{}{}{}\
         <button type=\"submit\" class=\"govuk-button govuk-button--secondary\">Show</button></form>",
        select("period", "Periods", kinds, "Calendar years"),
        year_select,
        select("need", "Primary need", needs, "Every need"),
        select(
            "age",
            "Age group (at the end of each period)",
            ages,
            "Every age"
        ),
        if caseworkers.is_empty() {
            String::new()
        } else {
            select(
                "caseworker",
                "Caseworker",
                caseworkers.to_vec(),
                "Every caseworker",
            )
        },
        if teams.is_empty() {
            String::new()
        } else {
            select("team", "Team", teams.to_vec(), "Every team")
        },
    )
}

/// (caseworkers, teams) offered as filters, as (identifier, name).
type Choices<'a> = (&'a [(String, String)], &'a [(String, String)]);

fn html(
    figures: &[Kpis],
    ask: &Ask,
    q: &HashMap<String, String>,
    choices: Choices,
    suppress: bool,
) -> String {
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
                esc(&k.period),
                count(k.exception_cases, suppress)
            )
        })
        .collect();
    let step_rows: String = [
        ("Request to decision on assessment", k.steps.request_to_decision),
        ("Request to draft plan", k.steps.request_to_draft),
        ("Draft plan to final plan", k.steps.draft_to_final),
        ("Review meeting to review decision", k.steps.review_meeting_to_decision),
    ]
    .iter()
    .map(|(label, p)| {
        let hidden = suppress && p.completed > 0 && p.completed < SUPPRESS_BELOW;
        let days = |d: Option<i32>| match d {
            _ if hidden => "c".to_string(),
            Some(x) => x.to_string(),
            None => "none".into(),
        };
        format!(
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(label),
            count(p.completed, suppress),
            days(p.median_days),
            days(p.p90_days)
        )
    })
    .collect();
    let steps = format!(
        "<table><caption>Time each statutory step took (steps completed in the period, in days)</caption><thead><tr><th scope=\"col\">Step</th>\
         <th scope=\"col\" class=\"num\">Completed</th><th scope=\"col\" class=\"num\">Median</th><th scope=\"col\" class=\"num\">90th percentile</th></tr></thead>\
         <tbody>{step_rows}</tbody></table>"
    );
    format!(
        "<h1>Dashboard</h1>{}\
         <p>Worked out from every event recorded, by the DfE's definitions; each share with its numerator and denominator.{}</p>\
         <table><caption>{}</caption><thead><tr><th scope=\"col\">Measure</th><th scope=\"col\" class=\"num\">Figure</th>\
         <th scope=\"col\" class=\"num\">Numerator</th><th scope=\"col\" class=\"num\">Denominator</th><th scope=\"col\">Definition</th></tr></thead><tbody>\
         {}{}{}{}{}{}{}{}{}{}{}{}{}</tbody></table>{steps}\
         <h2>Plans issued within 20 weeks, by period</h2>{}\
         <table><caption>The chart's figures</caption><thead><tr><th scope=\"col\">Period</th><th scope=\"col\" class=\"num\">Within 20 weeks</th>\
         <th scope=\"col\" class=\"num\">Within</th><th scope=\"col\" class=\"num\">Issued</th><th scope=\"col\" class=\"num\">Excluding exceptions</th>\
         <th scope=\"col\" class=\"num\">Within</th><th scope=\"col\" class=\"num\">Issued</th><th scope=\"col\" class=\"num\">Exception cases</th></tr></thead>\
         <tbody>{trend}</tbody></table>",
        filters(ask, q, choices),
        if suppress {
            " Counts from 1 to 4 are shown as c, as the DfE does."
        } else {
            ""
        },
        esc(&k.period),
        plain(
            "Requests for an assessment received",
            count(k.requests, suppress),
            "received in the period"
        ),
        row(
            "Decisions on assessment within 6 weeks",
            k.decisions_within_6_weeks,
            "of requests decided in the period, decided within 42 days of receipt"
        ),
        plain(
            "New EHC plans",
            count(k.new_plans, suppress),
            "final plans issued in the period"
        ),
        row(
            "Plans issued within 20 weeks",
            k.within_20_weeks,
            "of plans issued in the period, within 140 days of the request"
        ),
        row(
            "Plans issued within 20 weeks, excluding exception cases",
            k.within_20_weeks_excluding_exceptions,
            "the same, leaving out requests with an exception recorded"
        ),
        plain(
            "Plans in place at the end of the period",
            count(k.plans_in_place_at_end, suppress),
            "started by the last day and not ceased, replaced or transferred out"
        ),
        row(
            "Plans issued that were audited",
            Share {
                numerator: k.quality.audited,
                denominator: k.new_plans
            },
            "of plans issued in the period, audited for quality"
        ),
        row(
            "Audited plans good or better",
            Share {
                numerator: k.quality.good_or_better,
                denominator: k.quality.audited
            },
            "each plan's latest audit, by the area's rubric"
        ),
        plain(
            "Annual review meetings held",
            count(k.reviews_held, suppress),
            "held in the period"
        ),
        row(
            "Review decisions within 4 weeks",
            k.review_decisions_within_4_weeks,
            "of decisions made in the period, made within 28 days of the meeting"
        ),
        plain("Plans ceased", count(k.ceased.values().sum(), suppress), &{
            let reasons: Vec<String> = k
                .ceased
                .iter()
                .map(|(r, n)| format!("{} {}", r.label(), count(*n, suppress)))
                .collect();
            if reasons.is_empty() {
                "ceased in the period".to_string()
            } else {
                format!("ceased in the period: {}", reasons.join("; "))
            }
        }),
        plain(
            "Median time from request to final plan",
            days(k.median_days_to_final_plan),
            "plans issued in the period, nearest-rank median"
        ),
        plain(
            "90th percentile time from request to final plan",
            days(k.p90_days_to_final_plan),
            "nearest-rank 90th percentile"
        ),
        chart(figures),
    )
}
