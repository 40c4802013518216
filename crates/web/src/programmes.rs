//! Programmes with deadlines, as pages: aggregates only (no child is named), for every
//! role that sees the area's figures, so a scrutiny board sees a programme falling
//! behind as soon as it does.

use crate::shell::{not_found, with_user};
use crate::{AppState, esc, page};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sendscope_app::programmes::progress_all;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};
use sendscope_domain::programmes::Progress;

fn rate(r: f64) -> String {
    format!("{r:.1} a month")
}

fn render(p: &Progress) -> String {
    let flag = match &p.flag_reason {
        Some(r) => format!(
            "<div class=\"govuk-warning-text\"><span class=\"govuk-warning-text__icon\" aria-hidden=\"true\">!</span>\
             <strong class=\"govuk-warning-text__text\"><span class=\"govuk-visually-hidden\">Warning</span>Behind: {}</strong></div>",
            esc(r)
        ),
        None => "<p><strong class=\"govuk-tag govuk-tag--green\">On track</strong></p>".into(),
    };
    let rows: String = p
        .by_month
        .iter()
        .map(|(m, n)| format!("<tr><td>{m}</td><td class=\"num\">{n}</td></tr>"))
        .collect();
    format!(
        "<h1>{}</h1>{flag}<dl>\
         <dt>Milestone</dt><dd>{}</dd>\
         <dt>Cases</dt><dd>{}</dd>\
         <dt>Done</dt><dd>{} of {}</dd>\
         <dt>Still to do</dt><dd>{}</dd>\
         <dt>Started</dt><dd>{}</dd>\
         <dt>Deadline</dt><dd>{}</dd>\
         <dt>Rate achieved</dt><dd>{}</dd>\
         <dt>Rate needed from today</dt><dd>{}</dd>\
         <dt>Projected completion at the rate achieved</dt><dd>{}</dd>\
         <dt>Flagged when the rate needed exceeds the rate achieved by</dt><dd>a factor of {:.2}</dd></dl>\
         <table><caption>Completions by month</caption><thead><tr><th scope=\"col\">Month</th><th scope=\"col\" class=\"num\">Done</th></tr></thead><tbody>{rows}</tbody></table>",
        esc(&p.name),
        p.milestone.label(),
        p.total,
        p.completed,
        p.total,
        p.remaining,
        long_date(p.start),
        long_date(p.deadline),
        rate(p.actual_rate),
        match p.required_rate {
            Some(r) => rate(r),
            None if p.remaining > 0 =>
                format!("the deadline has passed with {} still to do", p.remaining),
            None => "none: nothing left to do".into(),
        },
        p.projected_completion
            .map(long_date)
            .unwrap_or_else(|| if p.remaining == 0 {
                "done".into()
            } else {
                "none: nothing done yet".into()
            }),
        p.flag_factor,
    )
}

fn allowed(who: &sendscope_domain::access::Principal) -> bool {
    authorise(who, Action::View, Resource::Figures { area: who.area }).allowed()
}

/// GET /programmes
pub async fn list(State(app): State<AppState>, headers: HeaderMap) -> Response {
    with_user(&app, headers, move |store, who| {
        if !allowed(&who.principal) {
            return StatusCode::FORBIDDEN.into_response();
        }
        let all = match progress_all(store, who.principal.area, england_today()) {
            Ok(a) => a,
            Err(e) => return crate::error_page(&e.to_string()),
        };
        let rows: String = all
            .iter()
            .map(|p| {
                let state = if p.flagged {
                    "<strong class=\"govuk-tag govuk-tag--red\">Behind</strong>"
                } else {
                    "<strong class=\"govuk-tag govuk-tag--green\">On track</strong>"
                };
                format!(
                    "<tr><td><a href=\"/programmes/{}\">{}</a></td><td class=\"num\">{} of {}</td><td>{}</td><td>{state}</td></tr>",
                    p.programme,
                    esc(&p.name),
                    p.completed,
                    p.total,
                    long_date(p.deadline)
                )
            })
            .collect();
        let body = if all.is_empty() {
            "<h1>Programmes</h1><p>No programme with a deadline has been set up in this area.</p>".to_string()
        } else {
            format!(
                "<h1>Programmes</h1><p>Sets of cases that must reach a milestone by a date, with the rate achieved and the rate needed.</p>\
                 <table><caption class=\"govuk-visually-hidden\">Programmes</caption><thead><tr><th scope=\"col\">Programme</th><th scope=\"col\" class=\"num\">Done</th><th scope=\"col\">Deadline</th><th scope=\"col\">State</th></tr></thead><tbody>{rows}</tbody></table>"
            )
        };
        Html(page("Programmes", &body)).into_response()
    })
    .await
}

/// GET /programmes/{n}
pub async fn show(State(app): State<AppState>, headers: HeaderMap, Path(n): Path<u32>) -> Response {
    with_user(&app, headers, move |store, who| {
        if !allowed(&who.principal) {
            return StatusCode::FORBIDDEN.into_response();
        }
        match progress_all(store, who.principal.area, england_today()) {
            Ok(all) => match all.iter().find(|p| p.programme == n) {
                Some(p) => Html(page(&p.name, &render(p))).into_response(),
                None => not_found(),
            },
            Err(e) => crate::error_page(&e.to_string()),
        }
    })
    .await
}
