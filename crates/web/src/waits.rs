//! Waiting lists and the children seen whole: `/waits` (the week's figures by pathway
//! and priority, the eight-week trend and the published prioritisation criteria),
//! `/waits/children` (the children waiting behind a figure), and the sections the
//! dashboard, the public figures and the board report show: the waits beside the EHC
//! measures, and the children with a plan or request who are waiting, missing
//! education, on a part-time timetable or awaiting a placement, by need and by phase
//! (`/dashboard/whole-child` lists the children behind each count). Board members,
//! families, schools and the public see counts from 1 to the area's threshold as "c".

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, Error, ui};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use sendscope_app::figures::{count, publishing, small};
use sendscope_app::waits::WaitsReport;
use sendscope_app::whole_child::{Joined, MEASURES};
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::ids::{AreaId, CaseId};
use std::collections::HashMap;

/// Weeks as shown: "c" where the number waiting is suppressed, "none" with no one.
fn weeks(v: Option<u32>, hidden: bool) -> String {
    match v {
        _ if hidden => "c".into(),
        Some(w) => w.to_string(),
        None => "none".into(),
    }
}

/// The week's figures for each pathway as a whole, with links to the children behind
/// them where `behind` is given (the query to keep, such as "&week=2026-03-01").
pub fn figures(r: &WaitsReport, suppress: u64, behind: Option<&str>) -> Markup {
    let c = |v: u32| count(u64::from(v), suppress);
    let name = |code: &str| {
        r.pathways
            .iter()
            .find(|p| p.code == code)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| code.to_string())
    };
    let rows = r.lines.iter().filter(|l| l.priority == "all").map(|l| {
        let hidden = small(u64::from(l.waiting), suppress);
        let within = if hidden || small(u64::from(l.within_standard), suppress) {
            "c".to_string()
        } else if l.waiting == 0 {
            "none".to_string()
        } else {
            format!(
                "{:.1}%",
                f64::from(l.within_standard) * 100.0 / f64::from(l.waiting)
            )
        };
        html! {
            (ui::row_head(html! {
                @if let Some(keep) = behind {
                    a.govuk-link href={ "/waits/children?pathway=" (l.pathway) (keep) } { (name(&l.pathway)) }
                } @else { (name(&l.pathway)) }
            }))
            (ui::num(c(l.waiting)))
            (ui::num(weeks(l.median_weeks, hidden)))
            (ui::num(weeks(l.p92_weeks, hidden)))
            (ui::num(c(l.over_18_weeks)))
            (ui::num(c(l.over_52_weeks)))
            (ui::num(c(l.over_104_weeks)))
            (ui::num(within))
            (ui::num(format!("{} weeks, {}%", l.standard_weeks, l.standard_percent)))
            (ui::num(c(l.stopped_in_week)))
        }
    });
    ui::table(
        &format!("Waiting on {}, by pathway", long_date(r.week_ending)),
        &[
            ui::col("Pathway"),
            ui::num_col("Waiting"),
            ui::num_col("Median weeks"),
            ui::num_col("92nd percentile weeks"),
            ui::num_col("Over 18 weeks"),
            ui::num_col("Over 52 weeks"),
            ui::num_col("Over 104 weeks"),
            ui::num_col("Within the standard"),
            ui::num_col("Standard"),
            ui::num_col("Clocks stopped in the week"),
        ],
        rows,
    )
}

/// The number waiting at the end of each of the eight weeks before, by pathway.
fn trend(r: &WaitsReport, suppress: u64) -> Markup {
    let mut weeks: Vec<NaiveDate> = r.trend.iter().map(|t| t.0).collect();
    weeks.dedup();
    let labels: Vec<String> = weeks
        .iter()
        .map(|w| w.format("%-d %b").to_string())
        .collect();
    let mut columns = vec![ui::col("Pathway")];
    for l in &labels {
        columns.push(ui::num_col(l));
    }
    let rows = r.pathways.iter().map(|p| {
        html! {
            (ui::row_head(&p.name))
            @for w in &weeks {
                (ui::num(r.trend.iter().find(|t| t.0 == *w && t.1 == p.code)
                    .map(|t| count(u64::from(t.2), suppress)).unwrap_or_default()))
            }
        }
    });
    ui::table(
        "Waiting at the end of each of the eight weeks before",
        &columns,
        rows,
    )
}

