//! Case notes and contacts: recorded by staff, seen by staff, never by the family.

#[macro_use]
mod support;
use serde_json::{Value, json};
use support::*;

both!(notes_are_for_staff_only);
fn notes_are_for_staff_only(db: Db) {
    let site = Site::demo(db, 20);
    let token = site.token("caseworker");
    let day =
        |n: u64| (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string();
    let case = site.new_request(&token, json!({ "given_names": "Noor", "family_name": "Noted", "birth_date": "2017-02-14", "sex": "female", "ethnicity": "WBRI" }), "Lina Noted", 10);
    let note = |summary: &str, want: u16| {
        let (status, body) = site.api_post(
            &format!("/api/v1/cases/{case}/steps"),
            &token,
            &json!({ "type": "case.note_recorded", "payload": { "on": day(1), "kind": "phone_call", "with_whom": "Lina Noted, mother", "summary": summary } }).to_string(),
        );
        assert_eq!(status, want, "{body}");
    };
    note(" ", 422);
    note(
        "Mum worried about transport to the assessment; agreed a taxi.",
        201,
    );
    let admin = site.token("admin");
    let (status, body) = site.api_post(
        "/api/v1/accounts",
        &admin,
        &json!({ "username": "lina", "role": "parent_carer", "password": "correct horse battery", "child": case, "person": "Lina Noted" }).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    // Staff: on the page and in the API.
    let (_, _, page) = site.http(
        "GET",
        &format!("/cases/{case}"),
        &site.sign_in("caseworker"),
        "",
    );
    assert!(
        page.contains("Case notes and contacts") && page.contains("agreed a taxi"),
        "{page}"
    );
    let (_, _, body) = site.api_get(&format!("/api/v1/cases/{case}"), &token);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_schema("Case", &v);
    assert_eq!(v["notes"][0]["kind"], "Phone call");
    // The mother sees her child's record, and no note.
    let lina = site.sign_in_as("lina", "correct horse battery");
    let (status, _, page) = site.http("GET", &format!("/cases/{case}"), &lina, "");
    assert_eq!(status, 200);
    assert!(!page.contains("agreed a taxi") && !page.contains("Case notes and contacts"));
    let lina_token = {
        let name = sendscope_domain::account::Username::parse("lina").expect("name");
        sendscope_app::accounts::issue_api_token(
            site.store.as_ref(),
            &name,
            "test",
            30,
            "user:admin-cli",
        )
        .expect("token")
        .secret
    };
    let (status, _, body) = site.api_get(&format!("/api/v1/cases/{case}"), &lina_token);
    assert_eq!(status, 200);
    assert!(
        !body.contains("agreed a taxi") && !body.contains("\"notes\""),
        "{body}"
    );
    // A note is not corrected (a correction's new words would show in the record's
    // history to the family): it is voided and written again.
    let events = site
        .store
        .stream_events(sendscope_domain::StreamRef::case(
            sendscope_domain::ids::CaseId::parse(&case).expect("id"),
        ))
        .expect("events");
    let noted = events
        .iter()
        .find(|e| e.event_type == "case.note_recorded")
        .expect("the note")
        .seq;
    let (status, body) = site.api_post(
        &format!("/api/v1/cases/{case}/events/{noted}/correction"),
        &token,
        &json!({ "payload": { "on": day(1), "kind": "note", "summary": "changed" }, "reason": "typo" }).to_string(),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("void it and write it again"), "{body}");
    // The record's page offers to void the note, not to correct it.
    let (_, _, page) = site.http(
        "GET",
        &format!("/cases/{case}"),
        &site.sign_in("caseworker"),
        "",
    );
    assert!(page.contains(&format!("/events/{noted}/void")), "{page}");
    assert!(
        !page.contains(&format!("/events/{noted}/correct")),
        "{page}"
    );
    let (status, body) = site.api_post(
        &format!("/api/v1/cases/{case}/events/{noted}/void"),
        &token,
        &json!({ "reason": "written on the wrong child's record" }).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let (_, _, body) = site.api_get(&format!("/api/v1/cases/{case}"), &token);
    assert!(
        !body.contains("agreed a taxi"),
        "a voided note no longer shows"
    );
    // Nor may she record one.
    let (status, _) = site.api_post(
        &format!("/api/v1/cases/{case}/steps"),
        &lina_token,
        &json!({ "type": "case.note_recorded", "payload": { "on": day(1), "kind": "note", "summary": "x" } }).to_string(),
    );
    assert_eq!(status, 403);
}
