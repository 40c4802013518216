use crate::support::*;

#[test]
fn user_add_makes_real_accounts_and_refuses_bad_ones() {
    let db = sqlite_db();
    let (code, out, _) = run(&demo_args(&db.url, "30", "5000"));
    assert_eq!(code, 0);
    assert!(out.contains("Demo accounts, each with the password demo: caseworker, manager, commissioner, health, ep, social, school, parent"), "{out}");
    let add = |name: &str, role: &str, password: &str| {
        run_with_stdin(
            &[
                "--database-url",
                &db.url,
                "user",
                "add",
                "--username",
                name,
                "--role",
                role,
                "--area",
                "831",
            ],
            password,
        )
    };
    let (code, _, err) = add("alice", "commissioner", "short\n");
    assert_eq!(code, 2);
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, _, err) = add("alice", "caseworker", "a long enough password\n");
    assert_eq!(code, 2);
    assert!(err.contains("--staff and --team"), "{err}");
    let (code, _, err) = add("alice", "wizard", "a long enough password\n");
    assert_eq!(code, 2);
    assert!(err.contains("board_member"), "{err}");
    let (code, out, _) = add("alice", "commissioner", "a long enough password\n");
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = add("Alice", "commissioner", "a long enough password\n");
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let s = sendscope_store::open(&db.url).expect("opens");
    let alice = sendscope_domain::account::Username::parse("alice").expect("name");
    let creds = s.credentials(&alice).expect("read").expect("exists");
    assert!(sendscope_domain::account::verify_password(
        "a long enough password",
        &creds.password_hash
    ));
    let demo = sendscope_domain::account::Username::parse("parent").expect("name");
    let creds = s.credentials(&demo).expect("read").expect("exists");
    assert!(sendscope_domain::account::verify_password(
        "demo",
        &creds.password_hash
    ));
}

/// The names families should be told can open a record, read straight from the data: the
/// caseworker, their team, the setting attended and settings consulted, health advisers
/// if health advice was asked for, each person with parental responsibility not barred
/// by a court order, and the young person once over compulsory school age.
fn who_can_see_from_record(url: &str, case: &str) -> Vec<String> {
    use sendscope_domain::projection::StreamState;
    use sendscope_domain::{StreamRef, event::SettingRef};
    let s = sendscope_store::open(url).expect("opens");
    let id = sendscope_domain::ids::CaseId::parse(case).expect("id");
    let p = s
        .projection(StreamRef::case(id))
        .expect("read")
        .expect("case");
    let c = p.case().expect("case");
    let mut out = Vec::new();
    let staff = c.caseworker.map(|w| {
        match s
            .projection(StreamRef::staff(w))
            .expect("read")
            .map(|p| p.state)
        {
            Some(StreamState::Staff(st)) => st.added.expect("added"),
            _ => panic!("caseworker record"),
        }
    });
    if let Some(st) = &staff {
        out.push(st.name.clone());
    }
    if let (Some(team), Some(st)) = (c.team, &staff) {
        let org = s
            .projection(StreamRef::organisation(st.organisation))
            .expect("read")
            .map(|p| p.state);
        let Some(StreamState::Organisation(o)) = org else {
            panic!("organisation")
        };
        let t = o.teams.iter().find(|t| t.team == team).expect("team");
        out.push(format!("{} (caseworkers and team manager)", t.name));
    }
    let mut settings: Vec<sendscope_domain::ids::SettingId> = Vec::new();
    if let Some(SettingRef::Setting(x)) = c.current_placement().map(|p| p.setting) {
        settings.push(x);
    }
    for q in &c.requests {
        settings.extend(q.consultations.iter().map(|k| k.setting));
    }
    let mut unique = Vec::new();
    for x in settings {
        if !unique.contains(&x) {
            unique.push(x);
        }
    }
    for x in unique {
        match s
            .projection(StreamRef::setting(x))
            .expect("read")
            .map(|p| p.state)
        {
            Some(StreamState::Setting(st)) => out.push(st.details.expect("details").name),
            _ => panic!("setting"),
        }
    }
    use sendscope_domain::sen::AdviceKind;
    let asked = |kind| {
        c.requests
            .iter()
            .any(|q| q.advice.iter().any(|a| a.kind == kind))
    };
    if asked(AdviceKind::Health) {
        out.push("NHS health professionals asked for advice about the child".into());
    }
    if asked(AdviceKind::EducationalPsychology) {
        out.push("The educational psychology service, asked for advice about the child".into());
    }
    if asked(AdviceKind::SocialCare) {
        out.push("The social care service, asked for advice about the child".into());
    }
    let barred = |person| {
        c.court_restriction
            .as_ref()
            .is_some_and(|r| r.restricted_persons.contains(&person))
    };
    for r in c
        .related
        .iter()
        .filter(|r| r.parental_responsibility && !barred(r.person))
    {
        out.push(format!("{} (parental responsibility)", r.name));
    }
    let ch = c.child.as_ref().expect("child");
    if sendscope_domain::access::over_compulsory_school_age(
        ch.birth_date,
        sendscope_domain::calendar::england_today(),
    ) {
        out.push(format!(
            "{} {} (the young person)",
            ch.given_names, ch.family_name
        ));
    }
    out
}

