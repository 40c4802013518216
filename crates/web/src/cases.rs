//! The case list and the case page. Every row and every page is checked with the domain's
//! `authorise`; a record the user may not see is "not found", and every view is logged.

use crate::access_log::AccessLogger;
use crate::auth::SignedIn;
use crate::auth::Visitor;
use crate::shell::{not_found, url_encode, with_user};
use crate::views::{self, CaseView, ListScope, ParamError};
use crate::{AppState, ui};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::filter_options::FilterOptions;
use sendscope_domain::Stage;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::sen::NeedType;
use sendscope_store::Store;
use std::collections::HashMap;

fn no_access(message: &str) -> Response {
    crate::Error::forbidden(message).into_response()
}

/// GET /cases: search and filters, scoped to what the role may see.
pub async fn list(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, visitor, move |store, who| {
        list_page(store, &options, &who, &params)
    })
    .await
}

fn list_page(
    store: &dyn Store,
    options: &FilterOptions,
    who: &SignedIn,
    params: &HashMap<String, String>,
) -> Response {
    let p = &who.principal;
    if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed() {
        return no_access("Your role sees figures, not individual children's records.");
    }
    let mut errors: Vec<ParamError> = Vec::new();
    let (rows, next) = match views::case_query(p, params, 25) {
        Ok(ListScope::ByReferenceOnly) => {
            let body = html! {
                h1.govuk-heading-l { "Children's records" }
                p.govuk-body { "Open a record from the link you were given, or search by its case reference." }
                form method="get" action="/cases" {
                    (ui::text_input(&ui::Question::new("case", "Case reference"), "", ui::Width::Half, ""))
                    (ui::submit("Search"))
                }
            };
            return Html(ui::page("Children's records", body)).into_response();
        }
        Ok(ListScope::Query(q)) => match views::visible_rows(store, p, &q) {
            Ok(x) => x,
            Err(_) => {
                errors.push(ParamError {
                    name: "after",
                    message: "That page of results is no longer available: start the search again",
                });
                (Vec::new(), None)
            }
        },
        Err(e) => {
            errors = e;
            (Vec::new(), None)
        }
    };
    let table_rows = rows.iter().map(|r| {
        let s = views::summary(r);
        html! {
            (ui::cell(ui::link(&format!("/cases/{}", s.id), format!("{}, {}", s.family_name, s.given_names))))
            (ui::cell(s.birth_date.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_default()))
            (ui::cell(s.upn.as_deref().unwrap_or("")))
            (ui::cell(s.stage_label))
            (ui::cell(r.primary_need.map(|n| n.description()).unwrap_or("")))
        }
    });
    let problems = errors.iter().map(|e| {
        let target = if e.name == "after" { "name" } else { e.name };
        (target, e.message)
    });
    let value = |k: &str| params.get(k).map(String::as_str).unwrap_or("");
    let chosen = |k: &str| params.get(k).map(|v| v.trim()).unwrap_or("");
    let stages: Vec<(String, String)> = Stage::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let needs: Vec<(String, String)> = NeedType::all()
        .map(|n| (n.code().to_string(), n.description().to_string()))
        .collect();
    // Settings and caseworkers to filter by: the area's, for the roles that list by team.
    let choices = if views::lists_by_team(p) {
        match options.get(store, p.area, p.team) {
            Ok(c) => Some(c),
            Err(e) => return crate::Error::internal(e).into_response(),
        }
    } else {
        None
    };
    let select = |id: &str, label: &str, opts: &[(String, String)]| {
        html! {
            @if !opts.is_empty() { (ui::select(id, label, opts, "Any", chosen(id))) }
        }
    };
    let next_link = next.map(|n| {
        let mut kept: Vec<String> = params
            .iter()
            .filter(|(k, v)| k.as_str() != "after" && !v.is_empty())
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect();
        kept.sort();
        kept.push(format!("after={}", url_encode(&n)));
        format!("/cases?{}", kept.join("&"))
    });
    let text = |id: &str, label: &str| {
        ui::text_input(
            &ui::Question::new(id, label),
            "",
            ui::Width::Half,
            value(id),
        )
    };
    let body = html! {
        @if !errors.is_empty() { (ui::error_summary(problems)) }
        h1.govuk-heading-l { "Children's records" }
        @if authorise(p, Action::Change, Resource::CaseList { area: p.area }).allowed() {
            a.govuk-button.govuk-button--secondary href="/requests/new" { "Record a new request for assessment" }
        }
        form method="get" action="/cases" {
            (ui::text_input(
                &ui::Question {
                    hint: Some("Any part of the child's or a parent's name, a date of birth (like 12/03/2019), a UPN or an NHS number"),
                    ..ui::Question::new("name", "Search")
                },
                "",
                ui::Width::Half,
                value("name"),
            ))
            (text("upn", "UPN"))
            (text("case", "Case reference"))
            (select("stage", "Stage", &stages))
            (select("need", "Need type", &needs))
            @if let Some(c) = &choices {
                (select("setting", "Setting attended", &c.settings))
                (select("caseworker", "Caseworker", &c.caseworkers))
            }
            (ui::submit("Search"))
        }
        @if rows.is_empty() && errors.is_empty() {
            h2.govuk-heading-m { "No children match" }
            p.govuk-body { "Check the spelling, try part of a name, or search by date of birth, UPN or NHS number instead." }
        } @else {
        (ui::table(
            "Children's records you can see",
            &[ui::col("Name"), ui::col("Date of birth"), ui::col("UPN"), ui::col("Stage"), ui::col("Primary need")],
            table_rows,
        ))
        }
        (ui::pagination(None, next_link.as_deref()))
    };
    // Each child listed (names, dates of birth, UPNs) is a view of their record.
    let shown = crate::access_log::Shows(rows.iter().map(|r| r.case).collect());
    let mut r = Html(ui::page("Children's records", body)).into_response();
    r.extensions_mut().insert(shown);
    r
}