/// The dashboard's, public figures' and board report's section on waits.
pub fn section(r: &WaitsReport, suppress: u64, behind: bool) -> Markup {
    html! {
        h2.govuk-heading-m { "Waiting for health assessments and therapies" }
        p.govuk-body {
            "From the trust's referrals, week ending " (long_date(r.week_ending)) ". Weeks waited are counted from the referral to the day (or to the clock stopping)."
            @if suppress > 1 { " Counts from 1 to " (suppress - 1) " are shown as c." }
        }
        (figures(r, suppress, behind.then_some("")))
        @if behind { p.govuk-body { (ui::link("/waits", "Every pathway by priority, the trend and the prioritisation criteria")) } }
    }
}

/// The joined count: children with a plan or request, by need and by phase, each
/// count a link to the children behind it where `behind`.
pub fn joined_section(j: &Joined, suppress: u64, behind: bool) -> Markup {
    let mut columns = vec![
        ui::col("Group"),
        ui::num_col("Children with a plan or request"),
    ];
    columns.extend(MEASURES.iter().map(|(_, l)| ui::num_col(l)));
    let table = |caption: &str, rows: Vec<(String, String, sendscope_app::whole_child::Counts)>| {
        let rows = rows.into_iter().map(|(key, label, counts)| {
            html! {
                (ui::row_head(&label))
                (ui::num(count(counts.children, suppress)))
                @for (m, _) in MEASURES {
                    @let v = counts.get(m);
                    @if behind && v > 0 {
                        (ui::num(html! { a.govuk-link href={ "/dashboard/whole-child?measure=" (m) "&group=" (key) } { (count(v, suppress)) } }))
                    } @else {
                        (ui::num(count(v, suppress)))
                    }
                }
            }
        });
        ui::table(caption, &columns, rows)
    };
    let whole = |rows: &[sendscope_app::whole_child::Row]| {
        let mut v: Vec<_> = rows
            .iter()
            .map(|r| (r.key.clone(), r.label.clone(), r.counts))
            .collect();
        v.push(("all".into(), "All".into(), j.total));
        v
    };
    html! {
        h2.govuk-heading-m { "Children with a plan or request, seen whole" }
        p.govuk-body {
            "On " (long_date(j.on)) ": of the children with an EHC plan or a request under way, those waiting for a health assessment or therapy, missing education, on a part-time timetable or, with a plan, awaiting a placement. A child counts once in \"any of these\" however many apply."
            @if suppress > 1 { " Counts from 1 to " (suppress - 1) " are shown as c." }
        }
        (table("By primary need", whole(&j.by_need)))
        (table("By phase (age on the day)", whole(&j.by_phase)))
    }
}

/// Each area's week of waits and joined count as last worked out: with the last event
/// seen then, when, and the day. Reading every record of an area takes ~0.1 s at a
/// large area's size, so the dashboard and the public figures work them out again only
/// when events were recorded since and at least `KEEP` has passed (or the day changed).
#[derive(Default)]
pub struct Kept(std::sync::Mutex<HashMap<AreaId, Whole>>);

/// One area's figures of the day and when they were worked out.
#[derive(Clone)]
pub struct Whole {
    pub waits: std::sync::Arc<WaitsReport>,
    pub joined: std::sync::Arc<Joined>,
    pub at: chrono::DateTime<chrono::Utc>,
    seen: u64,
    made: std::time::Instant,
}

const KEEP: std::time::Duration = std::time::Duration::from_secs(30);

impl Kept {
    /// The area's figures for today, worked out again if they may be out of date.
    pub fn get(
        &self,
        store: &dyn sendscope_store::Store,
        area: AreaId,
        seen: u64,
    ) -> Result<Whole, sendscope_store::StoreError> {
        let today = england_today();
        if let Ok(kept) = self.0.lock()
            && let Some(w) = kept.get(&area)
            && w.joined.on == today
            && (w.seen == seen || w.made.elapsed() < KEEP)
        {
            return Ok(w.clone());
        }
        let w = Whole {
            waits: std::sync::Arc::new(sendscope_app::waits::report(store, area, today)?),
            joined: std::sync::Arc::new(sendscope_app::whole_child::joined(store, area, today)?),
            at: chrono::Utc::now(),
            seen,
            made: std::time::Instant::now(),
        };
        if let Ok(mut kept) = self.0.lock() {
            kept.insert(area, w.clone());
        }
        Ok(w)
    }
}