/// Tokens made by the real command; problem details for every kind of error; and every
/// answer the API gives matches the schema the OpenAPI document declares for it.
#[test]
fn api_tokens_problems_and_schemas() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let pr = probes(&db.url);
    let manager = token_for(&db.url, "manager");
    let parent = token_for(&db.url, "parent");
    let school = token_for(&db.url, "school");
    assert!(
        manager.starts_with("sendscope_") && manager.len() == 87,
        "{manager}"
    );
    // Unknown users and bad labels are refused with one line and exit 2.
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "token",
        "create",
        "--user",
        "nobody",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "token",
        "create",
        "--user",
        "board",
        "--label",
        " ",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (mut server, port, _stderr) = serve(&db.url);
    let doc = sendscope_web::api::openapi();
    let (status, _, served) = api_get(port, "/api/openapi.json", "");
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&served).expect("json"),
        *doc
    );
    let schema_of = |path: &str, status: &str| -> serde_json::Value {
        let r = &doc["paths"][path]["get"]["responses"][status];
        assert!(!r.is_null(), "{path} documents {status}");
        let content = &r["$ref"]
            .as_str()
            .map(|_| doc["components"]["responses"]["Problem"].clone())
            .unwrap_or_else(|| r.clone())["content"];
        let (_, media) = content
            .as_object()
            .expect("content")
            .iter()
            .next()
            .expect("a media type");
        media["schema"].clone()
    };
    let check = |token: &str, url: &str, path: &str, want: u16| -> serde_json::Value {
        let (status, _, body) = api_get(port, url, token);
        assert_eq!(status, want, "{url}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        check_schema(doc, &schema_of(path, &want.to_string()), &v, url);
        if want >= 400 {
            assert_eq!(v["status"], want);
            assert!(v["detail"].as_str().is_some_and(|d| d.len() > 20), "{v}");
        }
        v
    };
    check(&manager, "/api/v1/me", "/api/v1/me", 200);
    check(&manager, "/api/v1/figures", "/api/v1/figures", 200);
    // Pages: follow `next` to the end; every record appears once.
    let mut seen = std::collections::HashSet::new();
    let mut url = "/api/v1/cases?limit=7".to_string();
    let mut pages = 0;
    loop {
        let v = check(&manager, &url, "/api/v1/cases", 200);
        for i in v["items"].as_array().expect("items") {
            assert!(
                seen.insert(i["id"].as_str().expect("id").to_string()),
                "listed twice"
            );
        }
        pages += 1;
        match v["next"].as_str() {
            Some(n) => url = format!("/api/v1/cases?limit=7&after={n}"),
            None => break,
        }
    }
    assert!(
        pages > 2 && seen.contains(&pr.other),
        "{pages} pages, {} records",
        seen.len()
    );
    let v = check(
        &manager,
        &format!("/api/v1/cases/{}", pr.other),
        "/api/v1/cases/{id}",
        200,
    );
    assert!(v["viewed_by"].is_array() && v.get("who_can_see").is_none());
    let v = check(
        &parent,
        &format!("/api/v1/cases/{}", pr.parent_child),
        "/api/v1/cases/{id}",
        200,
    );
    assert!(v.get("viewed_by").is_none());
    // "Who can see this" lists exactly the linked people and organisations, worked out
    // here from the record itself.
    let mut want = who_can_see_from_record(&db.url, &pr.parent_child);
    let mut got: Vec<String> = v["who_can_see"]
        .as_array()
        .expect("listed for a parent")
        .iter()
        .map(|a| a["name"].as_str().unwrap_or("").to_string())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    let (_, _, page) = http(
        port,
        "GET",
        &format!("/cases/{}", pr.parent_child),
        &sign_in(port, "parent"),
        "",
    );
    let list = page
        .split("id=\"who-can-see\"")
        .nth(1)
        .and_then(|x| x.split("</ul>").next())
        .expect("the list on the page");
    let mut on_page: Vec<String> = list
        .split("\">")
        .skip(1)
        .map(|x| {
            x.split("</li>")
                .next()
                .unwrap_or("")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect();
    on_page.sort();
    assert_eq!(on_page, want);
    check(
        &manager,
        "/api/v1/settings?limit=3",
        "/api/v1/settings",
        200,
    );
    check(
        &school,
        &format!("/api/v1/settings/{}", pr.setting),
        "/api/v1/settings/{id}",
        200,
    );
    // Problems.
    let v = check(
        &manager,
        "/api/v1/cases?stage=nope&limit=500&need=XX",
        "/api/v1/cases",
        400,
    );
    let names: Vec<&str> = v["invalid-params"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(names, ["limit", "stage", "need"]);
    check(
        &manager,
        "/api/v1/cases?after=garbage",
        "/api/v1/cases",
        400,
    );
    check(
        &manager,
        "/api/v1/cases/not-a-uuid",
        "/api/v1/cases/{id}",
        404,
    );
    check(&parent, "/api/v1/cases", "/api/v1/cases", 200);
    check(
        &token_for(&db.url, "health"),
        "/api/v1/cases",
        "/api/v1/cases",
        400,
    );
    check(
        &parent,
        &format!("/api/v1/cases/{}", pr.other),
        "/api/v1/cases/{id}",
        404,
    );
    check(
        &manager,
        "/api/v1/settings/00000000-0000-4000-8000-000000000000",
        "/api/v1/settings/{id}",
        404,
    );
    check("", "/api/v1/me", "/api/v1/me", 401);
    let (status, kind, _) = api_get(port, "/api/v1/no-such-thing", &manager);
    assert_eq!((status, kind.as_str()), (404, "application/problem+json"));
    // The API's view was logged like a page view.
    let s = sendscope_store::open(&db.url).expect("opens");
    let case = sendscope_domain::ids::CaseId::parse(&pr.other).expect("id");
    let log = s.accesses(case, 1000).expect("log");
    assert!(
        log.iter()
            .any(|a| a.username == "manager" && a.via.starts_with("api ")),
        "{log:?}"
    );
    // Revoked: the token stops working at once; listing shows it revoked.
    let (_, list, _) = run(&["--database-url", &db.url, "token", "list"]);
    let id = list
        .lines()
        .find(|l| l.contains("\tparent\t"))
        .and_then(|l| l.split('\t').next())
        .expect("listed");
    let (code, _, err) = run(&["--database-url", &db.url, "token", "revoke", id]);
    assert_eq!(code, 0, "{err}");
    let v = check(&parent, "/api/v1/me", "/api/v1/me", 401);
    assert!(v["detail"].as_str().unwrap_or("").contains("revoked"));
    let (code, _, err) = run(&["--database-url", &db.url, "token", "revoke", id]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (_, list, _) = run(&["--database-url", &db.url, "token", "list"]);
    assert!(
        list.lines()
            .any(|l| l.starts_with(id) && l.contains("revoked")),
        "{list}"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// `sendscope subject-access` writes the bundle as a page and as JSON, readable by its
/// owner only, holding every event on the record and its own making among the views;
/// a record that is not there is refused, and nothing is written.
fn subject_access_from_the_command_line(db: Db) {
    let (code, _, err) = run(&demo_args(&db.url, "30", "5000"));
    assert_eq!(code, 0, "{err}");
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let case = s
        .list_cases(&sendscope_store::CaseQuery {
            area: Some(area),
            limit: 1,
            ..Default::default()
        })
        .expect("cases")
        .rows[0]
        .case;
    // A document on the record: the bundle gives it back as a file.
    let team = s
        .projection(sendscope_domain::StreamRef::case(case))
        .expect("read")
        .and_then(|p| p.case().and_then(|c| c.team));
    let manager = sendscope_domain::access::Principal {
        role: sendscope_domain::access::Role::TeamManager,
        area,
        staff: None,
        team,
        setting: None,
        person: None,
        case: None,
    };
    let report: &[u8] = b"%PDF-1.4 speech and language therapy report";
    sendscope_app::documents::add(
        s.as_ref(),
        "manager",
        &manager,
        case,
        sendscope_app::documents::Upload {
            file_name: "SaLT report.pdf".into(),
            title: "Speech and language therapy report".into(),
            kind: sendscope_domain::documents::DocumentKind::Advice,
            bytes: report.to_vec(),
        },
    )
    .expect("document added");
    let events = s
        .stream_events(sendscope_domain::StreamRef::case(case))
        .expect("events")
        .len();
    drop(s);
    let dir = tempfile::tempdir().expect("dir");
    let out_dir = dir.path().join("bundle");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "subject-access",
        "--case",
        &case.to_string(),
        "--requested-by",
        "the child's father, by letter",
        "--output",
        out_dir.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("{events} events")), "{out}");
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out_dir.join(format!("subject-access-{case}.json")))
            .expect("json"),
    )
    .expect("parses");
    assert_eq!(json["events"].as_array().expect("events").len(), events);
    assert!(out.contains("1 document;"), "{out}");
    let docs = json["documents"].as_array().expect("documents");
    assert_eq!(docs.len(), 1, "{docs:?}");
    let file = docs[0]["file"].as_str().expect("file name");
    let written = out_dir
        .join(format!("subject-access-{case}-documents"))
        .join(file);
    assert_eq!(
        std::fs::read(&written).expect("the document's file"),
        report
    );
    let views = json["views"].as_array().expect("views");
    assert!(
        views
            .last()
            .and_then(|v| v["via"].as_str())
            .is_some_and(|v| v.contains("the child's father")),
        "{views:?}"
    );
    let html = out_dir.join(format!("subject-access-{case}.html"));
    assert!(
        std::fs::read_to_string(&html)
            .expect("html")
            .contains("Everything held about")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&html).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "subject-access",
        "--case",
        &sendscope_domain::ids::CaseId::new_random().to_string(),
        "--requested-by",
        "someone",
        "--output",
        dir.path().join("none").to_str().expect("path"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no child's record"), "{err}");
    assert!(!dir.path().join("none").exists(), "nothing written");
}
both!(subject_access_from_the_command_line);

/// The retention schedule carried out, and an erasure request refused then granted: by
/// lawful-erasure events, so the chain still verifies; a dry run and a second run change
/// nothing.
fn retention_and_erasure(db: Db) {
    let url = db.url.as_str();
    assert_eq!(run(&demo_args(url, "60", "5000")).0, 0);
    let cmd = |args: &[&str]| {
        let mut all = vec!["--database-url", url];
        all.extend_from_slice(args);
        run(&all)
    };
    let events = || export_lines(url);
    // The standard schedule (date of birth + 31 years): nothing due yet.
    let (code, out, err) = cmd(&["retention", "run", "--dry-run", "--on", "2026-01-15"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.is_empty() && err.contains("0 records past"),
        "{out}{err}"
    );
    // Records closed more than a year ago: listed by a dry run, which changes nothing.
    let (code, _, err) = cmd(&[
        "retention",
        "adopt",
        "--trigger",
        "closed",
        "--years",
        "1",
        "--from",
        "2020-01-01",
    ]);
    assert_eq!(code, 0, "{err}");
    // The council's complaints policy, adopted the same way: nonsense refused, and
    // nothing written for it.
    let before = events();
    let (code, _, err) = cmd(&["complaints", "policy", "--working-days", "0"]);
    assert_ne!(code, 0);
    assert!(err.contains("1 to 130 working days"), "{err}");
    assert_eq!(events(), before);
    let (code, out, err) = cmd(&[
        "complaints",
        "policy",
        "--working-days",
        "15",
        "--from",
        "2020-01-01",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("within 15 working days"), "{out}");
    let before = events();
    let (code, listed, err) = cmd(&["retention", "run", "--dry-run", "--on", "2026-01-15"]);
    assert_eq!(code, 0, "{err}");
    let due = listed.lines().count();
    assert!(
        due > 0,
        "some demo records closed over a year before: {err}"
    );
    assert_eq!(events(), before, "a dry run changes nothing");
    let (code, out, err) = cmd(&["retention", "run", "--on", "2026-01-15"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), due);
    assert!(out.lines().all(|l| l.ends_with("events erased")), "{out}");
    let (code, _, err) = cmd(&["audit", "verify"]);
    assert_eq!(code, 0, "the chain still verifies: {err}");
    let first: sendscope_domain::ids::CaseId = sendscope_domain::ids::CaseId::parse(
        listed
            .lines()
            .next()
            .expect("one")
            .split('\t')
            .next()
            .expect("id"),
    )
    .expect("id");
    let s = sendscope_store::open(url).expect("opens");
    let history = s
        .stream_events(sendscope_domain::StreamRef::case(first))
        .expect("events");
    assert!(
        history
            .iter()
            .all(|e| e.payload.is_none() || e.event_type == "event.payloads_erased"),
        "every payload but the erasure record's is gone"
    );
    drop(s);
    let (code, out, _) = cmd(&["retention", "run", "--on", "2026-01-15"]);
    assert_eq!((code, out.as_str()), (0, ""), "nothing left to erase");

    // An erasure request: a decision needs a request; refused with reasons; granted.
    let s = sendscope_store::open(url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let (_, open) = sendscope_app::retention::due(
        s.as_ref(),
        area,
        chrono::NaiveDate::from_ymd_opt(2100, 1, 1).expect("d"),
    )
    .expect("due");
    let case = open[0].case.to_string();
    drop(s);
    let decide = |erase: &str| {
        cmd(&[
            "erasure",
            "decide",
            "--case",
            &case,
            "--erase",
            erase,
            "--reasons",
            "the record is needed while the plan is in place",
            "--on",
            "2026-01-20",
        ])
    };
    let (code, _, err) = decide("no");
    assert_eq!(code, 2);
    assert!(err.contains("no erasure request"), "{err}");
    let request = || {
        cmd(&[
            "erasure",
            "request",
            "--case",
            &case,
            "--received",
            "2026-01-16",
            "--requested-by",
            "the young person, by email",
        ])
    };
    assert_eq!(request().0, 0);
    let (code, _, err) = request();
    assert_eq!(code, 2, "one open request at a time");
    assert!(err.contains("still to be decided"), "{err}");
    let (code, out, err) = decide("no");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("refused"), "{out}");
    assert_eq!(request().0, 0);
    let (code, out, err) = decide("yes");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("events' personal data erased"), "{out}");
    let (code, _, err) = cmd(&["audit", "verify"]);
    assert_eq!(code, 0, "{err}");
    let log = events();
    assert!(
        log.iter()
            .any(|l| l.contains("case.erasure_decided") && l.contains("needed while the plan")),
        "the decision's reasons are kept"
    );
}
both!(retention_and_erasure);

fn export_lines(url: &str) -> Vec<String> {
    export_jsonl(url).lines().map(str::to_string).collect()
}
