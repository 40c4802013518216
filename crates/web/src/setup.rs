//! `/setup/{secret}`: the one-time set-up page of an empty database. `sendscope serve`
//! prints its link when the database holds no local area; the first administrator names
//! the area by its LA code and makes their own account, then signs in and sets up teams,
//! staff and accounts on `/admin`. The link works once.

use crate::steps::{Submitted, raw_value, value};
use crate::{AppState, ui};
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_domain::account::Username;

const TITLE: &str = "Set up your local area";

/// Whether `token` is the set-up link's secret, still unused.
fn current(app: &AppState, token: &str) -> bool {
    app.setup_token
        .lock()
        .map(|t| {
            t.as_deref()
                .is_some_and(|t| !token.is_empty() && t == token)
        })
        .unwrap_or(false)
}

fn gone() -> Response {
    crate::Error::not_found(
        "This set-up link has been used, or the server has restarted. If the database holds your area, sign in; if not, restart `sendscope serve` for a new link.",
    )
    .into_response()
}

fn render(token: &str, form: &Submitted, problems: &[(&'static str, String)]) -> Markup {
    let p = ui::Problems(problems);
    html! {
        (p.summary())
        h1.govuk-heading-l { (TITLE) }
        p.govuk-body { "This database is empty. Name your local area and make the first administrator's account. \
            You will then sign in and add your teams, staff and their accounts." }
        form method="post" action={ "/setup/" (token) } novalidate {
            (ui::text_input(&p.hinted("la_code", "LA code", "The DfE's three-digit code for the local authority: Derby is 831, Derbyshire 830"), "", ui::Width::Number, value(form, "la_code")))
            (ui::text_input(&p.hinted("area_name", "Name of the local area", "Leave blank to use the local authority's name"), " (optional)", ui::Width::Half, value(form, "area_name")))
            (ui::text_input(&p.hinted("username", "Your username", "Lower-case letters, digits, dots and hyphens, like admin or jsmith"), "", ui::Width::Half, value(form, "username")))
            (ui::password_input(&p.hinted("password", "Your password", "At least 12 characters")))
            (ui::password_input(&p.question("confirm", "Your password again")))
            (ui::submit("Set up the area"))
        }
    }
}

/// GET /setup/{token}
pub async fn form(State(app): State<AppState>, Path(token): Path<String>) -> Response {
    if !current(&app, &token) {
        return gone();
    }
    Html(ui::page(TITLE, render(&token, &Vec::new(), &[]))).into_response()
}

/// POST /setup/{token}
pub async fn submit(
    State(app): State<AppState>,
    Path(token): Path<String>,
    Form(form): Form<Submitted>,
) -> Response {
    if !current(&app, &token) {
        return gone();
    }
    let raw = |k: &str| raw_value(&form, k).to_string();
    let mut problems: Vec<(&'static str, String)> = Vec::new();
    let username = Username::parse(value(&form, "username"));
    if let Err(e) = &username {
        problems.push(("username", format!("Enter a username: {e}")));
    }
    if raw("password") != raw("confirm") {
        problems.push((
            "confirm",
            "The two passwords are not the same: enter them again".into(),
        ));
    }
    let store = app.store.clone();
    let (la, name, password) = (
        value(&form, "la_code").to_string(),
        value(&form, "area_name").to_string(),
        raw("password"),
    );
    let made = match (problems.is_empty(), username) {
        (true, Ok(u)) => app
            .blocking(move || {
                let name = Some(name.as_str()).filter(|n| !n.is_empty());
                sendscope_app::setup::first_area_and_admin(store.as_ref(), &la, name, &u, &password)
            })
            .await
            .map_err(crate::Error::internal),
        _ => Ok(Err(
            sendscope_app::setup::SetupError::Invalid(String::new()),
        )),
    };
    match made {
        Ok(Ok(_)) => {
            if let Ok(mut t) = app.setup_token.lock() {
                *t = None;
            }
            Redirect::to("/sign-in?setup=done").into_response()
        }
        Ok(Err(e)) => {
            if problems.is_empty() {
                let m = e.to_string();
                let field = if m.contains("password") {
                    "password"
                } else if m.contains("account") || m.contains("username") {
                    "username"
                } else {
                    "la_code"
                };
                let mut c = m.chars();
                problems.push((
                    field,
                    c.next()
                        .map(|f| f.to_uppercase().chain(c).collect())
                        .unwrap_or_default(),
                ));
            }
            (
                StatusCode::BAD_REQUEST,
                Html(ui::page(
                    &format!("Error: {TITLE}"),
                    render(&token, &form, &problems),
                )),
            )
                .into_response()
        }
        Err(e) => e.into_response(),
    }
}
