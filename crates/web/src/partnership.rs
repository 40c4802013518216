//! The partnership's governance on the web: `/partnership` (the improvement plan with each
//! action's RAG worked out, change requests, the risk register, the board's meetings),
//! `/partnership/stocktake` (the stocktake pack for a period, as a page or a PDF, the
//! same blocks `sendscope report stocktake` writes), and the public board pages beside
//! the area's figures: `/figures/{la}/board` (minutes once approved, with their papers and
//! each paper's SHA-256) and `/figures/{la}/board/papers/{sha256}`. The API records steps
//! (`POST /api/v1/partnership/steps`) and reads the plan (`GET /api/v1/partnership`).

use crate::api::{Caller, with_caller};
use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, Error, ui};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::partnership::{Stocktake, actions, behind, find, published, record, stocktake};
use sendscope_app::steps::StepError;
use sendscope_domain::access::{Principal, Role};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::partnership::Rag;
use sendscope_pdf::Block;
use std::collections::HashMap;

/// Who sees the partnership's own record: the board, and the council's managers and
/// commissioners who keep it.
fn sees(p: &Principal) -> bool {
    matches!(
        p.role,
        Role::TeamManager | Role::Commissioner | Role::BoardMember
    )
}

/// Who records its steps: the managers and commissioners of its programme office.
fn keeps(p: &Principal) -> bool {
    matches!(p.role, Role::TeamManager | Role::Commissioner)
}

fn rag_colour(r: Rag) -> &'static str {
    match r {
        Rag::Red => "red",
        Rag::Amber => "orange",
        Rag::Green => "green",
        Rag::Complete => "blue",
    }
}

