//! The EHC plan as a document: `/cases/{id}/plan` reads it as a page, section by section
//! as the Code of Practice sets them out, with every version (drafts, the issued plan,
//! amendments) and what changed from the one before; `/cases/{id}/plan.pdf` is the same
//! as a tagged PDF; `GET /api/v1/cases/{id}/plan` and `/api/v1/cases/{id}/plan.pdf` give
//! them to API callers. Whoever may see the child's record may read its plan; each
//! reading is logged like any view of the record (`access_log::log_views`).

use crate::auth::Visitor;
use crate::names::Names;
use crate::shell::{not_found, with_user};
use crate::{AppState, Error, ui};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_domain::calendar::long_date;
use sendscope_domain::event::PLAN_SECTIONS;
use sendscope_domain::ids::CaseId;
use sendscope_domain::plan_document::{
    PlanVersion, SectionChange, VersionKind, changes, section_lines, versions,
};
use sendscope_domain::projection::Projection;
use sendscope_domain::{StreamRef, access::Principal};
use sendscope_pdf::Block;
use sendscope_store::Store;
use std::collections::HashMap;

/// A plan as read: the child, every version, the one asked for and what changed in it.
#[derive(Debug, serde::Serialize)]
pub struct PlanDocument {
    pub case: String,
    pub child: String,
    pub versions: Vec<PlanVersion>,
    /// The version shown (the latest unless another was asked for).
    pub shown: usize,
    /// Section I's settings by name, for the version shown.
    pub named: Vec<String>,
    /// What changed from the version before the one shown (empty for the first).
    pub changes: Vec<SectionChange>,
    /// Section K's appendices: the advice and reports gathered for the assessment, as on
    /// the record now.
    pub appendices: Vec<String>,
    /// Who recorded each version, by name.
    #[serde(skip)]
    people: HashMap<String, String>,
    /// The draft waiting for the family's response, when this user may give it.
    #[serde(skip)]
    pub(crate) waiting: Option<sendscope_app::family::DraftWaiting>,
}

impl PlanDocument {
    fn version(&self) -> Option<&PlanVersion> {
        self.versions.get(self.shown.checked_sub(1)?)
    }
}

fn open(store: &dyn Store, who: &Principal, id: &str) -> Option<Projection> {
    let case = CaseId::parse(id).ok()?;
    let p = store.projection(StreamRef::case(case)).ok()??;
    (p.case().is_some() && sendscope_app::access::may_see(who, &p)).then_some(p)
}

/// The settings a version names, by name, most preferred first.
fn named(store: &dyn Store, v: &PlanVersion) -> Vec<String> {
    let names = Names { store };
    let mut named = v.named.clone();
    named.sort_by_key(|n| n.rank);
    named
        .iter()
        .map(|n| {
            names
                .setting(&n.setting)
                .map(|s| s.name)
                .unwrap_or_else(|_| "a setting".into())
        })
        .collect()
}

/// Reads the plan of a record `who` may see; `None` if they may not (or there is no
/// such record). `version`: which to show (default the latest).
pub(crate) fn read(
    store: &dyn Store,
    who: &Principal,
    id: &str,
    version: Option<usize>,
) -> Result<Option<PlanDocument>, String> {
    let Some(p) = open(store, who, id) else {
        return Ok(None);
    };
    let events = store.stream_events(p.stream).map_err(|e| e.to_string())?;
    let versions = versions(&events).map_err(|e| e.to_string())?;
    let shown = match version {
        Some(n) if (1..=versions.len()).contains(&n) => n,
        Some(_) => return Ok(None),
        None => versions.len(),
    };
    let extra = |v: &PlanVersion, key: &str| {
        if key == "i" {
            named(store, v)
                .into_iter()
                .map(|n| format!("Named: {n}"))
                .collect()
        } else {
            Vec::new()
        }
    };
    let changes = match (
        shown.checked_sub(2).and_then(|i| versions.get(i)),
        versions.get(shown.wrapping_sub(1)),
    ) {
        (Some(before), Some(after)) => changes(before, after, &extra),
        _ => Vec::new(),
    };
    let named = versions
        .get(shown.wrapping_sub(1))
        .map(|v| named(store, v))
        .unwrap_or_default();
    let people = sendscope_app::people::actors_as_people(
        store,
        versions.iter().map(|v| v.recorded_by.as_str()),
    );
    let appendices = p.case().map(appendices_of).unwrap_or_default();
    let may_respond = sendscope_domain::access::authorise(
        who,
        sendscope_domain::access::Action::RespondToDraft,
        sendscope_domain::access::Resource::Case {
            projection: &p,
            today: sendscope_domain::calendar::england_today(),
        },
    )
    .allowed();
    let waiting = p
        .case()
        .and_then(sendscope_app::family::draft_waiting)
        .filter(|_| may_respond);
    Ok(Some(PlanDocument {
        appendices,
        waiting,
        case: p.stream.id.to_string(),
        child: p
            .case()
            .and_then(|c| c.child.as_ref())
            .map(|c| format!("{} {}", c.given_names, c.family_name))
            .unwrap_or_default(),
        versions,
        shown,
        named,
        changes,
        people,
    }))
}

