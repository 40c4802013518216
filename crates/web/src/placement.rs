//! Placement pages and their data: a child's options (`/cases/{id}/options`), the
//! area-wide optimum (`/placement`) and a scenario beside the baseline
//! (`/placement/scenario`). The records are read here; the working out is
//! `sendscope_placement::area`, shared with `sendscope placement …`.

use crate::shell::blocking;
use crate::{AppState, esc, page};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
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
    (
        StatusCode::BAD_REQUEST,
        Html(page(
            &format!("Error: {title}"),
            &format!(
                "<h1>{}</h1><p class=\"govuk-error-message\">{}</p><p><a href=\"{back}\">Start again</a></p>",
                esc(title),
                esc(message)
            ),
        )),
    )
        .into_response()
}

/// GET /cases/{id}/options?on=YYYY-MM-DD: every provision that can meet the child's
/// needs, with vacancies and full annual cost, and every other with why it is excluded.
pub async fn options(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    crate::shell::with_user(&app, headers, move |store, who| {
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
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let o =
            sendscope_placement::area::options_for(&child, &data.provisions, &data.settings, on);
        Html(page("Options", &options_html(&id, &o, &data.settings))).into_response()
    })
    .await
}

fn options_html(case: &str, o: &sendscope_placement::area::Options, settings: &Settings) -> String {
    let rows: String = o
        .options
        .iter()
        .map(|r| {
            format!(
                "<tr><td><a href=\"/provisions/{}\">{}</a><br>{}{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                r.provision,
                esc(&r.name),
                esc(&r.school),
                if r.preferred { " <strong class=\"govuk-tag\">Family's preference</strong>" } else { "" },
                r.kind.label(),
                r.distance_km.map(|d| format!("{d:.1}")).unwrap_or_else(|| "unknown".into()),
                r.journey_minutes.map(|m| m.to_string()).unwrap_or_else(|| "unknown".into()),
                r.vacancies_now,
                r.vacancies_on_date,
                money(r.place_cost),
                money(r.annual_cost),
                esc(&r.ofsted)
            )
        })
        .collect();
    let excluded: String = o
        .excluded
        .iter()
        .map(|x| {
            format!(
                "<tr><td>{}<br>{}</td><td>{}</td></tr>",
                esc(&x.name),
                esc(&x.school),
                esc(&x.reason)
            )
        })
        .collect();
    format!(
        "<span class=\"govuk-caption-l\"><a href=\"/cases/{case}\">Back to the record</a></span><h1>Options</h1>\
         <form method=\"get\" action=\"/cases/{case}/options\" novalidate><div class=\"govuk-form-group\">\
         <label class=\"govuk-label\" for=\"on\">Placement date</label><div id=\"on-hint\" class=\"govuk-hint\">For example, 2027-09-01</div>\
         <input class=\"govuk-input govuk-input--width-10\" id=\"on\" name=\"on\" type=\"text\" aria-describedby=\"on-hint\" value=\"{}\"></div>\
         <button type=\"submit\" class=\"govuk-button govuk-button--secondary\">Show options on this date</button></form>\
         <p>The child will be {} on {}. Annual cost is the place (place funding, top-up, health and social care) plus transport: \
         {} a mile for each of {} single trips a year, by road about {} times the straight-line distance.</p>\
         <table><caption>{} options, cheapest first</caption><thead><tr><th scope=\"col\">Provision</th><th scope=\"col\">Kind</th>\
         <th scope=\"col\" class=\"num\">Distance (km)</th><th scope=\"col\" class=\"num\">Journey (minutes)</th><th scope=\"col\" class=\"num\">Vacancies now</th>\
         <th scope=\"col\" class=\"num\">Vacancies on the date</th><th scope=\"col\" class=\"num\">Place a year</th><th scope=\"col\" class=\"num\">Annual cost</th>\
         <th scope=\"col\">Ofsted</th></tr></thead><tbody>{rows}</tbody></table>\
         <table><caption>{} provisions excluded, and why</caption><thead><tr><th scope=\"col\">Provision</th><th scope=\"col\">Why</th></tr></thead>\
         <tbody>{excluded}</tbody></table>",
        o.on,
        o.age_on_date,
        long_date(o.on),
        money(Pence(settings.transport.pence_per_mile)),
        settings.transport.trips_per_year,
        settings.transport.road_factor,
        o.options.len(),
        o.excluded.len()
    )
}

fn cohort_param(q: &HashMap<String, String>) -> Result<Cohort, String> {
    match q.get("cohort").map(String::as_str).unwrap_or("awaiting") {
        "awaiting" | "" => Ok(Cohort::Awaiting),
        "all" => Ok(Cohort::All),
        other => Err(format!("The cohort must be awaiting or all, not {other:?}")),
    }
}

