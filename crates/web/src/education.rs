//! `/education`: the registers of children out of full-time education (missing education,
//! those who left that register in the last year with the reason, part-time timetables
//! with their reviews, alternative provision, home education), each child flagged where
//! they have an EHC plan or are awaiting a placement; and the section a child's record
//! shows of it and of their waits. Every child named is a logged view.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, Error, ui};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::education::{Entry, Registers, registers};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::long_date;
use sendscope_domain::ids::CaseId;

fn section(title: &str, entries: &[Entry], empty: &str) -> Markup {
    let columns = [
        ui::col("Child"),
        ui::col("Since"),
        ui::col("What"),
        ui::col("EHC"),
    ];
    html! {
        h2.govuk-heading-m { (title) " (" (entries.len()) ")" }
        @if entries.is_empty() {
            p.govuk-body { (empty) }
        } @else {
            (ui::table_unseen_caption(title, &columns, entries.iter().map(|e| html! {
                (ui::cell(html! { a.govuk-link href={ "/cases/" (e.case) } { (e.child) } }))
                (ui::cell(long_date(e.since)))
                (ui::cell(html! {
                    @if e.overdue { (ui::tag("Review overdue", Some("red"))) " " }
                    (e.detail)
                }))
                (ui::cell(e.flags.join(", ")))
            })))
        }
    }
}

fn page(r: &Registers) -> Markup {
    html! {
        h1.govuk-heading-l { "Children out of full-time education" }
        p.govuk-body {
            "From each child's record, beside their EHC case. A part-time timetable past its review date is on the caseworker's "
            (ui::link("/queue", "work queue")) "."
        }
        (section("Missing education now", &r.missing, "No child is on the register."))
        (section("Left the register in the last year", &r.left, "No child left the register in the last year."))
        (section("Part-time timetables", &r.part_time, "No child is on a part-time timetable."))
        (section("Alternative provision arranged (s.19)", &r.alternative, "None arranged."))
        (section("Elective home education", &r.home_education, "None notified."))
    }
}

fn shown(r: &Registers) -> Vec<CaseId> {
    let mut out: Vec<CaseId> = [
        &r.missing,
        &r.left,
        &r.part_time,
        &r.alternative,
        &r.home_education,
    ]
    .into_iter()
    .flatten()
    .filter_map(|e| CaseId::parse(&e.case).ok())
    .collect();
    out.sort();
    out.dedup();
    out
}

/// GET /education: for those with a work queue (the staff who handle casework).
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Queue { area: p.area }).allowed() {
            return Error::forbidden("The registers are kept by the staff who handle casework.")
                .into_response();
        }
        match registers(store, p) {
            Ok(r) => {
                let mut page =
                    Html(ui::page("Children out of full-time education", page(&r))).into_response();
                page.extensions_mut()
                    .insert(crate::access_log::Shows(shown(&r)));
                page
            }
            Err(e) => Error::internal(e).into_response(),
        }
    })
    .await
}

/// The child's record's section: their education outside a full-time place and their
/// waits for health assessments (nothing when there is none).
pub fn child_section(lines: &[(String, String)]) -> Markup {
    html! {
        @if !lines.is_empty() {
            h2.govuk-heading-m { "Education and health waits" }
            (ui::summary_list(lines.iter().map(|(k, v)| (k.as_str(), v.as_str()))))
        }
    }
}
