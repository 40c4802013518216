//! The compliance report: every finding of the approval gates (domain::compliance),
//! the date it began, whether it is still open, and every override with who made it and
//! why. One report, three faces: the `/compliance` page, and `sendscope compliance
//! report --format html|csv|json`. Board members see it without case references.

use crate::auth::Visitor;
use crate::shell::with_user;
use crate::{AppState, ui};
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use sendscope_app::compliance::{Report, report};
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::calendar::{england_today, long_date};

/// What the report is narrowed to: a school, a provision, a child (identifiers from the
/// query string; empty for all).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Filter {
    #[serde(default)]
    pub school: String,
    #[serde(default)]
    pub provision: String,
    #[serde(default)]
    pub child: String,
}

impl Filter {
    fn keeps(&self, school: Option<String>, provision: String, child: Option<String>) -> bool {
        (self.school.is_empty() || school.as_deref() == Some(self.school.as_str()))
            && (self.provision.is_empty() || provision == self.provision)
            && (self.child.is_empty() || child.as_deref() == Some(self.child.as_str()))
    }

    /// Keeps only the findings and overrides that match.
    pub fn apply(&self, r: &mut Report) {
        r.findings.retain(|f| {
            self.keeps(
                Some(f.setting_id.to_string()),
                f.provision_id.map(|p| p.to_string()).unwrap_or_default(),
                f.case_id.map(|c| c.to_string()),
            )
        });
        r.overrides.retain(|o| {
            self.keeps(
                o.setting_id.map(|s| s.to_string()),
                o.provision_id.to_string(),
                o.case_id.map(|c| c.to_string()),
            )
        });
    }
}

/// The choices for the filter: every school, provision and child the report names.
fn filter_form(r: &Report, f: &Filter) -> Markup {
    let mut schools: Vec<(String, String)> = Vec::new();
    let mut provisions: Vec<(String, String)> = Vec::new();
    let mut children: Vec<(String, String)> = Vec::new();
    let add = |list: &mut Vec<(String, String)>, v: String, l: &str| {
        if !v.is_empty() && !list.iter().any(|(x, _)| *x == v) {
            list.push((v, l.to_string()));
        }
    };
    for x in &r.findings {
        add(&mut schools, x.setting_id.to_string(), &x.school);
        if let Some(p) = x.provision_id {
            add(&mut provisions, p.to_string(), &x.provision);
        }
        if let (Some(c), Some(n)) = (x.case_id, &x.child) {
            add(&mut children, c.to_string(), n);
        }
    }
    for o in &r.overrides {
        if let Some(s) = o.setting_id {
            add(&mut schools, s.to_string(), &o.school);
        }
        add(&mut provisions, o.provision_id.to_string(), &o.provision);
        if let (Some(c), Some(n)) = (o.case_id, &o.child) {
            add(&mut children, c.to_string(), n);
        }
    }
    for l in [&mut schools, &mut provisions, &mut children] {
        l.sort_by(|a, b| a.1.cmp(&b.1));
    }
    html! {
        form.govuk-form-group method="get" action="/compliance" {
            h2.govuk-heading-m { "Narrow the report" }
            (ui::select("school", "School", &schools, "All schools", &f.school))
            (ui::select("provision", "Provision", &provisions, "All provisions", &f.provision))
            @if !children.is_empty() {
                (ui::select("child", "Child", &children, "All children", &f.child))
            }
            button.govuk-button.govuk-button--secondary type="submit" data-module="govuk-button" { "Show findings" }
            " "
            @if !(f.school.is_empty() && f.provision.is_empty() && f.child.is_empty()) {
                (ui::link("/compliance", "Show everything"))
            }
        }
    }
}

/// A school, provision or child as a link to their page (a child only by name, for
/// those who may see them).
fn school_cell(id: Option<sendscope_domain::ids::SettingId>, name: &str) -> Markup {
    match id {
        Some(id) => ui::link(&format!("/settings/{id}"), name),
        None => html! { (name) },
    }
}

fn child_cell(case: Option<sendscope_domain::ids::CaseId>, name: Option<&String>) -> Markup {
    match (case, name) {
        (Some(c), Some(n)) => ui::link(&format!("/cases/{c}"), n),
        (Some(c), None) => html! { (c.to_string()) },
        _ => html! {},
    }
}

/// The report as HTML tables (the page's body, and `--format html` in a GOV.UK page).
pub fn html(r: &Report) -> Markup {
    html_filtered(r, None)
}

/// The report, with the filter form above it when given (the page; not the export).
fn html_filtered(r: &Report, form: Option<Markup>) -> Markup {
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
            (ui::cell(school_cell(Some(f.setting_id), &f.school)))
            (ui::cell(match f.provision_id {
                Some(p) => ui::link(&format!("/provisions/{p}"), &f.provision),
                None => html! { (f.provision) },
            }))
            (ui::cell(child_cell(f.case_id, f.child.as_ref())))
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
            (ui::cell(school_cell(o.setting_id, &o.school)))
            (ui::cell(ui::link(&format!("/provisions/{}", o.provision_id), &o.provision)))
            (ui::cell(&o.by))
            @if reasons { (ui::cell(&o.reason)) }
            (ui::cell(child_cell(o.case_id, o.child.as_ref())))
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
    override_columns.push(ui::col("Child"));
    html! {
        h1.govuk-heading-l { "Compliance report" }
        p.govuk-body {
            "Steps taken before the approvals they depend on, as of " (long_date(r.today)) ": "
            (r.findings.len()) " findings, " (open) " still open; " (r.overrides.len()) " overrides."
        }
        @if let Some(f) = form { (f) }
        (ui::table("Findings", &[ui::col("Began"), ui::col("Finding"), ui::col("School"),
            ui::col("Provision"), ui::col("Child"), ui::col("State")], findings))
        (ui::table("Overrides", &override_columns, overrides))
    }
}

/// The page wrapped as a whole document, for `--format html`.
pub fn html_page(r: &Report) -> String {
    ui::page("Compliance report", html(r))
}

/// GET /compliance: for those who see the area's figures; case references only for
/// roles that see children's records.
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(filter): Query<Filter>,
) -> Response {
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
                // The choices are the whole report's; the tables what the filter keeps.
                let form = filter_form(&r, &filter);
                filter.apply(&mut r);
                let shown: Vec<_> = r
                    .findings
                    .iter()
                    .filter_map(|f| f.case_id.filter(|_| f.child.is_some()))
                    .chain(
                        r.overrides
                            .iter()
                            .filter_map(|o| o.case_id.filter(|_| o.child.is_some())),
                    )
                    .collect();
                let body = html_filtered(&r, Some(form));
                let mut page = Html(ui::page("Compliance report", body)).into_response();
                page.extensions_mut()
                    .insert(crate::access_log::Shows(shown));
                page
            }
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}
