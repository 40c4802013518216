//! The compliance report: every finding of the approval gates (domain::compliance),
//! the date it began, whether it is still open, and every override with who made it and
//! why. One report, three faces: the `/compliance` page, and `sendscope compliance
//! report --format html|csv|json`. Board members see it without case references.

use crate::shell::with_user;
use crate::{AppState, esc, page};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sendscope_app::compliance::{Report, report};
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::calendar::{england_today, long_date};

/// The report as HTML tables (the page's body, and `--format html` in a GOV.UK page).
pub fn html(r: &Report) -> String {
    let open = r.findings.iter().filter(|f| f.open).count();
    let rows: String = r
        .findings
        .iter()
        .map(|f| {
            let state = if f.open {
                "<strong class=\"govuk-tag govuk-tag--red\">Open</strong>"
            } else {
                "<strong class=\"govuk-tag govuk-tag--grey\">Closed</strong>"
            };
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{state}</td></tr>",
                long_date(f.began_on),
                esc(f.what),
                esc(&f.school),
                esc(&f.provision),
                esc(f.case.as_deref().unwrap_or("")),
            )
        })
        .collect();
    let overrides: String = r
        .overrides
        .iter()
        .map(|o| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                long_date(o.on),
                esc(&o.school),
                esc(&o.provision),
                esc(&o.by),
                esc(&o.reason),
                esc(o.case.as_deref().unwrap_or(""))
            )
        })
        .collect();
    format!(
        "<h1>Compliance report</h1><p>Steps taken before the approvals they depend on, as of {}: {} findings, {open} still open; {} overrides.</p>\
         <table><caption>Findings</caption><thead><tr><th scope=\"col\">Began</th><th scope=\"col\">Finding</th><th scope=\"col\">School</th>\
         <th scope=\"col\">Provision</th><th scope=\"col\">Case</th><th scope=\"col\">State</th></tr></thead><tbody>{rows}</tbody></table>\
         <table><caption>Overrides</caption><thead><tr><th scope=\"col\">Date</th><th scope=\"col\">School</th><th scope=\"col\">Provision</th>\
         <th scope=\"col\">By</th><th scope=\"col\">Reason</th><th scope=\"col\">Case</th></tr></thead><tbody>{overrides}</tbody></table>",
        long_date(r.today),
        r.findings.len(),
        r.overrides.len()
    )
}

/// The page wrapped as a whole document, for `--format html`.
pub fn html_page(r: &Report) -> String {
    page("Compliance report", &html(r))
}

/// GET /compliance: for those who see the area's figures; case references only for
/// roles that see children's records.
pub async fn show(State(app): State<AppState>, headers: HeaderMap) -> Response {
    with_user(&app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return StatusCode::FORBIDDEN.into_response();
        }
        let with_cases = matches!(p.role, Role::TeamManager | Role::Commissioner);
        match report(store, p.area, england_today(), with_cases) {
            Ok(r) => Html(page("Compliance report", &html(&r))).into_response(),
            Err(e) => crate::error_page(&e.to_string()),
        }
    })
    .await
}