fn summary_rows(cols: &[(&str, &Summary)]) -> String {
    let line = |label: &str, f: &dyn Fn(&Summary) -> String| {
        let cells: String = cols
            .iter()
            .map(|(_, s)| format!("<td class=\"num\">{}</td>", f(s)))
            .collect();
        format!("<tr><th scope=\"row\">{label}</th>{cells}</tr>")
    };
    let km = |x: Option<f64>| {
        x.map(|k| format!("{k:.1}"))
            .unwrap_or_else(|| "none".into())
    };
    let head: String = cols
        .iter()
        .map(|(h, _)| format!("<th scope=\"col\" class=\"num\">{}</th>", esc(h)))
        .collect();
    format!(
        "<thead><tr><th scope=\"col\">Measure</th>{head}</tr></thead><tbody>{}{}{}{}{}{}{}{}{}</tbody>",
        line("Children", &|s| s.children.to_string()),
        line("Placed", &|s| s.placed.to_string()),
        line("Unplaced", &|s| s.unplaced.to_string()),
        line("Annual cost (places and transport)", &|s| money(
            s.annual_cost
        )),
        line("Independent placements", &|s| s
            .independent_placements
            .to_string()),
        line("Family preferences kept", &|s| s
            .preferences_kept
            .to_string()),
        line("Average journey (km)", &|s| km(s.average_journey_km)),
        line("Worst journey (km)", &|s| km(s.worst_journey_km)),
        line(
            "Optimiser's objective (annual cost less preference credits, plus the unplaced penalty)",
            &|s| money(s.objective)
        ),
    )
}

fn cohort_form(action: &str, cohort: Cohort, on: NaiveDate, extra: &str) -> String {
    let checked = |c: Cohort| if c == cohort { " checked" } else { "" };
    format!(
        "<form method=\"get\" action=\"{action}\" novalidate>\
         <div class=\"govuk-form-group\"><fieldset class=\"govuk-fieldset\"><legend class=\"govuk-fieldset__legend govuk-fieldset__legend--s\">Children</legend>\
         <div class=\"govuk-radios\" data-module=\"govuk-radios\">\
         <div class=\"govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"cohort\" name=\"cohort\" type=\"radio\" value=\"awaiting\"{}>\
         <label class=\"govuk-label govuk-radios__label\" for=\"cohort\">Awaiting a place (into the vacancies)</label></div>\
         <div class=\"govuk-radios__item\"><input class=\"govuk-radios__input\" id=\"cohort-all\" name=\"cohort\" type=\"radio\" value=\"all\"{}>\
         <label class=\"govuk-label govuk-radios__label\" for=\"cohort-all\">Every child with a plan (into every place, for planning)</label></div>\
         </div></fieldset></div>\
         <div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"on\">Date</label><div id=\"on-hint\" class=\"govuk-hint\">For example, 2027-09-01</div>\
         <input class=\"govuk-input govuk-input--width-10\" id=\"on\" name=\"on\" type=\"text\" aria-describedby=\"on-hint\" value=\"{on}\"></div>{extra}\
         <button type=\"submit\" class=\"govuk-button\">Work it out</button></form>",
        checked(Cohort::Awaiting),
        checked(Cohort::All),
    )
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
    let data =
        AreaData::load(store, area, on).map_err(|e| Box::new(crate::error_page(&e.to_string())))?;
    Ok((on, cohort, data))
}

/// GET /placement?cohort=awaiting|all&on=: the best allocation, exactly.
pub async fn area(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    blocking(&app, headers, move |store, who| {
        let (on, cohort, data) =
            match planning(store, who.principal.area, &q, "Placement", "/placement") {
                Ok(x) => x,
                Err(r) => return *r,
            };
        let plan = match data.optimise(on, cohort) {
            Ok(p) => p,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        Html(page("Placement", &plan_html(&plan, &data))).into_response()
    })
    .await
}

fn plan_html(plan: &Plan, data: &AreaData) -> String {
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
    let rows: String = by
        .iter()
        .filter(|(_, (_, n, _))| *n > 0)
        .map(|(id, (name, n, cap))| {
            format!(
                "<tr><td><a href=\"/provisions/{id}\">{}</a></td><td class=\"num\">{n}</td><td class=\"num\">{cap}</td></tr>",
                esc(name)
            )
        })
        .collect();
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &plan.allocations {
        if let Some(r) = &a.unplaced_because {
            *reasons.entry(r.as_str()).or_default() += 1;
        }
    }
    let unplaced: String = reasons
        .iter()
        .map(|(r, n)| format!("<tr><td>{}</td><td class=\"num\">{n}</td></tr>", esc(r)))
        .collect();
    format!(
        "<h1>Placement</h1><p>The allocation of children to places that costs least in the year (places and transport), within every provision's places \
         and the approval gates, keeping a family's preference unless another place is more than {} a year cheaper. Exact: solved as a minimum-cost flow \
         ({} groups of children with the same options, {} arcs).</p>{}\
         <table><caption>The optimum on {}</caption>{}</table>\
         <p><a href=\"/placement/scenario?cohort={}&amp;on={}\">Try a scenario: more places, a new provision</a></p>\
         <table><caption>Children by provision</caption><thead><tr><th scope=\"col\">Provision</th><th scope=\"col\" class=\"num\">Children</th><th scope=\"col\" class=\"num\">Places available</th></tr></thead><tbody>{rows}</tbody></table>\
         <table><caption>Children unplaced, and why</caption><thead><tr><th scope=\"col\">Why</th><th scope=\"col\" class=\"num\">Children</th></tr></thead><tbody>{unplaced}</tbody></table>",
        money(data.settings.preference_credit),
        plan.supplies,
        plan.arcs,
        cohort_form("/placement", plan.cohort, plan.on, ""),
        long_date(plan.on),
        summary_rows(&[("Optimum", &plan.summary)]),
        match plan.cohort {
            Cohort::Awaiting => "awaiting",
            Cohort::All => "all",
        },
        plan.on,
    )
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
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    blocking(&app, headers, move |store, who| {
        let (on, cohort, data) =
            match planning(store, who.principal.area, &q, "Scenario", "/placement/scenario") {
                Ok(x) => x,
                Err(r) => return *r,
            };
        let form = scenario_form(&data, &q, cohort, on);
        let result = match scenario_of(&q, &data) {
            Err(m) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Html(page(
                        "Error: Scenario",
                        &format!(
                            "<div class=\"govuk-error-summary\" data-module=\"govuk-error-summary\"><div role=\"alert\">\
                             <h2 class=\"govuk-error-summary__title\">There is a problem</h2><div class=\"govuk-error-summary__body\">\
                             <ul class=\"govuk-list govuk-error-summary__list\"><li><a href=\"#change\">{}</a></li></ul></div></div></div>\
                             <h1>Scenario</h1>{form}",
                            esc(&m)
                        ),
                    )),
                )
                    .into_response();
            }
            Ok(None) => String::new(),
            Ok(Some(s)) => match data.compare(on, cohort, &s) {
                Ok(c) => comparison_html(&c),
                Err(e) => return crate::error_page(&e.to_string()),
            },
        };
        Html(page("Scenario", &format!("<h1>Scenario</h1>{form}{result}"))).into_response()
    })
    .await
}

