//! A real local area from an empty database, no demo: the first administrator comes in
//! through the one-time set-up link, sets up a team, two staff and their accounts on the
//! pages; the caseworker then works a new child's request through the API alone (every
//! answer checked against the OpenAPI document's schemas): the request with the child's
//! mother, the decision, advice, the draft and the final plan, a wrong date corrected and
//! a step recorded by mistake voided; the mother's account sees her child's record and
//! what happens next. On SQLite and on PostgreSQL.

#[macro_use]
mod support;

use serde_json::{Value, json};
use support::*;

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const PASSWORD: &str = "correct horse battery";

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON ({e}): {body}"))
}

fn day(n: i64) -> String {
    (sendscope_domain::calendar::england_today() - chrono::Days::new(n as u64)).to_string()
}

fn from_an_empty_database(db: Db) {
    let site = Site::empty(db, SECRET);
    // The set-up link: wrong secrets are not found; the right one makes the area and admin.
    assert_eq!(site.http("GET", "/setup/wrong", "", "").0, 404);
    let (status, _, page) = site.http("GET", &format!("/setup/{SECRET}"), "", "");
    assert_eq!(status, 200, "{page}");
    let (status, _, page) = site.http(
        "POST",
        &format!("/setup/{SECRET}"),
        "",
        "la_code=999&area_name=&username=admin&password=short&confirm=short",
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("not the LA code of an English local authority") || page.contains("password"),
        "{page}"
    );
    assert!(
        site.store.headline().expect("headline").areas.is_empty(),
        "nothing written"
    );
    let (status, _, _) = site.http(
        "POST",
        &format!("/setup/{SECRET}"),
        "",
        &format!("la_code=831&area_name=&username=admin&password={PASSWORD}&confirm={PASSWORD}"),
    );
    assert_eq!(status, 303);
    assert_eq!(
        site.http("GET", &format!("/setup/{SECRET}"), "", "").0,
        404,
        "used once"
    );

    // The administrator sets up a team, two staff and their accounts.
    let admin = site.sign_in_as("admin", PASSWORD);
    let (status, _, page) = site.http("GET", "/admin", &admin, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("href=\"/admin\"") && page.contains("Sign out"),
        "navigation and sign-out"
    );
    assert!(
        !page.contains("href=\"/cases\""),
        "an administrator is not offered children's records"
    );
    let csrf = csrf_of(&page);
    let post = |path: &str, form: &str| {
        let (status, _, page) = site.http("POST", path, &admin, &format!("csrf={csrf}&{form}"));
        assert_eq!(status, 303, "{path} {form}: {page}");
    };
    post("/admin/teams", "team_name=SEND+Team+North");
    post(
        "/admin/organisations",
        "organisation_kind=integrated_care_board&organisation_name=NHS+Derby+and+Derbyshire+ICB",
    );
    let (_, _, page) = site.http("GET", "/admin", &admin, "");
    assert!(
        page.contains("NHS Derby and Derbyshire ICB (NHS integrated care board)"),
        "{page}"
    );
    post(
        "/admin/staff",
        "staff_name=Zara+Ali&staff_team=SEND+Team+North&staff_job=caseworker",
    );
    post(
        "/admin/staff",
        "staff_name=Sam+Patel&staff_team=SEND+Team+North&staff_job=team_manager",
    );
    let (_, _, page) = site.http("GET", "/admin", &admin, "");
    let staff_id = |name: &str| {
        let at = page
            .find(&format!(">{name} (SEND Team North)<"))
            .expect("offered");
        let before = &page[..at];
        let v = before.rfind("value=\"").expect("value") + 7;
        before[v..].split('"').next().unwrap_or("").to_string()
    };
    let (zara, sam) = (staff_id("Zara Ali"), staff_id("Sam Patel"));
    // A member of staff who leaves is no longer offered for allocation.
    post(
        "/admin/staff",
        "staff_name=Lee+Park&staff_team=SEND+Team+North&staff_job=caseworker",
    );
    let (_, _, page) = site.http("GET", "/admin", &admin, "");
    let lee = {
        let at = page.find(">Lee Park (SEND Team North)<").expect("offered");
        let v = page[..at].rfind("value=\"").expect("value") + 7;
        page[v..].split('"').next().unwrap_or("").to_string()
    };
    post(
        "/admin/staff/change",
        &format!("change_staff={lee}&change_to=left"),
    );
    let (_, _, page) = site.http("GET", "/admin", &admin, "");
    assert!(
        page.contains("Left ") && !page.contains(">Lee Park (SEND Team North)<"),
        "{page}"
    );
    post(
        "/admin/accounts",
        &format!("username=zali&role=caseworker&staff={zara}&password={PASSWORD}"),
    );
    post(
        "/admin/accounts",
        &format!("username=spatel&role=team_manager&staff={sam}&password={PASSWORD}"),
    );
    // A bad account is refused field by field, nothing written.
    let (status, _, page) = site.http(
        "POST",
        "/admin/accounts",
        &admin,
        &format!("csrf={csrf}&username=Bad+Name&role=&password=x"),
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("Choose the account&#39;s role")
            || page.contains("Choose the account's role"),
        "{page}"
    );

    // The same set-up through the API, with the administrator's token; only an
    // administrator may.
    let admin_token = site.token("admin");
    for (path, body) in [
        ("/api/v1/teams", json!({ "name": "SEND Team South" })),
        (
            "/api/v1/staff",
            json!({ "name": "Ali Khan", "team": "SEND Team South", "job": "caseworker" }),
        ),
        (
            "/api/v1/accounts",
            json!({ "username": "akhan", "role": "caseworker", "staff": "Ali Khan", "password": PASSWORD }),
        ),
    ] {
        let (status, answer) = site.api_post(path, &admin_token, &body.to_string());
        assert_eq!(status, 201, "{path}: {answer}");
        assert_schema("SetUp", &json_of(&answer));
    }
    let (status, answer) = site.api_post(
        "/api/v1/accounts",
        &admin_token,
        &json!({ "username": "nobody", "role": "caseworker", "staff": "Ann Other", "password": PASSWORD }).to_string(),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("no member of staff called"), "{answer}");
    let (status, _) = site.api_post(
        "/api/v1/teams",
        &site.token("zali"),
        &json!({ "name": "X" }).to_string(),
    );
    assert_eq!(status, 403, "a caseworker does not set up teams");

    // The caseworker, through the API.
    let token = site.token("zali");
    let call = |path: &str, body: Value, schema: &str, expect: u16| -> Value {
        let (status, answer) = site.api_post(path, &token, &body.to_string());
        assert_eq!(status, expect, "{path} {body}: {answer}");
        let v = json_of(&answer);
        assert_schema(schema, &v);
        v
    };
    let made = call(
        "/api/v1/cases",
        json!({
            "child": { "given_names": "Chidi", "family_name": "Okafor", "birth_date": "2018-05-04", "sex": "male", "ethnicity": "BAFR" },
            "parents": [{ "name": "Ngozi Okafor", "relationship": "mother", "email": "ngozi@example.com" }],
            "requested_by": "parent",
            "received_on": day(150),
        }),
        "RequestRecorded",
        201,
    );
    let case = made["case"].as_str().expect("case").to_string();
    let steps = format!("/api/v1/cases/{case}/steps");
    let step = |t: &str, payload: Value| {
        call(
            &steps,
            json!({ "type": t, "payload": payload }),
            "StepRecorded",
            201,
        )["seq"]
            .as_u64()
            .expect("seq")
    };
    // The decision, first recorded with the wrong date.
    let decided = step(
        "case.assessment_decided",
        json!({ "request": 1, "decision": "assess", "on": day(100), "reasons": null }),
    );
    step(
        "case.advice_requested",
        json!({ "request": 1, "kinds": ["education", "health", "social_care"], "on": day(99) }),
    );
    for kind in ["education", "health", "social_care"] {
        step(
            "case.advice_received",
            json!({ "request": 1, "kind": kind, "on": day(80) }),
        );
    }
    // An exception recorded by mistake.
    let mistake = step(
        "case.exception_recorded",
        json!({ "request": 1, "exception": "school_closure", "evidence": "entered on the wrong child" }),
    );
    step(
        "case.draft_plan_served",
        json!({ "request": 1, "on": day(60), "sections": {
        "a": "Chidi loves trains.", "b": "Speech and language", "c": "", "d": "", "e": "", "f": "", "g": "", "h1": "", "h2": "", "i": "", "j": "", "k": "" } }),
    );
    step(
        "case.final_plan_issued",
        json!({ "request": 1, "on": day(40), "sections": {
        "a": "Chidi loves trains.", "b": "Speech and language", "c": "", "d": "", "e": "", "f": "", "g": "", "h1": "", "h2": "", "i": "", "j": "", "k": "" },
        "needs": [{ "need": "SLCN", "rank": 1 }], "named": [], "personal_budget": false }),
    );

    // The decision's date corrected, with a reason; the exception voided.
    let amend = |seq: u64, what: &str, body: Value, expect: u16| {
        let (status, answer) = site.api_post(
            &format!("/api/v1/cases/{case}/events/{seq}/{what}"),
            &token,
            &body.to_string(),
        );
        assert_eq!(status, expect, "{what}: {answer}");
        json_of(&answer)
    };
    let no_reason = amend(
        decided,
        "correction",
        json!({ "payload": { "request": 1, "decision": "assess", "on": day(120), "reasons": null }, "reason": " " }),
        422,
    );
    assert!(
        no_reason["detail"]
            .as_str()
            .unwrap_or("")
            .contains("say why"),
        "{no_reason}"
    );
    assert_schema(
        "Amendment",
        &amend(
            decided,
            "correction",
            json!({ "payload": { "request": 1, "decision": "assess", "on": day(120), "reasons": null }, "reason": "the decision letter is dated earlier" }),
            201,
        ),
    );
    assert_schema(
        "Amendment",
        &amend(
            mistake,
            "void",
            json!({ "reason": "recorded on the wrong child's record" }),
            201,
        ),
    );
    assert_eq!(
        amend(mistake, "void", json!({ "reason": "again" }), 422)["status"],
        422
    );

    let (status, _, record) = site.api_get(&format!("/api/v1/cases/{case}"), &token);
    assert_eq!(status, 200, "{record}");
    let record = json_of(&record);
    assert_schema("Case", &record);
    let events = record["events"].as_array().expect("events");
    let of = |seq: u64| events.iter().find(|e| e["seq"] == seq).expect("event");
    assert_eq!(
        of(decided)["amended"]["now"]["on"],
        day(120),
        "the decision reads its corrected date"
    );
    assert!(
        of(mistake)["amended"]["voided"].is_array(),
        "{}",
        of(mistake)
    );
    // The decision deadline is met by the corrected date (120 days ago, 30 after the request).
    let decision = record["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["key"] == "decide_to_assess")
        .expect("the decision deadline");
    assert_eq!(decision["done"], day(120), "{decision}");
    assert_eq!(decision["state"], "met_on_time", "{decision}");
    // The timeline on the page shows both, and who did them.
    let zali = site.sign_in_as("zali", PASSWORD);
    let (_, _, page) = site.http("GET", &format!("/cases/{case}"), &zali, "");
    assert!(
        page.contains("(corrected)") && page.contains("the decision letter is dated earlier"),
        "{page}"
    );
    assert!(
        page.contains("(void)") && page.contains("recorded on the wrong child"),
        "{page}"
    );
    assert!(page.contains("by Zara Ali"), "people by name");
    assert!(
        page.contains("Signed in as <strong>Zara Ali</strong>"),
        "the header names her"
    );
    // On the pages: the correction form shows what the step holds now; a correction
    // without a reason is refused, nothing written; with one it is saved.
    let form_url = format!("/cases/{case}/events/{decided}/correct");
    let (status, _, form) = site.http("GET", &form_url, &zali, "");
    assert_eq!(status, 200, "{form}");
    let was = sendscope_domain::calendar::england_today() - chrono::Days::new(120);
    assert!(
        form.contains(&format!(
            "name=\"on-year\" type=\"text\" inputmode=\"numeric\" value=\"{}\"",
            was.format("%Y")
        )),
        "{form}"
    );
    let zcsrf = csrf_of(&form);
    let events = || site.store.headline().expect("headline").events;
    let before = events();
    let fields = format!(
        "csrf={zcsrf}&request=1&decision=assess&on-day={}&on-month={}&on-year={}",
        was.format("%-d"),
        was.format("%-m"),
        was.format("%Y")
    );
    let (status, _, page) = site.http("POST", &form_url, &zali, &fields);
    assert_eq!(status, 400);
    assert!(page.contains("Say why it is being corrected"), "{page}");
    assert_eq!(events(), before, "nothing written");
    let (status, _, _) = site.http(
        "POST",
        &form_url,
        &zali,
        &format!("{fields}&reason=checked+again"),
    );
    assert_eq!(status, 303);
    assert_eq!(events(), before + 1);
    let (status, _, page) = site.http(
        "GET",
        &format!("/cases/{case}/events/{mistake}/void"),
        &zali,
        "",
    );
    assert_eq!(status, 422, "a voided step cannot be voided again: {page}");

    // The mother's account, made through the API: she sees her child's record and what
    // happens next (the same account on the pages is made below).
    post(
        "/admin/accounts",
        &format!(
            "username=ngozi&role=parent_carer&child={case}&person=Ngozi+Okafor&password={PASSWORD}"
        ),
    );
    let mother = site.sign_in_as("ngozi", PASSWORD);
    let (status, _, page) = site.http("GET", &format!("/cases/{case}"), &mother, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Chidi") && page.contains("review"),
        "her child's record and the next review: {page}"
    );
    let (_, _, list) = site.http("GET", "/cases", &mother, "");
    assert!(list.contains("Okafor, Chidi"), "{list}");
    assert!(
        !page.contains("/correct\""),
        "a family cannot correct the record"
    );
    // She sees that a step was corrected or voided, not the staff's notes on why.
    assert!(
        page.contains("(corrected)") && page.contains("(void)"),
        "{page}"
    );
    assert!(
        !page.contains("the decision letter is dated earlier")
            && !page.contains("recorded on the wrong child")
            && !page.contains("checked again"),
        "staff's reasons stay with staff: {page}"
    );
}
both!(from_an_empty_database);
