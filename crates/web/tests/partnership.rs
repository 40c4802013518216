//! The partnership's governance replayed like the DfE's stocktake letter: six priorities
//! with actions, one slipped twice by change requests, a risk escalated then reduced, two
//! board meetings; minutes public only once approved and refused while they name a
//! child; the published paper's SHA-256 checks; the stocktake pack shows it all and is
//! the page; RAG follows the records, never set by hand.

#[macro_use]
mod support;
use serde_json::{Value, json};
use sha2::Digest;
use support::*;

both!(a_partnership_replayed_like_the_stocktake_letter);
fn a_partnership_replayed_like_the_stocktake_letter(db: Db) {
    let site = Site::demo(db, 40);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let la = match store
        .projection(sendscope_domain::StreamRef::area(area))
        .expect("read")
        .map(|p| p.state)
    {
        Some(sendscope_domain::projection::StreamState::Area(a)) => {
            a.la_code.expect("code").to_string()
        }
        _ => panic!("the demo area"),
    };
    let today = sendscope_domain::calendar::england_today();
    let day = |n: i64| (today - chrono::Duration::days(n)).to_string();
    let token = site.token("manager");
    let step = |t: &str, payload: Value| {
        site.api_post(
            "/api/v1/partnership/steps",
            &token,
            &json!({ "type": t, "payload": payload }).to_string(),
        )
    };
    let ok = |t: &str, payload: Value| {
        let (status, body) = step(t, payload);
        assert_eq!(status, 201, "{t}: {body}");
    };
    // The demo recorded its partnership through the same steps: six priorities with
    // actions, the dashboard slipped twice by change requests, a risk escalated then
    // reduced, two meetings, the first's minutes approved.
    let (found_stream, demo) = sendscope_app::partnership::find(store, area)
        .expect("read")
        .expect("the demo's partnership");
    let _ = found_stream;
    assert_eq!(demo.priorities.len(), 6);
    assert_eq!(demo.actions[1].revised.len(), 2);
    assert_eq!(demo.meetings.len(), 2);
    // Started once only.
    let (status, body) = step(
        "partnership.started",
        json!({ "name": "Another board", "escalate_at": 15, "on": day(10) }),
    );
    assert_eq!(status, 422, "{body}");
    let owner = json!({ "organisation": "Northmoor council", "person": "Head of SEND" });
    // RAG follows the records: an action due 100 days ago is red.
    ok(
        "partnership.action_added",
        json!({ "action": 7, "priority": 3, "title": "Part-time timetables reviewed every six weeks", "owner": owner, "start": day(200), "due": day(100), "on": day(200) }),
    );
    let rag_of = |n: u64| {
        let (_, _, body) = site.api_get("/api/v1/partnership", &token);
        let v: Value = serde_json::from_str(&body).expect("json");
        v["actions"][n as usize - 1]["rag"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(rag_of(7), "red");
    // There is no step that sets a status by hand.
    let (status, _) = step(
        "partnership.status_set",
        json!({ "action": 7, "rag": "green" }),
    );
    assert_eq!(status, 400);
    // Two change requests, each granted: the date moves, the slips stay.
    ok(
        "partnership.change_requested",
        json!({ "request": 3, "action": 7, "change": { "what": "due_date", "to": day(50) }, "why": "The attendance team was reorganised", "impact": "Reviews start two months later", "asked_by": "Head of Inclusion", "decider": "the board", "on": day(110) }),
    );
    let (status, body) = step(
        "partnership.change_requested",
        json!({ "request": 4, "action": 7, "change": { "what": "due_date", "to": day(40) }, "why": "x", "impact": "y", "asked_by": "z", "decider": "the board", "on": day(109) }),
    );
    assert_eq!(status, 422, "one request waits at a time: {body}");
    assert!(body.contains("waiting for its decision"), "{body}");
    ok(
        "partnership.change_decided",
        json!({ "request": 3, "granted": true, "decided_by": "the board", "note": "", "on": day(105) }),
    );
    assert_eq!(rag_of(7), "red", "still overdue after the first slip");
    ok(
        "partnership.change_requested",
        json!({ "request": 4, "action": 7, "change": { "what": "due_date", "to": day(-30) }, "why": "The new team needed training", "impact": "A quarter later", "asked_by": "Head of Inclusion", "decider": "the board", "on": day(45) }),
    );
    ok(
        "partnership.change_decided",
        json!({ "request": 4, "granted": true, "decided_by": "the board", "note": "Last extension", "on": day(44) }),
    );
    assert_eq!(
        rag_of(7),
        "green",
        "due in the future again, and no milestone missed"
    );
    // A milestone passing unmet turns it amber; met, green again.
    ok(
        "partnership.milestone_added",
        json!({ "action": 7, "milestone": 1, "title": "Officer in post", "due": day(5), "on": day(44) }),
    );
    assert_eq!(rag_of(7), "amber");
    ok(
        "partnership.milestone_met",
        json!({ "action": 7, "milestone": 1, "on": day(2) }),
    );
    assert_eq!(rag_of(7), "green");
    // A risk escalated, then reduced.
    ok(
        "partnership.risk_added",
        json!({ "risk": 3, "title": "Part-time timetables run on without review", "owner": owner, "cause": "No one owns the reviews", "effect": "Children lose education", "controls": "A weekly list", "inherent": { "likelihood": 5, "impact": 5 }, "residual": { "likelihood": 4, "impact": 4 }, "target": { "likelihood": 2, "impact": 3 }, "review_by": day(60), "actions": [7], "on": day(150) }),
    );
    let escalated = |n: u64| {
        let (_, _, body) = site.api_get("/api/v1/partnership", &token);
        let v: Value = serde_json::from_str(&body).expect("json");
        v["risks"][n as usize - 1]["escalated"].as_bool()
    };
    assert_eq!(escalated(3), Some(true), "16 passes the threshold of 15");
    ok(
        "partnership.risk_reviewed",
        json!({ "risk": 3, "on": day(20), "residual": { "likelihood": 3, "impact": 3 }, "review_by": day(-70), "note": "An officer reviews every timetable" }),
    );
    assert_eq!(escalated(3), Some(false));
    // "You said, we did": published once answered, and never with a child's name.
    let (_, _, public) = site.http("GET", &format!("/figures/{la}/board"), "", "");
    assert!(
        public.contains("You said, we did")
            && public.contains("Reviews talk about us, not to us.")
            && !public.contains("Transport is arranged too late"),
        "answered items only: {public}"
    );
    // The demo's second meeting's minutes are drafted, not approved: not public.
    let (status, _, public) = site.http("GET", &format!("/figures/{la}/board"), "", "");
    assert_eq!(status, 200, "the public page works signed out");
    assert!(
        public.contains("second and last extension"),
        "meeting 1's minutes are published: {public}"
    );
    assert!(
        !public.contains("schools' returns by the next meeting"),
        "{public}"
    );
    // The board: two members, two meetings; the first with the board report as its paper.
    let (engine, _) = sendscope_app::figures::load(store, &mut |_, _, _| {}).expect("engine");
    let first_on = today - chrono::Days::new(60);
    let report = sendscope_app::board::report(store, &engine, area, first_on).expect("report");
    let paper_bytes = sendscope_app::board::csv(&report).into_bytes();
    let held = sendscope_domain::partnership::MeetingHeld {
        meeting: 3,
        on: first_on,
        agenda: vec!["The EHCP recovery plan".into(), "Risk register".into()],
        attended: vec![1, 2],
        apologies: vec![],
        decisions: vec!["Extend action 2 to the date requested".into()],
        papers: vec![],
    };
    let paper = sendscope_app::partnership::hold_meeting(
        store,
        area,
        held,
        "Board report",
        paper_bytes.clone(),
        "user:manager",
    )
    .expect("meeting held");
    assert_eq!(
        paper.sha256,
        hex::encode(sha2::Sha256::digest(&paper_bytes))
    );
    // The demo's meeting 2 minutes, approved at this meeting, are now published.
    ok(
        "partnership.minutes_approved",
        json!({ "meeting": 2, "at_meeting": 3, "on": first_on.to_string() }),
    );
    let (_, _, public) = site.http("GET", &format!("/figures/{la}/board"), "", "");
    assert!(
        public.contains("schools' returns by the next meeting"),
        "{public}"
    );
    // Minutes naming a child are refused, the place marked.
    let c = store
        .list_cases(&sendscope_store::CaseQuery {
            area: Some(area),
            limit: 1,
            ..Default::default()
        })
        .expect("cases")
        .rows
        .remove(0);
    let child = format!("{} {}", c.given_names, c.family_name);
    let (status, body) = step(
        "partnership.minutes_drafted",
        json!({ "meeting": 3, "on": day(55), "text": format!("The board agreed the recovery plan.\nThe case of {child} was discussed.") }),
    );
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("line 2, column 13") && body.contains("a child's name"),
        "{body}"
    );
    let (status, body) = step(
        "partnership.feedback_heard",
        json!({ "item": 4, "source": "Forum", "said": format!("{child}'s mum says nobody called"), "on": day(5) }),
    );
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("line 1, column 1"), "{body}");
    let minutes = "The board agreed the recovery plan.\n\nThe board extended action 2 to the date requested, for the last time.";
    ok(
        "partnership.minutes_drafted",
        json!({ "meeting": 3, "on": day(55), "text": minutes }),
    );
    // Drafted, not approved: nothing public.
    let (status, _, public) = site.http("GET", &format!("/figures/{la}/board"), "", "");
    assert_eq!(status, 200, "the public page works signed out");
    assert!(!public.contains("extended action 2"), "{public}");
    // Meeting 4 through the API, with the board report of its day as its paper.
    let (status, body) = site.api_post(
        "/api/v1/partnership/steps",
        &token,
        &json!({ "type": "partnership.meeting_held", "board_report": true, "payload": { "meeting": 4, "on": day(10), "agenda": ["Minutes of meeting 3"], "attended": [1, 2], "decisions": ["Minutes of meeting 3 approved"] } }).to_string(),
    );
    assert_eq!(status, 201, "{body}");
    let made: Value = serde_json::from_str(&body).expect("json");
    let expected_paper = sendscope_app::board::csv(
        &sendscope_app::board::report(store, &engine, area, today - chrono::Days::new(10))
            .expect("report"),
    );
    assert_eq!(
        made["paper"]["sha256"].as_str(),
        Some(hex::encode(sha2::Sha256::digest(expected_paper.as_bytes())).as_str()),
        "the paper is the board report of the meeting's day"
    );
    ok(
        "partnership.minutes_approved",
        json!({ "meeting": 3, "at_meeting": 4, "on": day(10) }),
    );
    let (_, _, public) = site.http("GET", &format!("/figures/{la}/board"), "", "");
    assert!(
        public.contains("extended action 2") && public.contains(&paper.sha256),
        "{public}"
    );
    // The published paper is the one the board saw.
    let (status, _, downloaded) = site.get_bytes(
        &format!("/figures/{la}/board/papers/{}", paper.sha256),
        "",
        "",
    );
    assert_eq!(status, 200);
    assert_eq!(hex::encode(sha2::Sha256::digest(&downloaded)), paper.sha256);
    // A quality-assurance round: drawn at random from the seed, only from the period's
    // plans, and drawn again the same.
    let d = |y, m, dd| chrono::NaiveDate::from_ymd_opt(y, m, dd).expect("date");
    let period = (d(2021, 1, 1), d(2025, 12, 31));
    let opened =
        sendscope_app::partnership::open_qa_round(store, area, period, 5, 42, "user:manager")
            .expect("round opened");
    let candidates =
        sendscope_app::partnership::issued_between(store, area, period.0, period.1).expect("plans");
    assert!(
        candidates.len() > 5,
        "the demo issued plans from 2021 to 2025"
    );
    assert_eq!(opened.cases.len(), 5);
    assert_eq!(
        opened.cases,
        sendscope_domain::partnership::sample(&candidates, 5, 42)
    );
    for case in &opened.cases {
        let p = store
            .projection(sendscope_domain::StreamRef::case(
                sendscope_domain::ids::CaseId(*case),
            ))
            .expect("read")
            .expect("record");
        assert!(
            p.case()
                .expect("case")
                .requests
                .iter()
                .filter_map(|r| r.final_issued_on)
                .any(|x| x >= period.0 && x <= period.1),
            "only plans issued in the period are drawn"
        );
    }
    // Through the API the sample is drawn from the seed too, never sent.
    let (status, body) = step(
        "partnership.qa_round_opened",
        json!({ "from": "2021-01-01", "to": "2025-12-31", "size": 5, "seed": 42, "cases": [] }),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = step(
        "partnership.qa_round_opened",
        json!({ "from": "2021-01-01", "to": "2025-12-31", "size": 5, "seed": 42 }),
    );
    assert_eq!(status, 201, "{body}");
    let again: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(again["round"], 2);
    assert_eq!(
        again["cases"],
        json!(opened.cases),
        "the same seed, the same sample"
    );
    // Moderation: one agrees, one does not; a record outside the sample is refused.
    let moderate = |case: &uuid::Uuid, audit: u32, audited: &str, moderated: &str| {
        step(
            "partnership.qa_moderated",
            json!({ "round": 1, "case": case, "audit": audit, "audited": audited, "moderated": moderated, "moderator": "Designated clinical officer", "on": day(1) }),
        )
    };
    assert_eq!(moderate(&opened.cases[0], 1, "good", "good").0, 201);
    assert_eq!(
        moderate(&opened.cases[1], 1, "good", "requires_improvement").0,
        201
    );
    let outside = candidates
        .iter()
        .find(|c| !opened.cases.contains(c))
        .expect("a plan not drawn");
    assert_eq!(moderate(outside, 1, "good", "good").0, 422);
    ok(
        "partnership.qa_finding",
        json!({ "round": 1, "finding": "Section F provision is not quantified in two plans", "action": 1, "on": day(1) }),
    );
    // The stocktake pack: the slipped action with its dates, the risk's history, the
    // trajectories' actuals, the decisions and the minutes; the page is the pack.
    let from = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let to = today;
    let manager = site.sign_in("manager");
    let (status, _, page) = site.http(
        "GET",
        &format!("/partnership/stocktake?from={from}&to={to}"),
        &manager,
        "",
    );
    assert_eq!(status, 200, "{page}");
    let pack = sendscope_app::partnership::stocktake(store, &engine, area, from, to).expect("pack");
    let main = |html: &str| {
        let start = html.find("<main").expect("main");
        let end = html.find("</main>").expect("main ends");
        html[start..end].to_string()
    };
    assert_eq!(
        main(&page),
        main(&sendscope_web::partnership::stocktake_page(&pack)),
        "the page is the pack"
    );
    let slipped = sendscope_domain::partnership::due_text(
        &sendscope_app::partnership::find(store, area)
            .expect("read")
            .expect("started")
            .1
            .actions[6],
    );
    assert!(slipped.contains("revised twice: now"), "{slipped}");
    for want in [
        slipped.as_str(),
        "Granted by the board",
        "Locum paediatricians in post",
        "16 to 12",
        "16 to 9",
        "Extend action 2 to the date requested",
        "extended action 2",
        "Measures against their trajectories",
        "1 of 2 moderated audits agreed (50%)",
        "5 plans drawn at random",
        "Section F provision is not quantified",
    ] {
        assert!(page.contains(want), "{want:?} in the pack");
    }
    for t in &pack.trajectories {
        assert!(
            page.contains(&t.trajectory.name),
            "trajectory {}",
            t.trajectory.name
        );
    }
    let (status, headers, pdf) = site.get_bytes(
        &format!("/partnership/stocktake?from={from}&to={to}&format=pdf"),
        &manager,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/pdf")
    );
    // Words as the PDF sets them, table cells wrapped over lines.
    let text = pdftotext(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("revised twice") && text.contains("Risks and their movement"),
        "{text}"
    );
    // The board member's first screen: their home leads to it.
    let board = site.sign_in("board");
    let (status, _, _) = site.http("GET", "/", &board, "");
    assert_eq!(status, 303);
    let (status, _, first) = site.http("GET", "/board", &board, "");
    assert_eq!(status, 200);
    for want in [
        "Headline measures against their trajectories",
        "Red actions",
        "Top risks",
        "Special school places run out before September",
        "The stocktake pack",
    ] {
        assert!(first.contains(want), "{want:?} on the board's view");
    }
    // The programme office's forms: a change request recorded on the page, minutes
    // naming a child refused with the place, the board may not record.
    let (status, _, menu) = site.http("GET", "/partnership/steps", &manager, "");
    assert_eq!(status, 200, "{menu}");
    assert!(menu.contains("/partnership/steps/change-request"), "{menu}");
    let (_, _, form) = site.http("GET", "/partnership/steps/change-request", &manager, "");
    let csrf = csrf_of(&form);
    let date = |k: &str, d: chrono::NaiveDate| {
        format!(
            "{k}-day={}&{k}-month={}&{k}-year={}",
            chrono::Datelike::day(&d),
            chrono::Datelike::month(&d),
            chrono::Datelike::year(&d)
        )
    };
    let fields = format!(
        "csrf={csrf}&action=5&{}&why=The+forum+asked+for+more+time&impact=Three+months&asked_by=Head+of+SEND&decider=the+board&{}",
        date("change__to", today + chrono::Days::new(90)),
        date("on", today)
    ) + "&reason=Asked+at+the+forum+on+Friday";
    let (status, _, page) = site.http(
        "POST",
        "/partnership/steps/change-request",
        &manager,
        &fields,
    );
    assert_eq!(status, 303, "{page}");
    let (stream, after) = sendscope_app::partnership::find(store, area)
        .expect("read")
        .expect("started");
    let events = store.stream_events(stream).expect("events");
    assert_eq!(
        events.last().and_then(|e| e.reason.as_deref()),
        Some("Asked at the forum on Friday"),
        "the form's note is kept beside the step"
    );
    let last = after.changes.last().expect("a change request");
    assert_eq!(
        (last.requested.action, last.requested.asked_by.as_str()),
        (5, "Head of SEND")
    );
    let (_, _, form) = site.http("GET", "/partnership/steps/minutes", &manager, "");
    let csrf = csrf_of(&form);
    let text = format!("Item 1.\n{child} was discussed.")
        .replace(' ', "+")
        .replace('\n', "%0A");
    let (status, _, page) = site.http(
        "POST",
        "/partnership/steps/minutes",
        &manager,
        &format!("csrf={csrf}&meeting=4&text={text}&{}", date("on", today)),
    );
    assert_eq!(status, 422);
    assert!(page.contains("line 2, column 1"), "{page}");
    assert_eq!(
        site.http("GET", "/partnership/steps", &site.sign_in("board"), "")
            .0,
        403
    );
    // The plan's page, for the board and managers only.
    let (status, _, plan) = site.http("GET", "/partnership", &site.sign_in("board"), "");
    assert_eq!(status, 200);
    assert!(
        plan.contains("Northmoor SEND Improvement Board") && plan.contains("Green"),
        "{plan}"
    );
    for user in ["caseworker", "parent", "school"] {
        assert_eq!(
            site.http("GET", "/board", &site.sign_in(user), "").0,
            403,
            "{user}: the board's view holds the unpublished plan and risks"
        );
        assert_eq!(
            site.http("GET", "/partnership", &site.sign_in(user), "").0,
            403,
            "{user}"
        );
    }
    let (status, _) = site.api_post("/api/v1/partnership/steps", &site.token("board"), &json!({ "type": "partnership.priority_added", "payload": { "priority": 7, "title": "x", "on": day(1) } }).to_string());
    assert_eq!(
        status, 403,
        "board members read the record; the programme office keeps it"
    );
}

both!(the_programme_office_records_meetings_risks_and_qa_rounds_by_form);
/// The forms a council's programme office uses without the API: a board member, a risk
/// with the actions that treat it, a meeting with its attendance (the board report of
/// its day kept as its paper), a QA round drawn from its seed, and what it found.
fn the_programme_office_records_meetings_risks_and_qa_rounds_by_form(db: Db) {
    let site = Site::demo(db, 40);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let today = sendscope_domain::calendar::england_today();
    let manager = site.sign_in("manager");
    let date = |k: &str, d: chrono::NaiveDate| {
        format!(
            "{k}-day={}&{k}-month={}&{k}-year={}",
            chrono::Datelike::day(&d),
            chrono::Datelike::month(&d),
            chrono::Datelike::year(&d)
        )
    };
    let post = |slug: &str, fields: &str| {
        let (_, _, form) = site.http("GET", &format!("/partnership/steps/{slug}"), &manager, "");
        let csrf = csrf_of(&form);
        site.http(
            "POST",
            &format!("/partnership/steps/{slug}"),
            &manager,
            &format!("csrf={csrf}&{fields}"),
        )
    };
    let state = || {
        sendscope_app::partnership::find(store, area)
            .expect("read")
            .expect("started")
            .1
    };
    let before = state();
    let (status, _, menu) = site.http("GET", "/partnership/steps", &manager, "");
    assert_eq!(status, 200);
    for slug in ["member", "risk", "meeting", "qa-round", "qa-finding"] {
        assert!(
            menu.contains(&format!("/partnership/steps/{slug}")),
            "{slug}"
        );
    }

    // A board member, numbered after the others.
    let (status, _, page) = post(
        "member",
        &format!(
            "name=Sam+Okafor&organisation=Parent+carer+forum&role=Forum+chair&{}",
            date("on", today)
        ),
    );
    assert_eq!(status, 303, "{page}");
    let after = state();
    let sam = after.members.last().expect("member");
    assert_eq!(
        (sam.member as usize, sam.name.as_str()),
        (before.members.len() + 1, "Sam Okafor")
    );

    // A risk: its actions by number; one the plan does not have is refused, nothing kept.
    let scores = "inherent__likelihood=4&inherent__impact=5&residual__likelihood=3&residual__impact=4&target__likelihood=2&target__impact=3";
    let risk = |actions: &str| {
        format!(
            "title=Tribunal+backlog&owner__person=Head+of+SEND&owner__organisation=Council&cause=More+appeals&effect=Delays&controls=Weekly+review&{scores}&{}&actions={actions}&{}",
            date("review_by", today + chrono::Days::new(30)),
            date("on", today)
        )
    };
    let (status, _, page) = post("risk", &risk("99"));
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("no action"), "{page}");
    assert_eq!(state().risks.len(), before.risks.len());
    let (status, _, page) = post("risk", &risk("1%2C+2"));
    assert_eq!(status, 303, "{page}");
    let r = state().risks.last().expect("risk").added.clone();
    assert_eq!((r.actions, r.residual.value()), (vec![1, 2], 12));

    // A meeting: members present by checkbox; the board report of its day is its paper,
    // its SHA-256 the content kept.
    let (_, _, form) = site.http("GET", "/partnership/steps/meeting", &manager, "");
    assert!(
        form.contains("Sam Okafor, Forum chair (Parent carer forum)"),
        "{form}"
    );
    let (status, _, page) = post(
        "meeting",
        &format!(
            "{}&agenda=Minutes%0D%0ARisk+register%0D%0A&attended=1&attended={}&decisions=Risk+accepted",
            date("on", today),
            sam.member
        ),
    );
    assert_eq!(status, 303, "{page}");
    let m = state().meetings.last().expect("meeting").held.clone();
    assert_eq!(m.agenda, vec!["Minutes", "Risk register"]);
    assert_eq!(m.attended, vec![1, sam.member]);
    assert_eq!(m.decisions, vec!["Risk accepted"]);
    let paper = m.papers.first().expect("the paper");
    let sha: [u8; 32] = hex::decode(&paper.sha256)
        .expect("hex")
        .try_into()
        .expect("32 bytes");
    let kept = store.document(&sha).expect("read").expect("kept");
    assert_eq!(hex::encode(sha2::Sha256::digest(&kept)), paper.sha256);
    let (status, _, page) = post("meeting", &format!("{}&agenda=Minutes", date("on", today)));
    assert_eq!(status, 400, "no one present: {page}");

    // A QA round from a seed: drawn from the period's plans only, and again the same.
    let from = today - chrono::Days::new(3650);
    let (status, _, page) = post(
        "qa-round",
        &format!(
            "{}&{}&size=5&seed=42",
            date("from", from),
            date("to", today)
        ),
    );
    assert_eq!(status, 303, "{page}");
    let round = state().qa_rounds.last().expect("round").opened.clone();
    assert_eq!(round.seed, 42);
    let pool = sendscope_app::partnership::issued_between(store, area, from, today).expect("pool");
    assert_eq!(
        round.cases,
        sendscope_domain::partnership::sample(&pool, 5, 42)
    );
    assert_eq!(round.cases.len(), 5.min(pool.len()));
    assert!(
        !round.cases.is_empty(),
        "the demo issued plans in the period"
    );
    let (status, _, page) = post(
        "qa-finding",
        &format!(
            "round={}&finding=Health+advice+too+general&action=1&{}",
            round.round,
            date("on", today)
        ),
    );
    assert_eq!(status, 303, "{page}");
}
