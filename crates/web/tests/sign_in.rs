//! Joiners, movers and leavers; two-factor sign-in; token expiry; the sign-in log. Each on
//! SQLite and PostgreSQL, through the service's router.

#[macro_use]
mod support;

use sendscope_domain::access::Role;
use sendscope_domain::account::Username;
use sendscope_domain::totp::{TotpSecret, code_at_step, step_of};
use support::*;

fn name(u: &str) -> Username {
    Username::parse(u).expect("name")
}

fn area_of(site: &Site) -> sendscope_domain::ids::AreaId {
    sendscope_domain::ids::AreaId::parse(&site.store.headline().expect("h").areas[0].area_id)
        .expect("area")
}

fn log_of(site: &Site, user: &str) -> Vec<String> {
    site.store
        .security_log(Some(user), 100)
        .expect("log")
        .into_iter()
        .map(|e| e.what)
        .collect()
}

/// A leaver's open session and token stop at once; a mover acts with the new role from
/// the next request; both are events on the account.
fn leavers_and_movers_stop_at_once(db: Db) {
    let site = Site::demo(db, 30);
    let worker = site.sign_in("caseworker");
    let token = site.token("caseworker");
    assert_eq!(site.http("GET", "/cases", &worker, "").0, 200);
    assert_eq!(site.api_get("/api/v1/me", &token).0, 200);
    sendscope_app::accounts::disable(site.store.as_ref(), &name("caseworker"), "user:admin-cli")
        .expect("disabled");
    let (status, _, _) = site.http("GET", "/cases", &worker, "");
    assert_eq!(status, 303, "the open session has ended");
    let (status, _, body) = site.api_get("/api/v1/me", &token);
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("disabled"), "{body}");
    // Nor can the password start a new one: the same answer as a wrong password.
    let (_, cookies, page) = site.http("GET", "/sign-in", "", "");
    let csrf = csrf_of(&page);
    let (status, _, page) = site.http(
        "POST",
        "/sign-in",
        &cookies.join("; "),
        &format!("username=caseworker&password=demo&csrf={csrf}"),
    );
    assert_eq!(status, 401);
    assert!(page.contains("Enter a correct username and password"));

    // A mover: the manager becomes a board member; the same session and token act as one.
    let manager = site.sign_in("manager");
    let manager_token = site.token("manager");
    assert_eq!(site.http("GET", "/cases", &manager, "").0, 200);
    sendscope_app::accounts::change_role(
        site.store.as_ref(),
        &name("manager"),
        Role::BoardMember,
        Default::default(),
        "user:admin-cli",
    )
    .expect("moved");
    assert_eq!(site.http("GET", "/cases", &manager, "").0, 403);
    let (status, _, me) = site.api_get("/api/v1/me", &manager_token);
    assert_eq!(status, 200);
    assert!(me.contains("\"role\":\"board_member\""), "{me}");
    // A role whose links are missing is refused, and changes nothing.
    assert!(
        sendscope_app::accounts::change_role(
            site.store.as_ref(),
            &name("manager"),
            Role::Caseworker,
            Default::default(),
            "user:admin-cli",
        )
        .is_err()
    );
    let creds = site
        .store
        .credentials(&name("manager"))
        .expect("read")
        .expect("there");
    let types: Vec<String> = site
        .store
        .stream_events(sendscope_domain::StreamRef::account(creds.account))
        .expect("events")
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| *t == "account.role_changed")
            .count(),
        1,
        "{types:?}"
    );
    // The sign-in log holds the sign-ins, the failure and the token uses.
    let worker_log = log_of(&site, "caseworker");
    assert!(
        worker_log.contains(&"signed in with a password".to_string()),
        "{worker_log:?}"
    );
    assert!(
        worker_log.contains(&"wrong username or password".to_string()),
        "{worker_log:?}"
    );
    assert!(
        worker_log
            .iter()
            .any(|w| w.starts_with("API token ") && w.ends_with(" used"))
    );
}
both!(leavers_and_movers_stop_at_once);

fn code(secret: &TotpSecret, offset_steps: i64) -> String {
    let now = u64::try_from(sendscope_domain::Instant::now().micros() / 1_000_000).expect("t");
    let step = step_of(now).checked_add_signed(offset_steps).expect("step");
    format!("{:06}", code_at_step(secret.as_bytes(), step))
}

