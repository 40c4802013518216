//! The complaints register: each complaint's response due by the council's policy (area
//! data, in working days), on the queue when due, answered with the response kept.

#[macro_use]
mod support;
use serde_json::{Value, json};
use support::*;

both!(complaints_are_answered_by_the_councils_policy);
fn complaints_are_answered_by_the_councils_policy(db: Db) {
    let site = Site::demo(db, 20);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let today = sendscope_domain::calendar::england_today();
    let day = |n: u64| today - chrono::Days::new(n);
    // The council answers within 10 working days from 30 days ago.
    let policy = sendscope_domain::event::ComplaintsPolicy {
        from: day(30),
        respond_within_working_days: 10,
    };
    sendscope_app::complaints::adopt_policy(store, area, policy, "user:admin-cli")
        .expect("policy adopted");
    let bad = sendscope_domain::event::ComplaintsPolicy {
        from: day(30),
        respond_within_working_days: 0,
    };
    assert!(sendscope_app::complaints::adopt_policy(store, area, bad, "user:admin-cli").is_err());
    let token = site.token("caseworker");
    let case = site.new_request(&token, json!({ "given_names": "Cora", "family_name": "Complains", "birth_date": "2016-05-02", "sex": "female", "ethnicity": "WBRI" }), "Dana Complains", 40);
    // A caller may not set the response date: it comes from the policy.
    let (status, body) = site.api_post(
        &format!("/api/v1/cases/{case}/steps"),
        &token,
        &json!({ "type": "case.complaint_received", "payload": { "reference": "C-1", "on": day(20).to_string(), "about": "Nobody returned my calls", "respond_by": day(1).to_string() } }).to_string(),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("complaints policy"), "{body}");
    // Two complaints: one received 20 days ago (overdue: 10 working days have passed),
    // one today (due in 10 working days).
    site.steps(
        &token,
        &case,
        &[
            ("case.complaint_received", json!({ "reference": "C-1", "on": day(20).to_string(), "about": "Nobody returned my calls" })),
            ("case.complaint_received", json!({ "reference": "C-2", "on": today.to_string(), "about": "The draft plan has the wrong school" })),
        ],
    );
    let (status, _, body) = site.api_get("/api/v1/complaints", &token);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_schema("Complaints", &v);
    let list = v["complaints"].as_array().expect("list");
    assert_eq!(list.len(), 2, "{body}");
    assert_eq!(list[0]["reference"], "C-1");
    assert_eq!(list[0]["state"], "overdue");
    assert_eq!(
        list[0]["respond_by"],
        policy.respond_by(day(20)).to_string()
    );
    assert_eq!(list[1]["reference"], "C-2");
    assert_eq!(list[1]["state"], "due");
    assert_eq!(list[1]["respond_by"], policy.respond_by(today).to_string());
    // The overdue one is on the team manager's queue.
    let manager = site.sign_in("manager");
    let (_, _, queue) = site.http("GET", "/queue", &manager, "");
    assert!(queue.contains("Response to complaint C-1"), "{queue}");
    // The register page: overdue marked, a link to record the response with its reference.
    let worker = site.sign_in("caseworker");
    let (status, _, page) = site.http("GET", "/complaints", &worker, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("within 10 working days") && page.contains("Overdue"),
        "{page}"
    );
    let respond = format!("/cases/{case}/steps/complaint-responded?reference=C-1");
    assert!(page.contains(&respond.replace('&', "&amp;")), "{page}");
    let (status, _, form) = site.http("GET", &respond, &worker, "");
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("value=\"C-1\""), "{form}");
    // A response without its words is refused; with them it is kept.
    let answer = |response: &str| {
        site.api_post(
            &format!("/api/v1/cases/{case}/steps"),
            &token,
            &json!({ "type": "case.complaint_responded", "payload": { "reference": "C-1", "on": day(2).to_string(), "upheld": true, "response": response } }).to_string(),
        )
    };
    let (status, body) = answer("  ");
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("give the response"), "{body}");
    let (status, body) = answer("We are sorry. Your caseworker will now call you every Monday.");
    assert_eq!(status, 201, "{body}");
    let (_, _, body) = site.api_get("/api/v1/complaints", &token);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["complaints"].as_array().map(Vec::len), Some(1), "{body}");
    let (_, _, body) = site.api_get("/api/v1/complaints?all=true", &token);
    let v: Value = serde_json::from_str(&body).expect("json");
    let c1 = &v["complaints"][1];
    assert_eq!(c1["reference"], "C-1", "{body}");
    assert_eq!(c1["state"], "late");
    assert_eq!(c1["upheld"], true);
    assert!(
        c1["response"]
            .as_str()
            .is_some_and(|r| r.contains("every Monday"))
    );
    let (_, _, page) = site.http("GET", "/complaints?all=1", &worker, "");
    assert!(
        page.contains("every Monday") && page.contains("late"),
        "{page}"
    );
    let (_, _, queue) = site.http("GET", "/queue", &manager, "");
    assert!(!queue.contains("Response to complaint C-1"), "{queue}");
    // Families and partners do not see the register.
    for user in ["health", "school", "parent"] {
        let (status, _, _) = site.api_get("/api/v1/complaints", &site.token(user));
        assert_eq!(status, 403, "{user}");
        let (status, _, _) = site.http("GET", "/complaints", &site.sign_in(user), "");
        assert_eq!(status, 403, "{user}");
    }
}
