//! A new child's request for assessment through the API, and finding children again:
//! duplicates caught by UPN and NHS number, possible matches offered, search by any part
//! of a name (accents ignored), UPN, NHS number, date of birth and a parent's name.

#[macro_use]
mod support;

use serde_json::{Value, json};
use support::*;

/// A valid UPN (check letter computed) and NHS number (check digit) for the tests.
const UPN: &str = "H801200001001";
const NHS: &str = "9434765919";

fn request(child: Value, extra: Value) -> String {
    let mut body = json!({
        "child": child,
        "parents": [{ "name": "Maryam Ó Briain", "relationship": "mother", "email": "maryam@example.com" }],
        "requested_by": "parent",
        "received_on": sendscope_domain::calendar::england_today().to_string(),
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body.to_string()
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).expect("JSON")
}

fn intake(db: Db) {
    let site = Site::demo(db, 40);
    assert!(
        sendscope_domain::codes::Upn::parse(UPN).is_ok()
            && sendscope_domain::codes::NhsNumber::parse(NHS).is_ok(),
        "the test's codes are valid"
    );
    let token = site.token("caseworker");
    let events = || site.store.headline().expect("headline").events;
    let zoe = json!({
        "given_names": "Zoë", "family_name": "Ó Briain", "birth_date": "2019-03-12",
        "sex": "female", "upn": UPN, "nhs_number": "943 476 5919",
    });

    // A new child: their record opened, the request on it, the decision clock running.
    let (status, body) = site.api_post("/api/v1/cases", &token, &request(zoe.clone(), json!({})));
    assert_eq!(status, 201, "{body}");
    let made = json_of(&body);
    assert_eq!(made["existing"], false);
    let case = made["case"].as_str().expect("case").to_string();
    assert!(
        made["deadlines"]
            .as_array()
            .expect("deadlines")
            .iter()
            .any(|d| d["state"] == "upcoming"),
        "{body}"
    );

    // The same UPN is the same child: the second request goes on the same record.
    let before = events();
    let again = json!({ "given_names": "Zoe", "family_name": "OBrian", "birth_date": "2019-03-12", "upn": UPN });
    let (status, body) = site.api_post("/api/v1/cases", &token, &request(again, json!({})));
    // A request is already open on the record: refused, nothing written.
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("request"), "{body}");
    assert_eq!(events(), before);

    // A similar name with the same date of birth and no shared number: offered, not guessed.
    let similar =
        json!({ "given_names": "Zoe", "family_name": "O Brian", "birth_date": "2019-03-12" });
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(similar.clone(), json!({})),
    );
    assert_eq!(status, 409, "{body}");
    let offered = json_of(&body);
    let matches = offered["possible_matches"].as_array().expect("matches");
    assert_eq!(matches.len(), 1, "{body}");
    assert_eq!(matches[0]["case"], case.as_str());
    assert_eq!(
        events(),
        before,
        "nothing written while matches are offered"
    );
    // Told it is a different child, a new record is opened.
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(similar, json!({ "not_a_match": true })),
    );
    assert_eq!(status, 201, "{body}");
    assert_ne!(json_of(&body)["case"], case.as_str());

    // Bad answers are listed field by field, and nothing is written.
    let before = events();
    let tomorrow = sendscope_domain::calendar::england_today()
        .succ_opt()
        .expect("tomorrow");
    let bad = json!({ "given_names": "", "family_name": "Ali", "birth_date": "2019-03-12", "upn": "H80120000100" });
    let (status, body) = site.api_post(
        "/api/v1/cases",
        &token,
        &request(bad, json!({ "received_on": tomorrow.to_string() })),
    );
    assert_eq!(status, 400, "{body}");
    let problem = json_of(&body);
    let fields: Vec<&str> = problem["invalid-params"]
        .as_array()
        .expect("invalid-params")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(fields, ["given_names", "upn", "received_on"], "{body}");
    assert_eq!(events(), before);

    // Roles that do not record casework cannot open records.
    let (status, _) = site.api_post(
        "/api/v1/cases",
        &site.token("commissioner"),
        &request(zoe, json!({})),
    );
    assert_eq!(status, 403);

    // Search: any part of a name, accents ignored, a UPN, an NHS number written in groups,
    // a date of birth either way, a parent's name. Each query finds Zoë; none finds nobody.
    let found = |q: &str| -> Vec<String> {
        let (status, _, body) = site.api_get(
            &format!("/api/v1/cases?limit=100&name={}", urlencode(q)),
            &token,
        );
        assert_eq!(status, 200, "{q}: {body}");
        json_of(&body)["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect()
    };
    for q in [
        "zoe",
        "ZOË",
        "briain",
        "Ó Briain, Zoë",
        "bria",
        UPN,
        &UPN.to_lowercase(),
        "943 476 5919",
        NHS,
        "2019-03-12",
        "12/03/2019",
        "12/3/2019",
        "maryam",
        "Maryam O Briain",
    ] {
        assert!(found(q).contains(&case), "{q:?} finds Zoë");
    }
    assert!(found("zoe nobody-by-this-name").is_empty());
}
both!(intake);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
