//! The joint SEND dashboard (`/dashboard`): the KPI engine's measures for the signed-in
//! user's area, each with its numerator and denominator, a trend chart with its data
//! table, small numbers suppressed for board members. The engine is shared by every
//! request and kept up to date by reading the events recorded since it last looked
//! (from any page, the API or the command line), re-reading each case they touch.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, ui};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::Datelike;
use maud::{Markup, html};
use sendscope_app::figures::{
    Ask, ask, count, parts, periods, publishing, share, share_hidden, small,
};
use sendscope_domain::StreamKind;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::ids::CaseId;
use sendscope_domain::projection::StreamState;
use sendscope_kpi::{AgeGroup, Behind, Kpis, Share};
use sendscope_store::StoreError;
use std::collections::HashMap;

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
fn chart(years: &[Kpis], suppress: u64) -> Markup {
    bars(
        years,
        ("chart-title", suppress),
        "EHC plans issued within 20 weeks",
        &|k| k.within_20_weeks,
    )
}

/// A share by period as an inline SVG bar chart titled `title` (its data table follows);
/// a bar whose share is suppressed is not drawn (its height would give it away).
fn bars(
    years: &[Kpis],
    (id, suppress): (&str, u64),
    title: &str,
    f: &dyn Fn(&Kpis) -> Share,
) -> Markup {
    let w = 60 * years.len() as u32 + 40;
    html! {
        svg role="img" aria-labelledby=(id) viewBox={ "0 0 " (w) " 190" } width=(w) height="190" {
            title id=(id) { (title) ", per cent, by period (the table below has the figures)" }
            line x1="36" y1="170" x2=(w) y2="170" stroke="#0b0c0c" {}
            text x="0" y="14" font-size="12" { "100%" }
            text x="0" y="172" font-size="12" { "0%" }
            @for (i, k) in years.iter().enumerate() {
                @let h = if share_hidden(f(k), suppress) { 0 } else { (f(k).percent().unwrap_or(0.0) * 1.6).round() as u32 };
                @let x = 40 + 60 * i as u32;
                rect x=(x) y=(170 - h) width="40" height=(h) fill="#1d70b8" {}
                text x=(x + 20) y="178" font-size="12" text-anchor="middle" { (short(&k.period)) }
            }
        }
    }
}

/// The columns of a table of shares: the measure, its figure, numerator and denominator,
/// and what it counts.
const SHARE_COLUMNS: [ui::Column<'static>; 5] = [
    ui::col("Measure"),
    ui::num_col("Figure"),
    ui::num_col("Numerator"),
    ui::num_col("Denominator"),
    ui::col("Definition"),
];

/// A row of a table of shares: the share as a percentage with its numerator and
/// denominator (suppressed below `suppress`).
fn share_row(label: &str, s: Share, definition: &str, suppress: u64) -> Markup {
    let (n, d, pc) = share(s, suppress);
    html! { (ui::row_head(label)) (ui::num(pc)) (ui::num(n)) (ui::num(d)) (ui::cell(definition)) }
}

/// A row of a table of shares holding a single figure.
fn figure_row(label: &str, v: String, definition: &str) -> Markup {
    html! { (ui::row_head(label)) (ui::num(v)) (ui::num("")) (ui::num("")) (ui::cell(definition)) }
}

/// More trends, each a chart with its data table: decisions within 6 weeks, annual
/// reviews held on time, review decisions within 4 weeks.
fn more_trends(figures: &[Kpis], suppress: u64) -> Markup {
    type Measure<'a> = (&'a str, &'a str, &'a dyn Fn(&Kpis) -> Share);
    let list: [Measure; 3] = [
        (
            "chart-6-weeks",
            "Decisions on assessment within 6 weeks",
            &|k| k.decisions_within_6_weeks,
        ),
        (
            "chart-reviews",
            "Annual reviews held on time (of those due and past due)",
            &|k| k.annual_reviews_on_time(),
        ),
        ("chart-4-weeks", "Review decisions within 4 weeks", &|k| {
            k.review_decisions_within_4_weeks
        }),
    ];
    html! {
        @for (id, title, f) in &list {
            h2.govuk-heading-m { (title) ", by period" }
            (bars(figures, (id, suppress), title, *f))
            (ui::table(
                &format!("The chart's figures: {title}"),
                &[ui::col("Period"), ui::num_col("Per cent"), ui::num_col("Numerator"), ui::num_col("Denominator")],
                figures.iter().map(|k| {
                    let (n, d, pc) = share(f(k), suppress);
                    html! { (ui::row_head(&k.period)) (ui::num(pc)) (ui::num(n)) (ui::num(d)) }
                }),
            ))
        }
    }
}

