//! `/admin`: an administrator sets up their area on the pages, as the command line does:
//! the council's teams, its staff, and accounts (each linked to what its role is scoped
//! by, chosen from lists or named as a person names them); an account disabled or given
//! a new password. Every change is an event, through `app::setup` and `app::accounts`.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{with_form, with_user};
use crate::steps::{Submitted, value};
use crate::{AppState, ui};
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_app::accounts::{self, LinkNames};
use sendscope_app::setup;
use sendscope_domain::access::{Action, Resource, Role, authorise};
use sendscope_domain::account::{Username, check_password_strength};
use sendscope_domain::event::{OrganisationKind, StaffJob};
use sendscope_store::Store;
use std::collections::HashMap;

const JOBS: &[(&str, &str)] = &[
    ("caseworker", "Caseworker"),
    ("team_manager", "Team manager"),
    ("commissioner", "Commissioner"),
    ("health_professional", "Health professional"),
    ("senco", "SENCO"),
    ("educational_psychologist", "Educational psychologist"),
    ("administrator", "Administrator"),
];

/// The organisations an administrator registers (the council comes with the area,
/// schools from GIAS).
const KINDS: &[(&str, OrganisationKind)] = &[
    (
        "integrated_care_board",
        OrganisationKind::IntegratedCareBoard,
    ),
    ("health_service", OrganisationKind::HealthService),
    ("other", OrganisationKind::Other),
];

fn kind_label(k: OrganisationKind) -> &'static str {
    match k {
        OrganisationKind::Council => "council",
        OrganisationKind::IntegratedCareBoard => "NHS integrated care board",
        OrganisationKind::HealthService => "NHS trust or health service",
        OrganisationKind::School => "school",
        OrganisationKind::Other => "other provider",
    }
}

/// The "move to" choice that records a leaver.
const LEFT: &str = "left";

fn job_label(job: StaffJob) -> &'static str {
    let code = serde_json::to_value(job).ok();
    JOBS.iter()
        .find(|(j, _)| code.as_ref().and_then(|c| c.as_str()) == Some(*j))
        .map(|(_, l)| *l)
        .unwrap_or("")
}

fn role_label(r: Role) -> String {
    ui::sentence(&r.as_str().replace('_', " "))
}

fn may_administer(who: &SignedIn) -> Result<(), crate::Error> {
    let p = &who.principal;
    if authorise(p, Action::Change, Resource::Accounts { area: p.area }).allowed() {
        Ok(())
    } else {
        Err(crate::Error::forbidden(
            "Only administrators set up teams, staff and accounts.",
        ))
    }
}

