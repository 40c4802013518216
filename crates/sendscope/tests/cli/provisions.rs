use crate::support::*;

/// The approval gate: naming a child into a resourced provision whose significant change
/// approval is not in effect is refused, through the API and the page, with the missing
/// approval named; only a team manager may override, with a reason recorded beside the
/// step; once the approval is in effect no override is needed.
fn approval_gate(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let case = team_case_with_plan(&db.url);
    let (area, academy) = demo_primary_academy(&db.url);
    let s = sendscope_store::open(&db.url).expect("opens");
    let provision = sendscope_domain::ids::ProvisionId::new_random();
    let add = |body: sendscope_domain::EventBody| {
        s.append(&[sendscope_domain::NewEvent {
            stream: sendscope_domain::StreamRef::provision(provision),
            area,
            body,
            actor: sendscope_domain::Actor::parse("user:commissioner").expect("actor"),
            effective_date: sendscope_domain::calendar::england_today(),
            reason: None,
            recorded_at: None,
        }])
        .expect("recorded");
    };
    add(sendscope_domain::EventBody::decode(
        "provision.opened",
        format!(r#"{{"setting":"{academy}","kind":"resourced_provision","name":"New ERP","need_types":["ASD"],"low_age":4,"high_age":11}}"#).as_bytes(),
    ).expect("event"));
    let today = sendscope_domain::calendar::england_today();
    let named = format!(
        r#"{{"type":"case.plan_amended","payload":{{"on":"{today}","needs":[{{"need":"ASD","rank":1}}],"named":[{{"setting":{{"setting":"{academy}"}},"provision":"{provision}","rank":1,"sen_unit":false,"resourced_provision":true}}],"phase_transfer":false}}}}"#
    );
    let with_override = |reason: &str| {
        format!(
            "{},\"override_reason\":\"{reason}\"}}",
            named.strip_suffix('}').unwrap_or(&named)
        )
    };
    let caseworker = token_for(&db.url, "caseworker");
    let manager = token_for(&db.url, "manager");
    let (mut server, port, _stderr) = serve(&db.url);
    let steps = format!("/api/v1/cases/{case}/steps");
    let before = event_counts(&db.url, &case);
    let (status, answer) = api_post(port, &steps, &caseworker, &named);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("New ERP at ")
            && answer.contains("has no DfE significant change approval in effect on"),
        "{answer}"
    );
    let (status, answer) = api_post(
        port,
        &steps,
        &caseworker,
        &with_override("Placement needed now, approval expected in March"),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("only a team manager may override"),
        "{answer}"
    );
    assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    // The page: refused with the same message.
    let cookie = sign_in(port, "manager");
    let form_url = format!("/cases/{case}/steps/plan-amended");
    let (status, _, form) = http(port, "GET", &form_url, &cookie, "");
    assert_eq!(status, 200);
    assert!(
        form.contains(&format!("value=\"{provision}\"")),
        "the provision is offered"
    );
    assert!(form.contains("override_reason"), "managers may override");
    let at = form.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
    let csrf = form[at..].split('"').next().unwrap_or("").to_string();
    let fields = format!(
        "csrf={csrf}&on-day={}&on-month={}&on-year={}&needs=ASD&named={provision}&phase_transfer=no",
        chrono::Datelike::day(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::year(&today)
    );
    let (status, _, page) = http(port, "POST", &form_url, &cookie, &fields);
    assert_eq!(status, 422);
    assert!(
        page.contains("has no DfE significant change approval in effect"),
        "{page}"
    );
    assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    // An area may adopt rules of its own from a date: rules under which resourced
    // provisions need no approval would let the step through (shown, not adopted here:
    // a rule set from the future changes nothing today).
    let (code, shown, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "show-rules",
        "--area",
        &area.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let mut later: serde_json::Value = serde_json::from_str(&shown).expect("rules json");
    later["effective_from"] = serde_json::json!("2099-01-01");
    later["approval_needed"] = serde_json::json!(["sen_unit"]);
    let rules_file = std::env::temp_dir().join(format!("rules-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&rules_file, later.to_string()).expect("write");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "adopt-rules",
        "--area",
        &area.to_string(),
        rules_file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_file(&rules_file);
    let (status, answer) = api_post(port, &steps, &caseworker, &named);
    assert_eq!(status, 422, "rules from 2099 do not apply today: {answer}");
    // A team manager's override: the step and the override, with its reason.
    let (status, answer) = api_post(
        port,
        &steps,
        &manager,
        &with_override("Placement needed now, approval expected in March"),
    );
    assert_eq!(status, 201, "{answer}");
    assert_eq!(event_counts(&db.url, &case).1, before.1 + 2);
    let c = s
        .projection(sendscope_domain::StreamRef::case(
            sendscope_domain::ids::CaseId::parse(&case).expect("id"),
        ))
        .expect("read")
        .expect("case");
    let overrides = &c.case().expect("case").overrides;
    assert_eq!(overrides.len(), 1);
    assert_eq!(
        overrides[0].reason,
        "Placement needed now, approval expected in March"
    );
    assert_eq!(overrides[0].provision, provision);
    // Applied for, then refused: the setting page, the provision page and the compliance
    // report agree, and the provision's page names the child placed there meanwhile.
    let (applied, refused) = (today - chrono::Days::new(60), today - chrono::Days::new(50));
    add(sendscope_domain::EventBody::decode(
        "provision.approval_applied",
        format!(r#"{{"route":"significant_change","submitted_on":"{applied}"}}"#).as_bytes(),
    )
    .expect("event"));
    add(sendscope_domain::EventBody::decode(
        "provision.approval_decided",
        format!(r#"{{"route":"significant_change","approved":false,"decided_on":"{refused}"}}"#)
            .as_bytes(),
    )
    .expect("event"));
    let child = c
        .case()
        .and_then(|x| x.child.as_ref())
        .map(|ch| format!("{} {}", ch.given_names, ch.family_name))
        .expect("child");
    let refused_text = format!(
        "refused on {}",
        sendscope_domain::calendar::long_date(refused)
    );
    let (_, _, provision_page) = http(
        port,
        "GET",
        &format!("/provisions/{provision}"),
        &cookie,
        "",
    );
    assert!(
        provision_page.contains(&refused_text) && provision_page.contains(&child),
        "{provision_page}"
    );
    let (_, _, setting_page) = http(port, "GET", &format!("/settings/{academy}"), &cookie, "");
    assert!(setting_page.contains(&refused_text), "{setting_page}");
    assert!(!setting_page.contains("no decision yet"), "{setting_page}");
    // A service level agreement signed a month before the approval.
    let month_ago = today - chrono::Days::new(30);
    add(sendscope_domain::EventBody::decode(
        "provision.sla_signed",
        format!(r#"{{"parties":["Council","Trust"],"signed_on":"{month_ago}","start":"{month_ago}","end":"2029-08-31"}}"#).as_bytes(),
    ).expect("event"));
    // Approval in effect: the caseworker names the child, no override.
    add(sendscope_domain::EventBody::decode(
        "provision.approval_applied",
        format!(r#"{{"route":"significant_change","submitted_on":"{month_ago}"}}"#).as_bytes(),
    )
    .expect("event"));
    add(sendscope_domain::EventBody::decode(
        "provision.approval_decided",
        format!(r#"{{"route":"significant_change","approved":true,"decided_on":"{today}","effective_from":"{today}"}}"#).as_bytes(),
    ).expect("event"));
    let (status, answer) = api_post(port, &steps, &caseworker, &named);
    assert_eq!(status, 201, "{answer}");
    // The compliance report: the SLA before approval (closed now the approval is in
    // effect) and the manager's override, who and why.
    let report = |format: &str| {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "compliance",
            "report",
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let v: serde_json::Value = serde_json::from_str(&report("json")).expect("json");
    let mine: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["provision"] == "New ERP")
        .collect();
    assert_eq!(mine.len(), 1, "{v}");
    assert_eq!(
        (
            mine[0]["kind"].as_str(),
            mine[0]["began_on"].as_str(),
            mine[0]["open"].as_bool()
        ),
        (
            Some("sla_before_approval"),
            Some(month_ago.to_string().as_str()),
            Some(false)
        )
    );
    let o = &v["overrides"][0];
    assert_eq!(
        (o["reason"].as_str(), o["case"].as_str()),
        (
            Some("Placement needed now, approval expected in March"),
            Some(case.as_str())
        )
    );
    // People as people, the override dated when it was made and naming the step.
    let by = o["by"].as_str().expect("by");
    assert!(!by.is_empty() && !by.contains(':'), "a person's name: {by}");
    assert_eq!(
        o["made_on"].as_str(),
        Some(today.to_string().as_str()),
        "{o}"
    );
    assert!(o["step"].as_str().is_some_and(|s| !s.is_empty()), "{o}");
    let csv = report("csv");
    assert!(
        csv.starts_with("record,date,what")
            && csv.contains("override,")
            && csv.contains("finding,"),
        "{csv}"
    );
    assert!(report("html").contains("<h1 class=\"govuk-heading-l\">Compliance report</h1>"));
    // The board sees the report without case references.
    let board = sign_in(port, "board");
    let (status, _, page) = http(port, "GET", "/compliance", &board, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Placement needed now") && !page.contains(&case),
        "no case reference for the board"
    );
    // Families and schools see that there were overrides, never the reasons staff wrote.
    for who in ["parent", "school"] {
        let cookie = sign_in(port, who);
        let (status, _, page) = http(port, "GET", "/compliance", &cookie, "");
        assert_eq!(status, 200, "{who}");
        assert!(
            page.contains("Overrides") && !page.contains("Placement needed now"),
            "{who}: {page}"
        );
    }
    // A resourced provision named by its school alone cannot be checked against its
    // approval: refused as ambiguous, nothing written.
    let before = event_counts(&db.url, &case);
    let ambiguous = named.replace(&format!(",\"provision\":\"{provision}\""), "");
    assert!(!ambiguous.contains("provision\":\""), "{ambiguous}");
    let (status, answer) = api_post(port, &steps, &manager, &ambiguous);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("name the SEN unit or resourced provision itself"),
        "{answer}"
    );
    assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    // Letters are issued only as sendscope drafts them: not with words sent to the API.
    let letter = format!(
        r#"{{"type":"case.letter_issued","payload":{{"letter":1,"kind":"decision_to_assess","on":"{today}","to":"Anyone","email":"someone@example.com","subject":"Any words","sections":[]}}}}"#
    );
    let (status, answer) = api_post(port, &steps, &manager, &letter);
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("letters are issued as sendscope drafts them"),
        "{answer}"
    );
    assert_eq!(event_counts(&db.url, &case), before, "nothing written");
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// The gate is decided inside the write's transaction: a naming that passed the check
/// before its write (the approval was in effect) is refused when the approval is
/// withdrawn (its decision voided) while the server is paused between the check and the
/// write, and nothing is written. Without the withdrawal the same naming is recorded.
fn gate_decided_in_the_transaction(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let case = team_case_with_plan(&db.url);
    let (area, academy) = demo_primary_academy(&db.url);
    let s = sendscope_store::open(&db.url).expect("opens");
    let provision = sendscope_domain::ids::ProvisionId::new_random();
    let today = sendscope_domain::calendar::england_today();
    let year_ago = today - chrono::Days::new(365);
    let add = |event_type: &str, json: String| {
        s.append(&[sendscope_domain::NewEvent {
            stream: sendscope_domain::StreamRef::provision(provision),
            area,
            body: sendscope_domain::EventBody::decode(event_type, json.as_bytes()).expect("event"),
            actor: sendscope_domain::Actor::parse("user:commissioner").expect("actor"),
            effective_date: today,
            reason: None,
            recorded_at: None,
        }])
        .expect("recorded")[0]
    };
    add(
        "provision.opened",
        format!(
            r#"{{"setting":"{academy}","kind":"resourced_provision","name":"New ERP","need_types":["ASD"],"low_age":4,"high_age":11}}"#
        ),
    );
    add(
        "provision.approval_applied",
        format!(r#"{{"route":"significant_change","submitted_on":"{year_ago}"}}"#),
    );
    let decision = add(
        "provision.approval_decided",
        format!(r#"{{"route":"significant_change","approved":true,"decided_on":"{year_ago}"}}"#),
    );
    let named = |on: chrono::NaiveDate| {
        format!(
            r#"{{"type":"case.plan_amended","payload":{{"on":"{on}","needs":[{{"need":"ASD","rank":1}}],"named":[{{"setting":{{"setting":"{academy}"}},"provision":"{provision}","rank":1,"sen_unit":false,"resourced_provision":true}}],"phase_transfer":false}}}}"#
        )
    };
    let caseworker = token_for(&db.url, "caseworker");
    let pause = tempfile::tempdir().expect("temp dir");
    let env = format!("step:before-append={}", pause.path().display());
    let port = free_port();
    let port_s = port.to_string();
    let (mut server, _stderr) = spawn(
        &["--database-url", &db.url, "serve", "--port", &port_s],
        &[("SENDSCOPE_TEST_PAUSE", &env)],
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let steps = format!("/api/v1/cases/{case}/steps");
    let before = event_counts(&db.url, &case);
    let post = {
        let (steps, caseworker, body) = (steps.clone(), caseworker.clone(), named(today));
        std::thread::spawn(move || api_post(port, &steps, &caseworker, &body))
    };
    let reached = pause.path().join("reached");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !reached.exists() {
        assert!(
            Instant::now() < deadline,
            "the step never reached its write: the check before it refused"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Between the check and the write: the approval is withdrawn.
    add("event.voided", format!(r#"{{"voids":{decision}}}"#));
    std::fs::write(pause.path().join("release"), "").expect("release");
    let (status, answer) = post.join().expect("the request");
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("New ERP at ")
            && answer.contains("has no DfE significant change approval in effect on"),
        "{answer}"
    );
    assert_eq!(
        event_counts(&db.url, &case).1,
        before.1,
        "nothing written on the case"
    );
    // With the approval in effect again and nothing changed meanwhile, the same naming
    // passes the check and the write.
    add(
        "provision.approval_decided",
        format!(r#"{{"route":"significant_change","approved":true,"decided_on":"{year_ago}"}}"#),
    );
    std::fs::remove_file(&reached).expect("reset");
    let (status, answer) = api_post(port, &steps, &caseworker, &named(today));
    assert_eq!(status, 201, "{answer}");
    assert_eq!(
        event_counts(&db.url, &case).1,
        before.1 + 1,
        "the naming is recorded"
    );
    let _ = server.kill();
}

/// The provisions register through the API: a commissioner opens a resourced provision
/// and records its places, agreement and approval; steps out of order are refused; other
/// roles cannot; the compliance report sees the agreement signed before the approval.
fn provisions_register(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let (_, academy) = demo_primary_academy(&db.url);
    let commissioner = token_for(&db.url, "commissioner");
    let caseworker = token_for(&db.url, "caseworker");
    let (mut server, port, _stderr) = serve(&db.url);
    let id = uuid::Uuid::new_v4();
    let url = format!("/api/v1/provisions/{id}/steps");
    let post = |token: &str, t: &str, payload: &str| {
        api_post(
            port,
            &url,
            token,
            &format!(r#"{{"type":"{t}","payload":{payload}}}"#),
        )
    };
    let (status, answer) = post(
        &commissioner,
        "provision.sla_signed",
        r#"{"parties":["Council","Trust"],"signed_on":"2026-09-02","start":"2026-09-02","end":"2029-08-31"}"#,
    );
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("record provision.opened first"), "{answer}");
    let opened = format!(
        r#"{{"setting":"{academy}","kind":"resourced_provision","name":"Register ERP","need_types":["ASD"],"low_age":4,"high_age":11}}"#
    );
    assert_eq!(post(&caseworker, "provision.opened", &opened).0, 403);
    let (status, answer) = post(
        &commissioner,
        "provision.opened",
        &opened.replace(&academy.to_string(), &uuid::Uuid::new_v4().to_string()),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("register the school first"), "{answer}");
    for (t, payload) in [
        ("provision.opened", opened.as_str()),
        (
            "provision.places_set",
            r#"{"academic_year":"2026/27","places":14}"#,
        ),
        (
            "provision.sla_signed",
            r#"{"parties":["Council","Trust"],"signed_on":"2026-09-02","start":"2026-09-02","end":"2029-08-31"}"#,
        ),
        (
            "provision.approval_applied",
            r#"{"route":"significant_change","submitted_on":"2026-09-20"}"#,
        ),
        (
            "provision.approval_decided",
            r#"{"route":"significant_change","approved":true,"decided_on":"2026-10-15","effective_from":"2026-11-01"}"#,
        ),
    ] {
        let (status, answer) = post(&commissioner, t, payload);
        assert_eq!(status, 201, "{t}: {answer}");
    }
    let (status, answer) = post(&commissioner, "provision.opened", &opened);
    assert_eq!(status, 422, "{answer}");
    // An identifier that belongs to another kind of record: not found, nothing written.
    let (status, answer) = api_post(
        port,
        &format!("/api/v1/provisions/{academy}/steps"),
        &commissioner,
        &format!(r#"{{"type":"provision.opened","payload":{opened}}}"#),
    );
    assert_eq!(status, 404, "{answer}");
    let (status, answer) = post(
        &commissioner,
        "case.review_meeting_held",
        r#"{"on":"2026-01-01"}"#,
    );
    assert_eq!(status, 422, "{answer}");
    server.kill().expect("stop");
    server.wait().expect("reaped");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "report",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let found: Vec<_> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["provision"] == "Register ERP")
        .map(|f| {
            (
                f["kind"].as_str().map(str::to_string),
                f["began_on"].as_str().map(str::to_string),
            )
        })
        .collect();
    // Its places for 2026/27 were in use from 1 September with the approval in effect
    // only from 1 November: flagged on their own, as is the agreement signed before it.
    assert_eq!(
        found,
        vec![
            (
                Some("places_without_approval".to_string()),
                Some("2026-09-01".to_string())
            ),
            (
                Some("sla_before_approval".to_string()),
                Some("2026-09-02".to_string())
            )
        ]
    );
    // The demo's own provisions were approved before any child was placed: no findings.
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(2), "{v}");
    // Viable-options evidence for the new provision: the demo's schools have no Ofsted
    // inspections recorded, so none can be shown to meet the standard.
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "viable-options",
        "--provision",
        &id.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "[]");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "viable-options",
        "--provision",
        &uuid::Uuid::new_v4().to_string(),
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    // Rules of the area's own, in force from 2020, under which resourced provisions need
    // no approval: the finding goes.
    let area = sendscope_store::open(&db.url)
        .expect("opens")
        .headline()
        .expect("h")
        .areas[0]
        .area_id
        .clone();
    let rules = serde_json::json!({
        "effective_from": "2020-01-01", "approval_needed": ["sen_unit"], "graded_worst": 2,
        "graded_judgements": ["leadership_and_management", "quality_of_education"],
        "report_card_lowest": "expected_standard",
        "report_card_areas": ["leadership_and_governance", "curriculum_and_teaching"]
    });
    let file = std::env::temp_dir().join(format!("rules-{}.json", uuid::Uuid::new_v4()));
    std::fs::write(&file, rules.to_string()).expect("write");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "adopt-rules",
        "--area",
        &area,
        file.to_str().expect("path"),
    ]);
    let _ = std::fs::remove_file(&file);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&[
        "--database-url",
        &db.url,
        "compliance",
        "report",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{v}");
}

both!(approval_gate);

both!(gate_decided_in_the_transaction);

both!(provisions_register);