/// The stocktake pack as blocks: the page and the PDF are both made from these.
pub fn stocktake_blocks(s: &Stocktake) -> Vec<Block> {
    let mut b = vec![
        Block::Heading(1, format!("Stocktake: {}", s.board)),
        Block::Paragraph(format!(
            "{} local area, {} to {}. Every status is worked out from the records: an action's from its dates, milestones and the measure it should move; a risk's from its scores.",
            s.area,
            long_date(s.from),
            long_date(s.to)
        )),
        Block::Heading(2, "Progress on each priority".into()),
    ];
    for (n, title) in &s.priorities {
        b.push(Block::Heading(3, format!("Priority {n}: {title}")));
        let rows: Vec<Vec<String>> = s
            .actions
            .iter()
            .filter(|a| a.priority == *n)
            .map(|a| {
                let mut evidence = a.evidence.join("; ");
                if !a.commentary.is_empty() {
                    evidence.push_str(&format!(" Commentary: {}", a.commentary.join(" ")));
                }
                vec![
                    format!("{}. {}", a.action, a.title),
                    a.owner.clone(),
                    a.due.clone(),
                    format!("{}: {}", a.rag.label(), a.why),
                    if evidence.trim().is_empty() {
                        "None yet".into()
                    } else {
                        evidence.trim().to_string()
                    },
                ]
            })
            .collect();
        if rows.is_empty() {
            b.push(Block::Paragraph("No actions yet.".into()));
        } else {
            b.push(Block::Table {
                header: ["Action", "Owner", "Due", "Status", "Evidence"]
                    .map(String::from)
                    .to_vec(),
                weights: vec![3.0, 2.0, 2.0, 3.0, 2.0],
                rows,
            });
        }
    }
    b.push(Block::Heading(
        2,
        "Measures against their trajectories".into(),
    ));
    if s.trajectories.is_empty() {
        b.push(Block::Paragraph("No trajectories are defined.".into()));
    } else {
        let pct = |v: Option<f64>| v.map_or("No figure".to_string(), |v| format!("{v:.1}"));
        b.push(Block::Table {
            header: [
                "Trajectory",
                "Target",
                "Baseline",
                "Latest",
                "Achieved a month",
                "Needed a month",
            ]
            .map(String::from)
            .to_vec(),
            weights: vec![3.0, 2.0, 1.0, 1.0, 1.5, 1.5],
            rows: s
                .trajectories
                .iter()
                .map(|p| {
                    vec![
                        p.trajectory.name.clone(),
                        format!(
                            "{:.1} by {}",
                            p.trajectory.target,
                            p.trajectory.deadline.format("%B %Y")
                        ),
                        pct(p.baseline),
                        pct(p.current),
                        pct(p.achieved_per_month),
                        pct(p.required_per_month),
                    ]
                })
                .collect(),
        });
    }
    b.push(Block::Heading(2, "Change requests".into()));
    if s.changes.is_empty() {
        b.push(Block::Paragraph("None in the period.".into()));
    } else {
        b.push(Block::Table {
            header: ["Request", "Asked", "Why, and the impact", "Decision"]
                .map(String::from)
                .to_vec(),
            weights: vec![2.0, 2.0, 4.0, 3.0],
            rows: s
                .changes
                .iter()
                .map(|c| {
                    vec![
                        format!(
                            "{} (action {}), by {} on {}",
                            c.request,
                            c.action,
                            c.asked_by,
                            long_date(c.asked_on)
                        ),
                        c.asked.clone(),
                        format!("{} Impact: {}", c.why, c.impact),
                        c.decision.clone(),
                    ]
                })
                .collect(),
        });
    }
    b.push(Block::Heading(2, "Risks and their movement".into()));
    if s.risks.is_empty() {
        b.push(Block::Paragraph("The register is empty.".into()));
    } else {
        b.push(Block::Table {
            header: [
                "Risk",
                "Owner",
                "Inherent",
                "Residual",
                "Target",
                "In the period",
            ]
            .map(String::from)
            .to_vec(),
            weights: vec![3.0, 2.0, 1.0, 2.0, 1.0, 4.0],
            rows: s
                .risks
                .iter()
                .map(|r| {
                    let moved = match r.residual_before {
                        Some(b) if b != r.residual => format!("{b} to {}", r.residual),
                        _ => r.residual.to_string(),
                    };
                    let mut residual = moved;
                    if r.escalated {
                        residual.push_str(" (escalated to the board)");
                    }
                    let history: Vec<String> = r
                        .history
                        .iter()
                        .map(|(d, v, why)| format!("{}: {v}, {why}", long_date(*d)))
                        .collect();
                    let mut period = history.join("; ");
                    if r.review_overdue {
                        period.push_str(&format!(
                            " Review overdue since {}.",
                            long_date(r.review_by)
                        ));
                    }
                    vec![
                        format!("{}. {}", r.risk, r.title),
                        r.owner.clone(),
                        r.inherent.to_string(),
                        residual,
                        r.target.to_string(),
                        if period.trim().is_empty() {
                            "No change".into()
                        } else {
                            period.trim().to_string()
                        },
                    ]
                })
                .collect(),
        });
    }
    b.push(Block::Heading(2, "Multi-agency quality assurance".into()));
    if s.qa.is_empty() {
        b.push(Block::Paragraph("No audit round has been opened.".into()));
    }
    for r in &s.qa {
        b.push(Block::Heading(
            3,
            format!(
                "Round {}: plans issued {} to {}",
                r.round,
                long_date(r.from),
                long_date(r.to)
            ),
        ));
        let list = |xs: &[(&str, usize)]| {
            xs.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let agreement = if r.moderated == 0 {
            "none moderated yet".to_string()
        } else {
            format!(
                "{} of {} moderated audits agreed ({:.0}%)",
                r.agreed,
                r.moderated,
                100.0 * r.agreed as f64 / r.moderated as f64
            )
        };
        let mut lines = vec![
            format!("{} plans drawn at random", r.sampled),
            format!("Audits: {}", list(&r.audits)),
            format!("Grades: {}", list(&r.grades)),
            format!("Moderation: {agreement}"),
        ];
        lines.extend(r.findings.iter().map(|f| format!("Finding: {f}")));
        b.push(Block::Bullets(lines));
    }
    b.push(Block::Heading(2, "Co-production: you said, we did".into()));
    if s.feedback.is_empty() {
        b.push(Block::Paragraph("Nothing recorded.".into()));
    } else {
        b.push(Block::Table {
            header: ["You said", "Where", "We did"].map(String::from).to_vec(),
            weights: vec![4.0, 2.0, 4.0],
            rows: s
                .feedback
                .iter()
                .map(|(source, said, did)| {
                    vec![
                        said.clone(),
                        source.clone(),
                        did.clone().unwrap_or_else(|| "Not answered yet".into()),
                    ]
                })
                .collect(),
        });
    }
    b.push(Block::Heading(2, "Board decisions".into()));
    if s.meetings.is_empty() {
        b.push(Block::Paragraph("No meetings in the period.".into()));
    }
    for (n, on, decisions) in &s.meetings {
        b.push(Block::Heading(
            3,
            format!("Meeting {n}, {}", long_date(*on)),
        ));
        if decisions.is_empty() {
            b.push(Block::Paragraph("No decisions recorded.".into()));
        } else {
            b.push(Block::Bullets(decisions.clone()));
        }
    }
    b.push(Block::Heading(2, "Published minutes".into()));
    if s.published.is_empty() {
        b.push(Block::Paragraph("None approved yet.".into()));
    }
    for p in &s.published {
        b.push(Block::Heading(
            3,
            format!(
                "Meeting {}, {} (approved {})",
                p.meeting,
                long_date(p.on),
                long_date(p.approved_on)
            ),
        ));
        b.push(Block::Paragraph(p.minutes.clone()));
    }
    b
}

/// Blocks as GOV.UK HTML.
pub fn blocks_html(blocks: &[Block]) -> Markup {
    html! {
        @for b in blocks {
            @match b {
                Block::Heading(1, t) => { h1.govuk-heading-l { (t) } }
                Block::Heading(2, t) => { h2.govuk-heading-m { (t) } }
                Block::Heading(_, t) => { h3.govuk-heading-s { (t) } }
                Block::Paragraph(t) => { p.govuk-body { @for (i, line) in t.lines().enumerate() { @if i > 0 { br; } (line) } } }
                Block::Bullets(items) => { ul.govuk-list.govuk-list--bullet { @for i in items { li { (i) } } } }
                Block::Table { header, rows, .. } => {
                    table.govuk-table {
                        thead.govuk-table__head { tr.govuk-table__row { @for h in header { th.govuk-table__header scope="col" { (h) } } } }
                        tbody.govuk-table__body { @for r in rows { tr.govuk-table__row { @for c in r { td.govuk-table__cell { (c) } } } } }
                    }
                }
            }
        }
    }
}

/// The pack as a whole page.
pub fn stocktake_page(s: &Stocktake) -> String {
    ui::page(
        &format!("Stocktake: {}", s.board),
        blocks_html(&stocktake_blocks(s)),
    )
}

/// The pack as a tagged PDF.
pub fn stocktake_pdf(s: &Stocktake) -> Result<Vec<u8>, String> {
    sendscope_pdf::render(&sendscope_pdf::Doc {
        title: format!("Stocktake: {}", s.board),
        blocks: stocktake_blocks(s),
    })
    .map_err(|e| e.to_string())
}

fn plan_html(
    app_state: &sendscope_domain::partnership::PartnershipState,
    views: &[sendscope_app::partnership::ActionView],
    may_record: bool,
) -> Markup {
    let today = england_today();
    html! {
        h1.govuk-heading-l { (app_state.started.as_ref().map(|s| s.name.clone()).unwrap_or_default()) }
        p.govuk-body { "Each action's status is worked out from its dates, milestones and the measure it should move; nobody types it in. A slipped date stays on the action." }
        p.govuk-body {
            a.govuk-link href="/partnership/stocktake" { "The stocktake pack" }
            " · " a.govuk-link href="/capital" { "Capital projects and their decisions" }
            " · " a.govuk-link href="/compliance" { "Compliance report" }
            @if may_record { " · " a.govuk-link href="/partnership/steps" { "Record a step" } }
        }
        h2.govuk-heading-m { "Improvement plan" }
        @for p in &app_state.priorities {
            h3.govuk-heading-s { "Priority " (p.priority) ": " (p.title) }
            table.govuk-table {
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Action" }
                    th.govuk-table__header scope="col" { "Owner" }
                    th.govuk-table__header scope="col" { "Due" }
                    th.govuk-table__header scope="col" { "Status" }
                } }
                tbody.govuk-table__body {
                    @for a in views.iter().filter(|a| a.priority == p.priority) {
                        tr.govuk-table__row {
                            td.govuk-table__cell { (a.action) ". " (a.title) br; span.govuk-body-s { (a.milestones_met) " of " (a.milestones) " milestones met" } }
                            td.govuk-table__cell { (a.owner) }
                            td.govuk-table__cell { (a.due) }
                            td.govuk-table__cell { (ui::tag(a.rag.label(), Some(rag_colour(a.rag)))) br; span.govuk-body-s { (a.why) } }
                        }
                    }
                }
            }
        }
        h2.govuk-heading-m { "Risk register" }
        @if app_state.risks.is_empty() { p.govuk-body { "No risks are on the register." } }
        @else {
            table.govuk-table {
                thead.govuk-table__head { tr.govuk-table__row {
                    th.govuk-table__header scope="col" { "Risk" }
                    th.govuk-table__header scope="col" { "Owner" }
                    th.govuk-table__header scope="col" { "Residual (target)" }
                    th.govuk-table__header scope="col" { "Review by" }
                } }
                tbody.govuk-table__body {
                    @for r in &app_state.risks {
                        tr.govuk-table__row {
                            td.govuk-table__cell { (r.added.risk) ". " (r.added.title) }
                            td.govuk-table__cell { (r.added.owner.text()) }
                            td.govuk-table__cell {
                                (r.residual.value()) " (" (r.added.target.value()) ")"
                                @if app_state.escalated().iter().any(|e| e.added.risk == r.added.risk) { " " (ui::tag("Escalated", Some("red"))) }
                            }
                            td.govuk-table__cell { (long_date(r.review_by)) @if r.review_by < today { " " (ui::tag("Overdue", Some("red"))) } }
                        }
                    }
                }
            }
        }
        h2.govuk-heading-m { "Quality-assurance rounds" }
        @if app_state.qa_rounds.is_empty() { p.govuk-body { "No audit round has been opened." } }
        @for r in &app_state.qa_rounds {
            @let (agreed, moderated) = r.agreement();
            p.govuk-body {
                "Round " (r.opened.round) ": " (r.opened.cases.len()) " plans issued " (long_date(r.opened.from)) " to " (long_date(r.opened.to)) ", drawn at random (seed " (r.opened.seed) "). "
                @if moderated == 0 { "None moderated yet." } @else { (agreed) " of " (moderated) " moderated audits agreed." }
            }
        }
        h2.govuk-heading-m { "Board meetings" }
        @if app_state.meetings.is_empty() { p.govuk-body { "No meetings yet." } }
        @for m in &app_state.meetings {
            h3.govuk-heading-s { "Meeting " (m.held.meeting) ", " (long_date(m.held.on)) }
            p.govuk-body { @match (&m.minutes, &m.approved) {
                (_, Some(a)) => { "Minutes approved on " (long_date(a.on)) " and published." }
                (Some(_), None) => { "Minutes drafted: they are published once approved at the next meeting." }
                (None, None) => { "No minutes yet." }
            } }
            @if !m.held.decisions.is_empty() { ul.govuk-list.govuk-list--bullet { @for d in &m.held.decisions { li { (d) } } } }
        }
    }
}