fn week_of(q: &HashMap<String, String>) -> Result<NaiveDate, String> {
    match q.get("week").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        None => Ok(england_today()),
        Some(w) => sendscope_domain::calendar::parse_date(w)
            .map_err(|_| format!("The week's last day {w:?} is not a date: give it as 2026-03-01")),
    }
}

fn bad(message: String) -> Response {
    Error::invalid(message)
        .heading("Waiting lists")
        .back("/waits", "This week's figures")
        .into_response()
}

/// GET /waits?week=: the figures for everyone who sees the area's figures (suppressed
/// for those who see aggregates only).
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let exact = authorise(p, Action::View, Resource::ExactFigures { area: p.area }).allowed();
        let day = match week_of(&q) {
            Ok(d) => d,
            Err(m) => return bad(m),
        };
        let (r, settings, adopted) = match (|| {
            Ok::<_, sendscope_store::StoreError>((
                sendscope_app::waits::report(store, p.area, day)?,
                publishing(store, p.area)?.1,
                sendscope_app::waits::adopted(store, p.area)?,
            ))
        })() {
            Ok(x) => x,
            Err(e) => return Error::internal(e).into_response(),
        };
        let suppress = if exact { 0 } else { settings.suppress_below };
        let keep = format!("&week={day}");
        let behind = exact.then_some(keep.as_str());
        let criteria = sendscope_domain::waits::in_force(&adopted, day).or(adopted.last());
        let by_priority = r.lines.iter().filter(|l| l.priority != "all").map(|l| {
            let name = r.pathways.iter().find(|p| p.code == l.pathway).map(|p| p.name.as_str()).unwrap_or(&l.pathway);
            let hidden = small(u64::from(l.waiting), suppress);
            html! {
                (ui::row_head(html! {
                    @if let Some(k) = behind {
                        a.govuk-link href={ "/waits/children?pathway=" (l.pathway) "&priority=" (l.priority) (k) } { (name) ", " (l.priority) }
                    } @else { (name) ", " (l.priority) }
                }))
                (ui::num(count(u64::from(l.waiting), suppress)))
                (ui::num(weeks(l.median_weeks, hidden)))
                (ui::num(weeks(l.p92_weeks, hidden)))
                (ui::num(count(u64::from(l.over_18_weeks), suppress)))
                (ui::num(count(u64::from(l.over_52_weeks), suppress)))
            }
        });
        let body = html! {
            h1.govuk-heading-l { "Waiting lists" }
            form method="get" action="/waits" novalidate {
                div.govuk-form-group {
                    label.govuk-label for="week" { "The week's last day" }
                    div.govuk-hint id="week-hint" { "For example, 2026-03-01. Today if left empty." }
                    input.govuk-input.govuk-input--width-10 id="week" name="week" type="text" aria-describedby="week-hint" value=(q.get("week").map(String::as_str).unwrap_or(""));
                }
                button type="submit" class="govuk-button govuk-button--secondary" { "Show" }
            }
            @if r.pathways.is_empty() {
                p.govuk-body { "The area has not adopted its waiting lists yet: an administrator adopts them with sendscope waits adopt." }
            } @else {
                (figures(&r, suppress, behind))
                @if suppress > 1 { p.govuk-body { "Counts from 1 to " (suppress - 1) " are shown as c." } }
                (ui::table("By pathway and priority", &[ui::col("Pathway and priority"), ui::num_col("Waiting"),
                    ui::num_col("Median weeks"), ui::num_col("92nd percentile weeks"), ui::num_col("Over 18 weeks"),
                    ui::num_col("Over 52 weeks")], by_priority))
                (trend(&r, suppress))
                @if let Some(c) = criteria {
                    h2.govuk-heading-m { "The prioritisation criteria" }
                    p.govuk-body { "Version " (c.version) ", in force from " (long_date(c.from)) ". A referral's priority is the first rule that fits it on the day it was received:" }
                    ol.govuk-list.govuk-list--number {
                        @for rule in &c.rules { li { (rule.priority) ": " (rule.reason) } }
                        li { (c.otherwise) ": every other referral" }
                    }
                }
                p.govuk-body { "As a file: " code { "sendscope waits --week " (day) " --format csv" } "." }
                @if behind.is_some() {
                    p.govuk-body { (ui::link("/waits/matches", "Referrals that may be of a child on record, to check and link")) }
                }
            }
        };
        Html(ui::page("Waiting lists", body)).into_response()
    })
    .await
}

