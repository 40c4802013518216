//! Signing in and out through the real router and a real SQLite store.

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use chrono::NaiveDate;
use sendscope_domain::access::Role;
use sendscope_domain::account::{Username, hash_password};
use sendscope_domain::codes::LaCode;
use sendscope_domain::event::*;
use sendscope_domain::ids::{AccountId, AreaId};
use sendscope_domain::{Actor, NewEvent, PreparedEvent};
use sendscope_store::{NewCredentials, Store};
use std::sync::Arc;
use tower::ServiceExt;

struct App {
    router: Router,
    _dir: tempfile::TempDir,
}

fn app(secure: bool) -> App {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("w.db").display());
    let store: Arc<dyn Store> = Arc::from(sendscope_store::open(&url).expect("store"));
    let area = AreaId::new_random();
    let on = NaiveDate::from_ymd_opt(2025, 1, 2).expect("date");
    let ev = |stream, body| NewEvent {
        stream,
        area,
        body,
        actor: Actor::parse("system:test").expect("actor"),
        effective_date: on,
        reason: None,
        recorded_at: None,
    };
    let created = EventBody::AreaCreated(AreaCreated {
        la_code: LaCode::parse("831").expect("la"),
        name: "Testshire".into(),
    });
    store
        .append(&[ev(StreamRef::area(area), created)])
        .expect("area");
    let account = AccountId::new_random();
    let username = Username::parse("caseworker").expect("name");
    let links = AccountLinks::default();
    let events: Vec<PreparedEvent> = [
        EventBody::AccountCreated(AccountCreated {
            username: username.clone(),
            role: Role::Commissioner,
            links,
        }),
        EventBody::AccountPasswordSet(DatedOnly { on }),
    ]
    .into_iter()
    .map(|b| PreparedEvent::new(ev(StreamRef::account(account), b)).expect("prepared"))
    .collect();
    let password_hash = hash_password("correct horse battery", [1; 16]).expect("hash");
    store
        .create_account(
            &events,
            &NewCredentials {
                username,
                account,
                area,
                password_hash,
            },
        )
        .expect("account");
    App {
        router: sendscope_web::router(store, secure),
        _dir: dir,
    }
}

struct Reply {
    status: StatusCode,
    cookies: Vec<String>,
    location: Option<String>,
    body: String,
}

async fn send(app: &App, req: Request<Body>) -> Reply {
    let r = app.router.clone().oneshot(req).await.expect("answers");
    let status = r.status();
    let cookies = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    let location = r
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = String::from_utf8(
        to_bytes(r.into_body(), 1 << 20)
            .await
            .expect("body")
            .to_vec(),
    )
    .expect("utf8");
    Reply {
        status,
        cookies,
        location,
        body,
    }
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

fn post(path: &str, cookie: &str, form: &str) -> Request<Body> {
    Request::post(path)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form.to_string()))
        .expect("request")
}

/// The value a Set-Cookie header gives a cookie.
fn value_of(cookies: &[String], name: &str) -> Option<String> {
    cookies
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_string())
}

fn hidden_csrf(body: &str) -> String {
    let at =
        body.find("name=\"csrf\" value=\"").expect("a csrf field") + "name=\"csrf\" value=\"".len();
    body[at..].split('"').next().unwrap_or("").to_string()
}

async fn form_csrf(app: &App) -> String {
    let r = send(app, get("/sign-in", "")).await;
    assert_eq!(r.status, StatusCode::OK);
    let token = value_of(&r.cookies, "sendscope_csrf").expect("csrf cookie");
    assert_eq!(hidden_csrf(&r.body), token);
    token
}