/// GET /partnership
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    let kpi = app.kpi.clone();
    with_user(&app, visitor, move |store, who| {
        if !sees(&who.principal) {
            return Error::forbidden("The partnership's record is for its board and the council's managers.").into_response();
        }
        let area = who.principal.area;
        let Ok(Some((_, s))) = find(store, area) else {
            return Html(ui::page("Partnership", html! {
                h1.govuk-heading-l { "Partnership" }
                p.govuk-body { "The partnership's record is not started yet: record partnership.started with the board's name through the API." }
            }))
            .into_response();
        };
        let progress = kpi.with(store, |e| sendscope_app::trajectories::progress_all(store, e, area, england_today()));
        let late = match progress {
            Ok(Ok(p)) => behind(&p),
            _ => HashMap::new(),
        };
        let views = actions(&s, england_today(), &late);
        let may_record = keeps(&who.principal);
        Html(ui::page("Partnership", plan_html(&s, &views, may_record))).into_response()
    })
    .await
}

fn period(q: &HashMap<String, String>) -> Result<(chrono::NaiveDate, chrono::NaiveDate), String> {
    let today = england_today();
    let parse = |k: &str, default: chrono::NaiveDate| match q
        .get(k)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(v) => sendscope_domain::calendar::parse_date(v)
            .map_err(|_| format!("{k} must be a date like 2025-09-30, not {v:?}")),
    };
    Ok((
        parse("from", today - chrono::Days::new(182))?,
        parse("to", today)?,
    ))
}