/// The area requires two factors for staff: a caseworker's password alone reaches only
/// the set-up page; set up, they are in; next time they give a code, once only; a parent
/// is not asked; an administrator's reset removes it.
fn two_factors_required_for_staff(db: Db) {
    let site = Site::demo(db, 30);
    let area = area_of(&site);
    site.store
        .append(&[sendscope_domain::NewEvent {
            stream: sendscope_domain::StreamRef::area(area),
            area,
            body: sendscope_domain::EventBody::SignInPolicyAdopted(
                sendscope_domain::event::SignInPolicy {
                    from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("d"),
                    two_factor_for_staff: true,
                    idle_minutes: 30,
                },
            ),
            actor: sendscope_domain::Actor::parse("user:admin-cli").expect("actor"),
            effective_date: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("d"),
            reason: None,
            recorded_at: None,
        }])
        .expect("policy");
    // Parents are not staff: straight in.
    let parent = site.sign_in("parent");
    assert_eq!(site.http("GET", "/", &parent, "").0, 200);

    let (_, cookies, page) = site.http("GET", "/sign-in", "", "");
    let (status, set, _) = site.http(
        "POST",
        "/sign-in",
        &cookies.join("; "),
        &format!("username=caseworker&password=demo&csrf={}", csrf_of(&page)),
    );
    assert_eq!(status, 303);
    let session = set
        .iter()
        .find(|c| c.starts_with("sendscope_session="))
        .expect("session")
        .clone();
    // Not signed in yet: pages send them to sign in; the set-up page is open.
    assert_eq!(site.http("GET", "/cases", &session, "").0, 303);
    let (status, _, enrol) = site.http("GET", "/account/two-factor", &session, "");
    assert_eq!(status, 200);
    assert!(enrol.contains("Set up two-factor sign-in"), "{enrol}");
    let marker = "name=\"secret\" value=\"";
    let at = enrol.find(marker).expect("secret") + marker.len();
    let secret_text = enrol[at..].split('"').next().expect("value").to_string();
    let secret = TotpSecret::parse_base32(&secret_text).expect("secret");
    let csrf = csrf_of(&enrol);
    // A wrong code: told so, nothing kept.
    let wrong = if code(&secret, 0) == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, _, again) = site.http(
        "POST",
        "/account/two-factor",
        &session,
        &format!("csrf={csrf}&secret={secret_text}&code={wrong}"),
    );
    assert_eq!(status, 400);
    assert!(again.contains("that one is not right"), "{again}");
    let creds = |u: &str| site.store.credentials(&name(u)).expect("r").expect("there");
    assert_eq!(creds("caseworker").totp_secret, None);
    let (status, _, _) = site.http(
        "POST",
        "/account/two-factor",
        &session,
        &format!("csrf={csrf}&secret={secret_text}&code={}", code(&secret, 0)),
    );
    assert_eq!(status, 303);
    assert_eq!(creds("caseworker").totp_secret, Some(*secret.as_bytes()));
    assert_eq!(site.http("GET", "/cases", &session, "").0, 200, "signed in");

    // Next time: password, then a code.
    let (_, cookies, page) = site.http("GET", "/sign-in", "", "");
    let (_, set, _) = site.http(
        "POST",
        "/sign-in",
        &cookies.join("; "),
        &format!("username=caseworker&password=demo&csrf={}", csrf_of(&page)),
    );
    let second = set
        .iter()
        .find(|c| c.starts_with("sendscope_session="))
        .expect("session")
        .clone();
    assert_eq!(site.http("GET", "/cases", &second, "").0, 303);
    let (status, _, ask) = site.http("GET", "/sign-in/code", &second, "");
    assert_eq!(status, 200);
    let csrf = csrf_of(&ask);
    // The code used at set-up is refused (used once already), a later one accepted.
    let (status, _, _) = site.http(
        "POST",
        "/sign-in/code",
        &second,
        &format!("csrf={csrf}&code={}", code(&secret, 0)),
    );
    assert_eq!(status, 400, "a code works once");
    let (status, _, _) = site.http(
        "POST",
        "/sign-in/code",
        &second,
        &format!("csrf={csrf}&code={}", code(&secret, 1)),
    );
    assert_eq!(status, 303);
    assert_eq!(site.http("GET", "/cases", &second, "").0, 200);
    let log = log_of(&site, "caseworker");
    for what in [
        "password right: two-factor set-up required",
        "two-factor sign-in set up",
        "password right: two-factor code asked for",
        "wrong two-factor code",
        "signed in with a password and a two-factor code",
    ] {
        assert!(log.contains(&what.to_string()), "{what}: {log:?}");
    }

    // A lost phone: the administrator removes it; every session ends.
    sendscope_app::accounts::set_two_factor(
        site.store.as_ref(),
        &name("caseworker"),
        None,
        &[0; 32],
        "user:admin-cli",
    )
    .expect("removed");
    assert_eq!(creds("caseworker").totp_secret, None);
    assert_eq!(site.http("GET", "/cases", &second, "").0, 303);
}
both!(two_factors_required_for_staff);

