//! `/account/password`: anyone signed in changes their own password, giving their current
//! one first. The change is an event on their account; every session of the account ends,
//! this one too, and they sign in again with the new password.

use crate::auth::{SignedIn, Visitor};
use crate::shell::{with_form, with_user};
use crate::steps::{Submitted, raw_value};
use crate::{AppState, ui};
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_domain::account::{check_password_strength, verify_password};

const TITLE: &str = "Change your password";

fn render(who: &SignedIn, problems: &[(&'static str, String)]) -> Markup {
    let p = ui::Problems(problems);
    html! {
        (p.summary())
        h1.govuk-heading-l { (TITLE) }
        p.govuk-body { "After you change it you will be signed out everywhere, and sign in again with the new password." }
        form method="post" action="/account/password" novalidate {
            (ui::csrf(&who.session.csrf))
            (ui::password_input(&p.question("current", "Your current password")))
            (ui::password_input(&p.hinted("new", "New password", "At least 12 characters. A few unrelated words make a good one.")))
            (ui::password_input(&p.question("confirm", "New password again")))
            (ui::submit("Change your password"))
        }
    }
}

/// GET /account/password
pub async fn form(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_user(&app, visitor, |_, who| {
        Html(ui::page(TITLE, render(&who, &[]))).into_response()
    })
    .await
}

/// POST /account/password
pub async fn submit(
    State(app): State<AppState>,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    with_form(&app, visitor, form, move |store, who, form| {
        let mut problems: Vec<(&'static str, String)> = Vec::new();
        let creds = match store.credentials(&who.username) {
            Ok(Some(c)) => c,
            Ok(None) => return Redirect::to("/sign-in").into_response(),
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let raw = |k: &str| raw_value(&form, k);
        if !verify_password(raw("current"), &creds.password_hash) {
            problems.push((
                "current",
                "Your current password is not right: enter it again".into(),
            ));
        }
        if let Err(e) = check_password_strength(raw("new")) {
            problems.push(("new", format!("Choose a longer password: {e}")));
        } else if raw("new") != raw("confirm") {
            problems.push((
                "confirm",
                "The two new passwords are not the same: enter it again".into(),
            ));
        }
        if !problems.is_empty() {
            return (
                StatusCode::BAD_REQUEST,
                Html(ui::page(
                    &format!("Error: {TITLE}"),
                    render(&who, &problems),
                )),
            )
                .into_response();
        }
        let actor = format!("user:{}", who.username.as_str());
        match sendscope_app::accounts::reset_password(store, &who.username, raw("new"), &actor) {
            Ok(()) => Redirect::to("/sign-in?changed=password").into_response(),
            Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}