/// GET /partnership/stocktake[?from=&to=&format=pdf]
pub async fn stocktake_show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(&app, visitor, move |store, who| {
        if !sees(&who.principal) {
            return Error::forbidden(
                "The stocktake pack is for the partnership's board and the council's managers.",
            )
            .into_response();
        }
        let (from, to) = match period(&q) {
            Ok(p) => p,
            Err(m) => return Error::invalid(m).into_response(),
        };
        let area = who.principal.area;
        let pack = match kpi.with(store, |e| stocktake(store, e, area, from, to)) {
            Ok(Ok(s)) => s,
            Ok(Err(StepError::NotFound)) => {
                return Error::not_found("The partnership's record is not started yet.")
                    .into_response();
            }
            Ok(Err(StepError::Invalid(m))) => return Error::invalid(m).into_response(),
            Ok(Err(e)) => return Error::internal(format!("{e:?}")).into_response(),
            Err(e) => return Error::internal(e).into_response(),
        };
        if q.get("format").is_some_and(|f| f == "pdf") {
            return match stocktake_pdf(&pack) {
                Ok(bytes) => (
                    [
                        (header::CONTENT_TYPE, "application/pdf".to_string()),
                        (
                            header::CONTENT_DISPOSITION,
                            format!("attachment; filename=\"stocktake-{from}-{to}.pdf\""),
                        ),
                    ],
                    bytes,
                )
                    .into_response(),
                Err(e) => Error::internal(e).into_response(),
            };
        }
        Html(stocktake_page(&pack)).into_response()
    })
    .await
}

