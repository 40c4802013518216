//! Children out of full-time education, on their own records beside their EHC case: a
//! part-time timetable is time-limited by the area's policy and goes to the queue once
//! its review is past; a missing-education episode closed as traced to another area
//! leaves the register with its reason; the child's record shows it, and their waits.

#[macro_use]
mod support;
use serde_json::json;
use support::*;

both!(part_time_timetables_and_missing_education);
fn part_time_timetables_and_missing_education(db: Db) {
    let site = Site::demo(db, 20);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let today = sendscope_domain::calendar::england_today();
    let day = |n: i64| (today - chrono::Duration::days(n)).to_string();
    let token = site.token("caseworker");
    let case = site.new_request(&token, json!({ "given_names": "Tia", "family_name": "Parttime", "birth_date": "2014-03-02", "sex": "female", "ethnicity": "WBRI", "nhs_number": "943 476 5919" }), "Mo Parttime", 40);
    let step = |t: &str, payload: serde_json::Value| {
        site.api_post(
            &format!("/api/v1/cases/{case}/steps"),
            &token,
            &json!({ "type": t, "payload": payload }).to_string(),
        )
    };
    // Reviewed within six weeks (no policy adopted): ten weeks is refused.
    let (status, body) = step(
        "case.part_time_timetable_agreed",
        json!({ "timetable": 1, "on": day(60), "hours_a_week": 10, "agreed_with_parent": true, "review_by": day(-10), "reason": "Anxiety after a long absence" }),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("within 6 weeks"), "{body}");
    // The area's own policy, four weeks: a five-week review is refused, three accepted.
    sendscope_app::education::adopt_part_time_policy(
        store,
        area,
        sendscope_domain::education::PartTimePolicy {
            from: today - chrono::Days::new(365),
            max_weeks: 4,
        },
        "user:admin-cli",
    )
    .expect("adopted");
    let (status, body) = step(
        "case.part_time_timetable_agreed",
        json!({ "timetable": 1, "on": day(60), "hours_a_week": 10, "agreed_with_parent": true, "review_by": day(25), "reason": "Anxiety after a long absence" }),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("within 4 weeks"), "{body}");
    let (status, body) = step(
        "case.part_time_timetable_agreed",
        json!({ "timetable": 1, "on": day(60), "hours_a_week": 10, "agreed_with_parent": true, "review_by": day(40), "reason": "Anxiety after a long absence" }),
    );
    assert_eq!(status, 201, "{body}");
    // Past its review date: on the caseworker's queue, and overdue on the register.
    let worker = site.sign_in("caseworker");
    let (_, _, queue) = site.http("GET", "/queue", &worker, "");
    assert!(
        queue.contains("Review the part-time timetable (10 hours a week)"),
        "{queue}"
    );
    let (status, _, register) = site.http("GET", "/education", &worker, "");
    assert_eq!(status, 200);
    assert!(register.contains("Tia Parttime") && register.contains("Review overdue"));
    assert!(
        register.contains("EHC needs assessment under way"),
        "flagged: {register}"
    );

    // Missing education: reported, an enquiry, closed as traced to another area. It
    // leaves the register with its reason; a second close is refused.
    for (t, payload) in [
        (
            "case.missing_education_reported",
            json!({ "episode": 1, "on": day(30), "source": "school", "details": "Not seen since half term" }),
        ),
        (
            "case.missing_education_enquiry",
            json!({ "episode": 1, "on": day(28), "with_whom": "home visit", "outcome": "Neighbours say the family moved" }),
        ),
    ] {
        let (status, body) = step(t, payload);
        assert_eq!(status, 201, "{t}: {body}");
    }
    let (_, _, register) = site.http("GET", "/education", &worker, "");
    let missing_now = register
        .split("Left the register")
        .next()
        .expect("first part");
    assert!(missing_now.contains("Tia Parttime"), "{register}");
    let (status, body) = step(
        "case.missing_education_closed",
        json!({ "episode": 1, "on": day(20), "outcome": "traced_to_another_area", "reason": "Enrolled at a school in Leeds; Leeds told" }),
    );
    assert_eq!(status, 201, "{body}");
    let (status, _) = step(
        "case.missing_education_closed",
        json!({ "episode": 1, "on": day(19), "outcome": "found", "reason": "again" }),
    );
    assert_eq!(status, 422);
    let (_, _, register) = site.http("GET", "/education", &worker, "");
    let (now, left) = register
        .split_once("Left the register")
        .expect("both sections");
    assert!(!now.contains("Tia Parttime"), "no longer missing");
    assert!(
        left.contains("Traced to another area: Enrolled at a school in Leeds; Leeds told"),
        "{left}"
    );

    // On the forms, a caseworker never types an episode's number: a new episode takes
    // the next (2 here), and an enquiry or a close chooses among the open ones.
    let form_path = |slug: &str| format!("/cases/{case}/steps/{slug}");
    let (status, _, form) = site.http("GET", &form_path("missing-education-enquiry"), &worker, "");
    assert_eq!(status, 200);
    assert!(
        !form.contains("name=\"episode\" type=\"radio\""),
        "no open episode to choose: {form}"
    );
    let (_, _, form) = site.http("GET", &form_path("missing-education-reported"), &worker, "");
    assert!(!form.contains("Episode number"), "not typed: {form}");
    let csrf = csrf_of(&form);
    let d = today - chrono::Days::new(5);
    let date = |k: &str| {
        format!(
            "{k}-day={}&{k}-month={}&{k}-year={}",
            chrono::Datelike::day(&d),
            chrono::Datelike::month(&d),
            chrono::Datelike::year(&d)
        )
    };
    let (status, _, body) = site.http(
        "POST",
        &form_path("missing-education-reported"),
        &worker,
        &format!(
            "csrf={csrf}&{}&source=school&details=Not+seen+since+Monday",
            date("on")
        ),
    );
    assert!(status == 303 || status == 200, "{status}: {body}");
    let (_, _, form) = site.http("GET", &form_path("missing-education-enquiry"), &worker, "");
    assert!(
        form.contains("name=\"episode\" type=\"radio\" value=\"2\""),
        "episode 2 to choose: {form}"
    );
    assert!(
        !form.contains("name=\"episode\" type=\"radio\" value=\"1\""),
        "episode 1 is closed"
    );
    let (status, _, body) = site.http(
        "POST",
        &form_path("missing-education-enquiry"),
        &worker,
        &format!(
            "csrf={csrf}&episode=1&{}&with_whom=home+visit&outcome=No+answer",
            date("on")
        ),
    );
    assert_eq!(status, 400, "a closed episode is not offered: {body}");
    assert!(body.contains("Select the episode"), "{body}");

    // The child's record shows it beside the EHC case, with a wait matched by NHS number.
    let id = sendscope_domain::ids::CaseId::parse(&case).expect("id");
    sendscope_app::waits::adopt(
        store,
        area,
        sendscope_domain::waits::WaitingLists::standard(today - chrono::Days::new(400)),
        "user:admin-cli",
    )
    .expect("adopted");
    let csv = format!(
        "{}\nW1,asd,{},GP,routine,943 476 5919,Tia,Parttime,2014-03-02,,,,\n",
        sendscope_app::waits::COLUMNS.join(","),
        day(100)
    );
    let imported =
        sendscope_app::waits::import(store, area, &csv, "system:import").expect("import");
    assert_eq!((imported.added, imported.matched), (1, 1), "{imported:?}");
    let (_, _, record) = site.http("GET", &format!("/cases/{id}"), &worker, "");
    assert!(record.contains("Education and health waits"), "{record}");
    assert!(record.contains("Part-time timetable") && record.contains("review overdue since"));
    assert!(record.contains("Waiting: Autism assessment"), "{record}");
    assert!(record.contains("traced to another area"));
}
