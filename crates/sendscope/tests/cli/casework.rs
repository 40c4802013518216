use crate::support::*;

fn casework_steps(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let case = team_case_with_plan(&db.url);
    let token = token_for(&db.url, "caseworker");
    let parent = token_for(&db.url, "parent");
    let (mut server, port, _stderr) = serve(&db.url);
    let doc = sendscope_web::api::openapi();
    let steps = format!("/api/v1/cases/{case}/steps");
    let refused = |body: &str, want_status: u16, want_type: &str, want_detail: &str| {
        let before = event_counts(&db.url, &case);
        let (status, answer) = api_post(port, &steps, &token, body);
        assert_eq!(status, want_status, "{answer}");
        let v: serde_json::Value = serde_json::from_str(&answer).expect("problem json");
        check_schema(doc, &doc["components"]["schemas"]["Problem"], &v, &steps);
        assert_eq!(v["type"], format!("/api/problems/{want_type}"), "{v}");
        let detail = v["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(want_detail), "{detail}");
        assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    };
    // Ceasing without a decision to cease: 422, naming what must happen first.
    refused(
        r#"{"type":"case.plan_ceased","payload":{"on":"2026-01-10","reason":"needs_met"}}"#,
        422,
        "step-refused",
        "record the decision to cease the plan first",
    );
    // A report for a meeting never held; a payload missing a field; not a step; not JSON.
    refused(
        r#"{"type":"case.review_report_sent","payload":{"meeting_on":"2020-02-30","on":"2026-01-10"}}"#,
        422,
        "invalid-step",
        "not a valid case.review_report_sent",
    );
    refused(
        r#"{"type":"case.review_report_sent","payload":{"meeting_on":"2025-12-01","on":"2026-01-10"}}"#,
        422,
        "step-refused",
        "record the meeting first",
    );
    refused(
        r#"{"type":"case.opened","payload":{}}"#,
        422,
        "invalid-step",
        "not a step that can be recorded",
    );
    refused("not json", 400, "invalid-body", "Send JSON");
    // A quality audit: the grade comes from the scores, never from the caller.
    let scores = r#"{"a":3,"b":3,"c":3,"d":3,"e":3,"f":3,"g":3,"h1":3,"h2":3,"i":3,"j":3,"k":3}"#;
    refused(
        &format!(
            r#"{{"type":"case.plan_audited","payload":{{"on":"2026-01-10","service":"education","scores":{scores},"grade":"outstanding"}}}}"#
        ),
        422,
        "invalid-step",
        "the grade is worked out from the scores",
    );
    refused(
        r#"{"type":"case.plan_audited","payload":{"on":"2026-01-10","service":"education","scores":{"a":3}}}"#,
        422,
        "invalid-step",
        "score section B",
    );
    let (status, answer) = api_post(
        port,
        &steps,
        &token,
        &format!(
            r#"{{"type":"case.plan_audited","payload":{{"on":"2026-01-10","service":"education","scores":{scores}}}}}"#
        ),
    );
    assert_eq!(status, 201, "{answer}");
    let (_, _, record) = api_get(port, &format!("/api/v1/cases/{case}"), &token);
    let record: serde_json::Value = serde_json::from_str(&record).expect("json");
    assert_eq!(record["audits"][0]["grade"], "good", "{}", record["audits"]);
    // Health professionals audit as health auditors, and record nothing else.
    let health = token_for(&db.url, "health");
    let theirs = probes(&db.url).health_case;
    let audit = |service: &str| {
        api_post(
            port,
            &format!("/api/v1/cases/{theirs}/steps"),
            &health,
            &format!(
                r#"{{"type":"case.plan_audited","payload":{{"on":"{}","service":"{service}","scores":{scores}}}}}"#,
                sendscope_domain::calendar::england_today()
            ),
        )
    };
    assert_eq!(audit("education").0, 403);
    let (status, answer) = audit("health");
    assert!(
        status == 201 || answer.contains("no plan to audit"),
        "{status} {answer}"
    );
    let (status, _) = api_post(
        port,
        &format!("/api/v1/cases/{theirs}/steps"),
        &health,
        r#"{"type":"case.review_meeting_held","payload":{"on":"2026-01-10"}}"#,
    );
    assert_eq!(status, 403);
    // A parent may read their child's record but not record steps on it.
    let mine = probes(&db.url).parent_child;
    let (status, answer) = api_post(
        port,
        &format!("/api/v1/cases/{mine}/steps"),
        &parent,
        r#"{"type":"case.review_meeting_held","payload":{"on":"2026-01-10"}}"#,
    );
    assert_eq!(status, 403, "{answer}");
    // Invitations to a meeting 20 days from today, sent today: recorded, 6 days early.
    let today = sendscope_domain::calendar::england_today();
    let meeting = today + chrono::Days::new(20);
    let before = event_counts(&db.url, &case);
    let (status, answer) = api_post(
        port,
        &steps,
        &token,
        &format!(
            r#"{{"type":"case.review_invitations_sent","payload":{{"meeting_on":"{meeting}","on":"{today}"}},"reason":"test"}}"#
        ),
    );
    assert_eq!(status, 201, "{answer}");
    let v: serde_json::Value = serde_json::from_str(&answer).expect("json");
    check_schema(
        doc,
        &doc["components"]["schemas"]["StepRecorded"],
        &v,
        &steps,
    );
    assert_eq!(
        event_counts(&db.url, &case),
        (before.0 + 1, before.1 + 1),
        "one event"
    );
    let (status, _, body) = api_get(port, &format!("/api/v1/cases/{case}/deadlines"), &token);
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    check_schema(
        doc,
        &doc["components"]["schemas"]["Deadlines"],
        &v,
        "deadlines",
    );
    let inv = v["deadlines"]
        .as_array()
        .expect("deadlines")
        .iter()
        .find(|d| d["key"] == "review_invitations")
        .expect("the invitations' deadline");
    assert_eq!(inv["due"], (meeting - chrono::Days::new(14)).to_string());
    assert_eq!(
        (
            inv["state"].as_str(),
            inv["days_early"].as_i64(),
            inv["rule"]["period"]["kind"].as_str()
        ),
        (Some("met_on_time"), Some(6), Some("weeks_before"))
    );
    // Every deadline has a rule and a state, and the days agree with the state.
    for d in v["deadlines"].as_array().expect("deadlines") {
        match d["state"].as_str().expect("state") {
            "met_late" | "overdue" => assert!(d["days_late"].as_i64() > Some(0), "{d}"),
            "upcoming" | "open" => assert!(d["days_left"].as_i64() >= Some(0), "{d}"),
            "met_on_time" => assert!(d["days_early"].as_i64() >= Some(0), "{d}"),
            _ => {}
        }
    }

    // The same through the pages.
    let cookie = sign_in(port, "caseworker");
    let (status, _, page) = http(port, "GET", &format!("/cases/{case}"), &cookie, "");
    assert_eq!(status, 200);
    // Every deadline is on the timeline, on its due date, with days early, left or late.
    assert!(
        page.contains("Due: Invite everyone to the review meeting and circulate the advice")
            && page.contains("Done on time, 6 days early"),
        "the invitations' deadline is on the timeline"
    );
    assert!(
        page.contains(&format!("href=\"/cases/{case}/steps\"")),
        "a Record a step button"
    );
    let (_, _, menu) = http(port, "GET", &format!("/cases/{case}/steps"), &cookie, "");
    assert!(menu.contains("Review meeting held") && menu.contains("Decision to cease the plan"));
    let form_url = format!("/cases/{case}/steps/review-meeting-held");
    let (status, _, form) = http(port, "GET", &form_url, &cookie, "");
    assert_eq!(status, 200);
    let marker = "name=\"csrf\" value=\"";
    let at = form.find(marker).expect("csrf field") + marker.len();
    let csrf = form[at..].split('"').next().unwrap_or("").to_string();
    let before = event_counts(&db.url, &case);
    // No date: the form again, with the error against the field; nothing written.
    let (status, _, again) = http(port, "POST", &form_url, &cookie, &format!("csrf={csrf}"));
    assert_eq!(status, 400);
    assert!(
        again.contains("There is a problem") && again.contains("href=\"#on\""),
        "{again}"
    );
    // A wrong CSRF token: refused, nothing written.
    let (status, _, _) = http(
        port,
        "POST",
        &form_url,
        &cookie,
        "csrf=wrong&on-day=1&on-month=1&on-year=2026",
    );
    assert_eq!(status, 403);
    // Ceasing without a decision: the rules' message, nothing written.
    let (status, _, again) = http(
        port,
        "POST",
        &format!("/cases/{case}/steps/plan-ceased"),
        &cookie,
        &format!("csrf={csrf}&on-day=10&on-month=1&on-year=2026&reason=needs_met"),
    );
    assert_eq!(status, 422);
    assert!(
        again.contains("record the decision to cease the plan first"),
        "{again}"
    );
    assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    // The meeting held today: recorded, and the record says so.
    let (status, head, _) = exchange(port, &{
        let form = format!(
            "csrf={csrf}&on-day={}&on-month={}&on-year={}",
            chrono::Datelike::day(&today),
            chrono::Datelike::month(&today),
            chrono::Datelike::year(&today)
        );
        format!(
            "POST {form_url} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
    });
    assert_eq!(status, 303, "{head}");
    assert!(
        head.contains(&format!("/cases/{case}?recorded=review-meeting-held")),
        "{head}"
    );
    assert_eq!(event_counts(&db.url, &case).1, before.1 + 1);
    let (_, _, page) = http(
        port,
        "GET",
        &format!("/cases/{case}?recorded=review-meeting-held"),
        &cookie,
        "",
    );
    assert!(page.contains("Recorded: Review meeting held"));
    // The parent's view of their child has no Record a step button.
    let pc = sign_in(port, "parent");
    let (_, _, page) = http(port, "GET", &format!("/cases/{mine}"), &pc, "");
    assert!(!page.contains("/steps\""), "no button for a parent");
    let (status, _, _) = http(port, "GET", &format!("/cases/{mine}/steps"), &pc, "");
    assert_eq!(status, 403);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// The 20-week measure follows DfE's definition: plans issued in the calendar year, the
/// final plan no more than 140 days after the request, and "excluding exceptions" drops
/// the exception cases from both sides. The oracle is SQL over the raw events, written
/// from the definition and sharing no code with the report.
#[test]
fn twenty_week_timeliness_follows_the_dfe_definition() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "800", "50000")).0, 0);
    let path = db.url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).expect("opens");
    let rewrites: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE event_type IN ('event.corrected', 'event.voided', 'event.payloads_erased')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(rewrites, 0, "the oracle reads payloads as first recorded");
    // Duplicates merged by the team manager: records with a plan issued in 2025 merged in
    // pairs into records of the same team. A merged child counts once, by the survivor.
    let merged = {
        let s = sendscope_store::open(&db.url).expect("opens");
        let manager = account_links(s.as_ref(), "manager");
        let who = sendscope_app::access::principal_of(
            s.as_ref(),
            &sendscope_domain::account::Username::parse("manager").expect("name"),
        )
        .expect("the manager");
        let issued_in_2025: Vec<String> = all_cases(s.as_ref(), who.area)
            .into_iter()
            .filter(|(_, c)| {
                c.team == manager.team
                    && c.requests.iter().any(|r| {
                        r.final_issued_on
                            .is_some_and(|d| d.format("%Y").to_string() == "2025")
                    })
            })
            .map(|(id, _)| id.to_string())
            .take(6)
            .collect();
        assert_eq!(
            issued_in_2025.len(),
            6,
            "the manager's team issued plans in 2025"
        );
        for pair in issued_in_2025.chunks(2) {
            sendscope_app::merge::merge(
                s.as_ref(),
                &who,
                "manager",
                &pair[0],
                &pair[1],
                "the same child, recorded twice",
            )
            .expect("merged");
        }
        3
    };
    let merges: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE event_type = 'stream.merged_into'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(merges, merged);
    for year in ["2024", "2025"] {
        let oracle: (i64, i64, i64, i64, i64) = conn
            .query_row(
                "WITH ev AS (SELECT stream_no, event_type, CAST(payload AS TEXT) AS p FROM events),
                 req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received
                         FROM ev WHERE event_type = 'case.request_received'),
                 fin AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS issued
                         FROM ev WHERE event_type = 'case.final_plan_issued'),
                 exc AS (SELECT DISTINCT stream_no, json_extract(p, '$.request') AS r
                         FROM ev WHERE event_type = 'case.exception_recorded'),
                 merged AS (SELECT stream_no FROM ev WHERE event_type = 'stream.merged_into'),
                 plans AS (SELECT julianday(fin.issued) - julianday(req.received) AS days, exc.r IS NOT NULL AS ex
                           FROM fin JOIN req USING (stream_no, r) LEFT JOIN exc USING (stream_no, r)
                           WHERE substr(fin.issued, 1, 4) = ?1 AND stream_no NOT IN (SELECT stream_no FROM merged))
                 SELECT count(*), total(days <= 140), total(ex), total(NOT ex), total(NOT ex AND days <= 140) FROM plans",
                [year],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get::<_, f64>(1)? as i64,
                        r.get::<_, f64>(2)? as i64,
                        r.get::<_, f64>(3)? as i64,
                        r.get::<_, f64>(4)? as i64,
                    ))
                },
            )
            .expect("oracle");
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "report",
            "timeliness",
            "--year",
            year,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let got = (
            v["issued"].as_i64().expect("issued"),
            v["within_20_weeks"].as_i64().expect("within"),
            v["exception_cases"].as_i64().expect("exceptions"),
            v["issued_excluding_exceptions"]
                .as_i64()
                .expect("issued ex"),
            v["within_20_weeks_excluding_exceptions"]
                .as_i64()
                .expect("within ex"),
        );
        assert_eq!(got, oracle, "{year}");
        // The KPI engine (the dashboard's figures) agrees with the oracle too.
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "kpi",
            "--year",
            year,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let k: serde_json::Value = serde_json::from_str(&out).expect("json");
        let k = if k["new_plans"].is_null() {
            &k["england"]
        } else {
            &k
        };
        assert_eq!(
            (
                k["new_plans"].as_i64(),
                k["within_20_weeks"]["numerator"].as_i64(),
                k["exception_cases"].as_i64()
            ),
            (Some(oracle.0), Some(oracle.1), Some(oracle.2)),
            "{year}: the KPI engine, {k}"
        );
        assert!(oracle.0 > 50 && oracle.2 > 0, "{year}: {oracle:?}");
        // Quality beside it: the plans' audits (the demo audits a plan at most once).
        let quality: (i64, i64) = conn
            .query_row(
                "WITH ev AS (SELECT stream_no, event_type, CAST(payload AS TEXT) AS p FROM events),
                 fin AS (SELECT stream_no, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
                 qa AS (SELECT stream_no, json_extract(p, '$.on') AS on_, json_extract(p, '$.grade') AS grade FROM ev WHERE event_type = 'case.plan_audited')
                 SELECT count(*), total(grade IN ('outstanding', 'good')) FROM fin JOIN qa USING (stream_no)
                 WHERE substr(fin.issued, 1, 4) = ?1 AND qa.on_ >= fin.issued
                 AND stream_no NOT IN (SELECT stream_no FROM ev WHERE event_type = 'stream.merged_into')",
                [year],
                |r| Ok((r.get(0)?, r.get::<_, f64>(1)? as i64)),
            )
            .expect("quality oracle");
        assert_eq!(
            (
                v["quality"]["audited"].as_i64(),
                v["quality"]["good_or_better"].as_i64()
            ),
            (Some(quality.0), Some(quality.1)),
            "{year} quality"
        );
        assert!(quality.0 > 5, "{year}: plans were audited");
    }
}