/// What a set-up form got wrong: the field and what to do.
type Problems = Vec<(&'static str, String)>;

fn render(
    store: &dyn Store,
    who: &SignedIn,
    form: &Submitted,
    problems: &Problems,
    done: Option<&str>,
) -> Result<Markup, crate::Error> {
    let area = who.principal.area;
    let teams = setup::teams(store, area).map_err(crate::Error::internal)?;
    let staff = setup::staff(store, area).map_err(crate::Error::internal)?;
    let organisations = setup::organisations(store, area).map_err(crate::Error::internal)?;
    let kinds: Vec<(String, String)> = KINDS
        .iter()
        .map(|(c, k)| (c.to_string(), kind_label(*k).to_string()))
        .collect();
    let accounts = accounts::list(store, area).map_err(crate::Error::internal)?;
    let p = ui::Problems(problems);
    let q = |name: &'static str, label: &'static str| p.question(name, label);
    let v = |k: &str| value(form, k);
    let team_options: Vec<(String, String)> =
        teams.iter().map(|(_, n)| (n.clone(), n.clone())).collect();
    let staff_options: Vec<(String, String)> = staff
        .iter()
        .filter(|s| s.left_on.is_none())
        .map(|s| {
            (
                s.staff.to_string(),
                format!("{} ({})", s.name, s.team.as_deref().unwrap_or("no team")),
            )
        })
        .collect();
    let mut leave_or_teams = team_options.clone();
    leave_or_teams.push((LEFT.into(), "Has left the council".into()));
    let roles: Vec<(String, String)> = Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), role_label(*r)))
        .collect();
    let jobs: Vec<(String, String)> = JOBS
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    Ok(html! {
        (p.summary())
        @if let Some(d) = done {
            (ui::notification_banner("Done", html! { p.govuk-notification-banner__heading { (d) } }, true))
        }
        h1.govuk-heading-l { "Set-up and accounts" }
        p.govuk-body { "Every change here is recorded with who made it and when." }

        h2.govuk-heading-m id="teams-heading" { "Teams" }
        @if teams.is_empty() {
            p.govuk-body { "The council has no teams yet. Add the first below." }
        } @else {
            ul.govuk-list.govuk-list--bullet { @for (_, n) in &teams { li { (n) } } }
        }
        form method="post" action="/admin/teams" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::text_input(&q("team_name", "New team's name"), "", ui::Width::Half, v("team_name")))
            (ui::submit("Add the team"))
        }

        h2.govuk-heading-m id="organisations-heading" { "Organisations" }
        p.govuk-body { "The council is registered with the area, and schools and colleges come from GIAS. Register the NHS and other organisations that work with the area's children." }
        @if !organisations.is_empty() {
            ul.govuk-list.govuk-list--bullet {
                @for (kind, name) in &organisations { li { (name) " (" (kind_label(*kind)) ")" } }
            }
        }
        form method="post" action="/admin/organisations" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::select_question(&q("organisation_kind", "Kind of organisation"), &kinds, Some("Choose"), v("organisation_kind")))
            (ui::text_input(&q("organisation_name", "Name"), "", ui::Width::Half, v("organisation_name")))
            (ui::submit("Register the organisation"))
        }

        h2.govuk-heading-m id="staff-heading" { "Staff" }
        @if !staff.is_empty() {
            (ui::table(
                "The council's staff",
                &[ui::col("Name"), ui::col("Team"), ui::col("Job"), ui::col("In post")],
                staff.iter().map(|s| html! {
                    (ui::cell(&s.name))
                    (ui::cell(s.team.as_deref().unwrap_or("None")))
                    (ui::cell(job_label(s.job)))
                    (ui::cell(match s.left_on { Some(d) => format!("Left {}", sendscope_domain::calendar::long_date(d)), None => "Yes".into() }))
                }),
            ))
        }
        form method="post" action="/admin/staff" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::text_input(&q("staff_name", "Full name"), "", ui::Width::Half, v("staff_name")))
            (ui::select_question(&q("staff_team", "Team"), &team_options, Some("Choose a team"), v("staff_team")))
            (ui::select_question(&q("staff_job", "Job"), &jobs, None, if v("staff_job").is_empty() { "caseworker" } else { v("staff_job") }))
            (ui::submit("Add the member of staff"))
        }

        @if !staff_options.is_empty() {
            h3.govuk-heading-s { "Move a member of staff, or record a leaver" }
            form method="post" action="/admin/staff/change" novalidate {
                (ui::csrf(&who.session.csrf))
                (ui::select_question(&q("change_staff", "Member of staff"), &staff_options, Some("Choose"), v("change_staff")))
                (ui::select_question(&p.hinted("change_to", "Move to", "Their children stay with them until a manager moves them"), &leave_or_teams, Some("Choose"), v("change_to")))
                (ui::submit("Save the change"))
            }
            h3.govuk-heading-s { "Contact details, as letters give them" }
            form method="post" action="/admin/staff/contact" novalidate {
                (ui::csrf(&who.session.csrf))
                (ui::select_question(&q("contact_staff", "Member of staff"), &staff_options, Some("Choose"), v("contact_staff")))
                (ui::text_input(&p.hinted("contact_email", "Email address", "For example, name@council.gov.uk"), " (optional)", ui::Width::Half, v("contact_email")))
                (ui::text_input(&p.hinted("contact_phone", "Telephone number", "For example, 01332 640000"), " (optional)", ui::Width::Half, v("contact_phone")))
                (ui::submit("Save the contact details"))
            }
        }
        h2.govuk-heading-m id="accounts-heading" { "Accounts" }
        @if !accounts.is_empty() {
            (ui::table(
                "Accounts in this area",
                &[ui::col("Username"), ui::col("Role"), ui::col("Status"), ui::col("Action")],
                accounts.iter().map(|a| html! {
                    (ui::cell(&a.username))
                    (ui::cell(role_label(a.role)))
                    (ui::cell(match a.disabled_on { Some(d) => format!("Disabled {}", sendscope_domain::calendar::long_date(d)), None => "Active".into() }))
                    (ui::cell(html! {
                        @if a.disabled_on.is_none() && a.username != who.username.as_str() {
                            form method="post" action={ "/admin/accounts/" (a.username) "/disable" } {
                                (ui::csrf(&who.session.csrf))
                                button type="submit" class="govuk-button govuk-button--warning govuk-!-margin-bottom-0" data-module="govuk-button" {
                                    "Disable" span.govuk-visually-hidden { " " (a.username) }
                                }
                            }
                        }
                    }))
                }),
            ))
        }
        h3.govuk-heading-s { "Add an account" }
        form method="post" action="/admin/accounts" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::text_input(&p.hinted("username", "Username", "Lower-case letters, digits, dots and hyphens, like zali"), "", ui::Width::Half, v("username")))
            (ui::select_question(&q("role", "Role"), &roles, Some("Choose a role"), v("role")))
            (ui::select_question(&p.hinted("staff", "Member of staff", "For council staff: caseworkers, team managers, commissioners"), &staff_options, Some("Not a member of staff"), v("staff")))
            (ui::text_input(&p.hinted("setting", "School's URN", "For a school's account: the school's URN"), " (optional)", ui::Width::Half, v("setting")))
            (ui::text_input(&p.hinted("child", "Child's record", "For a parent carer or a young person: the reference on the child's record, or their UPN"), " (optional)", ui::Width::Half, v("child")))
            (ui::text_input(&p.hinted("person", "Parent or carer's name", "For a parent carer: their name as it is recorded on the child's record"), " (optional)", ui::Width::Half, v("person")))
            (ui::password_input(&p.hinted("password", "Password", "At least 12 characters. Give it to the person safely; they can change it once signed in.")))
            (ui::submit("Create the account"))
        }
    })
}

