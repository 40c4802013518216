//! Letters to the family: drafted from the record and the clocks (domain::letters),
//! previewed, issued as a `case.letter_issued` event holding every word, shown as a
//! printable page, and sent from the outbox: by email (`sendscope outbox send`, when an
//! SMTP relay is configured) or marked as posted here.

use crate::auth::Visitor;
use crate::shell::{not_found, with_user};
use crate::steps::{Submitted, open_for_change};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::steps::{Step, StepError, record_step};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::event::{EventBody, LetterIssued, LetterKind, LetterSent};
use sendscope_domain::ids::CaseId;
use sendscope_domain::letters::draft;
use sendscope_domain::projection::Projection;
use sendscope_domain::{StreamRef, access::Principal};
use sendscope_store::Store;

/// One letter on a record.
#[derive(Debug, serde::Serialize)]
pub struct LetterView {
    pub letter: u32,
    pub kind: &'static str,
    pub subject: String,
    pub issued: chrono::NaiveDate,
    /// null while it waits in the outbox.
    pub sent: Option<chrono::NaiveDate>,
    pub via: Option<String>,
}

pub fn letter_views(p: &Projection) -> Vec<LetterView> {
    p.case()
        .map(|c| {
            c.letters
                .iter()
                .map(|l| LetterView {
                    letter: l.letter,
                    kind: l.kind.slug(),
                    subject: l.subject.clone(),
                    issued: l.on,
                    sent: l.sent_on,
                    via: l.via.clone(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A letter that can be written now.
#[derive(Debug, serde::Serialize)]
pub struct LetterChoice {
    pub kind: &'static str,
    pub title: &'static str,
}

/// The letters that can be written now, for staff who record casework.
pub fn can_write(p: &Projection) -> Vec<LetterChoice> {
    let Some(c) = p.case() else {
        return Vec::new();
    };
    sendscope_domain::letters::available(c, england_today())
        .unwrap_or_default()
        .into_iter()
        .map(|k| LetterChoice {
            kind: k.slug(),
            title: k.title(),
        })
        .collect()
}

/// The people a letter is addressed to (`domain::letters::recipients`): the young person
/// from the end of compulsory school age unless a parent acts for them, else those with
/// parental responsibility whom no court order bars.
fn addressees(p: &Projection) -> String {
    p.case()
        .map(|c| {
            sendscope_domain::letters::recipients(c, sendscope_domain::calendar::england_today())
                .join(" and ")
        })
        .unwrap_or_default()
}

fn letter_html(l: &LetterIssued, area: &str) -> Markup {
    html! {
        p.govuk-body { (area) }
        p.govuk-body { (long_date(l.on)) }
        p.govuk-body { "Dear " (l.to) }
        h1.govuk-heading-l { (l.subject) }
        @for s in &l.sections {
            h2.govuk-heading-m { (s.heading) }
            @for p in &s.paragraphs { p.govuk-body { (p) } }
        }
        p.govuk-body { "Yours sincerely," }
        p.govuk-body { "SEND team" }
    }
}

pub(crate) fn area_name(store: &dyn Store, p: &Projection) -> String {
    match store.projection(StreamRef::area(p.area)) {
        Ok(Some(a)) => match a.state {
            sendscope_domain::projection::StreamState::Area(s) => {
                format!("{} SEND service", s.name)
            }
            _ => String::new(),
        },
        _ => String::new(),
    }
}

pub(crate) fn open_to_view(store: &dyn Store, who: &Principal, id: &str) -> Option<Projection> {
    let case = CaseId::parse(id).ok()?;
    let p = store.projection(StreamRef::case(case)).ok()??;
    (p.case().is_some() && sendscope_app::access::may_see(who, &p)).then_some(p)
}

/// GET /cases/{id}/letters/new/{kind}: the letter as it would be issued today.
pub async fn preview(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, kind)): Path<(String, String)>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = match open_for_change(store, &who, &id, None) {
            Ok(p) => p,
            Err(r) => return *r,
        };
        let (Some(kind), Some(c)) = (LetterKind::from_slug(&kind), p.case()) else {
            return not_found();
        };
        let d = match draft(kind, c, england_today()) {
            Ok(d) => d,
            Err(e) => {
                return crate::Error::refused(e.to_string())
                    .heading("There is no letter to write yet")
                    .into_response();
            }
        };
        let to = addressees(&p);
        let shown = LetterIssued {
            letter: 0,
            kind,
            on: england_today(),
            to: to.clone(),
            email: None,
            subject: d.subject,
            sections: d.sections,
            drafted: None,
        };
        let body = html! {
            span.govuk-caption-l { "Letter to the family: preview" }
            div.govuk-inset-text { (letter_html(&shown, &area_name(store, &p))) }
            form method="post" action={ "/cases/" (id) "/letters/new/" (kind.slug()) } novalidate {
                (ui::csrf(&who.session.csrf))
                div.govuk-form-group {
                    label.govuk-label for="to" { "Addressed to" }
                    input.govuk-input id="to" name="to" type="text" value=(to);
                }
                div.govuk-form-group {
                    label.govuk-label for="email" { "Email address (optional)" }
                    div.govuk-hint id="email-hint" { "If the family asked for letters by email. Leave it empty to post the letter." }
                    input.govuk-input id="email" name="email" type="email" spellcheck="false" autocomplete="off" aria-describedby="email-hint";
                }
                h2.govuk-heading-m { "Change the words before issuing (optional)" }
                p.govuk-body { "The letter is issued with these words. If you change them, the words as drafted are kept beside the letter on the record." }
                @for (i, sec) in shown.sections.iter().enumerate() {
                    (ui::textarea(
                        &ui::Question { hint: Some("Leave a blank line between paragraphs"), ..ui::Question::new(&format!("section-{i}"), &sec.heading) },
                        "",
                        6,
                        &sec.paragraphs.join("\n\n"),
                    ))
                }
                div.govuk-button-group {
                    (ui::submit("Issue the letter"))
                    (ui::link(&format!("/cases/{id}"), "Cancel"))
                }
            }
        };
        Html(ui::page(kind.title(), body)).into_response()
    })
    .await
}

/// POST /cases/{id}/letters/new/{kind}: issues the letter as drafted now.
pub async fn issue(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, kind)): Path<(String, String)>,
    Form(form): Form<Submitted>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        let field = |k: &str| {
            form.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        if field("csrf") != who.session.csrf {
            return crate::form_expired();
        }
        let p = match open_for_change(store, &who, &id, None) {
            Ok(p) => p,
            Err(r) => return *r,
        };
        let (Some(kind), Some(c)) = (LetterKind::from_slug(&kind), p.case()) else {
            return not_found();
        };
        let today = england_today();
        // No letter of this kind for the case as it stands (say, a plan's letter with no
        // plan): what is missing, not a server error.
        let d = match draft(kind, c, today) {
            Ok(d) => d,
            Err(e) => {
                return crate::Error::refused(e.to_string())
                    .heading("There is no letter to write yet")
                    .into_response();
            }
        };
        let email = Some(field("email")).filter(|e| !e.is_empty());
        // The words as staff changed them, paragraph by paragraph; the draft's where a
        // section was not sent.
        let mut sections = d.sections.clone();
        for (i, sec) in sections.iter_mut().enumerate() {
            let Some((_, words)) = form.iter().find(|(n, _)| *n == format!("section-{i}")) else {
                continue;
            };
            let paragraphs: Vec<String> = words
                .replace("\r\n", "\n")
                .split("\n\n")
                .map(|p| p.trim().to_string())
                .filter(|p| !p.is_empty())
                .collect();
            if paragraphs.is_empty() {
                let m = format!(
                    "The section \"{}\" is empty: write it, or go back to the letter to start again from the words drafted",
                    sec.heading
                );
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Html(ui::page("Error: letter not issued", html! {
                        (ui::error_summary([("back", m.as_str())]))
                        p.govuk-body { a.govuk-link id="back" href={ "/cases/" (id) "/letters/new/" (kind.slug()) } { "Back to the letter" } }
                    })),
                )
                    .into_response();
            }
            sec.paragraphs = paragraphs;
        }
        let drafted = (sections != d.sections).then(|| d.sections.clone());
        let to = Some(field("to")).filter(|t| !t.is_empty()).unwrap_or_else(|| addressees(&p));
        let letter = c.letters.len() as u32 + 1;
        let step = Step::Event(EventBody::LetterIssued(LetterIssued {
            letter,
            kind,
            on: today,
            to,
            email,
            subject: d.subject,
            sections,
            drafted,
        }));
        match record_step(store, &who.principal, who.username.as_str(), &id, step, None) {
            Ok(_) => Redirect::to(&format!("/cases/{id}/letters/{letter}")).into_response(),
            Err(StepError::Refused(m) | StepError::Invalid(m)) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Html(ui::page("Error: letter not issued", html! {
                    (ui::error_summary([("back", m.as_str())]))
                    p.govuk-body {
                        a.govuk-link id="back" href={ "/cases/" (id) "/letters/new/" (kind.slug()) } { "Back to the letter" }
                    }
                })),
            )
                .into_response(),
            Err(StepError::NotFound) => not_found(),
            Err(e) => crate::Error::internal(format!("{e:?}")).into_response(),
        }
    })
    .await
}

