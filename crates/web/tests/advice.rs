//! Advice asked of the services: the health professional's list with due dates, giving
//! health advice with a report (the clock stops), and each role's reach.

#[macro_use]
mod support;
use serde_json::{Value, json};
use support::*;

fn day(n: u64) -> String {
    (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string()
}

both!(health_sees_what_is_asked_and_gives_advice);
fn health_sees_what_is_asked_and_gives_advice(db: Db) {
    let site = Site::demo(db, 40);
    let worker = site.token("caseworker");
    let case = site.new_request(&worker, json!({ "given_names": "Ada", "family_name": "Advice-Asked", "birth_date": "2019-05-04", "sex": "female", "ethnicity": "WBRI" }), "Eve Advice-Asked", 60);
    site.steps(
        &worker,
        &case,
        &[
            (
                "case.assessment_decided",
                json!({ "request": 1, "decision": "assess", "on": day(30), "reasons": null }),
            ),
            (
                "case.advice_requested",
                json!({ "request": 1, "kinds": ["health", "education"], "on": day(20) }),
            ),
        ],
    );

    // Health's list: the health advice, due six weeks from the request; not education's.
    let health = site.sign_in("health");
    let (status, _, page) = site.http("GET", "/advice", &health, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Ada Advice-Asked") && page.contains("22 days left"),
        "{page}"
    );
    let token = site.token("health");
    let (status, _, body) = site.api_get("/api/v1/advice-requests", &token);
    assert_eq!(status, 200, "{body}");
    let list: Value = serde_json::from_str(&body).expect("json");
    assert_schema("AdviceRequests", &list);
    let mine: Vec<&Value> = list["advice_requests"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|x| x["case"] == case.as_str())
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "health is shown the health advice only: {mine:?}"
    );
    assert_eq!(
        (mine[0]["service"].as_str(), mine[0]["state"].as_str()),
        (Some("health"), Some("due"))
    );

    // Not education's advice, and nothing from a parent.
    assert_eq!(
        site.http(
            "GET",
            &format!("/cases/{case}/advice/1/education"),
            &health,
            ""
        )
        .0,
        404
    );
    let (status, _) = site.post_multipart(
        &format!("/api/v1/cases/{case}/advice"),
        "",
        &token,
        &[("request", "1"), ("service", "education"), ("advice", "x")],
        None,
    );
    assert_eq!(status, 403);
    assert_eq!(
        site.http("GET", "/advice", &site.sign_in("parent"), "").0,
        403
    );

    // Given on the form, with a report: the clock stops, the report is on the record.
    let (status, _, form) = site.http(
        "GET",
        &format!("/cases/{case}/advice/1/health"),
        &health,
        "",
    );
    assert_eq!(status, 200);
    let csrf = csrf_of(&form);
    let path = format!("/cases/{case}/advice/1/health");
    let (status, body) =
        site.post_multipart(&path, &health, "", &[("csrf", &csrf), ("advice", "")], None);
    assert_eq!(status, 422);
    assert!(
        body.contains("Write the advice"),
        "nothing given is refused"
    );
    let report = b"%PDF-1.4 community paediatrics report";
    let (status, body) = site.post_multipart(
        &path,
        &health,
        "",
        &[
            ("csrf", &csrf),
            (
                "advice",
                "Ada has glue ear; she needs a quiet room for listening work.",
            ),
        ],
        Some(("report.pdf", report)),
    );
    assert_eq!(status, 303, "{body}");
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let p = site
        .store
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .expect("case");
    let c = p.case().expect("case");
    let health_advice = c.requests[0]
        .advice
        .iter()
        .find(|a| a.kind == sendscope_domain::sen::AdviceKind::Health)
        .expect("asked");
    assert_eq!(
        health_advice.received_on,
        Some(sendscope_domain::calendar::england_today())
    );
    assert!(
        health_advice
            .advice
            .as_deref()
            .is_some_and(|a| a.contains("glue ear"))
    );
    assert_eq!(
        health_advice.document.as_deref(),
        c.documents.first().map(|d| d.document.sha256.as_str())
    );
    let (_, _, body) = site.api_get("/api/v1/advice-requests", &token);
    assert!(body.contains("\"state\":\"on_time\""), "{body}");
    // Given twice is refused: nothing more is awaited.
    let (status, _) = site.post_multipart(
        &format!("/api/v1/cases/{case}/advice"),
        "",
        &token,
        &[("request", "1"), ("service", "health"), ("advice", "again")],
        None,
    );
    assert_eq!(status, 422);
    // The caseworker sees both services' advice, education's still awaited.
    let (_, _, body) = site.api_get("/api/v1/advice-requests", &worker);
    let all: Value = serde_json::from_str(&body).expect("json");
    let education = all["advice_requests"]
        .as_array()
        .expect("list")
        .iter()
        .find(|x| x["case"] == case.as_str() && x["service"] == "education")
        .cloned();
    assert_eq!(
        education.map(|x| x["state"].clone()),
        Some(json!("due")),
        "{body}"
    );
}