/// GET /cases/{id}: one child's record, if the role may see it; the view is logged.
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let log = app.access_log.clone();
    with_user(&app, visitor, move |store, who| {
        let recorded = params.get("recorded").map(String::as_str);
        case_page(store, &log, &who, &id, recorded)
    })
    .await
}

fn case_page(
    store: &dyn Store,
    log: &AccessLogger,
    who: &SignedIn,
    id: &str,
    recorded: Option<&str>,
) -> Response {
    match views::open_case(
        store,
        log,
        who.username.as_str(),
        &who.principal,
        id,
        "page /cases/",
    ) {
        Ok(Some(v)) => {
            let people = sendscope_app::people::actors_as_people(
                store,
                v.events.iter().map(|e| e.actor.as_str()),
            );
            let family = who.principal.role.is_family();
            let elsewhere = match education_lines(store, &v.id) {
                Ok(lines) => lines,
                Err(e) => return crate::Error::internal(e).into_response(),
            };
            Html(ui::page(
                "Child's record",
                html! {
                    @if family { (what_happens_next(&v)) }
                    (crate::education::child_section(&elsewhere))
                    (render_case(&v, &people, recorded))
                },
            ))
            .into_response()
        }
        Ok(None) => not_found(),
        Err(e) => crate::Error::internal(e).into_response(),
    }
}

/// The child's education outside a full-time place and their health waits, seen beside
/// their EHC case.
fn education_lines(
    store: &dyn Store,
    id: &str,
) -> Result<Vec<(String, String)>, sendscope_store::StoreError> {
    let Ok(case) = sendscope_domain::ids::CaseId::parse(id) else {
        return Ok(Vec::new());
    };
    let Some(p) = store.projection(sendscope_domain::StreamRef::case(case))? else {
        return Ok(Vec::new());
    };
    match p.case() {
        Some(c) => sendscope_app::education::child_lines(store, case, c, p.area),
        None => Ok(Vec::new()),
    }
}