/// Who may see the children behind the waiting figures: those who see exact figures and
/// open children's records. Children not on the council's records (only the trust knows
/// them) are named for health professionals alone.
pub(crate) fn may_see_children(p: &sendscope_domain::access::Principal) -> bool {
    authorise(p, Action::View, Resource::ExactFigures { area: p.area }).allowed()
        && authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed()
}

/// GET /waits/children?pathway=&priority=&week=: the children waiting on the day.
pub async fn children(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !may_see_children(p) {
            return Error::forbidden("Your role sees the waiting figures, not the children behind them.").into_response();
        }
        let day = match week_of(&q) {
            Ok(d) => d,
            Err(m) => return bad(m),
        };
        let pathway = q.get("pathway").map(String::as_str).unwrap_or("");
        let priority = q.get("priority").map(String::as_str).filter(|s| !s.is_empty());
        let all = match sendscope_app::waits::prioritised(store, p.area) {
            Ok(a) => a,
            Err(e) => return Error::internal(e).into_response(),
        };
        let adopted = match sendscope_app::waits::adopted(store, p.area) {
            Ok(a) => a,
            Err(e) => return Error::internal(e).into_response(),
        };
        let Some(name) = adopted.iter().rev().find_map(|w| w.pathway(pathway)).map(|x| x.name.clone()) else {
            return bad(format!("There is no pathway {pathway:?}: choose one from the waiting lists' figures"));
        };
        let mut waiting: Vec<_> = all
            .into_iter()
            .filter(|r| {
                r.state.received.as_ref().is_some_and(|x| {
                    x.pathway == pathway
                        && x.received_on <= day
                        && r.state.stopped.as_ref().is_none_or(|s| s.on > day)
                }) && priority.is_none_or(|want| r.priority == want)
            })
            .collect();
        waiting.sort_by_key(|r| r.state.received.as_ref().map(|x| x.received_on));
        let cases: Vec<CaseId> = waiting.iter().filter_map(|r| r.state.received.as_ref()?.case).collect();
        let refs: Vec<_> = cases.iter().map(|c| sendscope_domain::StreamRef::case(*c)).collect();
        let projections = match store.projections(&refs) {
            Ok(x) => x,
            Err(e) => return Error::internal(e).into_response(),
        };
        let seen: HashMap<CaseId, String> = cases
            .iter()
            .zip(projections)
            .filter_map(|(c, proj)| {
                let proj = proj?;
                sendscope_app::access::may_see(p, &proj).then(|| (*c, proj.display_name()))
            })
            .collect();
        let health = p.role == Role::HealthProfessional;
        let rows: Vec<Markup> = waiting.iter().take(1000).filter_map(|r| {
            let x = r.state.received.as_ref()?;
            let child = match x.case.and_then(|c| seen.get(&c).map(|n| (c, n))) {
                Some((c, n)) => html! { a.govuk-link href={ "/cases/" (c) } { (n) } },
                None if x.case.is_none() && health => html! { (x.child.given_names) " " (x.child.family_name) },
                None if x.case.is_none() => html! { "A child not on the council's records" },
                None => html! { "A child whose record your role does not open" },
            };
            let support = r.state.support.last().map(|s| format!("{} ({})", s.what, long_date(s.on))).unwrap_or_else(|| "none recorded".into());
            Some(html! {
                (ui::cell(child))
                (ui::cell(&x.reference))
                (ui::cell(long_date(x.received_on)))
                (ui::num(sendscope_domain::waits::weeks(x.received_on, day)))
                (ui::cell(format!("{}: {}", r.priority, r.reason)))
                (ui::cell(support))
            })
        }).collect();
        let body = html! {
            span.govuk-caption-l { "Waiting on " (long_date(day)) }
            h1.govuk-heading-l { (name) @if let Some(pr) = priority { ", " (pr) } }
            p.govuk-body { (waiting.len()) " children waiting, longest first" @if waiting.len() > 1000 { "; the first 1,000 are listed" } "." }
            (ui::table("The children waiting", &[ui::col("Child"), ui::col("Trust's reference"), ui::col("Referred"),
                ui::num_col("Weeks waited"), ui::col("Priority and why"), ui::col("Support while waiting")], rows))
            p.govuk-body { (ui::link(&format!("/waits?week={day}"), "Back to the waiting lists")) }
        };
        let mut page = Html(ui::page("Children waiting", body)).into_response();
        page.extensions_mut().insert(crate::access_log::Shows(seen.keys().copied().collect()));
        page
    })
    .await
}