both!(the_psychology_and_social_care_services_give_their_own_advice);
/// The educational psychologist and the social worker each see the children their
/// service's advice is asked about, give it (the clock stops), and cannot give the other's
/// or open a record their service is not asked about.
fn the_psychology_and_social_care_services_give_their_own_advice(db: Db) {
    let site = Site::demo(db, 20);
    let worker = site.token("caseworker");
    let case = site.new_request(&worker, json!({ "given_names": "Sol", "family_name": "Services", "birth_date": "2018-09-04", "sex": "male", "ethnicity": "WBRI" }), "Ria Services", 60);
    let other = site.new_request(&worker, json!({ "given_names": "Una", "family_name": "Unasked", "birth_date": "2018-01-04", "sex": "female", "ethnicity": "WBRI" }), "Ivy Unasked", 60);
    site.steps(
        &worker,
        &case,
        &[
            (
                "case.assessment_decided",
                json!({ "request": 1, "decision": "assess", "on": day(30), "reasons": null }),
            ),
            (
                "case.advice_requested",
                json!({ "request": 1, "kinds": ["educational_psychology", "social_care"], "on": day(20) }),
            ),
        ],
    );
    for (user, mine, theirs) in [
        ("ep", "educational_psychology", "social_care"),
        ("social", "social_care", "educational_psychology"),
    ] {
        let token = site.token(user);
        let (status, _, body) = site.api_get("/api/v1/advice-requests", &token);
        assert_eq!(status, 200, "{body}");
        let list: Value = serde_json::from_str(&body).expect("json");
        let services: Vec<&str> = list["advice_requests"]
            .as_array()
            .expect("list")
            .iter()
            .filter(|x| x["case"] == case.as_str())
            .filter_map(|x| x["service"].as_str())
            .collect();
        assert_eq!(services, [mine], "{user}: {body}");
        let (status, _, page) = site.http("GET", "/advice", &site.sign_in(user), "");
        assert_eq!(status, 200);
        assert!(page.contains("Sol Services"), "{page}");
        // Not the other service's advice, and not a child their service is not asked about.
        let give = |service: &str, advice: &str| {
            site.post_multipart(
                &format!("/api/v1/cases/{case}/advice"),
                "",
                &token,
                &[("request", "1"), ("service", service), ("advice", advice)],
                None,
            )
            .0
        };
        assert_eq!(give(theirs, "not ours"), 403, "{user}");
        let (status, _, _) = site.api_get(&format!("/api/v1/cases/{other}"), &token);
        assert_eq!(status, 404, "{user} sees only children asked about");
        assert_eq!(give(mine, "Sol's advice from this service."), 201, "{user}");
    }
    let (_, _, body) = site.api_get("/api/v1/advice-requests", &worker);
    let all: Value = serde_json::from_str(&body).expect("json");
    let states: Vec<&str> = all["advice_requests"]
        .as_array()
        .expect("list")
        .iter()
        .filter(|x| x["case"] == case.as_str())
        .filter_map(|x| x["state"].as_str())
        .collect();
    assert_eq!(states, ["on_time", "on_time"], "{body}");
}