/// The issued letter's event, word for word.
pub(crate) fn issued(store: &dyn Store, p: &Projection, n: u32) -> Option<LetterIssued> {
    let events = store.stream_events(p.stream).ok()?;
    events.iter().rev().find_map(|e| match e.body().ok()? {
        Some(EventBody::LetterIssued(l)) if l.letter == n => Some(l),
        _ => None,
    })
}

/// GET /cases/{id}/letters/{n}: the letter as issued, ready to print.
pub async fn show(
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
        let state = p.case().and_then(|c| c.letters.iter().find(|x| x.letter == n));
        let status = match state.and_then(|s| s.sent_on.zip(s.via.clone())) {
            Some((on, via)) => format!("Sent on {} by {via}.", long_date(on)),
            None => "In the outbox: not sent yet.".to_string(),
        };
        let can_change = open_for_change(store, &who, &id, None).is_ok();
        let mark = can_change && state.is_some_and(|s| s.sent_on.is_none());
        let body = html! {
            div."govuk-!-display-none-print" {
                a.govuk-back-link href={ "/cases/" (id) } { "Back to the record" }
                p.govuk-body { "Letter " (n) ". " (status) }
                p.govuk-body {
                    a.govuk-link href={ "/cases/" (id) "/letters/" (n) "/print" } { "Open the letter to print and post" }
                    " · "
                    a.govuk-link href={ "/cases/" (id) "/letters/" (n) ".pdf" } download { "Download it as a PDF" }
                }
                @if mark {
                    form method="post" action={ "/cases/" (id) "/letters/" (n) "/posted" } class="govuk-!-display-none-print" {
                        (ui::csrf(&who.session.csrf))
                        button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button" { "Mark as posted today" }
                    }
                }
            }
            (letter_html(&l, &area_name(store, &p)))
            @if let (true, Some(drafted)) = (can_change, &l.drafted) {
                details.govuk-details."govuk-!-display-none-print" {
                    summary.govuk-details__summary { span.govuk-details__summary-text { "Changed before it was issued: the words as drafted" } }
                    div.govuk-details__text {
                        @for s in drafted {
                            h3.govuk-heading-s { (s.heading) }
                            @for p in &s.paragraphs { p.govuk-body { (p) } }
                        }
                    }
                }
            }
        };
        let mut r = Html(ui::page(&l.subject, body)).into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
        r
    })
    .await
}

/// POST /cases/{id}/letters/{n}/posted: the letter went by post today.
pub async fn posted(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, n)): Path<(String, u32)>,
    Form(form): Form<Submitted>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if !form
            .iter()
            .any(|(k, v)| k == "csrf" && *v == who.session.csrf)
        {
            return crate::Error::form_expired().into_response();
        }
        let step = Step::Event(EventBody::LetterSent(LetterSent {
            letter: n,
            on: england_today(),
            via: "post".into(),
        }));
        match record_step(
            store,
            &who.principal,
            who.username.as_str(),
            &id,
            step,
            None,
        ) {
            Ok(_) | Err(StepError::Refused(_)) => {
                Redirect::to(&format!("/cases/{id}/letters/{n}")).into_response()
            }
            Err(StepError::NotFound) => not_found(),
            Err(StepError::Forbidden) => {
                crate::Error::forbidden("Caseworkers and team managers record casework.")
                    .heading("You cannot record steps on this record")
                    .into_response()
            }
            Err(e) => crate::Error::internal(format!("{e:?}")).into_response(),
        }
    })
    .await
}