/// GET /figures/{la}/board: the board's published minutes and papers, signed out.
pub async fn public(State(app): State<AppState>, Path(la): Path<String>) -> Response {
    let code = la.clone();
    for_public_area(&app, code, move |store, area| {
            let found = find(store, area)?;
            let board = found.as_ref().and_then(|(_, s)| s.started.as_ref()).map(|s| s.name.clone());
            let minutes = found.as_ref().map(|(_, s)| published(s)).unwrap_or_default();
            let heard: Vec<sendscope_domain::partnership::FeedbackState> = found
                .as_ref()
                .map(|(_, s)| s.feedback.iter().filter(|f| f.answered.is_some()).cloned().collect())
                .unwrap_or_default();
            let body = html! {
                a.govuk-back-link href={ "/figures/" (la.trim()) } { "Back to the area's figures" }
                h1.govuk-heading-l { (board.clone().unwrap_or_else(|| "The partnership board".into())) }
                p.govuk-body { "The board's minutes are published here once the board has approved them, with the papers it saw. Each paper's SHA-256 lets anyone check that a copy is the one the board saw." }
                @if !heard.is_empty() {
                    h2.govuk-heading-m { "You said, we did" }
                    table.govuk-table {
                        thead.govuk-table__head { tr.govuk-table__row {
                            th.govuk-table__header scope="col" { "You said" }
                            th.govuk-table__header scope="col" { "We did" }
                        } }
                        tbody.govuk-table__body {
                            @for f in &heard {
                                tr.govuk-table__row {
                                    td.govuk-table__cell { (f.heard.said) br; span.govuk-body-s { (f.heard.source) } }
                                    td.govuk-table__cell { @if let Some(a) = &f.answered { (a.did) br; span.govuk-body-s { (long_date(a.on)) } } }
                                }
                            }
                        }
                    }
                }
                @if minutes.is_empty() { p.govuk-body { "No minutes are published yet." } }
                @for m in &minutes {
                    h2.govuk-heading-m { "Meeting " (m.meeting) ", " (long_date(m.on)) }
                    p.govuk-body-s { "Approved on " (long_date(m.approved_on)) }
                    @if !m.agenda.is_empty() { h3.govuk-heading-s { "Agenda" } ol.govuk-list.govuk-list--number { @for a in &m.agenda { li { (a) } } } }
                    @if !m.decisions.is_empty() { h3.govuk-heading-s { "Decisions" } ul.govuk-list.govuk-list--bullet { @for d in &m.decisions { li { (d) } } } }
                    h3.govuk-heading-s { "Minutes" }
                    @for para in m.minutes.split("\n\n") { p.govuk-body { (para) } }
                    @for p in &m.papers {
                        p.govuk-body {
                            a.govuk-link href={ "/figures/" (la.trim()) "/board/papers/" (p.sha256) } download { (p.title) }
                            br; span.govuk-body-s { "SHA-256 " code { (p.sha256) } }
                        }
                    }
                }
            };
            Ok(Html(ui::page(&board.unwrap_or_else(|| "The partnership board".into()), body)).into_response())
    })
    .await
}

