//! A letter as it is posted: `/cases/{id}/letters/{n}/print` is the letter alone, with
//! no site header or navigation (the sender, the addressee and their address, the date,
//! the case reference and the caseworker, then the letter), and `/cases/{id}/letters/{n}.pdf`
//! the same as a tagged PDF. Both are views of the child's record, logged as such.

use crate::auth::Visitor;
use crate::letters::{area_name, issued, open_to_view};
use crate::names::Names;
use crate::shell::{not_found, with_user};
use crate::{AppState, Error};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};
use sendscope_domain::calendar::long_date;
use sendscope_domain::event::LetterIssued;
use sendscope_domain::projection::Projection;
use sendscope_pdf::Block;
use sendscope_store::Store;

/// What a letter carries besides its words, read from the record.
pub struct Heading {
    pub from: String,
    pub address: Vec<String>,
    pub reference: String,
    pub caseworker: Option<String>,
    /// How to reach the caseworker: "zara.ali@derby.gov.uk, 01332 640000".
    pub contact: Option<String>,
}

/// The reference a family quotes: "SEND-" and the end of the record's reference.
pub fn case_reference(p: &Projection) -> String {
    let id = p.stream.id.simple().to_string().to_uppercase();
    format!("SEND-{}", &id[id.len() - 12..])
}