/// A token past its expiry authenticates nothing, and says why.
fn expired_tokens_are_refused(db: Db) {
    let site = Site::demo(db, 30);
    let creds = site
        .store
        .credentials(&name("caseworker"))
        .expect("r")
        .expect("there");
    let new = sendscope_domain::account::NewApiToken::from_random([9; 6], [8; 32]);
    let issued = sendscope_domain::Instant::parse("2024-01-01T09:00:00Z").expect("t");
    let event = sendscope_domain::PreparedEvent::new(sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::account(creds.account),
        area: creds.area,
        body: sendscope_domain::EventBody::TokenIssued(sendscope_domain::event::TokenIssued {
            token_id: new.id.clone(),
            label: "old client".into(),
            on: issued.england_date(),
            expires_on: Some(issued.england_date()),
        }),
        actor: sendscope_domain::Actor::parse("user:admin-cli").expect("actor"),
        effective_date: issued.england_date(),
        reason: None,
        recorded_at: None,
    })
    .expect("event");
    site.store
        .issue_token(
            &[event],
            &sendscope_store::ApiToken {
                id: new.id.clone(),
                username: name("caseworker"),
                label: "old client".into(),
                created_at: issued,
                revoked_at: None,
                expires_at: Some(
                    sendscope_domain::Instant::parse("2024-01-02T00:00:00Z").expect("t"),
                ),
            },
            &new.sha256(),
        )
        .expect("issued");
    let (status, _, body) = site.api_get("/api/v1/me", &new.secret);
    assert_eq!(status, 401);
    assert!(body.contains("expired"), "{body}");
    // Tokens are issued for 1 to 730 days.
    for days in [0, 731] {
        assert!(
            sendscope_app::accounts::issue_api_token(
                site.store.as_ref(),
                &name("caseworker"),
                "x",
                days,
                "user:admin-cli"
            )
            .is_err()
        );
    }
}
both!(expired_tokens_are_refused);

/// Single sign-on's failures say what to do: an area without it is not found; a return
/// with no sign-in started in this browser, or with a state that is not this browser's,
/// starts again; the provider's own refusal is passed on. Nothing signs anyone in.
fn single_sign_on_refuses_what_it_did_not_start(db: Db) {
    let site = Site::demo(db, 30);
    let (status, _, page) = site.http("GET", "/sign-in", "", "");
    assert_eq!(status, 200);
    assert!(!page.contains("/sign-in/sso/"), "no area has adopted it");
    let la = site.store.headline().expect("h").areas[0].la_code.clone();
    assert_eq!(
        site.http("GET", &format!("/sign-in/sso/{la}"), "", "").0,
        404
    );
    let (status, cookies, page) = site.http("GET", "/sign-in/sso/callback?code=x&state=y", "", "");
    assert_eq!(status, 403);
    assert!(page.contains("start again"), "{page}");
    assert!(!cookies.iter().any(|c| c.starts_with("sendscope_session=")));
    let (status, _, page) = site.http(
        "GET",
        "/sign-in/sso/callback?code=x&state=other",
        &format!("sendscope_sso={la}~mine~n~v"),
        "",
    );
    assert_eq!(status, 403);
    assert!(
        page.contains("could not be matched to this browser"),
        "{page}"
    );
    let (status, _, page) = site.http(
        "GET",
        "/sign-in/sso/callback?error=access_denied&error_description=User%20cancelled",
        &format!("sendscope_sso={la}~mine~n~v"),
        "",
    );
    assert_eq!(status, 403);
    assert!(page.contains("User cancelled"), "{page}");
}
both!(single_sign_on_refuses_what_it_did_not_start);