#[tokio::test]
async fn sign_in_and_out_with_csrf_and_secure_cookies() {
    let app = app(false);
    let home = send(&app, get("/", "")).await;
    assert!(
        home.body.contains("href=\"/sign-in\""),
        "signed out, the home page offers sign-in"
    );
    assert!(!home.body.contains("Signed in as"));

    // Without the CSRF token, or with another one, the form is refused.
    let csrf = form_csrf(&app).await;
    let cookie = format!("sendscope_csrf={csrf}");
    let refused = send(
        &app,
        post(
            "/sign-in",
            &cookie,
            "username=caseworker&password=correct+horse+battery",
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = send(
        &app,
        post(
            "/sign-in",
            &cookie,
            "username=caseworker&password=correct+horse+battery&csrf=forged",
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.cookies.is_empty());

    let wrong = send(
        &app,
        post(
            "/sign-in",
            &cookie,
            &format!("username=caseworker&password=nope&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Enter a correct username and password"));

    let ok = send(
        &app,
        post(
            "/sign-in",
            &cookie,
            &format!("username=caseworker&password=correct+horse+battery&csrf={csrf}"),
        ),
    )
    .await;
    assert_eq!(
        (ok.status, ok.location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/"))
    );
    let session_cookie = ok
        .cookies
        .iter()
        .find(|c| c.starts_with("sendscope_session="))
        .expect("session cookie");
    assert!(
        session_cookie.contains("HttpOnly") && session_cookie.contains("SameSite=Lax"),
        "{session_cookie}"
    );
    assert!(
        !session_cookie.contains("Secure"),
        "plain HTTP on 127.0.0.1"
    );
    let session = format!(
        "sendscope_session={}",
        value_of(&ok.cookies, "sendscope_session").expect("token")
    );

    let home = send(&app, get("/", &session)).await;
    assert!(
        home.body.contains("Signed in as caseworker (commissioner)"),
        "{}",
        home.body
    );
    assert!(
        home.body
            .contains("<a class=\"govuk-link\" href=\"/figures/831\">Testshire</a> (831)")
    );

    // Signing out needs the session's own CSRF token.
    let refused = send(&app, post("/sign-out", &session, "csrf=forged")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let out = send(
        &app,
        post(
            "/sign-out",
            &session,
            &format!("csrf={}", hidden_csrf(&home.body)),
        ),
    )
    .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let home = send(&app, get("/", &session)).await;
    assert!(
        home.body.contains("href=\"/sign-in\""),
        "the old session no longer works"
    );

    // Behind TLS, cookies are Secure.
    let tls = app_secure_cookie().await;
    assert!(tls.contains("Secure"), "{tls}");
}

async fn app_secure_cookie() -> String {
    let app = app(true);
    let r = send(&app, get("/sign-in", "")).await;
    r.cookies.into_iter().next().expect("a cookie")
}

/// A sign-in attempt from a device at `ip`.
fn post_from(ip: &str, cookie: &str, form: &str) -> Request<Body> {
    let mut r = post("/sign-in", cookie, form);
    r.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(
            ip.parse().expect("ip"),
            40_000,
        )));
    r
}

/// Repeated failures make the guessing device wait, with the same message and the same
/// work whether the username exists or not; the account's owner signs in from their own
/// device all the while.
#[tokio::test]
async fn repeated_failures_stop_the_guesser_not_the_owner() {
    let app = app(false);
    let csrf = form_csrf(&app).await;
    let cookie = format!("sendscope_csrf={csrf}");
    let attempt = |ip: &'static str, user: &'static str, password: &'static str| {
        post_from(
            ip,
            &cookie,
            &format!("username={user}&password={password}&csrf={csrf}"),
        )
    };
    let mut times = Vec::new();
    for user in ["caseworker", "nobody-here"] {
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let r = send(&app, attempt("203.0.113.9", user, "guess")).await;
            times.push((user, t.elapsed()));
            assert_eq!(r.status, StatusCode::UNAUTHORIZED);
            assert!(
                r.body.contains("Enter a correct username and password"),
                "{}",
                r.body
            );
        }
        let r = send(&app, attempt("203.0.113.9", user, "correct+horse+battery")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{user}");
        assert!(
            r.body.contains("too many failed sign-ins from this device"),
            "{user}: {}",
            r.body
        );
    }
    // A known and an unknown username cost the same work (a password hash checked each
    // time): neither answers in a small fraction of the other's time.
    let mean = |who: &str| {
        let v: Vec<_> = times
            .iter()
            .filter(|(u, _)| *u == who)
            .map(|(_, t)| t.as_secs_f64())
            .collect();
        v.iter().sum::<f64>() / v.len() as f64
    };
    assert!(
        mean("nobody-here") > mean("caseworker") / 4.0,
        "unknown {} s, known {} s",
        mean("nobody-here"),
        mean("caseworker")
    );
    // The owner, from their own device, with their right password: in.
    let r = send(
        &app,
        attempt("198.51.100.4", "caseworker", "correct+horse+battery"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}