/// GET /dashboard?period=&year=&need=&age=&caseworker=&team=
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    let options = app.filter_options.clone();
    let whole_child = app.whole_child.clone();
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        // Board members, families and schools see aggregates only, with small counts
        // suppressed: no caseworker or team filter is offered them, nor accepted.
        let board = !authorise(p, Action::View, Resource::ExactFigures { area: p.area }).allowed();
        if board && let Some(m) = unoffered(&q) {
            return bad_query("Dashboard", m, "/dashboard", "This year's figures");
        }
        let ask = match ask(&q) {
            Ok(a) => a,
            Err(m) => return bad_query("Dashboard", &m, "/dashboard", "This year's figures"),
        };
        let periods = periods(ask.kind, ask.year);
        let area = p.area;
        let figures = kpi.with(store, |e| e.compute_series(area, &periods, &ask.filter));
        let figures = match figures {
            Ok(f) => f,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let caseworkers = match options.get(store, area, None) {
            Ok(c) => c.caseworkers.clone(),
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let caseworkers = if board { Vec::new() } else { caseworkers };
        let mut teams: Vec<(String, String)> = Vec::new();
        if !board {
            match store.area_projections(area, StreamKind::Organisation) {
                Ok(orgs) => {
                    for o in orgs {
                        if let StreamState::Organisation(o) = o.state {
                            teams.extend(o.teams.into_iter().map(|t| (t.team.to_string(), t.name)));
                        }
                    }
                }
                Err(e) => return crate::Error::internal(e).into_response(),
            }
            teams.sort_by(|a, b| a.1.cmp(&b.1));
        }
        let published = match sendscope_app::benchmarks::figures(store, area) {
            Ok(f) => f,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let (own, settings) = match publishing(store, area) {
            Ok(x) => x,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let suppress = if board { settings.suppress_below } else { 0 };
        let whole = match whole_child.get(store, area, kpi.seen()) {
            Ok(x) => x,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let (waits, joined) = (&whole.waits, &whole.joined);
        let keep: String = ["period", "year", "need", "age", "caseworker", "team"]
            .iter()
            .filter_map(|k| {
                q.get(*k)
                    .filter(|v| !v.is_empty())
                    .map(|v| format!("&{k}={}", crate::shell::url_encode(v)))
            })
            .collect();
        let body = html! {
            (html(&figures, &ask, &q, (&caseworkers, &teams), suppress, "/dashboard"))
            @if !board {
                h2.govuk-heading-m { "The children behind the figures" }
                ul.govuk-list {
                    @for b in Behind::ALL {
                        li { a.govuk-link href={ "/dashboard/cases?measure=" (b.key()) (keep) } { (b.label()) } }
                    }
                }
            }
            @if !waits.pathways.is_empty() { (crate::waits::section(waits, suppress, !board)) }
            (crate::waits::joined_section(joined, suppress, !board))
            (crate::benchmarks::html(&published, own.as_deref(), &settings.comparators))
        };
        Html(ui::page("Dashboard", body)).into_response()
    })
    .await
}

/// Why a query for the area's figures as a whole cannot be answered: it asks for one
/// caseworker's or team's children, which such a view does not offer.
fn unoffered(q: &HashMap<String, String>) -> Option<&'static str> {
    ["caseworker", "team"]
        .iter()
        .any(|k| q.get(*k).is_some_and(|v| !v.trim().is_empty()))
        .then_some(
            "These figures are for the area as a whole: they cannot be shown for one caseworker or team",
        )
}

/// A page's query it cannot answer: 400, what is wrong, and a link back.
fn bad_query(title: &str, message: &str, back: &str, back_text: &str) -> Response {
    crate::Error::invalid(format!("{message}."))
        .heading(title.to_string())
        .back(back, back_text)
        .into_response()
}

/// GET /figures/{la}?period=&year=&need=&age=: an area's figures for everyone, signed
/// in or not: aggregates only (no children behind them, no caseworker or team), counts
/// below the area's threshold shown as "c", beside the published figures.
pub async fn public(
    State(app): State<AppState>,
    axum::extract::Path(la): axum::extract::Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    let store = app.store.clone();
    let checkpoint = app.anchor.latest();
    let whole_child = app.whole_child.clone();
    let answer = app
        .blocking(move || -> Result<Response, StoreError> {
            let store = store.as_ref();
            let Some(area) = kpi.area_by_code(store, la.trim())? else {
                return Ok(crate::Error::not_found(format!(
                    "There is no local area with the LA code {la}."
                ))
                .heading("Area not found")
                .back("/", "The home page lists each area")
                .into_response());
            };
            // Aggregates only: no caseworker or team filter is offered, nor accepted.
            if let Some(m) = unoffered(&q) {
                let back = format!("/figures/{}", la.trim());
                return Ok(bad_query("Figures", m, &back, "This year's figures"));
            }
            let ask = match ask(&q) {
                Ok(a) => a,
                Err(m) => {
                    let back = format!("/figures/{}", la.trim());
                    return Ok(bad_query("Figures", &m, &back, "This year's figures"));
                }
            };
            let periods = periods(ask.kind, ask.year);
            let figures = kpi.with(store, |e| e.compute_series(area, &periods, &ask.filter))?;
            let (own, settings) = publishing(store, area)?;
            let published = sendscope_app::benchmarks::figures(store, area)?;
            let waits = whole_child.get(store, area, kpi.seen())?.waits;
            let action = format!("/figures/{}", la.trim());
            let body = html! {
                (html(&figures, &ask, &q, (&[], &[]), settings.suppress_below, &action))
                @if !waits.pathways.is_empty() { (crate::waits::section(&waits, settings.suppress_below, false)) }
                (crate::benchmarks::html(&published, own.as_deref(), &settings.comparators))
                h2.govuk-heading-m { "The partnership board" }
                p.govuk-body { a.govuk-link href={ "/figures/" (la.trim()) "/board" } { "The board's published minutes and the papers it saw" } }
                (crate::anchor::section(checkpoint.as_ref()))
            };
            Ok(Html(ui::page("Figures", body)).into_response())
        })
        .await;
    match answer {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => crate::Error::internal(e).into_response(),
        Err(e) => crate::Error::internal(e).into_response(),
    }
}

/// GET /dashboard/cases?measure=…&period=…: the children behind a figure of the
/// dashboard's latest period, for those who may open children's records (never board
/// members: they see aggregates only). Each child listed is one this user may see.
pub async fn cases(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed() {
            return crate::Error::forbidden(
                "Your role sees the area's figures, not the children behind them.",
            )
            .into_response();
        }
        let bad = |m: String| {
            bad_query(
                "Children behind a figure",
                &m,
                "/dashboard",
                "Back to the dashboard",
            )
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
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let shown: Vec<CaseId> = ids.iter().take(500).copied().collect();
        let refs: Vec<sendscope_domain::StreamRef> =
            shown.iter().map(|c| sendscope_domain::StreamRef::case(*c)).collect();
        let projections = match store.projections(&refs) {
            Ok(x) => x,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let rows: Vec<Markup> = shown
            .iter()
            .zip(projections)
            .filter_map(|(id, p)| {
                let p = p?;
                sendscope_app::access::may_see(&who.principal, &p).then(|| {
                    html! {
                        (ui::cell(html! { a.govuk-link href={ "/cases/" (id) } { (p.display_name()) } }))
                        (ui::cell(id.to_string()))
                    }
                })
            })
            .collect();
        let body = html! {
            span.govuk-caption-l { (period.label) }
            h1.govuk-heading-l { (behind.label()) }
            p.govuk-body { (ids.len()) " children" @if ids.len() > 500 { "; the first 500 are listed" } "." }
            (ui::table("The children (the first 500)", &[ui::col("Child"), ui::col("Case reference")], rows))
            p.govuk-body { a.govuk-link href="/dashboard" { "Back to the dashboard" } }
        };
        Html(ui::page("Children behind a figure", body)).into_response()
    })
    .await
}

fn filters(
    ask: &Ask,
    q: &HashMap<String, String>,
    (caseworkers, teams): Choices,
    action: &str,
) -> Markup {
    let get = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let years: Vec<(String, String)> = (2014..=england_today().year())
        .rev()
        .map(|y| (y.to_string(), y.to_string()))
        .collect();
    // With no year asked for, the year shown is the one chosen.
    let year = if get("year").is_empty() {
        ask.year.to_string()
    } else {
        get("year").to_string()
    };
    let kinds: Vec<(String, String)> = [
        ("calendar", "Calendar years"),
        ("academic", "Academic years"),
        ("financial", "Financial years"),
        ("quarter", "Quarters of the year"),
        ("month", "Months of the year"),
    ]
    .iter()
    .map(|(v, l)| ((*v).to_string(), (*l).to_string()))
    .collect();
    let needs: Vec<(String, String)> = sendscope_domain::sen::NeedType::all()
        .map(|n| {
            (
                n.code().to_string(),
                format!("{} ({})", n.description(), n.code()),
            )
        })
        .collect();
    let ages: Vec<(String, String)> = AgeGroup::ALL
        .iter()
        .map(|g| (g.label().to_string(), g.label().to_string()))
        .collect();
    html! {
        form method="get" action=(action) novalidate {
            (ui::select("period", "Periods", &kinds, "Calendar years", get("period")))
            (ui::select("year", "Year", &years, "This year", &year))
            (ui::select("need", "Primary need", &needs, "Every need", get("need")))
            (ui::select("age", "Age group (at the end of each period)", &ages, "Every age", get("age")))
            @if !caseworkers.is_empty() {
                (ui::select("caseworker", "Caseworker", caseworkers, "Every caseworker", get("caseworker")))
            }
            @if !teams.is_empty() {
                (ui::select("team", "Team", teams, "Every team", get("team")))
            }
            button type="submit" class="govuk-button govuk-button--secondary" { "Show" }
        }
    }
}

/// (caseworkers, teams) offered as filters, as (identifier, name).
type Choices<'a> = (&'a [(String, String)], &'a [(String, String)]);

fn html(
    figures: &[Kpis],
    ask: &Ask,
    q: &HashMap<String, String>,
    choices: Choices,
    suppress: u64,
    action: &str,
) -> Markup {
    let Some(k) = figures.last() else {
        return html! { h1.govuk-heading-l { "Dashboard" } p.govuk-body { "No figures." } };
    };
    let row = |label: &str, s: Share, definition: &str| share_row(label, s, definition, suppress);
    let plain = figure_row;
    let days = |d: Option<i32>| {
        d.map(|x| format!("{x} days"))
            .unwrap_or_else(|| "none".into())
    };
    let trend = figures.iter().map(|k| {
        let (n, d, pc) = share(k.within_20_weeks, suppress);
        let (ne, de, pce) = share(k.within_20_weeks_excluding_exceptions, suppress);
        html! {
            (ui::row_head(&k.period))
            (ui::num(pc)) (ui::num(n)) (ui::num(d))
            (ui::num(pce)) (ui::num(ne)) (ui::num(de))
            (ui::num(count(k.exception_cases, suppress)))
        }
    });
    let step_rows = [
        (
            "Request to decision on assessment",
            k.steps.request_to_decision,
        ),
        ("Request to draft plan", k.steps.request_to_draft),
        ("Draft plan to final plan", k.steps.draft_to_final),
        (
            "Review meeting to review decision",
            k.steps.review_meeting_to_decision,
        ),
    ]
    .into_iter()
    .map(|(label, p)| {
        let hidden = small(p.completed, suppress);
        let days = |d: Option<i32>| match d {
            _ if hidden => "c".to_string(),
            Some(x) => x.to_string(),
            None => "none".into(),
        };
        html! {
            (ui::row_head(label))
            (ui::num(count(p.completed, suppress)))
            (ui::num(days(p.median_days)))
            (ui::num(days(p.p90_days)))
        }
    });
    let reviews = k.clocks.get("annual_review").cloned().unwrap_or_default();
    let ceased = {
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
    };
    let measures = [
        plain(
            "Requests for an assessment received",
            count(k.requests, suppress),
            "received in the period",
        ),
        row(
            "Decisions on assessment within 6 weeks",
            k.decisions_within_6_weeks,
            "of requests decided in the period, decided within 42 days of receipt",
        ),
        plain(
            "New EHC plans",
            count(k.new_plans, suppress),
            "final plans issued in the period",
        ),
        row(
            "Plans issued within 20 weeks",
            k.within_20_weeks,
            "of plans issued in the period, within 140 days of the request",
        ),
        row(
            "Plans issued within 20 weeks, excluding exception cases",
            k.within_20_weeks_excluding_exceptions,
            "the same, leaving out requests with an exception recorded",
        ),
        plain(
            "Plans in place at the end of the period",
            count(k.plans_in_place_at_end, suppress),
            "started by the last day and not ceased, replaced or transferred out",
        ),
        row(
            "Plans issued that were audited",
            Share {
                numerator: k.quality.audited,
                denominator: k.new_plans,
            },
            "of plans issued in the period, audited for quality",
        ),
        row(
            "Audited plans good or better",
            Share {
                numerator: k.quality.good_or_better,
                denominator: k.quality.audited,
            },
            "each plan's latest audit, by the area's rubric",
        ),
        plain(
            "Annual review meetings held",
            count(k.reviews_held, suppress),
            "held in the period",
        ),
        row(
            "Annual reviews held on time",
            k.annual_reviews_on_time(),
            &format!(
                "of reviews due in the period and already past due, held within 12 months; late {}, overdue {}, not yet due {}",
                count(reviews.met_late, suppress),
                count(reviews.overdue, suppress),
                count(reviews.not_yet_due, suppress)
            ),
        ),
        row(
            "Phase transfers amended by the deadline",
            k.phase_transfers_on_time(),
            "of transfers whose deadline (15 February; 31 March for post-16) fell in the period and has passed, the plan amended in time",
        ),
        row(
            "Review decisions within 4 weeks",
            k.review_decisions_within_4_weeks,
            "of decisions made in the period, made within 28 days of the meeting",
        ),
        plain(
            "Plans ceased",
            count(k.ceased.values().sum(), suppress),
            &ceased,
        ),
        plain(
            "Median time from request to final plan",
            days(k.median_days_to_final_plan),
            "plans issued in the period, nearest-rank median",
        ),
        plain(
            "90th percentile time from request to final plan",
            days(k.p90_days_to_final_plan),
            "nearest-rank 90th percentile",
        ),
    ];
    html! {
        h1.govuk-heading-l { "Dashboard" }
        (filters(ask, q, choices, action))
        p.govuk-body {
            "Worked out from every event recorded, by the DfE's definitions; each share with its numerator and denominator."
            @if suppress > 1 { " Counts from 1 to " (suppress - 1) " are shown as c, as the DfE does." }
        }
        (ui::table(&k.period, &SHARE_COLUMNS, measures))
        (ui::table(
            "Time each statutory step took (steps completed in the period, in days)",
            &[ui::col("Step"), ui::num_col("Completed"), ui::num_col("Median"), ui::num_col("90th percentile")],
            step_rows,
        ))
        h2.govuk-heading-m { "Plans issued within 20 weeks, by period" }
        (chart(figures, suppress))
        (ui::table(
            "The chart's figures",
            &[ui::col("Period"), ui::num_col("Within 20 weeks"), ui::num_col("Within"), ui::num_col("Issued"),
              ui::num_col("Excluding exceptions"), ui::num_col("Within"), ui::num_col("Issued"),
              ui::num_col("Exception cases")],
            trend,
        ))
        (more_trends(figures, suppress))
        (sections(k, suppress))
    }
}

/// What a setting type is called on the page.
fn type_label(key: &str) -> &str {
    match key {
        "mainstream_la_maintained" => "Mainstream school, council-maintained",
        "mainstream_academy" => "Mainstream academy",
        "mainstream_free_school" => "Mainstream free school",
        "mainstream_independent" => "Independent mainstream school",
        "special_la_maintained" => "Special school, council-maintained",
        "special_academy" => "Special academy or free school",
        "special_independent" => "Independent special school",
        "special_non_maintained" => "Non-maintained special school",
        "alternative_provision" => "Alternative provision",
        "further_education" => "Further education",
        "specialist_post16" => "Specialist post-16 institution",
        "early_years" => "Early years",
        _ => "Setting not on the register",
    }
}

/// The statutory time limits, disputes and placements of a period, as tables: each
/// count with what it is out of. Shared with the board report.
pub fn sections(k: &Kpis, suppress: u64) -> Markup {
    let c = |v: u64| count(v, suppress);
    let pc = |s: Share| share(s, suppress).2;
    let hidden = |n: u64| small(n, suppress);
    let days = |d: Option<i32>, n: u64| match d {
        _ if hidden(n) => "c".to_string(),
        Some(x) => x.to_string(),
        None => "none".into(),
    };
    // The rule book's order (the latest book holds every key).
    let order = sendscope_domain::clocks::RULE_BOOKS
        .last()
        .map(|b| b.rules)
        .unwrap_or(&[]);
    let clock_rows = order
        .iter()
        .filter_map(|r| k.clocks.get(r.key).map(|f| (r, f)))
        .map(|(r, f)| {
            html! {
                (ui::row_head(html! { (r.step) " " span.govuk-caption-m { (r.source) } }))
                @if f.duty {
                    // The four add up to those due: no small one left to subtraction.
                    @let (p, due) = parts(&[f.met_on_time, f.met_late, f.overdue, f.not_yet_due], f.due, suppress);
                    (ui::num(due))
                    @for x in p { (ui::num(x)) }
                    (ui::num(pc(f.on_time())))
                } @else {
                    td.govuk-table__cell colspan="6" { "the family's or a setting's time: it closes rather than goes late" }
                }
                (ui::num(c(f.done.completed)))
                (ui::num(days(f.done.median_days, f.done.completed)))
                (ui::num(days(f.done.p90_days, f.done.completed)))
            }
        });
    let d = &k.disputes;
    let counts: Vec<u64> = d.appeals_decided.values().copied().collect();
    let (shown, decided_total) = parts(&counts, counts.iter().sum(), suppress);
    let outcomes: Vec<String> = d
        .appeals_decided
        .keys()
        .zip(&shown)
        .map(|(o, n)| {
            let name = serde_json::to_value(o)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_default();
            format!("{name} {n}")
        })
        .collect();
    let decided = if outcomes.is_empty() {
        "decided in the period".to_string()
    } else {
        format!("decided in the period: {}", outcomes.join("; "))
    };
    let disputes = [
        figure_row(
            "Mediations held",
            c(d.mediations_held),
            "held in the period",
        ),
        share_row(
            "Mediations followed by an appeal",
            d.mediations_followed_by_appeal,
            "of mediations held in the period, those the family went on to appeal",
            suppress,
        ),
        share_row(
            "Appeal rate",
            d.appeal_rate,
            "appeals registered in the period, over the decisions made in it that carry a right of appeal (refusals to assess or to issue a plan, plans issued or amended, decisions to cease)",
            suppress,
        ),
        figure_row("Appeals decided", decided_total, &decided),
    ];
    let money = |f: &sendscope_kpi::PlacementFigures| {
        if hidden(f.costed) {
            "c".to_string()
        } else {
            sendscope_domain::codes::Pence(f.annual_cost_pence).to_string()
        }
    };
    let mut placed: Vec<(&str, &sendscope_kpi::PlacementFigures)> =
        k.placements.iter().map(|(t, f)| (*t, f)).collect();
    placed.sort_by_key(|x| std::cmp::Reverse(x.1.children));
    let place_row = |label: &str, f: &sendscope_kpi::PlacementFigures| {
        html! { (ui::row_head(label)) (ui::num(c(f.children))) (ui::num(c(f.costed))) (ui::num(money(f))) }
    };
    let place_rows = placed
        .iter()
        .map(|(t, f)| place_row(type_label(t), f))
        .chain([place_row(
            "Independent and non-maintained special schools, together",
            &k.independent,
        )]);
    html! {
        h2.govuk-heading-m { "Statutory time limits" }
        p.govuk-body {
            "Every time limit in the law, from each child's record. Due: deadlines falling in the period; on time, late, \
             overdue (not done and past) and not yet due (today's view); the share on time is of those already past due. \
             Days: steps done in the period, from the day the limit counts from (none for limits counted back from an \
             event, such as a phase transfer)."
        }
        (ui::table(
            &format!("Time limits falling due, and steps done, in {}", k.period),
            &[ui::col("Step"), ui::num_col("Due"), ui::num_col("On time"), ui::num_col("Late"), ui::num_col("Overdue"),
              ui::num_col("Not yet due"), ui::num_col("On time (%)"), ui::num_col("Done"), ui::num_col("Median days"),
              ui::num_col("90th percentile")],
            clock_rows,
        ))
        h2.govuk-heading-m { "Mediation and the Tribunal" }
        (ui::table(&format!("Disagreements in {}", k.period), &SHARE_COLUMNS, disputes))
        h2.govuk-heading-m { "Placements and their cost by type of setting" }
        p.govuk-body {
            "Children with a plan in place on the last day of the period, by where they were placed then. The annual cost \
             is the provision's cost per place for that financial year (place funding, top-up, health and social care), for \
             the children whose provision has one recorded."
        }
        (ui::table(
            &format!("Placements on the last day of {}", k.period),
            &[ui::col("Type of setting"), ui::num_col("Children"), ui::num_col("With a cost recorded"), ui::num_col("Annual cost")],
            place_rows,
        ))
    }
}