/// A manager's subject-access bundle holds every event on the child's record and every
/// logged view of it (its own making last), compared with the store; others may not make
/// one.
fn subject_access_bundle_holds_everything(db: Db) {
    let site = Site::demo(db, 40);
    let manager = site.sign_in("manager");
    let area = area_of(&site);
    let rows = site
        .store
        .list_cases(&sendscope_store::CaseQuery {
            area: Some(area),
            limit: 60,
            ..Default::default()
        })
        .expect("cases")
        .rows;
    let case = rows
        .iter()
        .map(|r| r.case)
        .find(|c| {
            site.http("GET", &format!("/cases/{c}/subject-access"), &manager, "")
                .0
                == 200
        })
        .expect("a record of the manager's team");
    // Views by others first: the caseworker's page, the API.
    let worker = site.sign_in("caseworker");
    site.http("GET", &format!("/cases/{case}"), &worker, "");
    site.http("GET", &format!("/cases/{case}"), &manager, "");
    let (_, _, form) = site.http(
        "GET",
        &format!("/cases/{case}/subject-access"),
        &manager,
        "",
    );
    let csrf = csrf_of(&form);
    let (status, _, _) = site.http(
        "POST",
        &format!("/cases/{case}/subject-access"),
        &manager,
        &format!("csrf={csrf}&requested_by=&format=json"),
    );
    assert_eq!(status, 400, "who asked is needed");
    let (status, _, kind, body) = site.send(
        axum::http::Request::post(format!("/cases/{case}/subject-access"))
            .header("cookie", &manager)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "csrf={csrf}&requested_by=the+child%27s+mother%2C+by+email&format=json"
            )))
            .expect("request"),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "application/json");
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let seqs: Vec<u64> = json["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    let stored: Vec<u64> = site
        .store
        .stream_events(sendscope_domain::StreamRef::case(case))
        .expect("events")
        .iter()
        .map(|e| e.seq)
        .collect();
    assert!(!stored.is_empty());
    assert_eq!(seqs, stored, "every event about the child");
    let views: Vec<(String, String)> = json["views"]
        .as_array()
        .expect("views")
        .iter()
        .map(|v| {
            (
                v["username"].as_str().expect("u").to_string(),
                v["via"].as_str().expect("via").to_string(),
            )
        })
        .collect();
    let mut logged: Vec<(String, String)> = site
        .store
        .accesses(case, 100_000)
        .expect("log")
        .into_iter()
        .map(|a| (a.username, a.via))
        .collect();
    logged.reverse();
    // The bundle was made before its download was logged by the middleware, if at all:
    // everything logged up to its making is in it.
    assert_eq!(views[..], logged[..views.len()], "every logged view");
    assert!(views.iter().any(|(u, _)| u == "caseworker"));
    assert!(
        views
            .last()
            .is_some_and(|(u, via)| u == "manager" && via.contains("the child's mother")),
        "{views:?}"
    );
    // The page to read names the child and lists who looked.
    let (status, _, kind, page) = site.send(
        axum::http::Request::post(format!("/cases/{case}/subject-access"))
            .header("cookie", &manager)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(format!(
                "csrf={csrf}&requested_by=the+young+person&format=html"
            )))
            .expect("request"),
    );
    assert_eq!(status, 200);
    assert!(kind.starts_with("text/html"));
    assert!(page.contains("Everything held about") && page.contains("Who looked at the record"));
    // A caseworker may not make one; nor may a parent (their own child's record is
    // forbidden to them here, anyone else's not found).
    assert_eq!(
        site.http("GET", &format!("/cases/{case}/subject-access"), &worker, "")
            .0,
        403
    );
    let parent = site.sign_in("parent");
    let status = site
        .http("GET", &format!("/cases/{case}/subject-access"), &parent, "")
        .0;
    assert!(status == 403 || status == 404, "{status}");
}
both!(subject_access_bundle_holds_everything);
