//! The OpenAPI document is a published contract: any change to it must be seen and
//! committed. Run with `UPDATE_SNAPSHOTS=1` to accept a deliberate change, then review
//! the diff of `tests/snapshots/openapi.json`.

#[test]
fn openapi_document_matches_the_committed_snapshot() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json");
    let now = serde_json::to_string_pretty(&sendscope_web::api::openapi()).expect("json") + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &now).expect("snapshot written");
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == now,
        "the OpenAPI document changed; if that is intended, run UPDATE_SNAPSHOTS=1 cargo test -p sendscope-web --test openapi and commit tests/snapshots/openapi.json"
    );
}

#[test]
fn every_documented_operation_has_responses_and_every_route_is_documented() {
    let doc = sendscope_web::api::openapi();
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented: Vec<&str> = paths.keys().map(String::as_str).collect();
    documented.sort();
    assert_eq!(
        documented,
        [
            "/api/v1/accounts",
            "/api/v1/advice-requests",
            "/api/v1/capital-projects",
            "/api/v1/capital-projects/steps",
            "/api/v1/cases",
            "/api/v1/cases/{id}",
            "/api/v1/cases/{id}/advice",
            "/api/v1/cases/{id}/deadlines",
            "/api/v1/cases/{id}/documents",
            "/api/v1/cases/{id}/documents/{sha256}",
            "/api/v1/cases/{id}/events/{seq}/correction",
            "/api/v1/cases/{id}/events/{seq}/void",
            "/api/v1/cases/{id}/merge",
            "/api/v1/cases/{id}/plan",
            "/api/v1/cases/{id}/plan.pdf",
            "/api/v1/cases/{id}/steps",
            "/api/v1/complaints",
            "/api/v1/figures",
            "/api/v1/me",
            "/api/v1/partnership",
            "/api/v1/partnership/steps",
            "/api/v1/provisions/{id}/steps",
            "/api/v1/settings",
            "/api/v1/settings/{id}",
            "/api/v1/staff",
            "/api/v1/teams"
        ]
    );
    let routes = include_str!("../src/lib.rs");
    for p in &documented {
        assert!(routes.contains(&format!("\"{p}\"")), "{p} is routed");
    }
    for (p, item) in paths {
        let (method, op) = item
            .as_object()
            .and_then(|o| o.iter().next())
            .expect("an operation");
        let r = &op["responses"];
        let ok = if method == "post" { "201" } else { "200" };
        assert!(r[ok].is_object() && r["401"].is_object(), "{p}");
    }
}