/// "case.final_plan_issued" → "Final plan issued".
fn event_label(event_type: &str) -> String {
    let tail = event_type
        .split_once('.')
        .map(|(_, t)| t)
        .unwrap_or(event_type);
    let words = tail.replace('_', " ");
    let mut c = words.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// For the family, first: what the council must do next and by when, in plain words,
/// and anything it is late with. The law behind each is in the deadlines below.
fn what_happens_next(v: &CaseView) -> Markup {
    let date = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    let mut next: Vec<&views::DeadlineView> = v
        .deadlines
        .iter()
        .filter(|d| matches!(d.state, "upcoming" | "open"))
        .collect();
    next.sort_by_key(|d| d.due);
    let late: Vec<&views::DeadlineView> = v
        .deadlines
        .iter()
        .filter(|d| d.state == "overdue")
        .collect();
    html! {
        div.govuk-inset-text {
            h2.govuk-heading-m { "What happens next" }
            @if next.is_empty() && late.is_empty() {
                p.govuk-body { "Nothing is waiting on the council just now. Your caseworker will tell you when something changes." }
            }
            @for d in next.iter().take(3) {
                p.govuk-body { strong { (d.step) } " by " (date(d.due)) " (" (d.summary.to_lowercase()) ")." }
            }
            @for d in &late {
                p.govuk-body { strong { (d.step) } ": this was due by " (date(d.due)) " and is late. You can ask your caseworker why, or complain to the council." }
            }
        }
    }
}

/// `people`: who did each thing, by the stored actor (`app::people::actors_as_people`).
fn render_case(v: &CaseView, people: &HashMap<String, String>, recorded: Option<&str>) -> Markup {
    let date = |d: chrono::NaiveDate| d.format("%-d %B %Y").to_string();
    let deadline_colour = |x: &views::DeadlineView| match x.state {
        "overdue" => "red",
        "met_late" => "orange",
        "upcoming" if x.days <= 7 => "yellow",
        "upcoming" | "open" => "blue",
        "met_on_time" => "green",
        _ => "grey",
    };
    let exceptions = |x: &views::DeadlineView| -> String {
        x.exceptions
            .iter()
            .map(|e| {
                let on = e
                    .recorded_on
                    .map(|d| format!(" on {}", date(d)))
                    .unwrap_or_default();
                format!(
                    "{} (evidence: {}; recorded by {}{on})",
                    e.kind.replace('_', " "),
                    e.evidence,
                    e.recorded_by
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let deadlines = v.deadlines.iter().map(|x| {
        html! {
            (ui::cell(html! { (x.step) br; span.govuk-body-s { (x.source) } }))
            (ui::cell(date(x.due)))
            (ui::cell(x.done.map(date).unwrap_or_default()))
            (ui::cell(html! {
                (ui::tag(&x.summary, Some(deadline_colour(x))))
                @if !x.exceptions.is_empty() { br; span.govuk-body-s { "Exception: " (exceptions(x)) } }
            }))
        }
    });
    let audits = v.audits.iter().map(|a| {
        use sendscope_domain::qa::QaGrade;
        let colour = match a.grade {
            QaGrade::Outstanding | QaGrade::Good => "green",
            QaGrade::RequiresImprovement => "orange",
            QaGrade::Inadequate => "red",
        };
        let scores: Vec<String> = a
            .scores
            .iter()
            .map(|(k, s)| format!("{} {s}", k.to_uppercase()))
            .collect();
        html! {
            (ui::cell(date(a.on)))
            (ui::cell(a.service.label()))
            (ui::cell(ui::tag(a.grade_label, Some(colour))))
            (ui::cell(scores.join(", ")))
        }
    });
    let letters = v.letters.iter().map(|l| {
        html! {
            (ui::cell(ui::link(&format!("/cases/{}/letters/{}", v.id, l.letter), &l.subject)))
            (ui::cell(date(l.issued)))
            (ui::cell(match (&l.sent, &l.via) {
                (Some(on), Some(via)) => html! { "Sent " (date(*on)) " by " (via) },
                _ => ui::tag("In the outbox", Some("yellow")),
            }))
        }
    });
    let placements = v.placements.iter().map(|p| {
        html! {
            (ui::cell(match &p.setting.id {
                Some(id) => ui::link(&format!("/settings/{id}"), &p.setting.name),
                None => html! { (p.setting.name) },
            }))
            (ui::cell(date(p.start)))
            (ui::cell(p.end.map(date).unwrap_or_else(|| "attending".into())))
        }
    });
    // The MoJ Frontend timeline, newest first: what happened, and every deadline on the
    // day it falls due with its days left or days late.
    let can_change = v.can_record_steps;
    let mut timeline: Vec<(chrono::NaiveDate, u8, ui::TimelineItem)> = v
        .events
        .iter()
        .map(|e| {
            let by = |actor: &str| {
                people
                    .get(actor)
                    .map(String::as_str)
                    .unwrap_or("sendscope")
                    .to_string()
            };
            let (title, said) = match e.event_type.as_str() {
                "event.corrected" => ("Correction".to_string(), e.reason.as_deref()),
                "event.voided" => ("Step voided".to_string(), e.reason.as_deref()),
                t => (event_label(t), None),
            };
            let amended = e.amended.as_ref();
            let voided = amended.is_some_and(|a| a.voided.is_some());
            let corrections = amended.map(|a| a.corrections.len()).unwrap_or(0);
            let item = ui::TimelineItem {
                title: if voided {
                    format!("{title} (void)")
                } else if corrections > 0 {
                    format!("{title} (corrected)")
                } else {
                    title
                },
                byline: Some(format!("by {}", by(&e.actor))),
                date: Some(e.effective_date),
                description: html! {
                    @if e.recorded_later {
                        p.govuk-body-s { "Recorded later, on "
                            (sendscope_domain::Instant::parse(&e.recorded_at).map(|t| date(t.england_date())).unwrap_or_else(|_| e.recorded_at.clone()))
                            // Where a step brought in from another record came from (the
                            // import writes this, not a person).
                            @if let Some(r) = e.reason.as_deref().filter(|_| e.actor.starts_with("import:")) {
                                ", " (r.trim_start_matches("Recorded later, "))
                            }
                            "." }
                    }
                    // Why a step was corrected or voided is written by staff for staff: only
                    // those who record steps read it.
                    @if let Some(r) = said.filter(|_| can_change) { p.govuk-body-s { "Why: " (r) } }
                    @if let Some((_, r)) = amended.and_then(|a| a.voided.as_ref()) {
                        p.govuk-body-s { "Voided: it was recorded by mistake and no longer counts. " @if let Some(r) = r.as_ref().filter(|_| can_change) { "Why: " (r) } }
                    }
                    @if corrections > 0 && !voided {
                        p.govuk-body-s { "Corrected " (corrections) @if corrections == 1 { " time" } @else { " times" }
                            ": the record now reads the corrected values (see the correction below for who changed it and why)." }
                        @if let Some(now) = amended.and_then(|a| a.now.as_ref()).and_then(|n| n.get("on").and_then(|d| d.as_str())).and_then(|d| sendscope_domain::calendar::parse_date(d).ok()) {
                            p.govuk-body-s { "The date is now " (date(now)) "." }
                        }
                    }
                    @if can_change && e.correctable && !voided {
                        p.govuk-body-s {
                            // Corrected on the step's own form, where it has one; a case note
                            // is voided and written again, never corrected.
                            @if crate::steps::step_for(&e.event_type).is_some() && e.event_type != "case.note_recorded" {
                                a.govuk-link href={ "/cases/" (v.id) "/events/" (e.seq) "/correct" } { "Correct" span.govuk-visually-hidden { " " (event_label(&e.event_type)) } }
                                " · "
                            }
                            a.govuk-link href={ "/cases/" (v.id) "/events/" (e.seq) "/void" } { "Void" span.govuk-visually-hidden { " " (event_label(&e.event_type)) } }
                        }
                    }
                },
            };
            (e.effective_date, 0, item)
        })
        .chain(v.deadlines.iter().map(|x| {
            let item = ui::TimelineItem {
                title: format!("Due: {}", x.step),
                byline: Some(x.source.to_string()),
                date: Some(x.due),
                description: html! { (x.summary) },
            };
            (x.due, 1, item)
        }))
        .collect();
    timeline.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let timeline: Vec<ui::TimelineItem> = timeline.into_iter().map(|(_, _, i)| i).collect();
    html! {
        @if let Some(step) = recorded.and_then(crate::steps::step) {
            (ui::notification_banner(&format!("Recorded: {}", step.title), html! {}, true))
        } @else if recorded == Some("correction") {
            (ui::notification_banner("The correction is saved", html! {}, true))
        } @else if recorded == Some("void") {
            (ui::notification_banner("The step is voided", html! {}, true))
        } @else if recorded == Some("details") {
            (ui::notification_banner("The child's details are changed", html! {}, true))
        } @else if recorded == Some("person") {
            (ui::notification_banner("The parent or carer is recorded", html! {}, true))
        } @else if recorded == Some("advice") {
            (ui::notification_banner("The advice is given: it is recorded as received today", html! {}, true))
        } @else if recorded == Some("document") {
            (ui::notification_banner("The document is added to the record", html! {}, true))
        } @else if recorded == Some("merge") {
            (ui::notification_banner("The records are merged: the duplicate now counts as this child", html! {}, true))
        }
        @if v.stage == "merged" {
            (ui::warning(html! { "This record is a duplicate, merged into another record of the same child. It no longer counts in any list or figure." }))
        }
        @if let Some(ch) = &v.child {
            h1.govuk-heading-l { (ch.given_names) " " (ch.family_name) }
            (ui::summary_list([
                ("Date of birth", date(ch.birth_date)),
                ("UPN", ch.upn.clone().unwrap_or_default()),
                ("Stage", v.stage_label.to_string()),
                ("Case reference", v.id.to_string()),
                ("Caseworker", v.caseworker.as_ref().map(|c| c.name.clone()).unwrap_or_else(|| "not assigned".into())),
                ("Team", v.team.as_ref().map(|c| c.name.clone()).unwrap_or_default()),
            ]))
        }
        @if v.can_record_steps {
            a href={ "/cases/" (v.id) "/steps" } role="button" draggable="false"
                class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Record a step" }
            p.govuk-body {
                (ui::link(&format!("/cases/{}/child", v.id), "Change the child's details"))
                " · "
                (ui::link(&format!("/cases/{}/people/new", v.id), "Add a parent or carer"))
            }
            @if v.can_merge && v.stage != "merged" {
                p.govuk-body { (ui::link(&format!("/cases/{}/merge", v.id), "Merge a duplicate record of this child into this one")) }
            }
            @if v.can_merge {
                p.govuk-body { (ui::link(&format!("/cases/{}/subject-access", v.id), "Make a subject access bundle: everything held about the child")) }
            }
            p.govuk-body {
                (ui::link(&format!("/cases/{}/options", v.id), "Placement options: every suitable provision with its full cost"))
            }
        }
        @if v.has_plan_document && v.plan.is_none() {
            h2.govuk-heading-m { "EHC plan" }
            p.govuk-body { (ui::link(&format!("/cases/{}/plan", v.id), "Read the draft plan, or download it as a PDF")) }
        }
        @if let Some(plan) = &v.plan {
            h2.govuk-heading-m { "EHC plan" }
            p.govuk-body { (ui::link(&format!("/cases/{}/plan", v.id), "Read the plan, section by section: every version, what changed, and a PDF")) }
            (ui::summary_list([
                ("Issued", date(plan.issued)),
                ("Needs", plan.needs.iter().map(|n| format!("{} (rank {})", n.description, n.rank)).collect::<Vec<_>>().join(", ")),
                ("Named settings", plan.named_settings.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ")),
                ("Last review", plan.last_review.map(date).unwrap_or_else(|| "none yet".into())),
            ]))
        }
        @if !v.deadlines.is_empty() {
            (ui::table("Statutory deadlines", &[ui::col("Step"), ui::col("Due"), ui::col("Done"), ui::col("Today")], deadlines))
        }
        @if !v.audits.is_empty() || v.can_audit {
            h2.govuk-heading-m { "Plan quality" }
            @if v.audits.is_empty() {
                p.govuk-body { "The plan has not been audited yet." }
            } @else {
                (ui::table_unseen_caption("Quality audits",
                    &[ui::col("Audited"), ui::col("By"), ui::col("Grade"), ui::col("Section scores")], audits))
            }
            @if v.can_audit {
                p.govuk-body { (ui::link(&format!("/cases/{}/steps/plan-audited", v.id), "Audit the plan's quality")) }
            }
        }
        (crate::documents::list(v, people))
        @if let Some(notes) = &v.notes {
            h2.govuk-heading-m id="notes" { "Case notes and contacts" }
            p.govuk-body.govuk-hint { "Seen by the council's staff who work on this record, not by the family or partners." }
            @if notes.is_empty() {
                p.govuk-body { "There are no notes yet." }
            }
            @for n in notes {
                div.govuk-summary-card {
                    div.govuk-summary-card__title-wrapper {
                        h3.govuk-summary-card__title {
                            (n.kind) ", " (date(n.on))
                            @if !n.with_whom.is_empty() { " with " (n.with_whom) }
                        }
                    }
                    div.govuk-summary-card__content {
                        p.govuk-body { (n.summary) }
                        p.govuk-body-s.govuk-hint { "Recorded by " (people.get(&n.by).cloned().unwrap_or_else(|| "sendscope".into())) }
                    }
                }
            }
            p.govuk-body { (ui::link(&format!("/cases/{}/steps/note-recorded", v.id), "Add a case note or contact")) }
        }
        @if !v.letters.is_empty() || !v.letters_to_write.is_empty() {
            h2.govuk-heading-m { "Letters to the family" }
            @if !v.letters.is_empty() {
                (ui::table_unseen_caption("Letters", &[ui::col("Letter"), ui::col("Issued"), ui::col("Sent")], letters))
            }
            @if !v.letters_to_write.is_empty() {
                ul.govuk-list {
                    @for l in &v.letters_to_write {
                        li { (ui::link(&format!("/cases/{}/letters/new/{}", v.id, l.kind), format!("Write: {}", l.title))) }
                    }
                }
            }
        }
        @if !v.placements.is_empty() {
            (ui::table("Settings attended", &[ui::col("Setting"), ui::col("From"), ui::col("To")], placements))
        }
        h2.govuk-heading-m { "People around the child" }
        ul class="govuk-list govuk-list--bullet" {
            @for r in &v.people {
                li { (r.name) " (" (r.relationship) @if r.parental_responsibility { ", parental responsibility" } ")" }
            }
        }
        @if let Some(list) = &v.who_can_see {
            h2.govuk-heading-m { "Who can see this record" }
            p.govuk-body { "These people and organisations can open it:" }
            ul class="govuk-list govuk-list--bullet" id="who-can-see" {
                @for a in list { li data-kind=(a.kind) { (a.name) } }
            }
        }
        @if let Some(views) = &v.viewed_by {
            h2.govuk-heading-m { "Who viewed this record" }
            (ui::table_unseen_caption(
                "Who viewed this record",
                &[ui::col("When (UTC)"), ui::col("Who"), ui::col("Role"), ui::col("Where")],
                views.iter().map(|a| html! {
                    (ui::cell(&a.at)) (ui::cell(&a.username)) (ui::cell(&a.role)) (ui::cell(&a.via))
                }),
            ))
        }
        h2.govuk-heading-m { "Timeline" }
        (ui::timeline(&timeline))
    }
}
