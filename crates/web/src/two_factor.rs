//! Two-factor sign-in (TOTP, RFC 6238): `/sign-in/code` asks for the code from the
//! person's authenticator app after a right password; `/account/two-factor` sets one up
//! (or sets it up again on a new phone). The area's policy can require it for staff: their
//! session then goes straight to set-up and is not signed in until it is done.

use crate::auth::{Visitor, log_security};
use crate::shell::{Submitted, raw_value, value};
use crate::{AppState, ui};
use axum::extract::{ConnectInfo, Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::{Markup, html};
use sendscope_domain::totp::{TotpSecret, check_code};
use sendscope_store::{Session, SessionStage, Store};

const CODE_TITLE: &str = "Enter the code from your authenticator app";
const ENROL_TITLE: &str = "Set up two-factor sign-in";

type Source = Option<axum::Extension<ConnectInfo<std::net::SocketAddr>>>;

fn source_of(source: Source) -> String {
    source.map(|c| c.0.0.ip().to_string()).unwrap_or_default()
}

fn unix_now() -> u64 {
    u64::try_from(sendscope_domain::Instant::now().micros() / 1_000_000).unwrap_or(0)
}

fn new_csrf() -> String {
    hex::encode(uuid::Uuid::new_v4().into_bytes())
}

fn code_page(session: &Session, problem: Option<&str>) -> Markup {
    let problems: Vec<(&'static str, String)> = problem
        .map(|p| vec![("code", p.to_string())])
        .unwrap_or_default();
    let p = ui::Problems(&problems);
    html! {
        (p.summary())
        h1.govuk-heading-l { (CODE_TITLE) }
        p.govuk-body { "Open the authenticator app on your phone and enter the 6-digit code it shows for sendscope." }
        form method="post" action="/sign-in/code" novalidate {
            (ui::csrf(&session.csrf))
            (ui::text_input(&p.hinted("code", "Code", "For example, 123456"), "", ui::Width::Number, ""))
            (ui::submit("Continue"))
        }
        p.govuk-body { "Lost your phone? Ask an administrator to reset your two-factor sign-in." }
    }
}

/// GET /sign-in/code
pub async fn code_form(State(app): State<AppState>, visitor: Visitor) -> Response {
    let store = app.store.clone();
    app.blocking(move || match visitor.session_at_any_stage(store.as_ref()) {
        Some(s) if s.stage == SessionStage::Code => {
            Html(ui::page(CODE_TITLE, code_page(&s, None))).into_response()
        }
        Some(_) => Redirect::to("/").into_response(),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}

/// POST /sign-in/code: a right code (not used before) signs the session in.
pub async fn code_submit(
    State(app): State<AppState>,
    source: Source,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    let store = app.store.clone();
    let source = source_of(source);
    let throttle = app.sign_in_throttle.clone();
    app.blocking(move || {
        let store = store.as_ref();
        let Some(s) = visitor.session_at_any_stage(store) else {
            return Redirect::to("/sign-in").into_response();
        };
        if s.stage != SessionStage::Code {
            return Redirect::to("/").into_response();
        }
        if value(&form, "csrf") != s.csrf {
            return crate::form_expired();
        }
        let key = format!("code:{}", s.username);
        let now = sendscope_domain::Instant::now();
        let lock = || throttle.lock().unwrap_or_else(|p| p.into_inner());
        if lock().wait(&source, &key, now).is_some() {
            let _ = log_security(store, s.username.as_str(), "refused: too many wrong codes", &source);
            return again(&s, "There have been too many wrong codes. Wait a few minutes, then enter the newest code");
        }
        let creds = match store.credentials(&s.username) {
            Ok(Some(c)) => c,
            Ok(None) => return Redirect::to("/sign-in").into_response(),
            Err(e) => return crate::Error::internal(e).into_response(),
        };
        let Some(secret) = creds.totp_secret.map(TotpSecret::from_bytes) else {
            return Redirect::to("/sign-in").into_response();
        };
        let step = check_code(&secret, value(&form, "code"), unix_now(), creds.totp_last_step);
        let fresh = match step.map(|st| store.use_totp_step(&s.username, st)) {
            Some(Ok(fresh)) => fresh,
            Some(Err(e)) => return crate::Error::internal(e).into_response(),
            None => false,
        };
        if !fresh {
            lock().failed(&source, &key, now);
            let _ = log_security(store, s.username.as_str(), "wrong two-factor code", &source);
            return again(&s, "Enter the code your authenticator app shows now: that one is not right, or was used already");
        }
        lock().succeeded(&source, &key);
        signed_in(store, &s, "signed in with a password and a two-factor code", &source)
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}

fn again(s: &Session, problem: &str) -> Response {
    (
        axum::http::StatusCode::BAD_REQUEST,
        Html(ui::page(
            &format!("Error: {CODE_TITLE}"),
            code_page(s, Some(problem)),
        )),
    )
        .into_response()
}

/// Moves a session to signed in (a new CSRF token with it) and logs it.
fn signed_in(store: &dyn Store, s: &Session, what: &str, source: &str) -> Response {
    if let Err(e) = log_security(store, s.username.as_str(), what, source).and_then(|()| {
        store.set_session_stage(&s.token_sha256, SessionStage::SignedIn, &new_csrf())
    }) {
        return crate::Error::internal(e).into_response();
    }
    Redirect::to("/").into_response()
}

fn enrol_page(
    session: &Session,
    secret: &TotpSecret,
    enrolled_on: Option<chrono::NaiveDate>,
    problem: Option<&str>,
) -> Markup {
    let problems: Vec<(&'static str, String)> = problem
        .map(|p| vec![("code", p.to_string())])
        .unwrap_or_default();
    let p = ui::Problems(&problems);
    let grouped: Vec<String> = secret
        .base32()
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let uri = secret.otpauth_uri("sendscope", session.username.as_str());
    html! {
        (p.summary())
        h1.govuk-heading-l { (ENROL_TITLE) }
        @if session.stage == SessionStage::Enrol {
            p.govuk-body { "Your local area asks everyone who works with children's records to sign in with a code from their phone as well as a password. Set it up now to carry on." }
        }
        @if let Some(on) = enrolled_on {
            (ui::warning(html! { "Two-factor sign-in is already set up (since " (sendscope_domain::calendar::long_date(on)) "). Setting it up again replaces the old one: codes from the old phone stop working." }))
        }
        ol.govuk-list.govuk-list--number {
            li { "Install an authenticator app on your phone if you do not have one (for example Microsoft Authenticator or Google Authenticator)." }
            li {
                "In the app, choose to add an account by entering a setup key, and enter this key:"
                p class="govuk-body govuk-!-font-weight-bold govuk-!-font-size-24" { code id="secret" { (grouped.join(" ")) } }
                details.govuk-details {
                    summary.govuk-details__summary { span.govuk-details__summary-text { "Using an app that takes a link instead" } }
                    div.govuk-details__text { code id="secret-link" { (uri) } }
                }
            }
            li { "Enter the 6-digit code the app then shows." }
        }
        form method="post" action="/account/two-factor" novalidate {
            (ui::csrf(&session.csrf))
            input type="hidden" name="secret" value=(secret.base32());
            (ui::text_input(&p.hinted("code", "Code", "For example, 123456"), "", ui::Width::Number, ""))
            (ui::submit("Set up two-factor sign-in"))
        }
    }
}

fn enrolled_on(store: &dyn Store, s: &Session) -> Option<chrono::NaiveDate> {
    let creds = store.credentials(&s.username).ok()??;
    let p = store
        .projection(sendscope_domain::StreamRef::account(creds.account))
        .ok()??;
    match p.state {
        sendscope_domain::projection::StreamState::Account(a) => a.two_factor_on,
        _ => None,
    }
}

/// GET /account/two-factor: a new key to add to an authenticator app.
pub async fn enrol_form(State(app): State<AppState>, visitor: Visitor) -> Response {
    let store = app.store.clone();
    app.blocking(move || match visitor.session_at_any_stage(store.as_ref()) {
        Some(s) if s.stage != SessionStage::Code => {
            let secret = sendscope_app::accounts::new_totp_secret();
            let on = enrolled_on(store.as_ref(), &s);
            Html(ui::page(ENROL_TITLE, enrol_page(&s, &secret, on, None))).into_response()
        }
        Some(_) => Redirect::to("/sign-in/code").into_response(),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}

/// POST /account/two-factor: the key shown and a code the app made from it; a right code
/// keeps the key and signs the session in.
pub async fn enrol_submit(
    State(app): State<AppState>,
    source: Source,
    visitor: Visitor,
    Form(form): Form<Submitted>,
) -> Response {
    let store = app.store.clone();
    let source = source_of(source);
    app.blocking(move || {
        let store = store.as_ref();
        let Some(s) = visitor.session_at_any_stage(store) else {
            return Redirect::to("/sign-in").into_response();
        };
        if s.stage == SessionStage::Code {
            return Redirect::to("/sign-in/code").into_response();
        }
        if value(&form, "csrf") != s.csrf {
            return crate::form_expired();
        }
        let Ok(secret) = TotpSecret::parse_base32(raw_value(&form, "secret")) else {
            return Redirect::to("/account/two-factor").into_response();
        };
        let Some(step) = check_code(&secret, value(&form, "code"), unix_now(), None) else {
            let on = enrolled_on(store, &s);
            return (
                axum::http::StatusCode::BAD_REQUEST,
                Html(ui::page(
                    &format!("Error: {ENROL_TITLE}"),
                    enrol_page(&s, &secret, on, Some("Enter the 6-digit code your authenticator app shows now for sendscope: that one is not right")),
                )),
            )
                .into_response();
        };
        let actor = format!("user:{}", s.username);
        let done = sendscope_app::accounts::set_two_factor(store, &s.username, Some(&secret), &s.token_sha256, &actor)
            .and_then(|()| store.use_totp_step(&s.username, step).map(|_| ()));
        if let Err(e) = done {
            return crate::Error::internal(e).into_response();
        }
        signed_in(store, &s, "two-factor sign-in set up", &source)
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}
