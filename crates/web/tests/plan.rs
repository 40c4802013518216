//! The EHC plan as a document: written section by section through the API (outcomes and
//! provision as structured lines), carried from draft to final, amended; read as a page,
//! as JSON and as a PDF whose text holds every section heading in order and the
//! provision as typed; what changed between versions; and who may read it.

#[macro_use]
mod support;
use serde_json::{Value, json};
use support::*;

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON ({e}): {body}"))
}

fn day(n: u64) -> String {
    (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string()
}

fn sections(speech: &str) -> Value {
    json!({
        "a": "Ada loves trains and wants to be a driver.",
        "b": "Ada finds it hard to understand and use spoken language.",
        "c": "Ada has glue ear.", "d": "None known.", "e": "Outcomes agreed with Ada and her mother:",
        "f": "Provision made by the school named in section I:", "g": "Hearing checks by audiology.",
        "h1": "", "h2": "Short breaks.", "i": "", "j": "", "k": "Educational psychology advice, health advice.",
        "outcomes": [{ "outcome": "Ada talks with friends in play", "steps": "Uses two-word phrases by spring", "by": "2027-07-31" }],
        "provision": [
            { "what": "Speech and language therapy, one to one", "how_often": speech, "by_whom": "NHS speech and language therapist" },
            { "what": "Small-group language work", "how_often": "3 x 20 minutes a week", "by_whom": "Teaching assistant" },
        ],
    })
}

both!(the_plan_is_a_document_with_versions);
fn the_plan_is_a_document_with_versions(db: Db) {
    let site = Site::demo(db, 20);
    let token = site.token("caseworker");
    let (status, made) = site.api_post(
        "/api/v1/cases",
        &token,
        &json!({
            "child": { "given_names": "Ada", "family_name": "Plan-Reader", "birth_date": "2019-05-04", "sex": "female", "ethnicity": "WBRI" },
            "parents": [{ "name": "Eve Plan-Reader", "relationship": "mother", "email": "eve@example.com" }],
            "requested_by": "parent",
            "received_on": day(150),
        })
        .to_string(),
    );
    assert_eq!(status, 201, "{made}");
    let case = json_of(&made)["case"].as_str().expect("case").to_string();
    let step = |t: &str, payload: Value, want: u16| {
        let (status, body) = site.api_post(
            &format!("/api/v1/cases/{case}/steps"),
            &token,
            &json!({ "type": t, "payload": payload }).to_string(),
        );
        assert_eq!(status, want, "{t}: {body}");
        body
    };
    step(
        "case.assessment_decided",
        json!({ "request": 1, "decision": "assess", "on": day(120), "reasons": null }),
        201,
    );
    // Provision not quantified is refused, with what to mend.
    let mut vague = sections("");
    vague["provision"][0]["how_often"] = json!("");
    let refused = step(
        "case.draft_plan_served",
        json!({ "request": 1, "on": day(80), "sections": vague }),
        422,
    );
    assert!(refused.contains("how much and how often"), "{refused}");
    step(
        "case.draft_plan_served",
        json!({ "request": 1, "on": day(80), "sections": sections("2 x 30 minutes a week") }),
        201,
    );

    // The final plan's form starts from the draft.
    let session = site.sign_in("caseworker");
    let (status, _, form) = site.http(
        "GET",
        &format!("/cases/{case}/steps/final-plan-issued"),
        &session,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        form.contains("2 x 30 minutes a week") && form.contains("Ada loves trains"),
        "the draft carries into the final plan's form"
    );

    step(
        "case.final_plan_issued",
        json!({ "request": 1, "on": day(50), "sections": sections("2 x 30 minutes a week"),
                "needs": [{ "need": "SLCN", "rank": 1 }], "named": [], "personal_budget": false }),
        201,
    );
    step(
        "case.plan_amended",
        json!({ "on": day(10), "needs": [{ "need": "SLCN", "rank": 1 }], "named": [], "phase_transfer": false,
                "sections": sections("3 x 30 minutes a week") }),
        201,
    );

    // The page: every section heading, the provision as typed, three versions, and what
    // the amendment changed.
    let (status, _, page) = site.http("GET", &format!("/cases/{case}/plan"), &session, "");
    assert_eq!(status, 200, "{page}");
    let mut at = 0;
    for (_, heading) in sendscope_domain::event::PLAN_SECTIONS {
        let found = page[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading} in order on the page"));
        at += found;
    }
    assert!(page.contains("3 of 3: Amended plan"), "{page}");
    assert!(page.contains("What changed from version 2"), "{page}");
    let changed = &page[page.find("What changed from version 2").expect("changes")
        ..page.find("Section A:").expect("a")];
    assert!(
        changed.contains("<del>Speech and language therapy, one to one: 2 x 30 minutes a week"),
        "{changed}"
    );
    assert!(
        changed.contains("<ins>Speech and language therapy, one to one: 3 x 30 minutes a week"),
        "{changed}"
    );
    assert!(
        !changed.contains("Section A:"),
        "only what changed is listed"
    );
    // An earlier version, whole.
    let (_, _, first) = site.http(
        "GET",
        &format!("/cases/{case}/plan?version=1"),
        &session,
        "",
    );
    assert!(first.contains("1 of 3: Draft plan") && first.contains("2 x 30 minutes a week"));
    assert_eq!(
        site.http(
            "GET",
            &format!("/cases/{case}/plan?version=9"),
            &session,
            ""
        )
        .0,
        404
    );

    // The PDF: a download, never shown inline; its text holds the headings in order and
    // the quantities as typed.
    let (status, headers, pdf) = site.get_bytes(&format!("/cases/{case}/plan.pdf"), &session, "");
    assert_eq!(status, 200);
    let header = |k: &str| {
        headers
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    assert_eq!(header("content-type"), "application/pdf");
    assert!(
        header("content-disposition").starts_with("attachment"),
        "{headers:?}"
    );
    assert_eq!(header("x-content-type-options"), "nosniff");
    let text = pdftotext(&pdf);
    let mut at = 0;
    for (_, heading) in sendscope_domain::event::PLAN_SECTIONS {
        // A long heading wraps onto a second line: look for its first words.
        let start: String = heading.split(' ').take(4).collect::<Vec<_>>().join(" ");
        let found = text[at..]
            .find(&start)
            .unwrap_or_else(|| panic!("{start:?} in order in the PDF:\n{text}"));
        at += found;
    }
    for typed in [
        "3 x 30 minutes a week",
        "3 x 20 minutes a week",
        "Ada talks with friends in play",
    ] {
        assert!(text.contains(typed), "{typed:?} in the PDF:\n{text}");
    }
    let (_, _, v1) = site.get_bytes(&format!("/cases/{case}/plan.pdf?version=1"), &session, "");
    assert!(pdftotext(&v1).contains("2 x 30 minutes a week"));

    // The API: JSON with every version and the changes, and the same PDF.
    let (status, _, body) = site.api_get(&format!("/api/v1/cases/{case}/plan"), &token);
    assert_eq!(status, 200, "{body}");
    let plan = json_of(&body);
    assert_schema("PlanDocument", &plan);
    assert_eq!(plan["versions"].as_array().map(Vec::len), Some(3));
    assert_eq!(plan["versions"][0]["kind"], "draft");
    assert_eq!(plan["changes"][0]["key"], "f");
    let (status, headers, _) =
        site.get_bytes(&format!("/api/v1/cases/{case}/plan.pdf"), "", &token);
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/pdf")
    );

    // Every reading is in the access log.
    let case_id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let views = site.store.accesses(case_id, 100).expect("log");
    for via in ["/plan", "/plan.pdf"] {
        assert!(
            views
                .iter()
                .any(|v| v.via.ends_with(via) && v.username == "caseworker"),
            "{via} logged: {views:?}"
        );
    }
}

both!(only_those_who_may_see_the_record_read_its_plan);
fn only_those_who_may_see_the_record_read_its_plan(db: Db) {
    let site = Site::demo(db, 60);
    let pr = probes(&site.db.url);
    let own = |user: &str| pr.own(user);
    // (user, [other's plan page, own plan page, other's PDF, API other, API own])
    #[rustfmt::skip]
    let expected: &[(&str, [u16; 5])] = &[
        ("caseworker",   [200, 200, 200, 200, 200]),
        ("manager",      [200, 200, 200, 200, 200]),
        ("commissioner", [404, 404, 404, 404, 404]),
        ("health",       [404, 200, 404, 404, 200]),
        ("school",       [404, 200, 404, 404, 200]),
        ("parent",       [404, 200, 404, 404, 200]),
        ("young-person", [404, 200, 404, 404, 200]),
        ("board",        [404, 404, 404, 404, 404]),
        ("admin",        [404, 404, 404, 404, 404]),
    ];
    for (user, want) in expected {
        let session = site.sign_in(user);
        let token = site.token(user);
        let got = [
            site.http("GET", &format!("/cases/{}/plan", pr.other), &session, "")
                .0,
            site.http("GET", &format!("/cases/{}/plan", own(user)), &session, "")
                .0,
            site.get_bytes(&format!("/cases/{}/plan.pdf", pr.other), &session, "")
                .0,
            site.api_get(&format!("/api/v1/cases/{}/plan", pr.other), &token)
                .0,
            site.api_get(&format!("/api/v1/cases/{}/plan", own(user)), &token)
                .0,
        ];
        assert_eq!(&got, want, "{user}");
    }
    // Signed out: sent to sign in, or 401 from the API.
    assert_eq!(
        site.http("GET", &format!("/cases/{}/plan", pr.other), "", "")
            .0,
        303
    );
    assert_eq!(
        site.api_get(&format!("/api/v1/cases/{}/plan", pr.other), "")
            .0,
        401
    );
}

both!(the_family_responds_to_the_draft);
fn the_family_responds_to_the_draft(db: Db) {
    let site = Site::demo(db, 20);
    let pr = probes(&site.db.url);
    let token = site.token("caseworker");
    let case = site.new_request(
        &token,
        json!({ "given_names": "Ada", "family_name": "Draft-Reader", "birth_date": "2019-05-04", "sex": "female", "ethnicity": "WBRI" }),
        "Eve Draft-Reader",
        40,
    );
    site.steps(
        &token,
        &case,
        &[
        (
            "case.assessment_decided",
            json!({ "request": 1, "decision": "assess", "on": day(30), "reasons": null }),
        ),
        (
            "case.draft_plan_served",
            json!({ "request": 1, "on": day(5), "sections": sections("2 x 30 minutes a week") }),
        ),
        ],
    );
    let admin = site.token("admin");
    let (status, body) = site.api_post(
        "/api/v1/accounts",
        &admin,
        &json!({ "username": "eve", "role": "parent_carer", "password": "correct horse battery", "child": case, "person": "Eve Draft-Reader" }).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let eve = site.sign_in_as("eve", "correct horse battery");
    let (status, _, page) = site.http("GET", &format!("/cases/{case}/plan"), &eve, "");
    assert_eq!(status, 200);
    let respond_by = sendscope_domain::calendar::long_date(
        sendscope_domain::calendar::england_today() + chrono::Days::new(9),
    );
    assert!(
        page.contains("Your response to the draft plan") && page.contains(&respond_by),
        "{page}"
    );
    // Staff see the plan without the family's form.
    let (_, _, staff_page) = site.http(
        "GET",
        &format!("/cases/{case}/plan"),
        &site.sign_in("caseworker"),
        "",
    );
    assert!(
        staff_page.contains("The family's response to the draft plan: record it for them"),
        "staff may respond for the family too"
    );
    let csrf = csrf_of(&page);
    let views = b"%PDF-1.4 all about Ada";
    let (status, body) = site.post_multipart(
        &format!("/cases/{case}/plan/response"),
        &eve,
        "",
        &[
            ("csrf", &csrf),
            (
                "comments",
                "Ada needs speech therapy every week, not every fortnight.",
            ),
            ("requested_setting", &pr.setting),
        ],
        Some(("all-about-me.pdf", views)),
    );
    assert_eq!(status, 303, "{body}");
    let (_, _, after) = site.http("GET", &format!("/cases/{case}/plan?responded=1"), &eve, "");
    assert!(after.contains("Your response is sent") && after.contains("Your response is recorded"));
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let p = site
        .store
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .expect("case");
    let c = p.case().expect("case");
    let response = c.requests[0]
        .draft_response
        .as_ref()
        .expect("the response is recorded");
    assert_eq!(response.on, sendscope_domain::calendar::england_today());
    assert!(
        response.requested_setting.is_some(),
        "the setting asked for is recorded"
    );
    let doc = c.documents.first().expect("her views are on the record");
    assert_eq!(
        (doc.document.kind, doc.added_by.as_str()),
        (sendscope_domain::documents::DocumentKind::Views, "user:eve")
    );
    // Another family cannot respond on this record.
    let other = site.sign_in("parent");
    let (status, _) = site.post_multipart(
        &format!("/cases/{case}/plan/response"),
        &other,
        "",
        &[
            ("csrf", &csrf_of(&site.http("GET", "/", &other, "").2)),
            ("comments", "x"),
        ],
        None,
    );
    assert_eq!(status, 404);
}