/// GET /dashboard/whole-child?measure=&group=: the children behind a count of the joined
/// table, for those who open children's records (each one this user may see).
pub async fn whole_child(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !may_see_children(p) {
            return Error::forbidden("Your role sees the area's figures, not the children behind them.").into_response();
        }
        let measure = q.get("measure").map(String::as_str).unwrap_or("");
        let Some((_, label)) = MEASURES.iter().find(|(k, _)| *k == measure) else {
            return Error::invalid(format!(
                "There is no count called {measure:?}: use one of {}.",
                MEASURES.map(|m| m.0).join(", ")
            ))
            .heading("Children behind a count")
            .back("/dashboard", "Back to the dashboard")
            .into_response();
        };
        let group = q.get("group").map(String::as_str).filter(|g| !g.is_empty() && *g != "all");
        let j = match sendscope_app::whole_child::joined(store, p.area, england_today()) {
            Ok(j) => j,
            Err(e) => return Error::internal(e).into_response(),
        };
        let group_label = group.and_then(|g| {
            j.by_need.iter().chain(&j.by_phase).find(|r| r.key == g).map(|r| r.label.clone())
        });
        if group.is_some() && group_label.is_none() {
            return Error::invalid("There is no such need or phase among the children counted.")
                .heading("Children behind a count")
                .back("/dashboard", "Back to the dashboard")
                .into_response();
        }
        let ids = j.behind(measure, group);
        let shown: Vec<CaseId> = ids.iter().take(500).copied().collect();
        let refs: Vec<_> = shown.iter().map(|c| sendscope_domain::StreamRef::case(*c)).collect();
        let projections = match store.projections(&refs) {
            Ok(x) => x,
            Err(e) => return Error::internal(e).into_response(),
        };
        let today = england_today();
        let mut logged = Vec::new();
        let rows: Vec<Markup> = shown.iter().zip(projections).filter_map(|(id, proj)| {
            let proj = proj?;
            if !sendscope_app::access::may_see(p, &proj) { return None; }
            let c = proj.case()?;
            logged.push(*id);
            let child = j.children.iter().find(|x| x.case == *id)?;
            let what: Vec<&str> = MEASURES.iter().take(4).filter(|(k, _)| child.counted(k)).map(|(_, l)| *l).collect();
            Some(html! {
                (ui::cell(html! { a.govuk-link href={ "/cases/" (id) } { (proj.display_name()) } }))
                (ui::cell(what.join("; ")))
                (ui::cell(sendscope_app::education::flags(c, today).join(", ")))
            })
        }).collect();
        let body = html! {
            span.govuk-caption-l { "Children with a plan or request" @if let Some(g) = &group_label { ": " (g) } }
            h1.govuk-heading-l { (label) }
            p.govuk-body { (ids.len()) " children" @if ids.len() > 500 { "; the first 500 are listed" } "." }
            (ui::table("The children", &[ui::col("Child"), ui::col("What applies"), ui::col("EHC")], rows))
            p.govuk-body { (ui::link("/dashboard", "Back to the dashboard")) }
        };
        let mut page = Html(ui::page("Children behind a count", body)).into_response();
        page.extensions_mut().insert(crate::access_log::Shows(logged));
        page
    })
    .await
}