/// GET /admin
pub async fn show(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_user(&app, visitor, move |store, who| {
        if let Err(e) = may_administer(&who) {
            return e.into_response();
        }
        let done = params.get("done").map(|d| match d.as_str() {
            "team" => "The team is added.",
            "staff" => "The member of staff is added.",
            "account" => "The account is created.",
            "staff-contact" => "The contact details are saved.",
            "disabled" => {
                "The account is disabled: it can no longer sign in or use its API tokens."
            }
            _ => "Saved.",
        });
        match render(store, &who, &Vec::new(), &Vec::new(), done) {
            Ok(body) => Html(ui::page("Set-up and accounts", body)).into_response(),
            Err(e) => e.into_response(),
        }
    })
    .await
}

/// Runs one set-up change for an administrator: the page again with the problems, or
/// back to `/admin` saying what was done.
async fn change(
    app: &AppState,
    visitor: Visitor,
    form: Submitted,
    done: &'static str,
    f: impl FnOnce(&dyn Store, &SignedIn, &Submitted) -> Result<(), Problems> + Send + 'static,
) -> Response {
    with_form(app, visitor, form, move |store, who, form| {
        if let Err(e) = may_administer(&who) {
            return e.into_response();
        }
        match f(store, &who, &form) {
            Ok(()) => Redirect::to(&format!("/admin?done={done}")).into_response(),
            Err(problems) => match render(store, &who, &form, &problems, None) {
                Ok(body) => (
                    StatusCode::BAD_REQUEST,
                    Html(ui::page("Error: Set-up and accounts", body)),
                )
                    .into_response(),
                Err(e) => e.into_response(),
            },
        }
    })
    .await
}

fn problem(field: &'static str, e: impl std::fmt::Display) -> Problems {
    let m = e.to_string();
    let mut c = m.chars();
    let m = c
        .next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default();
    vec![(field, m)]
}

fn actor(who: &SignedIn) -> String {
    format!("user:{}", who.username.as_str())
}

/// POST /admin/teams
pub async fn add_team(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "team", |store, who, form| {
        let name = value(form, "team_name");
        if name.is_empty() {
            return Err(problem("team_name", "Enter the team's name"));
        }
        setup::add_team(store, who.principal.area, name, &actor(who))
            .map(|_| ())
            .map_err(|e| problem("team_name", e))
    })
    .await
}

/// POST /admin/staff
pub async fn add_staff(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "staff", |store, who, form| {
        let mut problems = Problems::new();
        let name = value(form, "staff_name");
        if name.is_empty() {
            problems.push(("staff_name", "Enter the member of staff's full name".into()));
        }
        let team = value(form, "staff_team");
        if team.is_empty() {
            problems.push(("staff_team", "Choose their team".into()));
        }
        let job: Option<StaffJob> =
            serde_json::from_value(serde_json::Value::String(value(form, "staff_job").into())).ok();
        if job.is_none() {
            problems.push(("staff_job", "Choose their job".into()));
        }
        match (problems.is_empty(), job) {
            (true, Some(job)) => {
                setup::add_staff(store, who.principal.area, team, name, job, &actor(who))
                    .map(|_| ())
                    .map_err(|e| problem("staff_name", e))
            }
            _ => Err(problems),
        }
    })
    .await
}