/// GET /figures/{la}/board/papers/{sha256}: a paper of a published meeting, as a download.
pub async fn paper(
    State(app): State<AppState>,
    Path((la, sha)): Path<(String, String)>,
) -> Response {
    for_public_area(&app, la, move |store, area| {
        let missing =
            || Error::not_found("There is no published paper with that SHA-256.").into_response();
        let Some((_, s)) = find(store, area)? else {
            return Ok(missing());
        };
        // Only a paper of a meeting whose minutes are published.
        if !published(&s)
            .iter()
            .any(|m| m.papers.iter().any(|p| p.sha256 == sha))
        {
            return Ok(missing());
        }
        let mut key = [0u8; 32];
        if hex::decode_to_slice(&sha, &mut key).is_err() {
            return Ok(missing());
        }
        Ok(match store.document(&key)? {
            Some(bytes) => (
                [
                    (
                        header::CONTENT_TYPE,
                        "text/plain; charset=utf-8".to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"board-paper-{}.txt\"", &sha[..12]),
                    ),
                    (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
                ],
                bytes,
            )
                .into_response(),
            None => missing(),
        })
    })
    .await
}

/// Runs `f`, signed out and off the async threads, for the area with the LA code `la`.
async fn for_public_area(
    app: &AppState,
    la: String,
    f: impl FnOnce(
        &dyn sendscope_store::Store,
        sendscope_domain::ids::AreaId,
    ) -> Result<Response, sendscope_store::StoreError>
    + Send
    + 'static,
) -> Response {
    let kpi = app.kpi.clone();
    let store = app.store.clone();
    let answer = app
        .blocking(move || match kpi.area_by_code(store.as_ref(), la.trim())? {
            Some(area) => f(store.as_ref(), area),
            None => Ok(
                Error::not_found(format!("There is no local area with the LA code {la}."))
                    .into_response(),
            ),
        })
        .await;
    match answer {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => Error::internal(e).into_response(),
        Err(e) => Error::internal(e).into_response(),
    }
}

/// A partnership step's refusal as the API answers it: malformed 400, refused by the
/// record's rules 422.
fn problem(e: StepError) -> Error {
    match e {
        StepError::Invalid(m) => Error::invalid(m),
        StepError::Refused(m) => Error::refused(m),
        e => Error::internal(format!("{e:?}")),
    }
}

