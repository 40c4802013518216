//! Signing in and out: sessions in HttpOnly, SameSite=Lax cookies (Secure behind TLS),
//! a CSRF token on every form, and lock-out after repeated failures.

use crate::{AppState, ui};
use axum::extract::{Form, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use maud::html;
use sendscope_app::access::principal_of;
use sendscope_domain::Instant;
use sendscope_domain::access::Principal;
use sendscope_domain::account::{Username, verify_password};
use sendscope_store::{SecurityEntry, Session, SessionStage, Store};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "sendscope_session";
const CSRF_COOKIE: &str = "sendscope_csrf";
/// A session lasts a working day at most (and ends sooner when idle: the area's policy).
const SESSION_MICROS: i64 = 8 * 3600 * 1_000_000;
/// A session's last use is written down at most once a minute.
const TOUCH_AFTER_MICROS: i64 = 60 * 1_000_000;

/// Writes one entry to the sign-in log.
pub(crate) fn log_security(
    store: &dyn Store,
    username: &str,
    what: &str,
    source: &str,
) -> Result<(), sendscope_store::StoreError> {
    store.log_security(&[SecurityEntry {
        at: Instant::now(),
        username: username.to_string(),
        what: what.to_string(),
        source: source.to_string(),
    }])
}

/// Where a signed-in person goes next: the page their session's stage needs.
fn next_page(stage: SessionStage) -> &'static str {
    match stage {
        SessionStage::SignedIn => "/",
        SessionStage::Code => "/sign-in/code",
        SessionStage::Enrol => "/account/two-factor",
    }
}

/// A user signed in for this request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub username: Username,
    pub principal: Principal,
    pub session: Session,
}

/// 32 random bytes as hex: two version-4 UUIDs' bytes (244 bits from the OS generator).
pub(crate) fn random_token() -> String {
    let a = uuid::Uuid::new_v4().into_bytes();
    let b = uuid::Uuid::new_v4().into_bytes();
    hex::encode([a, b].concat())
}

fn sha256(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The value of one cookie from the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    CookieJar::from_headers(headers)
        .get(name)
        .map(|c| c.value().to_string())
}

/// Secure cookies when the service is configured for TLS or a proxy says the request came over it.
pub(crate) fn secure(app: &AppState, headers: &HeaderMap) -> bool {
    app.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            == Some("https")
}

pub(crate) fn set_cookie(
    name: &str,
    value: &str,
    path: &str,
    max_age: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let mut c = Cookie::build((name.to_string(), value.to_string()))
        .path(path.to_string())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure);
    if let Some(age) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(age));
    }
    // Built from hex tokens and fixed names, so always a valid header value.
    HeaderValue::from_str(&c.build().to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Who a request says is asking: its session cookie (the pages) and its bearer token
/// (the API). The one extractor every handler takes; reading it touches no store. It is
/// turned into the signed-in user inside the request's store work (`signed_in`, or the
/// API's caller), so one trip to the store both checks the session and does the work.
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    session: Option<String>,
    bearer: Option<String>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Visitor::from_headers(&parts.headers))
    }
}

impl Visitor {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Visitor {
            session: cookie(headers, SESSION_COOKIE),
            bearer: headers
                .get(header::AUTHORIZATION)
                .map(|v| v.to_str().unwrap_or("").to_string()),
        }
    }

    /// The signed-in user, if the request carries a current session that has given every
    /// factor it needs. A session used after a minute's rest is noted as used (the idle
    /// limit counts from then).
    pub fn signed_in(&self, store: &dyn Store) -> Option<SignedIn> {
        let session = self.session_at_any_stage(store)?;
        if session.stage != SessionStage::SignedIn {
            return None;
        }
        let principal = principal_of(store, &session.username)?;
        Some(SignedIn {
            username: session.username.clone(),
            principal,
            session,
        })
    }

    /// The request's current session, whatever its stage (the second-factor pages).
    pub fn session_at_any_stage(&self, store: &dyn Store) -> Option<Session> {
        let token = self.session.as_deref()?;
        let now = Instant::now();
        let session = store.session(&sha256(token), now).ok()??;
        if now.micros() - session.last_seen_at.micros() > TOUCH_AFTER_MICROS {
            let _ = store.touch_session(&session.token_sha256, now);
        }
        Some(session)
    }

    /// The `Authorization` header as sent, if there was one (the API reads its token).
    pub fn authorization(&self) -> Option<&str> {
        self.bearer.as_deref()
    }
}

fn sign_in_page(
    csrf: &str,
    error: Option<&str>,
    username: &str,
    sso: &[(String, String)],
) -> String {
    sign_in_page_saying(csrf, error, username, None, sso)
}

/// The areas whose people can sign in with their organisation's account: (LA code, what
/// the account is called).
async fn single_sign_ons(app: &AppState) -> Vec<(String, String)> {
    let store = app.store.clone();
    app.blocking(move || sendscope_app::accounts::single_sign_ons(store.as_ref()))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default()
        .into_iter()
        .map(|(la, _, s)| (la, s.label))
        .collect()
}