/// POST /admin/organisations
pub async fn add_organisation(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "organisation", |store, who, form| {
        let kind = KINDS
            .iter()
            .find(|(c, _)| *c == value(form, "organisation_kind"))
            .map(|(_, k)| *k);
        let Some(kind) = kind else {
            return Err(problem(
                "organisation_kind",
                "Choose the kind of organisation",
            ));
        };
        let name = value(form, "organisation_name");
        if name.is_empty() {
            return Err(problem(
                "organisation_name",
                "Enter the organisation's name",
            ));
        }
        setup::add_organisation(store, who.principal.area, kind, name, &actor(who))
            .map(|_| ())
            .map_err(|e| problem("organisation_name", e))
    })
    .await
}

/// POST /admin/staff/change: moves a member of staff to another team, or records that
/// they have left.
pub async fn change_staff(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "staff-changed", |store, who, form| {
        let (staff, to) = (value(form, "change_staff"), value(form, "change_to"));
        let mut problems = Problems::new();
        if staff.is_empty() {
            problems.push(("change_staff", "Choose the member of staff".into()));
        }
        if to.is_empty() {
            problems.push((
                "change_to",
                "Choose their new team, or that they have left".into(),
            ));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        let area = who.principal.area;
        let done = if to == LEFT {
            setup::staff_left(store, area, staff, &actor(who))
        } else {
            setup::move_staff(store, area, staff, to, &actor(who))
        };
        done.map_err(|e| problem("change_to", e))
    })
    .await
}

/// POST /admin/staff/contact: how a member of staff is reached, as letters give it.
pub async fn staff_contact(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "staff-contact", |store, who, form| {
        let staff = value(form, "contact_staff");
        if staff.is_empty() {
            return Err(problem("contact_staff", "Choose the member of staff"));
        }
        let given = |k: &str| Some(value(form, k).to_string()).filter(|x| !x.is_empty());
        let contact = sendscope_domain::event::StaffContact {
            email: given("contact_email"),
            phone: given("contact_phone"),
        };
        if let Err(e) = contact.check() {
            let field = if e.contains("is not a telephone") {
                "contact_phone"
            } else {
                "contact_email"
            };
            return Err(problem(field, e));
        }
        setup::record_staff_contact(store, who.principal.area, staff, contact, &actor(who))
            .map_err(|e| problem("contact_staff", e))
    })
    .await
}

/// POST /admin/accounts
pub async fn add_account(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "account", |store, who, form| {
        let mut problems = Problems::new();
        let username = Username::parse(value(form, "username"));
        if let Err(e) = &username {
            problems.push(("username", format!("Enter a username: {e}")));
        }
        let role = Role::parse(value(form, "role"));
        if role.is_none() {
            problems.push(("role", "Choose the account's role".into()));
        }
        let password = value(form, "password");
        if let Err(e) = check_password_strength(password) {
            problems.push(("password", problem("password", e).remove(0).1));
        }
        let given = |k: &str| Some(value(form, k).to_string()).filter(|v| !v.is_empty());
        let area = who.principal.area;
        let links = accounts::links_by_name(
            store,
            area,
            &LinkNames {
                staff: given("staff"),
                team: None,
                setting: given("setting"),
                child: given("child"),
                person: given("person"),
            },
        );
        let links = match links {
            Ok(l) => Some(l),
            Err(e) => {
                let field = match &e {
                    sendscope_app::setup::SetupError::NotFound(m)
                    | sendscope_app::setup::SetupError::Invalid(m)
                        if m.contains("URN") =>
                    {
                        "setting"
                    }
                    _ if given("person").is_some() => "person",
                    _ => "child",
                };
                problems.push((field, problem(field, e).remove(0).1));
                None
            }
        };
        match (username, role, links) {
            (Ok(u), Some(r), Some(l)) if problems.is_empty() => {
                accounts::add_account(store, area, &u, r, l, password, &actor(who))
                    .map(|_| ())
                    .map_err(|e| problem("role", e))
            }
            _ => Err(problems),
        }
    })
    .await
}

/// POST /admin/accounts/{username}/disable
pub async fn disable(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(username): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    change(&app, visitor, form, "disabled", move |store, who, _| {
        let name = Username::parse(&username).map_err(|e| problem("username", e))?;
        if name == who.username {
            return Err(problem("username", "You cannot disable your own account"));
        }
        accounts::disable(store, &name, &actor(who)).map_err(|e| problem("username", e))
    })
    .await
}
