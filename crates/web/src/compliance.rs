//! The compliance report: every finding of the approval gates (domain::compliance),
//! the date it began, whether it is still open, and every override with who made it and
//! why. One report, three faces: the `/compliance` page, and `sendscope compliance
//! report --format html|csv|json`. Board members see it without case references.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, ui};
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::compliance::{Report, report};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};

/// The report as HTML tables (the page's body, and `--format html` in a GOV.UK page).
pub fn html(r: &Report) -> Markup {
    let open = r.findings.iter().filter(|f| f.open).count();
    let findings = r.findings.iter().map(|f| {
        let state = if f.open {
            ui::tag("Open", Some("red"))
        } else {
            ui::tag("Closed", Some("grey"))
        };
        html! {
            (ui::cell(long_date(f.began_on)))
            (ui::cell(f.what))
            (ui::cell(&f.school))
            (ui::cell(&f.provision))
            (ui::cell(f.case.as_deref().unwrap_or("")))
            (ui::cell(state))
        }
    });
    // Why a manager overrode a gate is written by staff for staff: a report given to
    // anyone else comes with the reasons taken out, and then has no such column.
    let reasons = r.overrides.iter().any(|o| !o.reason.is_empty());
    let overrides = r.overrides.iter().map(|o| {
        html! {
            (ui::cell(html! {
                (long_date(o.on))
                @if let Some(m) = o.made_on { br; span.govuk-body-s { "Overridden on " (long_date(m)) } }
            }))
            (ui::cell(o.step.as_deref().unwrap_or("A step")))
            (ui::cell(&o.school))
            (ui::cell(&o.provision))
            (ui::cell(&o.by))
            @if reasons { (ui::cell(&o.reason)) }
            (ui::cell(o.case.as_deref().unwrap_or("")))
        }
    });
    let mut override_columns = vec![
        ui::col("Date"),
        ui::col("Step let through"),
        ui::col("School"),
        ui::col("Provision"),
        ui::col("By"),
    ];
    if reasons {
        override_columns.push(ui::col("Reason"));
    }
    override_columns.push(ui::col("Case"));
    html! {
        h1.govuk-heading-l { "Compliance report" }
        p.govuk-body {
            "Steps taken before the approvals they depend on, as of " (long_date(r.today)) ": "
            (r.findings.len()) " findings, " (open) " still open; " (r.overrides.len()) " overrides."
        }
        (ui::table("Findings", &[ui::col("Began"), ui::col("Finding"), ui::col("School"),
            ui::col("Provision"), ui::col("Case"), ui::col("State")], findings))
        (ui::table("Overrides", &override_columns, overrides))
    }
}

/// The page wrapped as a whole document, for `--format html`.
pub fn html_page(r: &Report) -> String {
    ui::page("Compliance report", html(r))
}

/// GET /compliance: for those who see the area's figures; case references only for
/// roles that see children's records.
pub async fn show(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let with_cases =
            authorise(p, Action::View, Resource::FindingCases { area: p.area }).allowed();
        // The council's and the partnership's people read the reasons (the board holds
        // them to account for every override); families and schools the rest.
        use sendscope_domain::access::Role;
        let staff = !matches!(p.role, Role::ParentCarer | Role::YoungPerson | Role::School);
        match report(store, p.area, england_today(), with_cases) {
            Ok(mut r) => {
                if !staff {
                    for o in &mut r.overrides {
                        o.reason.clear();
                    }
                }
                Html(html_page(&r)).into_response()
            }
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}