fn sign_in_page_saying(
    csrf: &str,
    error: Option<&str>,
    username: &str,
    done: Option<&str>,
    sso: &[(String, String)],
) -> String {
    let body = html! {
        @if let Some(e) = error { (ui::error_summary([("username", e)])) }
        @if let Some(d) = done {
            (ui::notification_banner("Done", html! { p.govuk-notification-banner__heading { (d) } }, true))
        }
        h1.govuk-heading-l { "Sign in" }
        @for (la, label) in sso {
            p.govuk-body {
                a.govuk-button.govuk-button--secondary href={ "/sign-in/sso/" (la) } role="button" draggable="false" {
                    "Sign in with " (label)
                }
            }
        }
        @if !sso.is_empty() {
            p.govuk-body { "Or sign in with your sendscope username and password." }
        }
        form method="post" action="/sign-in" novalidate {
            (ui::csrf(csrf))
            div.govuk-form-group {
                label.govuk-label for="username" { "Username" }
                input.govuk-input id="username" name="username" type="text" autocomplete="username"
                    spellcheck="false" value=(username);
            }
            div.govuk-form-group {
                label.govuk-label for="password" { "Password" }
                input.govuk-input id="password" name="password" type="password" autocomplete="current-password";
            }
            (ui::submit("Sign in"))
        }
    };
    ui::page("Sign in", body)
}