fn scenario_form(
    data: &AreaData,
    q: &HashMap<String, String>,
    cohort: Cohort,
    on: NaiveDate,
) -> String {
    let get = |k: &str| q.get(k).map(|s| s.as_str()).unwrap_or("");
    let select = |name: &str, label: &str, options: Vec<(String, String)>| {
        crate::ui::select(name, label, &options, "Choose", get(name)).into_string()
    };
    let input = |name: &str, label: &str, width: u8| {
        format!(
            "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"{name}\">{label}</label>\
             <input class=\"govuk-input govuk-input--width-{width}\" id=\"{name}\" name=\"{name}\" type=\"text\" value=\"{}\"></div>",
            esc(get(name))
        )
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
    let extra = format!(
        "{}{}{}{}{}{}{}{}{}{}",
        select(
            "change",
            "Change",
            vec![
                ("resize".into(), "Resize a provision".into()),
                ("add".into(), "Add a provision at a school".into())
            ]
        ),
        select("provision", "Provision to resize", provisions),
        select("setting", "School for a new provision", schools),
        select(
            "kind",
            "Kind of new provision",
            vec![
                (
                    "resourced_provision".into(),
                    "Resourced provision (ERP)".into()
                ),
                ("sen_unit".into(), "SEN unit".into()),
                ("special".into(), "Special school".into())
            ]
        ),
        input(
            "needs",
            "Types of need of a new provision (codes, like ASD, SLCN)",
            20
        ),
        input("low_age", "Youngest age of a new provision", 3),
        input("high_age", "Oldest age of a new provision", 3),
        input(
            "places",
            "Places (the new number, or the new provision's)",
            4
        ),
        input("cost", "Cost per place a year of a new provision (£)", 10),
        input("capital", "Capital cost (£)", 10),
    );
    cohort_form("/placement/scenario", cohort, on, &extra)
}

fn comparison_html(c: &Comparison) -> String {
    let list = |items: &[String]| -> String {
        items
            .iter()
            .map(|a| format!("<li>{}</li>", esc(a)))
            .collect()
    };
    format!(
        "<table><caption>{} beside the baseline, {}</caption>{}</table>\
         <dl><dt>Annual saving</dt><dd>{}</dd><dt>Capital cost</dt><dd>{}</dd><dt>Payback</dt><dd>{}</dd>\
         <dt>Independent placements avoided</dt><dd>{}</dd></dl>{}{}",
        esc(&c.scenario),
        long_date(c.on),
        summary_rows(&[
            ("Baseline", &c.baseline),
            ("With the change", &c.with_changes)
        ]),
        money(c.annual_saving),
        money(c.capital_cost),
        c.payback_years
            .map(|y| format!("{y:.1} years"))
            .unwrap_or_else(|| "no annual saving, so no payback".into()),
        c.independent_placements_avoided,
        if c.approvals_needed.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Approvals needed first</h2><ul class=\"govuk-list govuk-list--bullet\">{}</ul>",
                list(&c.approvals_needed)
            )
        },
        if c.problems.is_empty() {
            String::new()
        } else {
            format!(
                "<h2>Changes not applied</h2><ul class=\"govuk-list govuk-list--bullet\">{}</ul>",
                list(&c.problems)
            )
        },
    )
}
