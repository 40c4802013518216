//! Placement pages and their data: a child's options (`/cases/{id}/options`), the
//! area-wide optimum (`/placement`) and a scenario beside the baseline
//! (`/placement/scenario`). The records are read here; the working out is
//! `sendscope_placement::area`, shared with `sendscope placement …`.

use crate::auth::Visitor;
use crate::shell::blocking;
use crate::{AppState, ui};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use sendscope_app::placement::AreaData;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::codes::Pence;
use sendscope_domain::event::StreamRef;
use sendscope_domain::ids::{AreaId, CaseId, ProvisionId, SettingId};
use sendscope_placement::area::{
    Change, Child, Cohort, Comparison, Plan, Scenario, Settings, Summary,
};
use sendscope_store::Store;
use std::collections::{BTreeMap, HashMap};

fn money(p: Pence) -> String {
    p.to_string()
}

fn date_param(q: &HashMap<String, String>) -> Result<NaiveDate, String> {
    match q.get("on").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(england_today()),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("The date must be written like 2027-09-01, not {s:?}")),
    }
}

fn bad_request(title: &str, message: &str, back: &str) -> Response {
    crate::Error::invalid(message)
        .heading(title.to_string())
        .back(back, "Start again")
        .into_response()
}

/// GET /cases/{id}/options?on=YYYY-MM-DD: every provision that can meet the child's
/// needs, with vacancies and full annual cost, and every other with why it is excluded.
pub async fn options(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    crate::shell::with_user(&app, visitor, move |store, who| {
        let not_found = crate::shell::not_found;
        let Ok(case) = CaseId::parse(&id) else {
            return not_found();
        };
        let Ok(Some(p)) = store.projection(StreamRef::case(case)) else {
            return not_found();
        };
        if p.area != who.principal.area
            || !sendscope_app::access::may_see(&who.principal, &p)
            || !authorise(
                &who.principal,
                Action::View,
                Resource::Placement { area: p.area },
            )
            .allowed()
        {
            return not_found();
        }
        let on = match date_param(&q) {
            Ok(d) => d,
            Err(m) => return bad_request("Options", &m, &format!("/cases/{id}/options")),
        };
        let Some(child) = p.case().and_then(|c| Child::from_case(case, c)) else {
            return not_found();
        };
        let data = match AreaData::load(store, p.area, on) {
            Ok(d) => d,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let o =
            sendscope_placement::area::options_for(&child, &data.provisions, &data.settings, on);
        Html(ui::page("Options", options_html(&id, &o, &data.settings))).into_response()
    })
    .await
}

fn options_html(case: &str, o: &sendscope_placement::area::Options, settings: &Settings) -> Markup {
    let unknown = || "unknown".to_string();
    let rows = o.options.iter().map(|r| {
        html! {
            (ui::cell(html! {
                (ui::link(&format!("/provisions/{}", r.provision), &r.name)) br; (r.school)
                @if r.preferred { " " (ui::tag("Family's preference", None)) }
            }))
            (ui::cell(r.kind.label()))
            (ui::num(r.distance_km.map(|d| format!("{d:.1}")).unwrap_or_else(unknown)))
            (ui::num(r.journey_minutes.map(|m| m.to_string()).unwrap_or_else(unknown)))
            (ui::num(r.vacancies_now))
            (ui::num(r.vacancies_on_date))
            (ui::num(money(r.place_cost)))
            (ui::num(money(r.annual_cost)))
            (ui::cell(&r.ofsted))
        }
    });
    let excluded = o.excluded.iter().map(|x| {
        html! { (ui::cell(html! { (x.name) br; (x.school) })) (ui::cell(&x.reason)) }
    });
    html! {
        span.govuk-caption-l { (ui::link(&format!("/cases/{case}"), "Back to the record")) }
        h1.govuk-heading-l { "Options" }
        form method="get" action={ "/cases/" (case) "/options" } novalidate {
            (date_field("Placement date", o.on))
            button type="submit" class="govuk-button govuk-button--secondary" { "Show options on this date" }
        }
        p.govuk-body {
            "The child will be " (o.age_on_date) " on " (long_date(o.on)) ". Annual cost is the place (place funding, \
             top-up, health and social care) plus transport: " (money(Pence(settings.transport.pence_per_mile)))
            " a mile for each of " (settings.transport.trips_per_year) " single trips a year, by road about "
            (settings.transport.road_factor) " times the straight-line distance."
        }
        (ui::table(
            &format!("{} options, cheapest first", o.options.len()),
            &[ui::col("Provision"), ui::col("Kind"), ui::num_col("Distance (km)"), ui::num_col("Journey (minutes)"),
              ui::num_col("Vacancies now"), ui::num_col("Vacancies on the date"), ui::num_col("Place a year"),
              ui::num_col("Annual cost"), ui::col("Ofsted")],
            rows,
        ))
        (ui::table(
            &format!("{} provisions excluded, and why", o.excluded.len()),
            &[ui::col("Provision"), ui::col("Why")],
            excluded,
        ))
    }
}

/// The day a placement page works on, written as 2027-09-01.
fn date_field(label: &str, on: NaiveDate) -> Markup {
    html! {
        div.govuk-form-group {
            label.govuk-label for="on" { (label) }
            div.govuk-hint id="on-hint" { "For example, 2027-09-01" }
            input class="govuk-input govuk-input--width-10" id="on" name="on" type="text" aria-describedby="on-hint" value=(on);
        }
    }
}

fn cohort_param(q: &HashMap<String, String>) -> Result<Cohort, String> {
    match q.get("cohort").map(String::as_str).unwrap_or("awaiting") {
        "awaiting" | "" => Ok(Cohort::Awaiting),
        "all" => Ok(Cohort::All),
        other => Err(format!("The cohort must be awaiting or all, not {other:?}")),
    }
}

/// The measures of one or more allocations side by side, as a table.
fn summary_table(caption: &str, cols: &[(&str, &Summary)]) -> Markup {
    let km = |x: Option<f64>| {
        x.map(|k| format!("{k:.1}"))
            .unwrap_or_else(|| "none".into())
    };
    type Line<'a> = (&'a str, &'a dyn Fn(&Summary) -> String);
    let lines: [Line; 9] = [
        ("Children", &|s| s.children.to_string()),
        ("Placed", &|s| s.placed.to_string()),
        ("Unplaced", &|s| s.unplaced.to_string()),
        ("Annual cost (places and transport)", &|s| {
            money(s.annual_cost)
        }),
        ("Independent placements", &|s| {
            s.independent_placements.to_string()
        }),
        ("Family preferences kept", &|s| {
            s.preferences_kept.to_string()
        }),
        ("Average journey (km)", &|s| km(s.average_journey_km)),
        ("Worst journey (km)", &|s| km(s.worst_journey_km)),
        (
            "Optimiser's objective (annual cost less preference credits, plus the unplaced penalty)",
            &|s| money(s.objective),
        ),
    ];
    let mut columns = vec![ui::col("Measure")];
    columns.extend(cols.iter().map(|(h, _)| ui::num_col(h)));
    ui::table(
        caption,
        &columns,
        lines.iter().map(|(label, f)| {
            html! { (ui::row_head(*label)) @for (_, s) in cols { (ui::num(f(s))) } }
        }),
    )
}

fn cohort_form(action: &str, cohort: Cohort, on: NaiveDate, extra: Markup) -> Markup {
    let choices = [
        (
            "awaiting".to_string(),
            "Awaiting a place (into the vacancies)".to_string(),
        ),
        (
            "all".to_string(),
            "Every child with a plan (into every place, for planning)".to_string(),
        ),
    ];
    let chosen = match cohort {
        Cohort::Awaiting => "awaiting",
        Cohort::All => "all",
    };
    html! {
        form method="get" action=(action) novalidate {
            (ui::radios(&ui::Question::new("cohort", "Children"), &choices, chosen, None))
            (date_field("Date", on))
            (extra)
            (ui::submit("Work it out"))
        }
    }
}

/// What a planning page was asked for (the day and the cohort) and the area's data on
/// that day; or the page to answer with (400 saying what to mend, or an error).
fn planning(
    store: &dyn Store,
    area: AreaId,
    q: &HashMap<String, String>,
    title: &str,
    back: &str,
) -> Result<(NaiveDate, Cohort, AreaData), Box<Response>> {
    let (on, cohort) = match (date_param(q), cohort_param(q)) {
        (Ok(d), Ok(c)) => (d, c),
        (Err(m), _) | (_, Err(m)) => return Err(Box::new(bad_request(title, &m, back))),
    };
    let data = AreaData::load(store, area, on)
        .map_err(|e| Box::new(crate::Error::internal(e).into_response()))?;
    Ok((on, cohort, data))
}

/// Area-wide placement is work of seconds at scale: only for the roles that plan places
/// (caseworkers, team managers, commissioners), and one run at a time for each user, so
/// that nobody can slow the service for everyone else.
fn planning_allowed(
    who: &crate::auth::SignedIn,
    running: &std::sync::Arc<crate::Running>,
) -> Result<crate::RunningGuard, Box<Response>> {
    let p = &who.principal;
    if !authorise(p, Action::View, Resource::Placement { area: p.area }).allowed() {
        return Err(Box::new(
            crate::Error::forbidden(
                "Placement planning is for caseworkers, team managers and commissioners.",
            )
            .into_response(),
        ));
    }
    running.start(who.username.as_str()).ok_or_else(|| {
        Box::new(
            crate::Error::too_many(
                "You already have a placement run going: wait for it to finish, then try again.",
            )
            .into_response(),
        )
    })
}

/// GET /placement?cohort=awaiting|all&on=: the best allocation, exactly.
pub async fn area(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let running = app.running.clone();
    blocking(&app, visitor, move |store, who| {
        let _run = match planning_allowed(&who, &running) {
            Ok(g) => g,
            Err(r) => return *r,
        };
        let (on, cohort, data) =
            match planning(store, who.principal.area, &q, "Placement", "/placement") {
                Ok(x) => x,
                Err(r) => return *r,
            };
        let plan = match data.optimise(on, cohort) {
            Ok(p) => p,
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        Html(ui::page("Placement", plan_html(&plan, &data))).into_response()
    })
    .await
}

fn plan_html(plan: &Plan, data: &AreaData) -> Markup {
    let mut by: BTreeMap<String, (String, usize, u32)> = BTreeMap::new();
    for p in &data.provisions {
        by.insert(
            p.id.to_string(),
            (
                format!("{} ({})", p.name, p.school),
                0,
                match plan.cohort {
                    Cohort::Awaiting => p.vacancies_on_date(),
                    Cohort::All => p.places,
                },
            ),
        );
    }
    for a in &plan.allocations {
        if let Some(p) = a.provision
            && let Some(x) = by.get_mut(&p.to_string())
        {
            x.1 += 1;
        }
    }
    let rows = by
        .iter()
        .filter(|(_, (_, n, _))| *n > 0)
        .map(|(id, (name, n, cap))| {
            html! { (ui::cell(ui::link(&format!("/provisions/{id}"), name))) (ui::num(n)) (ui::num(cap)) }
        });
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &plan.allocations {
        if let Some(r) = &a.unplaced_because {
            *reasons.entry(r.as_str()).or_default() += 1;
        }
    }
    let unplaced = reasons
        .iter()
        .map(|(r, n)| html! { (ui::cell(*r)) (ui::num(n)) });
    let cohort = match plan.cohort {
        Cohort::Awaiting => "awaiting",
        Cohort::All => "all",
    };
    html! {
        h1.govuk-heading-l { "Placement" }
        p.govuk-body {
            "The allocation of children to places that costs least in the year (places and transport), within every \
             provision's places and the approval gates, keeping a family's preference unless another place is more than "
            (money(data.settings.preference_credit)) " a year cheaper. Exact: solved as a minimum-cost flow ("
            (plan.supplies) " groups of children with the same options, " (plan.arcs) " arcs)."
        }
        (cohort_form("/placement", plan.cohort, plan.on, html! {}))
        (summary_table(&format!("The optimum on {}", long_date(plan.on)), &[("Optimum", &plan.summary)]))
        p.govuk-body {
            (ui::link(&format!("/placement/scenario?cohort={cohort}&on={}", plan.on), "Try a scenario: more places, a new provision"))
        }
        (ui::table("Children by provision", &[ui::col("Provision"), ui::num_col("Children"), ui::num_col("Places available")], rows))
        (ui::table("Children unplaced, and why", &[ui::col("Why"), ui::num_col("Children")], unplaced))
    }
}

/// The scenario a query describes: a resize of a provision, or a new provision at a
/// setting, with its capital cost.
fn scenario_of(q: &HashMap<String, String>, data: &AreaData) -> Result<Option<Scenario>, String> {
    let get = |k: &str| q.get(k).map(|s| s.trim()).unwrap_or("");
    let number = |k: &str, what: &str| -> Result<u32, String> {
        get(k)
            .replace(',', "")
            .parse::<u32>()
            .map_err(|_| format!("The {what} must be a whole number, like 12"))
    };
    let money_of = |k: &str, what: &str| -> Result<Pence, String> {
        if get(k).is_empty() {
            return Ok(Pence(0));
        }
        Pence::parse_pounds(get(k))
            .map_err(|_| format!("The {what} must be an amount in pounds, like 1,200,000"))
    };
    let capital = money_of("capital", "capital cost")?;
    let change = match get("change") {
        "" => return Ok(None),
        "resize" => {
            let provision = ProvisionId::parse(get("provision"))
                .ok()
                .filter(|p| data.provisions.iter().any(|x| x.id == *p))
                .ok_or("Choose the provision to resize")?;
            Change::Resize {
                provision,
                places: number("places", "number of places")?,
            }
        }
        "add" => {
            let setting = SettingId::parse(get("setting"))
                .ok()
                .filter(|s| data.schools.contains_key(s))
                .ok_or("Choose the school the new provision is at")?;
            let kind = match get("kind") {
                "resourced_provision" => sendscope_domain::event::ProvisionKind::ResourcedProvision,
                "sen_unit" => sendscope_domain::event::ProvisionKind::SenUnit,
                "special" => sendscope_domain::event::ProvisionKind::Special,
                _ => return Err("Choose the kind of provision".into()),
            };
            let need_types: Vec<sendscope_domain::sen::NeedType> = get("needs")
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| {
                    sendscope_domain::sen::NeedType::parse(s).map_err(|_| {
                        format!("{s:?} is not a type of need (use codes like ASD, SEMH)")
                    })
                })
                .collect::<Result<_, _>>()?;
            if need_types.is_empty() {
                return Err("Enter the types of need, like ASD, SLCN".into());
            }
            Change::Add {
                setting,
                name: "New provision".into(),
                kind,
                need_types,
                low_age: number("low_age", "youngest age")? as u8,
                high_age: number("high_age", "oldest age")? as u8,
                places: number("places", "number of places")?,
                cost_per_place: money_of("cost", "cost per place")?,
            }
        }
        other => return Err(format!("There is no change called {other:?}")),
    };
    Ok(Some(Scenario {
        name: "Scenario".into(),
        changes: vec![change],
        capital_cost: capital,
    }))
}

/// GET /placement/scenario: a scenario beside the baseline.
pub async fn scenario(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let running = app.running.clone();
    blocking(&app, visitor, move |store, who| {
        let _run = match planning_allowed(&who, &running) {
            Ok(g) => g,
            Err(r) => return *r,
        };
        let (on, cohort, data) = match planning(
            store,
            who.principal.area,
            &q,
            "Scenario",
            "/placement/scenario",
        ) {
            Ok(x) => x,
            Err(r) => return *r,
        };
        let form = scenario_form(&data, &q, cohort, on);
        let result = match scenario_of(&q, &data) {
            Err(m) => {
                let body = html! {
                    (ui::error_summary([("change", m.as_str())]))
                    h1.govuk-heading-l { "Scenario" }
                    (form)
                };
                return (
                    StatusCode::BAD_REQUEST,
                    Html(ui::page("Error: Scenario", body)),
                )
                    .into_response();
            }
            Ok(None) => html! {},
            Ok(Some(s)) => match data.compare(on, cohort, &s) {
                Ok(c) => comparison_html(&c),
                Err(e) => return crate::Error::internal(e).into_response(),
            },
        };
        let body = html! { h1.govuk-heading-l { "Scenario" } (form) (result) };
        Html(ui::page("Scenario", body)).into_response()
    })
    .await
}

fn scenario_form(
    data: &AreaData,
    q: &HashMap<String, String>,
    cohort: Cohort,
    on: NaiveDate,
) -> Markup {
    let get = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let select = |name: &str, label: &str, options: Vec<(String, String)>| {
        ui::select(name, label, &options, "Choose", get(name))
    };
    let input = |name: &str, label: &str, width: u8| {
        html! {
            div.govuk-form-group {
                label.govuk-label for=(name) { (label) }
                input class={ "govuk-input govuk-input--width-" (width) } id=(name) name=(name) type="text" value=(get(name));
            }
        }
    };
    let provisions: Vec<(String, String)> = data
        .provisions
        .iter()
        .map(|p| {
            (
                p.id.to_string(),
                format!("{} ({}), {} places", p.name, p.school, p.places),
            )
        })
        .collect();
    let schools: Vec<(String, String)> = data
        .schools
        .iter()
        .map(|(id, s)| (id.to_string(), s.name.clone()))
        .collect();
    let pair = |v: &str, l: &str| (v.to_string(), l.to_string());
    let extra = html! {
        (select("change", "Change", vec![pair("resize", "Resize a provision"), pair("add", "Add a provision at a school")]))
        (select("provision", "Provision to resize", provisions))
        (select("setting", "School for a new provision", schools))
        (select("kind", "Kind of new provision", vec![
            pair("resourced_provision", "Resourced provision (ERP)"),
            pair("sen_unit", "SEN unit"),
            pair("special", "Special school"),
        ]))
        (input("needs", "Types of need of a new provision (codes, like ASD, SLCN)", 20))
        (input("low_age", "Youngest age of a new provision", 3))
        (input("high_age", "Oldest age of a new provision", 3))
        (input("places", "Places (the new number, or the new provision's)", 4))
        (input("cost", "Cost per place a year of a new provision (£)", 10))
        (input("capital", "Capital cost (£)", 10))
    };
    cohort_form("/placement/scenario", cohort, on, extra)
}

fn comparison_html(c: &Comparison) -> Markup {
    html! {
        (summary_table(
            &format!("{} beside the baseline, {}", c.scenario, long_date(c.on)),
            &[("Baseline", &c.baseline), ("With the change", &c.with_changes)],
        ))
        (ui::summary_list([
            ("Annual saving", money(c.annual_saving)),
            ("Capital cost", money(c.capital_cost)),
            ("Payback", c.payback_years
                .map(|y| format!("{y:.1} years"))
                .unwrap_or_else(|| "no annual saving, so no payback".into())),
            ("Independent placements avoided", c.independent_placements_avoided.to_string()),
        ]))
        @if !c.approvals_needed.is_empty() {
            h2.govuk-heading-m { "Approvals needed first" }
            ul class="govuk-list govuk-list--bullet" { @for a in &c.approvals_needed { li { (a) } } }
        }
        @if !c.problems.is_empty() {
            h2.govuk-heading-m { "Changes not applied" }
            ul class="govuk-list govuk-list--bullet" { @for a in &c.problems { li { (a) } } }
        }
    }
}
