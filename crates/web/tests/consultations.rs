//! A school answers the consultation on naming it: its list with the 15-day deadline,
//! the form's checks, the answer recorded and the clock stopped.

#[macro_use]
mod support;
use serde_json::json;
use support::*;

both!(a_school_answers_its_consultation);
fn a_school_answers_its_consultation(db: Db) {
    let site = Site::demo(db, 20);
    let setting = account_links(site.store.as_ref(), "school")
        .setting
        .expect("the school's setting");
    let token = site.token("caseworker");
    let day =
        |n: u64| (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string();
    let case = site.new_request(&token, json!({ "given_names": "Sol", "family_name": "Consulted", "birth_date": "2016-09-01", "sex": "male", "ethnicity": "WBRI" }), "Ria Consulted", 60);
    let empty = json!({ "a": "", "b": "", "c": "", "d": "", "e": "", "f": "", "g": "", "h1": "", "h2": "", "i": "", "j": "", "k": "" });
    site.steps(
        &token,
        &case,
        &[
            (
                "case.assessment_decided",
                json!({ "request": 1, "decision": "assess", "on": day(40), "reasons": null }),
            ),
            (
                "case.draft_plan_served",
                json!({ "request": 1, "on": day(5), "sections": empty }),
            ),
            (
                "case.setting_consulted",
                json!({ "setting": setting.to_string(), "on": day(3) }),
            ),
        ],
    );
    let school = site.sign_in("school");
    let (status, _, page) = site.http("GET", "/consultations", &school, "");
    assert_eq!(status, 200);
    let due = sendscope_domain::calendar::long_date(
        sendscope_domain::calendar::england_today() + chrono::Days::new(12),
    );
    assert!(
        page.contains("Sol Consulted") && page.contains(&due),
        "{page}"
    );
    let (status, _, form) = site.http("GET", &format!("/cases/{case}/consultation"), &school, "");
    assert_eq!(status, 200);
    let csrf = csrf_of(&form);
    let post = |body: &str| {
        site.http(
            "POST",
            &format!("/cases/{case}/consultation"),
            &school,
            &format!("csrf={csrf}&{body}"),
        )
    };
    let (status, _, page) = post("reasons=");
    assert_eq!(status, 422);
    assert!(page.contains("Select whether your school"));
    let (status, _, page) = post("can_meet_needs=no&reasons=");
    assert_eq!(status, 422);
    assert!(page.contains("Say why your school"));
    let (status, _, page) = post("can_meet_needs=yes&reasons=&annual_cost=lots");
    assert_eq!(status, 422);
    assert!(page.contains("amount in pounds"));
    let (status, _, _) =
        post("can_meet_needs=yes&reasons=A+quiet+room+is+ready&annual_cost=4%2C500");
    assert_eq!(status, 303);
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    let p = site
        .store
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .expect("case");
    let k = &p.case().expect("case").requests[0].consultations[0];
    assert_eq!(
        (k.responded_on, k.can_meet_needs),
        (
            Some(sendscope_domain::calendar::england_today()),
            Some(true)
        )
    );
    let events = site
        .store
        .stream_events(sendscope_domain::StreamRef::case(id))
        .expect("events");
    let last = events.last().expect("event");
    assert_eq!(
        (last.event_type.as_str(), last.actor.as_str()),
        ("case.consultation_response", "user:school")
    );
    assert!(
        String::from_utf8_lossy(last.payload.as_deref().unwrap_or_default())
            .contains("\"annual_cost_pence\":450000")
    );
    // Answered once: the form is gone; the list says so.
    assert_eq!(
        site.http("GET", &format!("/cases/{case}/consultation"), &school, "")
            .0,
        404
    );
    let (_, _, page) = site.http("GET", "/consultations?answered=1", &school, "");
    assert!(page.contains("can meet needs"));
    // Nobody else answers here.
    assert_eq!(
        site.http("GET", "/consultations", &site.sign_in("parent"), "")
            .0,
        403
    );
    assert_eq!(
        site.http(
            "GET",
            &format!("/cases/{case}/consultation"),
            &site.sign_in("caseworker"),
            ""
        )
        .0,
        404
    );
}

both!(a_school_sees_its_pupils_reviews_and_sends_their_paperwork);
/// The school's pupils with a plan, each with its review date; the paperwork it sends
/// shows against the pupil; nobody else has this list.
fn a_school_sees_its_pupils_reviews_and_sends_their_paperwork(db: Db) {
    let site = Site::demo(db, 60);
    let school = site.sign_in("school");
    let (status, _, page) = site.http("GET", "/reviews", &school, "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Your pupils with an EHC plan"), "{page}");
    assert!(page.contains("Review due by"));
    // The first pupil listed: their record, and paperwork sent for their review.
    let case = page
        .split("href=\"/cases/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a pupil with a plan in the demo school")
        .to_string();
    let (status, _, form) = site.http(
        "GET",
        &format!("/cases/{case}/documents/new?kind=review"),
        &school,
        "",
    );
    assert_eq!(status, 200);
    assert!(form.contains("value=\"review\" checked"), "{form}");
    let (status, body) = site.post_multipart(
        &format!("/api/v1/cases/{case}/documents"),
        "",
        &site.token("school"),
        &[
            ("title", "Annual review report from school"),
            ("kind", "review"),
        ],
        Some(("review.pdf", b"%PDF-1.4 annual review report")),
    );
    assert_eq!(status, 201, "{body}");
    let (_, _, page) = site.http("GET", "/reviews", &school, "");
    assert!(
        page.contains("Annual review report from school, sent"),
        "{page}"
    );
    for user in ["caseworker", "parent", "health"] {
        assert_eq!(
            site.http("GET", "/reviews", &site.sign_in(user), "").0,
            403,
            "{user}"
        );
    }
}