/// GET /sign-in: the form, with a fresh CSRF token in a cookie and a hidden field.
pub async fn sign_in_form(
    State(app): State<AppState>,
    headers: HeaderMap,
    axum::extract::Query(params): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    // What was just done, said where the person signs in again.
    let done = if params.get("setup").is_some_and(|v| v == "done") {
        Some(
            "Your local area and your administrator's account are set up. Sign in to add teams, staff and accounts.",
        )
    } else if params.get("changed").is_some_and(|v| v == "password") {
        Some("Your password is changed. Sign in with the new one.")
    } else {
        None
    };
    let csrf = random_token();
    let cookie = set_cookie(CSRF_COOKIE, &csrf, "/sign-in", None, secure(&app, &headers));
    let sso = single_sign_ons(&app).await;
    (
        [
            (header::SET_COOKIE, cookie),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Html(sign_in_page_saying(&csrf, None, "", done, &sso)),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
}

/// The answer to a form whose CSRF token is missing or wrong: nothing is done.
pub fn forbidden() -> Response {
    crate::Error::new(
        crate::error::Kind::FormExpired,
        "It had expired, or was not sent by this service. Go back, reload the page and try again.",
    )
    .heading("Sorry, this form could not be used")
    .into_response()
}

/// POST /sign-in.
pub async fn sign_in(
    State(app): State<AppState>,
    source: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Response {
    let expected = cookie(&headers, CSRF_COOKIE);
    if form.csrf.is_empty() || expected.as_deref() != Some(form.csrf.as_str()) {
        return forbidden();
    }
    let secure = secure(&app, &headers);
    let store: Arc<dyn Store> = app.store.clone();
    // The device's address (not a header a client could set); the same for every request
    // where the service is reached without one, as in tests.
    let source = source.map(|c| c.0.0.ip().to_string()).unwrap_or_default();
    let throttle = app.sign_in_throttle.clone();
    let attempt = app
        .blocking(move || {
            attempt_sign_in(
                store.as_ref(),
                (&form.username, &form.password),
                (&source, &throttle),
            )
        })
        .await;
    match attempt {
        Ok(Ok((token, stage))) => {
            let session = set_cookie(SESSION_COOKIE, &token, "/", None, secure);
            let clear = set_cookie(CSRF_COOKIE, "", "/sign-in", Some(0), secure);
            let mut r = Redirect::to(next_page(stage)).into_response();
            r.headers_mut().append(header::SET_COOKIE, session);
            r.headers_mut().append(header::SET_COOKIE, clear);
            r
        }
        Ok(Err((message, username))) => {
            let csrf = expected.unwrap_or_default();
            let sso = single_sign_ons(&app).await;
            (
                StatusCode::UNAUTHORIZED,
                Html(sign_in_page(&csrf, Some(&message), &username, &sso)),
            )
                .into_response()
        }
        Err(e) => crate::Error::internal(e).into_response(),
    }
}

/// What the person is told when the store fails during sign-in: what to do, never the
/// failure itself, which goes to the log.
fn not_working(e: &sendscope_store::StoreError) -> String {
    tracing::error!(%e, "sign-in could not reach the records");
    "Sign-in is not working at the moment. Try again later; if it keeps happening, tell the service desk".to_string()
}

/// A password hash no password matches in practice, checked when the username is not
/// known so that a wrong username takes as long as a wrong password.
static NO_ACCOUNT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    sendscope_domain::account::hash_password("no account has this password", [7; 16])
        .unwrap_or_default()
});

/// Checks a username and password; on success, starts a session and returns its token
/// and stage (signed in, or a second factor to give or to set up first).
/// On failure, returns the message to show and the username to fill back in: the same
/// message, after the same work, whether or not the username exists. A device that keeps
/// failing waits (`throttle`); an account whose password is being guessed refuses the
/// devices that guessed, never its owner on their own.
fn attempt_sign_in(
    store: &dyn Store,
    (username, password): (&str, &str),
    (source, throttle): (&str, &std::sync::Mutex<crate::throttle::Throttle>),
) -> Result<(String, SessionStage), (String, String)> {
    let typed = if Username::parse(username).is_ok() {
        username.trim().to_lowercase()
    } else {
        "(not a valid username)".to_string()
    };
    let log = |what: &str| {
        if let Err(e) = log_security(store, &typed, what, source) {
            tracing::error!(%e, "the sign-in log could not be written");
        }
    };
    let wrong = || {
        (
            "Enter a correct username and password".to_string(),
            username.to_string(),
        )
    };
    let now = Instant::now();
    let key = username.trim().to_lowercase();
    let lock = || throttle.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(until) = lock().wait(source, &key, now) {
        log("refused: too many failed sign-ins from this device");
        let at = until
            .utc()
            .with_timezone(&chrono_tz::Europe::London)
            .format("%H:%M");
        return Err((
            format!(
                "There have been too many failed sign-ins from this device. Try again after {at}, or ask an administrator to reset your password"
            ),
            username.to_string(),
        ));
    }
    let creds = match Username::parse(username).map(|n| (store.credentials(&n), n)) {
        Ok((Ok(Some(c)), n)) => Some((c, n)),
        Ok((Ok(None), _)) | Err(_) => None,
        Ok((Err(e), _)) => return Err((not_working(&e), username.to_string())),
    };
    let hash = creds
        .as_ref()
        .map(|(c, _)| c.password_hash.as_str())
        .unwrap_or(NO_ACCOUNT.as_str());
    let ok = verify_password(password, hash) && creds.is_some();
    let Some((creds, name)) = creds else {
        lock().failed(source, &key, now);
        log("wrong username or password");
        return Err(wrong());
    };
    // A disabled account is no one.
    let principal = principal_of(store, &name);
    let ok = ok && principal.is_some();
    // Locked by failures: refused to the devices that failed, never to a new one.
    let locked = creds.locked_until.is_some_and(|t| t > now) && lock().has_failed(source, &key);
    let recorded = store.record_sign_in(&name, ok && !locked, now);
    if !ok || locked || recorded.is_err() {
        if !ok {
            lock().failed(source, &key, now);
        }
        log(if locked {
            "refused: the account is locked to this device"
        } else {
            "wrong username or password"
        });
        return Err(wrong());
    }
    lock().succeeded(source, &key);
    let policy = sendscope_app::accounts::sign_in_policy(store, creds.area)
        .map_err(|e| (not_working(&e), username.to_string()))?;
    let staff = principal.is_some_and(|p| sendscope_app::accounts::is_staff(p.role));
    let stage = if creds.totp_secret.is_some() {
        SessionStage::Code
    } else if policy.two_factor_for_staff && staff {
        SessionStage::Enrol
    } else {
        SessionStage::SignedIn
    };
    log_security(
        store,
        name.as_str(),
        match stage {
            SessionStage::SignedIn => "signed in with a password",
            SessionStage::Code => "password right: two-factor code asked for",
            SessionStage::Enrol => "password right: two-factor set-up required",
        },
        source,
    )
    .map_err(|e| (not_working(&e), username.to_string()))?;
    let token = start_session(store, name, stage, policy.idle_minutes)
        .map_err(|e| (not_working(&e), username.to_string()))?;
    Ok((token, stage))
}

/// Starts a session for `name` at `stage`, ending after `idle_minutes` unused (and a
/// working day at most); its token, for the cookie.
pub(crate) fn start_session(
    store: &dyn Store,
    name: Username,
    stage: SessionStage,
    idle_minutes: u32,
) -> Result<String, sendscope_store::StoreError> {
    let now = Instant::now();
    let token = random_token();
    let expires_at = Instant::from_micros(now.micros() + SESSION_MICROS).unwrap_or(now);
    store.create_session(&Session {
        token_sha256: sha256(&token),
        username: name,
        csrf: random_token(),
        created_at: now,
        expires_at,
        stage,
        last_seen_at: now,
        idle_seconds: idle_minutes.saturating_mul(60),
    })?;
    Ok(token)
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// POST /sign-out: ends the session (the form must carry the session's CSRF token).
pub async fn sign_out(
    State(app): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let store = app.store.clone();
    let visitor = Visitor::from_headers(&headers);
    let who = app
        .blocking(move || visitor.signed_in(store.as_ref()))
        .await
        .ok()
        .flatten();
    let Some(who) = who else {
        return Redirect::to("/").into_response();
    };
    if form.csrf != who.session.csrf {
        return forbidden();
    }
    let store = app.store.clone();
    let token = who.session.token_sha256;
    let _ = app
        .blocking(move || {
            let _ = log_security(store.as_ref(), who.username.as_str(), "signed out", "");
            store.delete_session(&token)
        })
        .await;
    let mut r = Redirect::to("/").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(SESSION_COOKIE, "", "/", Some(0), secure(&app, &headers)),
    );
    r
}