/// POST /api/v1/partnership/steps: `{"type": "partnership.…", "payload": {…}}`.
pub async fn api_step(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    let kpi = app.kpi.clone();
    with_caller(&app, visitor, move |store, c: Caller| {
        let v: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
            Error::invalid(format!(
                "send the step as JSON: {{\"type\": \"partnership.…\", \"payload\": {{…}}}}: {e}"
            ))
        })?;
        if !keeps(&c.principal) {
            return Err(Error::forbidden(
                "The partnership's record is kept by the council's managers and commissioners.",
            ));
        }
        let t = v["type"].as_str().unwrap_or_default().to_string();
        if !t.starts_with("partnership.") {
            return Err(Error::invalid(format!(
                "{t:?} is not a step of the partnership's record: use a partnership.… type"
            )));
        }
        // A round's sample is drawn here from its seed, never sent.
        if t == "partnership.qa_round_opened" {
            let p = &v["payload"];
            if p.get("cases").is_some() {
                return Err(Error::invalid(
                    "the sample is drawn from the seed: leave out cases",
                ));
            }
            let date = |k: &str| {
                p[k].as_str()
                    .and_then(|d| sendscope_domain::calendar::parse_date(d).ok())
                    .ok_or_else(|| Error::invalid(format!("{k} must be a date like 2025-09-30")))
            };
            let (Some(size), Some(seed)) = (p["size"].as_u64(), p["seed"].as_u64()) else {
                return Err(Error::invalid(
                    "give the sample's size and seed as whole numbers",
                ));
            };
            let size = u32::try_from(size)
                .map_err(|_| Error::invalid("the sample's size is too large"))?;
            let opened = sendscope_app::partnership::open_qa_round(
                store,
                c.principal.area,
                (date("from")?, date("to")?),
                size,
                seed,
                &format!("user:{}", c.username),
            )
            .map_err(problem)?;
            let body = serde_json::to_string(&opened).map_err(Error::internal)?;
            return Ok((
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response());
        }
        // A meeting may take the board report as it stands on the meeting's day as its
        // paper: made here, kept with its SHA-256, and named on the meeting.
        if t == "partnership.meeting_held" && v["board_report"].as_bool() == Some(true) {
            let bytes = serde_json::to_vec(&v["payload"]).map_err(Error::internal)?;
            let Ok(sendscope_domain::EventBody::MeetingHeld(held)) =
                sendscope_domain::EventBody::decode(&t, &bytes)
            else {
                return Err(Error::invalid(
                    "the meeting's payload is not a meeting: give meeting, on, agenda and attended",
                ));
            };
            let area = c.principal.area;
            let paper = kpi
                .with(store, |e| {
                    sendscope_app::board::report(store, e, area, held.on)
                })
                .map_err(Error::internal)?
                .map_err(Error::internal)?;
            let paper = sendscope_app::partnership::hold_meeting(
                store,
                area,
                held,
                "Board report",
                sendscope_app::board::csv(&paper).into_bytes(),
                &format!("user:{}", c.username),
            )
            .map_err(problem)?;
            let body = serde_json::json!({ "recorded": t, "paper": paper }).to_string();
            return Ok((
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response());
        }
        let bytes = serde_json::to_vec(&v["payload"]).map_err(Error::internal)?;
        let body = sendscope_domain::EventBody::decode(&t, &bytes)
            .map_err(|e| Error::invalid(format!("{t}: {e}")))?;
        match record(
            store,
            c.principal.area,
            body,
            &format!("user:{}", c.username),
        ) {
            Ok(()) => Ok((
                StatusCode::CREATED,
                [(header::CONTENT_TYPE, "application/json")],
                format!("{{\"recorded\":{}}}", serde_json::Value::String(t)),
            )
                .into_response()),
            Err(e) => Err(problem(e)),
        }
    })
    .await
}

/// GET /api/v1/partnership: the plan's actions with their computed status, the risks and
/// the meetings.
pub async fn api_show(State(app): State<AppState>, visitor: Visitor) -> Response {
    let kpi = app.kpi.clone();
    with_caller(&app, visitor, move |store, c: Caller| {
        if !sees(&c.principal) {
            return Err(Error::forbidden(
                "The partnership's record is for its board and the council's managers.",
            ));
        }
        let area = c.principal.area;
        let Some((_, s)) = find(store, area).map_err(Error::internal)? else {
            return Err(Error::not_found(
                "The partnership's record is not started yet.",
            ));
        };
        let late = match kpi.with(store, |e| {
            sendscope_app::trajectories::progress_all(store, e, area, england_today())
        }) {
            Ok(Ok(p)) => behind(&p),
            _ => HashMap::new(),
        };
        let body = serde_json::json!({
            "board": s.started.as_ref().map(|x| x.name.clone()),
            "actions": actions(&s, england_today(), &late),
            "risks": s.risks.iter().map(|r| serde_json::json!({
                "risk": r.added.risk, "title": r.added.title, "residual": r.residual.value(),
                "target": r.added.target.value(), "review_by": r.review_by,
                "escalated": s.escalated().iter().any(|e| e.added.risk == r.added.risk),
            })).collect::<Vec<_>>(),
            "published_minutes": published(&s),
        });
        Ok((
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response())
    })
    .await
}