/// The advice received for the assessments and the advice and reports on the record:
/// what section K lists as appendices.
fn appendices_of(c: &sendscope_domain::projection::CaseState) -> Vec<String> {
    let mut out: Vec<String> = c
        .requests
        .iter()
        .flat_map(|r| &r.advice)
        .filter_map(|a| {
            a.received_on
                .map(|on| format!("{} advice, received {}", a.kind.service(), long_date(on)))
        })
        .collect();
    out.extend(
        c.documents
            .iter()
            .filter(|d| d.document.kind == sendscope_domain::documents::DocumentKind::Advice)
            .map(|d| {
                format!(
                    "{} (document added {})",
                    d.document.title,
                    long_date(d.document.on)
                )
            }),
    );
    out
}

pub(crate) fn version_param(params: &HashMap<String, String>) -> Result<Option<usize>, ()> {
    match params.get("version").map(|v| v.trim()) {
        None | Some("") => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| ()),
    }
}

fn title_of(v: &PlanVersion) -> String {
    format!("{}, {}", v.kind.label(), long_date(v.on))
}

fn paragraphs(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p.govuk-body {
                @for (n, line) in para.lines().enumerate() {
                    @if n > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// Section E's outcomes or F's provision as a table, a line each.
fn lines_table(
    caption: &str,
    header: [&str; 3],
    rows: impl Iterator<Item = [String; 3]>,
) -> Markup {
    html! {
        table.govuk-table {
            caption class="govuk-table__caption govuk-table__caption--s" { (caption) }
            thead.govuk-table__head { tr.govuk-table__row {
                @for h in header { th.govuk-table__header scope="col" { (h) } }
            } }
            tbody.govuk-table__body {
                @for row in rows {
                    tr.govuk-table__row { @for c in row { td.govuk-table__cell { (c) } } }
                }
            }
        }
    }
}

fn section_body(d: &PlanDocument, v: &PlanVersion, key: &str) -> Markup {
    let s = &v.sections;
    let shown_beside = match key {
        "b" => !v.needs.is_empty(),
        "i" => !d.named.is_empty(),
        "k" => !d.appendices.is_empty(),
        _ => false,
    };
    let empty = section_lines(s, key).is_empty() && !shown_beside;
    html! {
        (paragraphs(s.text(key)))
        @if key == "b" && !v.needs.is_empty() {
            p.govuk-body { "Primary need: " (v.needs.iter().min_by_key(|n| n.rank).map(|n| n.need.description()).unwrap_or_default()) }
        }
        @if key == "e" && !s.outcomes.is_empty() {
            (lines_table("Outcomes", ["Outcome", "Steps towards it", "By"],
                s.outcomes.iter().map(|o| [o.outcome.clone(), o.steps.clone(), o.by.map(long_date).unwrap_or_default()])))
        }
        @if key == "f" && !s.provision.is_empty() {
            (lines_table("Provision, specified and quantified", ["What is provided", "How much and how often", "Who provides it"],
                s.provision.iter().map(|p| [p.what.clone(), p.how_often.clone(), p.by_whom.clone()])))
        }
        @if key == "i" {
            @if d.named.is_empty() {
                @if v.kind == VersionKind::Draft {
                    p.govuk-body { "A draft plan does not name a school or setting: the family may ask for one." }
                }
            } @else {
                ul.govuk-list.govuk-list--bullet { @for n in &d.named { li { (n) } } }
            }
        }
        @if key == "k" && !d.appendices.is_empty() {
            p.govuk-body { "The advice and information gathered, as appendices:" }
            ul.govuk-list.govuk-list--bullet { @for a in &d.appendices { li { (a) } } }
        }
        @if key == "j" {
            @if let Some(b) = v.personal_budget {
                p.govuk-body { (if b { "A personal budget is agreed." } else { "No personal budget was asked for or agreed." }) }
            }
        }
        @if empty && !(key == "j" && v.personal_budget.is_some()) && !(key == "i" && v.kind == VersionKind::Draft) {
            p.govuk-body.govuk-hint { "Nothing is written in this section." }
        }
    }
}

fn changes_html(d: &PlanDocument) -> Markup {
    let before = d.shown.saturating_sub(1);
    html! {
        @if before > 0 {
            h2.govuk-heading-m id="changes" { "What changed from version " (before) }
            @if d.changes.is_empty() {
                p.govuk-body { "The words of the plan did not change." }
            }
            @for c in &d.changes {
                h3.govuk-heading-s { (c.heading) }
                @if !c.removed.is_empty() {
                    p class="govuk-body govuk-!-margin-bottom-1" { "Taken out:" }
                    ul.govuk-list.govuk-list--bullet { @for l in &c.removed { li { del { (l) } } } }
                }
                @if !c.added.is_empty() {
                    p class="govuk-body govuk-!-margin-bottom-1" { "Added:" }
                    ul.govuk-list.govuk-list--bullet { @for l in &c.added { li { ins { (l) } } } }
                }
            }
        }
    }
}

fn page_html(d: &PlanDocument, respond: Markup) -> Markup {
    let Some(v) = d.version() else {
        return html! {
            a.govuk-back-link href={ "/cases/" (d.case) } { "Back to the record" }
            span.govuk-caption-l { (d.child) }
            h1.govuk-heading-l { "Education, health and care plan" }
            p.govuk-body { "There is no plan yet: no draft plan has been served." }
        };
    };
    let by = d
        .people
        .get(&v.recorded_by)
        .cloned()
        .unwrap_or_else(|| "sendscope".into());
    let latest = d.shown == d.versions.len();
    html! {
        a.govuk-back-link href={ "/cases/" (d.case) } { "Back to the record" }
        span.govuk-caption-l { (d.child) }
        h1.govuk-heading-l { "Education, health and care plan" }
        (ui::summary_list([
            ("Version", format!("{} of {}: {}", d.shown, d.versions.len(), title_of(v))),
            ("Recorded by", by),
            ("Status", match (latest, v.kind) {
                (false, _) => "An earlier version, replaced by a later one".to_string(),
                (true, VersionKind::Draft) => "A draft: the family have at least 15 days from the day it was served to give their views and ask for a school or setting".to_string(),
                (true, _) => "The plan in force".to_string(),
            }),
        ]))
        (respond)
        p.govuk-body {
            a.govuk-link href={ "/cases/" (d.case) "/plan.pdf?version=" (d.shown) } download { "Download this version as a PDF" }
        }
        @if d.versions.len() > 1 {
            h2.govuk-heading-m { "Versions" }
            ul.govuk-list {
                @for x in d.versions.iter().rev() {
                    li {
                        @if x.number == d.shown { strong { "Version " (x.number) ": " (title_of(x)) " (shown)" } }
                        @else { a.govuk-link href={ "/cases/" (d.case) "/plan?version=" (x.number) } { "Version " (x.number) ": " (title_of(x)) } }
                    }
                }
            }
        }
        (changes_html(d))
        @for (key, heading) in PLAN_SECTIONS {
            h2.govuk-heading-m id={ "section-" (key) } { (heading) }
            (section_body(d, v, key))
        }
    }
}

/// The latest version of the plan, its sections only: what an auditor grades, shown
/// beside the rubric on the audit form.
pub(crate) fn beside_rubric(
    store: &dyn Store,
    who: &Principal,
    id: &str,
) -> Result<Markup, String> {
    let Some(d) = read(store, who, id, None)? else {
        return Ok(html! {});
    };
    let Some(v) = d.version() else {
        return Ok(html! { p.govuk-body { "There is no plan to audit yet." } });
    };
    Ok(html! {
        h2.govuk-heading-l { "The plan you are auditing" }
        p.govuk-body { "Version " (d.shown) ": " (title_of(v)) ". " a.govuk-link href={ "/cases/" (d.case) "/plan" } { "Open the plan on its own page" } }
        @for (key, heading) in PLAN_SECTIONS {
            h3.govuk-heading-s { (heading) }
            (section_body(&d, v, key))
        }
    })
}

/// The plan as the PDF's blocks, in the page's order.
pub fn pdf_blocks(d: &PlanDocument) -> Vec<Block> {
    let mut b = vec![Block::Heading(1, "Education, health and care plan".into())];
    let Some(v) = d.version() else {
        b.push(Block::Paragraph(
            "There is no plan yet: no draft plan has been served.".into(),
        ));
        return b;
    };
    b.push(Block::Paragraph(format!(
        "{}\nVersion {} of {}: {}",
        d.child,
        d.shown,
        d.versions.len(),
        title_of(v)
    )));
    for (key, heading) in PLAN_SECTIONS {
        b.push(Block::Heading(2, (*heading).to_string()));
        let s = &v.sections;
        for para in s
            .text(key)
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            b.push(Block::Paragraph(para.to_string()));
        }
        if *key == "b"
            && let Some(n) = v.needs.iter().min_by_key(|n| n.rank)
        {
            b.push(Block::Paragraph(format!(
                "Primary need: {}",
                n.need.description()
            )));
        }
        if *key == "e" && !s.outcomes.is_empty() {
            b.push(Block::Table {
                header: vec!["Outcome".into(), "Steps towards it".into(), "By".into()],
                weights: vec![2.0, 2.0, 1.0],
                rows: s
                    .outcomes
                    .iter()
                    .map(|o| {
                        vec![
                            o.outcome.clone(),
                            o.steps.clone(),
                            o.by.map(long_date).unwrap_or_default(),
                        ]
                    })
                    .collect(),
            });
        }
        if *key == "f" && !s.provision.is_empty() {
            b.push(Block::Table {
                header: vec![
                    "What is provided".into(),
                    "How much and how often".into(),
                    "Who provides it".into(),
                ],
                weights: vec![2.0, 1.5, 1.5],
                rows: s
                    .provision
                    .iter()
                    .map(|p| vec![p.what.clone(), p.how_often.clone(), p.by_whom.clone()])
                    .collect(),
            });
        }
        if *key == "i" && !d.named.is_empty() {
            b.push(Block::Bullets(d.named.clone()));
        }
        if *key == "k" && !d.appendices.is_empty() {
            b.push(Block::Paragraph(
                "The advice and information gathered, as appendices:".into(),
            ));
            b.push(Block::Bullets(d.appendices.clone()));
        }
        if *key == "j"
            && let Some(pb) = v.personal_budget
        {
            b.push(Block::Paragraph(
                if pb {
                    "A personal budget is agreed."
                } else {
                    "No personal budget was asked for or agreed."
                }
                .into(),
            ));
        }
    }
    b
}

pub(crate) fn pdf_response(d: &PlanDocument) -> Result<Response, String> {
    let bytes = sendscope_pdf::render(&sendscope_pdf::Doc {
        title: format!("Education, health and care plan: {}", d.child),
        blocks: pdf_blocks(d),
    })
    .map_err(|e| e.to_string())?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"ehc-plan-version-{}.pdf\"", d.shown),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// GET /cases/{id}/plan
pub async fn page(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let options = app.filter_options.clone();
    with_user(&app, visitor, move |store, who| {
        let Ok(version) = version_param(&params) else {
            return not_found();
        };
        match read(store, &who.principal, &id, version) {
            Ok(Some(d)) => {
                let respond = match d.waiting {
                    Some(w) => match options.get(store, who.principal.area, None) {
                        Ok(choices) => crate::draft_response::panel(
                            &d.case,
                            w,
                            &who.session.csrf,
                            &choices.settings,
                            params.contains_key("responded"),
                            who.principal.role.is_family(),
                        ),
                        Err(e) => return Error::internal(e).into_response(),
                    },
                    None => html! {},
                };
                Html(ui::page(
                    "Education, health and care plan",
                    page_html(&d, respond),
                ))
                .into_response()
            }
            Ok(None) => not_found(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// GET /cases/{id}/plan.pdf
pub async fn pdf(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Ok(version) = version_param(&params) else {
            return not_found();
        };
        match read(store, &who.principal, &id, version)
            .and_then(|d| d.map(|d| pdf_response(&d)).transpose())
        {
            Ok(Some(r)) => r,
            Ok(None) => not_found(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}
