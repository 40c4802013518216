//! Quality assurance of SEND capital and new places (the stocktake letter's APA 4): a
//! capital project is one record funding several provisions with its decision trail; the
//! DfE may defer pending viable-options evidence; a provision has an opening date; places
//! with no approval in effect are flagged on their own; the provision page, the project
//! page and the compliance report agree, and the report links and filters each finding
//! by school, provision and child.

#[macro_use]
mod support;
use serde_json::{Value, json};
use support::*;

both!(a_capital_project_and_the_places_it_funds);
fn a_capital_project_and_the_places_it_funds(db: Db) {
    let site = Site::demo(db, 40);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let today = sendscope_domain::calendar::england_today();
    let day = |n: i64| (today - chrono::Duration::days(n)).to_string();
    let token = site.token("commissioner");
    let manager = site.sign_in("manager");

    // The demo's project, recorded through the same steps: five provisions, the DfE's
    // deferral pending viable-options evidence, then its approval.
    let (status, _, body) = site.api_get("/api/v1/capital-projects", &token);
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    let demo = &v["projects"][0];
    assert_eq!(demo["proposed"]["reference"], "CAP-25-003");
    let shares = demo["shares"].as_array().expect("shares").len();
    assert!((1..=5).contains(&shares), "{shares} shares");
    assert_eq!(demo["decisions"][1]["outcome"], "deferred");
    assert_eq!(demo["decisions"][1]["pending"], "viable-options evidence");
    let demo_id = demo["project"].as_str().expect("id").to_string();
    let (status, _, page) = site.http("GET", &format!("/capital/{demo_id}"), &manager, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Deferred by DfE pending viable-options evidence"),
        "the trail shows the deferral"
    );
    assert!(page.contains("Provisions it funds"));
    let (_, _, list) = site.http("GET", "/capital", &manager, "");
    assert!(list.contains("CAP-25-003: Resourced provision expansion"));

    // A new resourced provision at a school, opening at the start of this academic year,
    // its approval applied for but not yet decided.
    let setting = store
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .into_iter()
        .next()
        .expect("a school")
        .stream
        .id;
    let provision = uuid::Uuid::new_v4().to_string();
    let prov_step = |t: &str, payload: Value| {
        site.api_post(
            &format!("/api/v1/provisions/{provision}/steps"),
            &token,
            &json!({ "type": t, "payload": payload }).to_string(),
        )
    };
    let year = sendscope_domain::codes::AcademicYear::containing(today);
    let year_start = chrono::NaiveDate::from_ymd_opt(year.start_year(), 9, 1).expect("day");
    for (t, payload) in [
        (
            "provision.opened",
            json!({ "setting": setting, "kind": "resourced_provision", "name": "Speech and language base",
                     "need_types": ["SLCN"], "low_age": 4, "high_age": 11, "opens_on": year_start }),
        ),
        (
            "provision.approval_applied",
            json!({ "route": "significant_change", "submitted_on": day(400) }),
        ),
    ] {
        let (status, body) = prov_step(t, payload);
        assert_eq!(status, 201, "{t}: {body}");
    }
    // Nothing yet to flag: no places, no capital.
    let findings_for = |filter: &str| {
        let (status, _, page) = site.http("GET", &format!("/compliance?{filter}"), &manager, "");
        assert_eq!(status, 200);
        page
    };
    let narrowed = findings_for(&format!("provision={provision}"));
    assert!(!narrowed.contains("Places with no approval in effect"));

    // The project: proposed, a share for the new base, approved by cabinet before the
    // base's own approval.
    let capital = |project: Option<&str>, t: &str, payload: Value| {
        site.api_post(
            "/api/v1/capital-projects/steps",
            &token,
            &json!({ "project": project, "type": t, "payload": payload }).to_string(),
        )
    };
    let (status, body) = capital(
        None,
        "capital_project.proposed",
        json!({ "reference": "CAP-26-001", "name": "Speech and language base", "proposed_on": day(380),
                 "amount": 30_000_000, "places": 12, "summary": "A new base for 12 children" }),
    );
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<Value>(&body).expect("json")["project"]
        .as_str()
        .expect("id")
        .to_string();
    // The same reference twice is refused.
    let (status, _) = capital(
        None,
        "capital_project.proposed",
        json!({ "reference": "cap-26-001", "name": "Again", "proposed_on": day(380),
                 "amount": 100, "places": 1, "summary": "" }),
    );
    assert_eq!(status, 422);
    let (status, body) = capital(
        Some(&id),
        "capital_project.provision_funded",
        json!({ "provision": provision, "places": 12, "amount": 30_000_000, "on": day(370) }),
    );
    assert_eq!(status, 201, "{body}");
    // More than the project has to share out is refused, saying what is left.
    let (status, body) = capital(
        Some(&id),
        "capital_project.provision_funded",
        json!({ "provision": provision, "places": 1, "amount": 100, "on": day(370) }),
    );
    assert_eq!(status, 422, "{body}");
    // A deferral must say what it waits for.
    let (status, body) = capital(
        Some(&id),
        "capital_project.decided",
        json!({ "decided_on": day(360), "decided_by": "DfE", "outcome": "deferred", "reasons": "" }),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("what it waits for"), "{body}");
    let (status, body) = capital(
        Some(&id),
        "capital_project.decided",
        json!({ "decided_on": day(350), "decided_by": "Cabinet", "outcome": "approved", "reasons": "Urgent need" }),
    );
    assert_eq!(status, 201, "{body}");
    // A school's account cannot record capital.
    let school = site.token("school");
    let (status, _) = site.api_post(
        "/api/v1/capital-projects/steps",
        &school,
        &json!({ "project": id, "type": "capital_project.spent", "payload": { "on": day(1), "spent_to_date": 5 } })
            .to_string(),
    );
    assert_eq!(status, 403);

    // The DfE defers the base's own approval pending viable-options evidence: the
    // provision page says so (not "refused", not "no decision yet").
    let (status, body) = prov_step(
        "provision.approval_decided",
        json!({ "route": "significant_change", "approved": false, "decided_on": day(300),
                 "deferred_pending": "viable-options evidence" }),
    );
    assert_eq!(status, 201, "{body}");
    let (status, body) = prov_step(
        "provision.approval_decided",
        json!({ "route": "significant_change", "approved": true, "decided_on": day(300),
                 "deferred_pending": "viable-options evidence" }),
    );
    assert_eq!(status, 422, "an approval does not wait: {body}");
    let (status, _, prov_page) =
        site.http("GET", &format!("/provisions/{provision}"), &manager, "");
    assert_eq!(status, 200);
    assert!(
        prov_page.contains("deferred on") && prov_page.contains("pending viable-options evidence"),
        "the provision page reads the deferral"
    );
    assert!(
        prov_page.contains(&format!("/capital/{id}")),
        "and links its capital project"
    );
    assert!(prov_page.contains("open since") || prov_page.contains("opens on"));

    // Places set for this year with no approval in effect: flagged on their own, though
    // no child is named there.
    let (status, body) = prov_step(
        "provision.places_set",
        json!({ "academic_year": year.to_string(), "places": 12 }),
    );
    assert_eq!(status, 201, "{body}");
    let report = sendscope_app::compliance::report(store, area, today, true).expect("report");
    let mine: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.provision_id.map(|p| p.to_string()) == Some(provision.clone()))
        .collect();
    let kinds: Vec<_> = mine.iter().map(|f| f.what).collect();
    assert!(
        kinds.contains(&"Capital approved before approval"),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&"Places with no approval in effect"),
        "{kinds:?}"
    );
    assert!(mine.iter().all(|f| f.open));
    let capital_finding = mine
        .iter()
        .find(|f| f.what == "Capital approved before approval")
        .expect("capital");
    assert!(capital_finding.detail.contains("CAP-26-001"));
    assert!(capital_finding.detail.contains("Cabinet"));

    // The report narrowed to the provision shows only its findings, each linked to the
    // provision and its school; the whole report has a filter form.
    let narrowed = findings_for(&format!("provision={provision}"));
    assert!(narrowed.contains("Places with no approval in effect"));
    assert!(narrowed.contains(&format!("href=\"/provisions/{provision}\"")));
    assert!(narrowed.contains(&format!("href=\"/settings/{setting}\"")));
    assert_eq!(
        narrowed.matches("<tr class=\"govuk-table__row\">").count(),
        // The header row of each table, and this provision's findings.
        2 + mine.len(),
        "only this provision's findings"
    );
    let all = findings_for("");
    assert!(all.contains("name=\"school\"") && all.contains("name=\"provision\""));

    // Once the approval takes effect, the findings close.
    let (status, body) = prov_step(
        "provision.approval_decided",
        json!({ "route": "significant_change", "approved": true, "decided_on": day(10) }),
    );
    assert_eq!(status, 201, "{body}");
    let report = sendscope_app::compliance::report(store, area, today, true).expect("report");
    assert!(
        report
            .findings
            .iter()
            .filter(|f| f.provision_id.map(|p| p.to_string()) == Some(provision.clone()))
            .all(|f| !f.open)
    );
}