fn letters(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let case = team_case_with_plan(&db.url);
    let token = token_for(&db.url, "caseworker");
    let (mut server, port, _stderr) = serve(&db.url);
    let today = sendscope_domain::calendar::england_today();
    let (status, answer) = api_post(
        port,
        &format!("/api/v1/cases/{case}/steps"),
        &token,
        &format!(
            r#"{{"type":"case.cessation_decided","payload":{{"on":"{today}","reason":"needs_met","explanation":"Outcomes met with support at school."}}}}"#
        ),
    );
    assert_eq!(status, 201, "{answer}");
    let cookie = sign_in(port, "caseworker");
    let (_, _, page) = http(port, "GET", &format!("/cases/{case}"), &cookie, "");
    assert!(page.contains(&format!("/cases/{case}/letters/new/cessation-decision")));
    let (status, _, preview) = http(
        port,
        "GET",
        &format!("/cases/{case}/letters/new/cessation-decision"),
        &cookie,
        "",
    );
    assert_eq!(status, 200);
    let appeal_by = sendscope_domain::calendar::long_date(
        chrono::NaiveDate::checked_add_months(today, chrono::Months::new(2)).expect("date"),
    );
    assert!(
        preview.contains("We have decided to cease the EHC plan")
            && preview.contains(&format!("You must appeal by {appeal_by}"))
            && preview.contains("mediation adviser"),
        "{preview}"
    );
    let marker = "name=\"csrf\" value=\"";
    let at = preview.find(marker).expect("csrf") + marker.len();
    let csrf = preview[at..].split('"').next().unwrap_or("").to_string();
    let (status, head, _) = exchange(port, &{
        let form = format!("csrf={csrf}&to=Ms+Test&email=family%40example.org");
        format!(
            "POST /cases/{case}/letters/new/cessation-decision HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        )
    });
    assert_eq!(status, 303, "{head}");
    assert!(head.contains(&format!("/cases/{case}/letters/1")));
    let (_, _, letter) = http(
        port,
        "GET",
        &format!("/cases/{case}/letters/1"),
        &cookie,
        "",
    );
    assert!(
        letter.contains("In the outbox") && letter.contains("Dear Ms Test"),
        "{letter}"
    );
    // A second letter, to post: printed, then marked as posted.
    let (status, _, _) = http(
        port,
        "POST",
        &format!("/cases/{case}/letters/new/final-plan"),
        &cookie,
        &format!("csrf={csrf}&to=Ms+Test&email="),
    );
    assert_eq!(status, 303);
    let (status, _, _) = http(
        port,
        "POST",
        &format!("/cases/{case}/letters/2/posted"),
        &cookie,
        &format!("csrf={csrf}"),
    );
    assert_eq!(status, 303);
    let (_, _, letter) = http(
        port,
        "GET",
        &format!("/cases/{case}/letters/2"),
        &cookie,
        "",
    );
    assert!(letter.contains("by post"), "{letter}");
    server.kill().expect("stop");
    server.wait().expect("reaped");
    let listed = || run(&["--database-url", &db.url, "outbox", "list"]);
    let (code, out, err) = listed();
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("family@example.org"));
    // No mail server: nothing sent, nothing recorded, one clear line per letter.
    let smtp_port = free_port().to_string();
    let send = || {
        run(&[
            "--database-url",
            &db.url,
            "outbox",
            "send",
            "--smtp-host",
            "127.0.0.1",
            "--smtp-port",
            &smtp_port,
            "--from",
            "SEND team <send@example.org>",
        ])
    };
    let (code, _, err) = send();
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not sent"), "{err}");
    assert_eq!(listed().1.lines().count(), 1, "still waiting");
    // A real SMTP server.
    let mut smtpd = Command::new("python3")
        .args([
            "-u",
            "-W",
            "ignore",
            "-m",
            "smtpd",
            "-n",
            "-c",
            "DebuggingServer",
            &format!("127.0.0.1:{smtp_port}"),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 smtpd");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", smtp_port.parse::<u16>().expect("port")))
        .is_err()
    {
        assert!(Instant::now() < deadline, "smtpd did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let (code, _, err) = send();
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("1 letters emailed, 0 not sent, 0 waiting to be posted"),
        "{err}"
    );
    assert_eq!(listed().1.lines().count(), 0, "the outbox is empty");
    smtpd.kill().expect("stop smtpd");
    let mut received = String::new();
    smtpd
        .stdout
        .take()
        .expect("stdout")
        .read_to_string(&mut received)
        .expect("read");
    smtpd.wait().expect("reaped");
    assert!(
        received.contains("We have decided to cease the EHC plan")
            && received.contains("family@example.org")
            && received.contains("Dear Ms Test"),
        "{received}"
    );
}

fn adopted_rubric(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let area = sendscope_store::open(&db.url)
        .expect("opens")
        .headline()
        .expect("h")
        .areas[0]
        .area_id
        .clone();
    let rubric = |last_catch_all: bool| {
        serde_json::json!({
            "id": "local-2026", "title": "Three sections, scored 1 to 5", "max_score": 5,
            "sections": [
                {"key": "b", "label": "B: needs", "good_looks_like": "specific"},
                {"key": "e", "label": "E: outcomes", "good_looks_like": "SMART"},
                {"key": "f", "label": "F: provision", "good_looks_like": "quantified"}
            ],
            "grades": [
                {"grade": "outstanding", "min_mean": 4.5, "min_lowest": 4},
                {"grade": "good", "min_mean": 3.5, "min_lowest": 3},
                {"grade": "requires_improvement", "min_mean": 2.5, "min_lowest": 2},
                {"grade": "inadequate", "min_mean": if last_catch_all { 0.0 } else { 1.0 }, "min_lowest": 0}
            ]
        })
        .to_string()
    };
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, rubric(false)).expect("write");
    let adopt = |file: &std::path::Path| {
        run(&[
            "--database-url",
            &db.url,
            "qa",
            "adopt-rubric",
            "--area",
            &area,
            "--from",
            "2020-01-01",
            file.to_str().expect("path"),
        ])
    };
    let (code, _, err) = adopt(&bad);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(
        err.contains("the last grade must accept any scores"),
        "{err}"
    );
    let good = dir.path().join("rubric.json");
    std::fs::write(&good, rubric(true)).expect("write");
    assert_eq!(adopt(&good).0, 0);
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "qa",
        "show-rubric",
        "--area",
        &area,
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("local-2026"), "{out}");
    let case = team_case_with_plan(&db.url);
    let token = token_for(&db.url, "caseworker");
    let (mut server, port, _stderr) = serve(&db.url);
    let post = |scores: &str| {
        api_post(
            port,
            &format!("/api/v1/cases/{case}/steps"),
            &token,
            &format!(
                r#"{{"type":"case.plan_audited","payload":{{"on":"2026-01-10","service":"social_care","scores":{scores}}}}}"#
            ),
        )
    };
    let (status, answer) =
        post(r#"{"a":3,"b":3,"c":3,"d":3,"e":3,"f":3,"g":3,"h1":3,"h2":3,"i":3,"j":3,"k":3}"#);
    assert_eq!(status, 422, "{answer}");
    let (status, answer) = post(r#"{"b":4,"e":4,"f":3}"#);
    assert_eq!(status, 201, "{answer}");
    let (_, _, record) = api_get(port, &format!("/api/v1/cases/{case}"), &token);
    let record: serde_json::Value = serde_json::from_str(&record).expect("json");
    assert_eq!(
        (
            record["audits"][0]["grade"].as_str(),
            record["audits"][0]["rubric_id"].as_str()
        ),
        (Some("good"), Some("local-2026"))
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

fn programmes(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "400", "50000")).0, 0);
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
    let deadline = chrono::NaiveDate::from_ymd_opt(2027, 6, 30).expect("date");
    let today = sendscope_domain::calendar::england_today();
    // Cases with a request received in 2024 or later: some issued, some still waiting.
    let chosen: Vec<_> = all_cases(s.as_ref(), area)
        .into_iter()
        .filter(|(_, c)| {
            c.requests
                .last()
                .is_some_and(|r| chrono::Datelike::year(&r.received_on) >= 2024)
        })
        .collect();
    drop(s);
    let completed = chosen
        .iter()
        .filter(|(_, c)| {
            c.requests
                .iter()
                .filter_map(|r| r.final_issued_on)
                .any(|d| d >= start && d <= today)
        })
        .count() as f64;
    let total = chosen.len() as f64;
    assert!(
        completed > 10.0 && total - completed > 10.0,
        "{completed} of {total}"
    );
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("cases.txt");
    let list: String = chosen.iter().map(|(id, _)| format!("{id}\n")).collect();
    std::fs::write(&file, list).expect("write");
    let select = format!("file:{}", file.display());
    let area_s = area.to_string();
    let define = |name: &str, select: &str| {
        run(&[
            "--database-url",
            &db.url,
            "programme",
            "define",
            "--area",
            &area_s,
            "--name",
            name,
            "--milestone",
            "final_plan_issued",
            "--start",
            "2025-01-01",
            "--deadline",
            "2027-06-30",
            "--flag-factor",
            "1.1",
            "--select",
            select,
        ])
    };
    let (code, _, err) = define("Nothing", "phase-transfer:2061-09-01");
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (code, _, err) = define("Test programme", &select);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "programme",
        "show",
        "--area",
        &area_s,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let p = v
        .as_array()
        .expect("programmes")
        .iter()
        .find(|p| p["name"] == "Test programme")
        .expect("the programme");
    let number = p["programme"].as_u64().expect("number");
    assert_eq!(p["total"].as_f64(), Some(total));
    assert_eq!(p["completed"].as_f64(), Some(completed));
    let by_month: f64 = p["by_month"]
        .as_array()
        .expect("months")
        .iter()
        .map(|m| m[1].as_f64().unwrap_or(0.0))
        .sum();
    assert_eq!(by_month, completed);
    let month = 365.25 / 12.0;
    let actual = completed / (((today - start).num_days() + 1) as f64 / month);
    let needed = (total - completed) / ((deadline - today).num_days() as f64 / month);
    assert!((p["actual_rate"].as_f64().expect("rate") - actual).abs() < 1e-9);
    assert!((p["required_rate"].as_f64().expect("needed") - needed).abs() < 1e-9);
    assert_eq!(p["flagged"].as_bool(), Some(needed > actual * 1.1));
    // The page, for the board: the programme's figures and no child's name.
    let (mut server, port, _stderr) = serve(&db.url);
    let board = sign_in(port, "board");
    let (status, _, page) = http(port, "GET", &format!("/programmes/{number}"), &board, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Test programme") && page.contains(&format!("{} of {}", completed, total))
    );
    assert!(!page.contains("/cases/"), "no link to a child's record");
    let (status, _, _) = http(
        port,
        "GET",
        &format!("/programmes/{}", number + 1),
        &board,
        "",
    );
    assert_eq!(status, 404);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

both!(casework_steps_through_the_api_and_the_forms => casework_steps);

both!(
    /// Letters: drafted from the record and the clocks, previewed, issued into the outbox
    /// word for word, printed and marked as posted, or emailed through a real SMTP server
    /// (Python's standard-library one) by `sendscope outbox send`.
    letters_are_drafted_issued_printed_and_sent => letters
);

both!(
    /// An area adopts its own rubric from a date; audits from then are graded by it, and a
    /// rubric that cannot grade every plan is refused with one line.
    an_area_adopts_its_own_quality_rubric => adopted_rubric
);

both!(
    /// A programme's progress: cases chosen once, completions by month, the rate achieved and
    /// the rate needed, worked out again here from the records; the page names no child.
    programmes_show_the_rate_achieved_and_the_rate_needed => programmes
);