fn heading(store: &dyn Store, p: &Projection) -> Heading {
    let c = p.case();
    let child = c.and_then(|c| c.child.as_ref());
    let mut address: Vec<String> = child
        .and_then(|ch| ch.address.as_deref())
        .map(|a| {
            a.split([',', '\n'])
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if let Some(pc) = child.and_then(|ch| ch.postcode.as_ref()) {
        let pc = pc.to_string();
        if !address.iter().any(|l| l.contains(&pc)) {
            address.push(pc);
        }
    }
    let names = Names { store };
    let caseworker = c
        .and_then(|c| c.caseworker)
        .and_then(|s| names.staff(s).ok())
        .map(|(name, org)| {
            let team = c
                .and_then(|c| c.team)
                .and_then(|t| names.team(org, t).ok())
                .unwrap_or_else(|| "the SEND team".into());
            format!("{name}, {team}")
        });
    let contact = c
        .and_then(|c| c.caseworker)
        .and_then(|s| {
            store
                .projection(sendscope_domain::StreamRef::staff(s))
                .ok()?
        })
        .and_then(|sp| match sp.state {
            sendscope_domain::projection::StreamState::Staff(st) => st.contact,
            _ => None,
        })
        .map(|k| k.line())
        .filter(|l| !l.is_empty());
    Heading {
        from: area_name(store, p),
        address,
        reference: case_reference(p),
        caseworker,
        contact,
    }
}

fn print_html(case: &str, l: &LetterIssued, h: &Heading) -> Markup {
    let signed = h
        .caseworker
        .clone()
        .unwrap_or_else(|| "The SEND team".into());
    html! {
        (DOCTYPE)
        html lang="en-GB" class="govuk-template" {
            head {
                meta charset="utf-8";
                title { (l.subject) " – letter " (l.letter) }
                meta name="viewport" content="width=device-width, initial-scale=1";
                link rel="stylesheet" href="/assets/govuk-frontend.min.css";
            }
            body.govuk-template__body {
                main.govuk-width-container.govuk-main-wrapper id="main-content" {
                    p."govuk-body"."govuk-!-display-none-print" {
                        a.govuk-link href={ "/cases/" (case) "/letters/" (l.letter) } { "Back to the letter" }
                        " · "
                        a.govuk-link href={ "/cases/" (case) "/letters/" (l.letter) ".pdf" } download { "Download as a PDF" }
                    }
                    p.govuk-body { strong { (h.from) } }
                    p.govuk-body {
                        (l.to)
                        @for line in &h.address { br; (line) }
                    }
                    dl.govuk-summary-list.govuk-summary-list--no-border {
                        div.govuk-summary-list__row { dt.govuk-summary-list__key { "Date" } dd.govuk-summary-list__value { (long_date(l.on)) } }
                        div.govuk-summary-list__row { dt.govuk-summary-list__key { "Our reference" } dd.govuk-summary-list__value { (h.reference) } }
                        @if let Some(cw) = &h.caseworker {
                            div.govuk-summary-list__row { dt.govuk-summary-list__key { "Your caseworker" } dd.govuk-summary-list__value { (cw) } }
                        }
                        @if let Some(k) = &h.contact {
                            div.govuk-summary-list__row { dt.govuk-summary-list__key { "Contact them" } dd.govuk-summary-list__value { (k) } }
                        }
                    }
                    p.govuk-body { "Dear " (l.to) }
                    h1.govuk-heading-l { (l.subject) }
                    @for s in &l.sections {
                        h2.govuk-heading-m { (s.heading) }
                        @for p in &s.paragraphs { p.govuk-body { (p) } }
                    }
                    p.govuk-body { "Yours sincerely," }
                    p.govuk-body { (signed) }
                }
            }
        }
    }
}

fn pdf_blocks(l: &LetterIssued, h: &Heading) -> Vec<Block> {
    let mut to = l.to.clone();
    for line in &h.address {
        to.push('\n');
        to.push_str(line);
    }
    let mut meta = format!("Date: {}\nOur reference: {}", long_date(l.on), h.reference);
    if let Some(cw) = &h.caseworker {
        meta.push_str(&format!("\nYour caseworker: {cw}"));
    }
    if let Some(k) = &h.contact {
        meta.push_str(&format!("\nContact them: {k}"));
    }
    let mut b = vec![
        Block::Paragraph(h.from.clone()),
        Block::Paragraph(to),
        Block::Paragraph(meta),
        Block::Paragraph(format!("Dear {}", l.to)),
        Block::Heading(1, l.subject.clone()),
    ];
    for s in &l.sections {
        b.push(Block::Heading(2, s.heading.clone()));
        b.extend(s.paragraphs.iter().map(|p| Block::Paragraph(p.clone())));
    }
    b.push(Block::Paragraph("Yours sincerely,".into()));
    b.push(Block::Paragraph(
        h.caseworker
            .clone()
            .unwrap_or_else(|| "The SEND team".into()),
    ));
    b
}

/// GET /cases/{id}/letters/{n}/print
pub async fn print(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, n)): Path<(String, u32)>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Some(p) = open_to_view(store, &who.principal, &id) else {
            return not_found();
        };
        let Some(l) = issued(store, &p, n) else {
            return not_found();
        };
        Html(print_html(&id, &l, &heading(store, &p)).into_string()).into_response()
    })
    .await
}

/// GET /cases/{id}/letters/{n}: the letter's page, or with `.pdf` after the number the
/// letter as a PDF.
pub async fn show_or_pdf(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    match file.strip_suffix(".pdf") {
        None => match file.parse::<u32>() {
            Ok(n) => crate::letters::show(State(app), visitor, Path((id, n))).await,
            Err(_) => not_found(),
        },
        Some(n) => match n.parse::<u32>() {
            Ok(n) => pdf(app, visitor, id, n).await,
            Err(_) => not_found(),
        },
    }
}

async fn pdf(app: AppState, visitor: Visitor, id: String, n: u32) -> Response {
    with_user(&app, visitor, move |store, who| {
        let Some(p) = open_to_view(store, &who.principal, &id) else {
            return not_found();
        };
        let Some(l) = issued(store, &p, n) else {
            return not_found();
        };
        let doc = sendscope_pdf::Doc {
            title: l.subject.clone(),
            blocks: pdf_blocks(&l, &heading(store, &p)),
        };
        match sendscope_pdf::render(&doc) {
            Ok(bytes) => (
                [
                    (header::CONTENT_TYPE, "application/pdf".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"letter-{n}.pdf\""),
                    ),
                ],
                bytes,
            )
                .into_response(),
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}
