use crate::support::*;

#[test]
fn user_add_makes_real_accounts_and_refuses_bad_ones() {
    let db = sqlite_db();
    let (code, out, _) = run(&demo_args(&db.url, "30", "5000"));
    assert_eq!(code, 0);
    assert!(out.contains("Demo accounts, each with the password demo: caseworker, manager, commissioner, health, school, parent"), "{out}");
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
                "100",
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

#[test]
fn demo_accounts_see_what_their_role_allows_and_views_are_logged() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "40", "5000")).0, 0);
    let (mut server, port, _stderr) = serve(&db.url);
    let worker = sign_in(port, "caseworker");
    let (status, _, list) = http(port, "GET", "/cases", &worker, "");
    assert_eq!(status, 200);
    let ids: Vec<String> = list
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert!(!ids.is_empty(), "the caseworker's team has cases: {list}");
    let (status, _, case) = http(port, "GET", &format!("/cases/{}", ids[0]), &worker, "");
    assert_eq!(status, 200);
    assert!(case.contains("Timeline"));

    let board = sign_in(port, "board");
    assert_eq!(http(port, "GET", "/cases", &board, "").0, 403);
    assert_eq!(
        http(port, "GET", &format!("/cases/{}", ids[0]), &board, "").0,
        404
    );
    let parent = sign_in(port, "parent");
    let hidden = ids
        .iter()
        .filter(|id| http(port, "GET", &format!("/cases/{id}"), &parent, "").0 == 404)
        .count();
    assert!(
        hidden >= ids.len() - 1,
        "a parent sees at most their own child's record"
    );
    let (status, _, seen_by_manager) = http(
        port,
        "GET",
        &format!("/cases/{}", ids[0]),
        &sign_in(port, "manager"),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        seen_by_manager.contains("Who viewed this record")
            && seen_by_manager.contains(">caseworker</td>")
    );
    assert_eq!(http(port, "GET", "/cases/not-a-case", &worker, "").0, 404);
    let commissioner = sign_in(port, "commissioner");
    let (status, _, settings) = http(port, "GET", "/settings", &commissioner, "");
    assert_eq!(status, 200);
    let setting = settings
        .split("href=\"/settings/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a setting");
    let (status, _, one) = http(
        port,
        "GET",
        &format!("/settings/{setting}"),
        &commissioner,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        one.contains("Provisions") && one.contains("Children placed"),
        "{one}"
    );
    assert_eq!(http(port, "GET", "/settings", &board, "").0, 403);
    assert_eq!(
        http(port, "GET", "/cases", "", "").0,
        303,
        "signed out: to the sign-in page"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");

    let s = sendscope_store::open(&db.url).expect("opens");
    let case = sendscope_domain::ids::CaseId::parse(&ids[0]).expect("id");
    let views = s.accesses(case, 1000).expect("log");
    assert_eq!(
        views.iter().filter(|v| v.username == "caseworker").count(),
        1
    );
    assert_eq!(views.iter().filter(|v| v.username == "manager").count(), 1);
    assert!(
        views.iter().all(|v| v.username != "board"),
        "a refused view shows nothing and logs nothing"
    );
}

/// Every role × every page and API route, with the expected answers written out here as
/// data, independently of the authorisation code. "own" is the record each account is
/// linked to (the caseworker's and manager's: a team case; the school's: a child placed
/// there; the parent's: their child; the young person's: their own; health: a case with
/// health advice); roles with no link of their own are asked for the "other" record.
#[test]
fn access_matrix_pages_and_api() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let pr = probes(&db.url);
    let own = |user: &str| match user {
        "school" => pr.school_child.clone(),
        "parent" => pr.parent_child.clone(),
        "young-person" => pr.young.clone(),
        "health" => pr.health_case.clone(),
        _ => pr.other.clone(),
    };
    #[rustfmt::skip]
    let expected: &[(&str, [u16; 9], [u16; 7])] = &[
        //                 pages: home list other own  settings setting queue programmes compliance   api: me   figures list other own  settings setting
        ("caseworker",   [200,  200,  200,  200,  200,     200,    200,  200,  200],      [200, 200,    200, 200,  200,  200,     200]),
        ("manager",      [200,  200,  200,  200,  200,     200,    200,  200,  200],      [200, 200,    200, 200,  200,  200,     200]),
        ("commissioner", [200,  200,  404,  404,  200,     200,    403,  200,  200],      [200, 200,    400, 404,  404,  200,     200]),
        ("health",       [200,  200,  404,  200,  200,     200,    403,  200,  200],      [200, 200,    400, 404,  200,  200,     200]),
        ("school",       [200,  200,  404,  200,  200,     200,    403,  200,  200],      [200, 200,    200, 404,  200,  200,     200]),
        ("parent",       [200,  200,  404,  200,  200,     200,    403,  200,  200],      [200, 200,    200, 404,  200,  200,     200]),
        ("young-person", [200,  200,  404,  200,  200,     200,    403,  200,  200],      [200, 200,    200, 404,  200,  200,     200]),
        ("board",        [200,  403,  404,  404,  403,     403,    403,  200,  200],      [200, 200,    403, 404,  404,  403,     403]),
        ("admin",        [200,  403,  404,  404,  403,     403,    403,  403,  403],      [200, 403,    403, 404,  404,  403,     403]),
    ];
    let tokens: Vec<String> = expected
        .iter()
        .map(|(u, _, _)| token_for(&db.url, u))
        .collect();
    let (mut server, port, _stderr) = serve(&db.url);
    let mut board_bodies = Vec::new();
    for ((user, want_pages, want_api), token) in expected.iter().zip(&tokens) {
        let own = own(user);
        let pages = [
            "/".to_string(),
            "/cases".into(),
            format!("/cases/{}", pr.other),
            format!("/cases/{own}"),
            "/settings".into(),
            format!("/settings/{}", pr.setting),
            "/queue".into(),
            "/programmes".into(),
            "/compliance".into(),
        ];
        let routes = [
            "/api/v1/me".to_string(),
            "/api/v1/figures".into(),
            "/api/v1/cases".into(),
            format!("/api/v1/cases/{}", pr.other),
            format!("/api/v1/cases/{own}"),
            "/api/v1/settings".into(),
            format!("/api/v1/settings/{}", pr.setting),
        ];
        let session = sign_in(port, user);
        let mut got_pages = Vec::new();
        for p in &pages {
            let (status, _, body) = http(port, "GET", p, &session, "");
            got_pages.push(status);
            if *user == "board" {
                board_bodies.push((p.clone(), body));
            }
        }
        let mut got_api = Vec::new();
        for r in &routes {
            let (status, content_type, body) = api_get(port, r, token);
            got_api.push(status);
            let want_type = if status == 200 {
                "application/json"
            } else {
                "application/problem+json"
            };
            assert_eq!(content_type, want_type, "{user} {r}");
            if *user == "board" {
                board_bodies.push((r.clone(), body));
            }
        }
        assert_eq!(got_pages, want_pages.to_vec(), "{user}: {pages:?}");
        assert_eq!(got_api, want_api.to_vec(), "{user}: {routes:?}");
    }
    // Signed out, every page but home sends you to sign in; every API route says 401.
    let pages = [
        "/",
        "/cases",
        &format!("/cases/{}", pr.other),
        "/settings",
        "/queue",
    ];
    let got: Vec<u16> = pages
        .iter()
        .map(|p| http(port, "GET", p, "", "").0)
        .collect();
    assert_eq!(got, vec![200, 303, 303, 303, 303]);
    for r in [
        "/api/v1/me",
        "/api/v1/cases",
        &format!("/api/v1/cases/{}", pr.other),
    ] {
        assert_eq!(api_get(port, r, "").0, 401, "{r}");
        assert_eq!(api_get(port, r, "sendscope_000000000000_00").0, 401, "{r}");
    }

    // A parent who changes the case id gets 404 for every child but their own, on the
    // pages and in the API; a school's lists hold only children linked to its setting.
    let s = sendscope_store::open(&db.url).expect("opens");
    let parent = account_links(s.as_ref(), "parent").person.expect("person");
    let school = account_links(s.as_ref(), "school")
        .setting
        .expect("setting");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let all = all_cases(s.as_ref(), area);
    let parent_session = sign_in(port, "parent");
    let parent_token = &tokens[5];
    // Their list holds exactly their children (none is under a court restriction in the
    // demo, which picks an unrestricted parent), on the page and in the API.
    let mut theirs: Vec<String> = all
        .iter()
        .filter(|(_, c)| {
            c.related
                .iter()
                .any(|r| r.person == parent && r.parental_responsibility)
        })
        .map(|(id, _)| id.to_string())
        .collect();
    theirs.sort();
    let (_, _, body) = api_get(port, "/api/v1/cases?limit=100", parent_token);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let mut listed: Vec<String> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().unwrap_or("").to_string())
        .collect();
    listed.sort();
    assert!(!theirs.is_empty());
    assert_eq!(listed, theirs, "a parent's list is exactly their children");
    let (_, _, page) = http(port, "GET", "/cases", &parent_session, "");
    let mut on_page: Vec<String> = page
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .map(str::to_string)
        .collect();
    on_page.sort();
    assert_eq!(on_page, theirs);
    for (id, c) in &all {
        let mine = c
            .related
            .iter()
            .any(|r| r.person == parent && r.parental_responsibility);
        let want = if mine { 200 } else { 404 };
        assert_eq!(
            http(port, "GET", &format!("/cases/{id}"), &parent_session, "").0,
            want,
            "page {id}"
        );
        assert_eq!(
            api_get(port, &format!("/api/v1/cases/{id}"), parent_token).0,
            want,
            "api {id}"
        );
    }
    let placed_or_consulted = |id: &str| {
        all.iter().any(|(cid, c)| {
            cid.to_string() == id
                && (c.current_placement().is_some_and(|p| {
                    p.setting == sendscope_domain::event::SettingRef::Setting(school)
                }) || c
                    .requests
                    .iter()
                    .any(|q| q.consultations.iter().any(|k| k.setting == school)))
        })
    };
    let (_, _, list) = http(port, "GET", "/cases", &sign_in(port, "school"), "");
    let listed: Vec<&str> = list
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|x| x.split('"').next())
        .collect();
    assert!(!listed.is_empty(), "the school has children placed: {list}");
    assert!(
        listed.iter().all(|id| placed_or_consulted(id)),
        "{listed:?}"
    );
    let (_, _, body) = api_get(port, "/api/v1/cases?limit=100", &tokens[4]);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let items = v["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|i| placed_or_consulted(i["id"].as_str().unwrap_or("")))
    );
    let other_setting = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .iter()
        .map(|p| p.stream.id)
        .find(|id| *id != school.0)
        .expect("another setting");
    let (_, _, body) = api_get(
        port,
        &format!("/api/v1/cases?setting={other_setting}"),
        &tokens[4],
    );
    assert!(
        body.contains("\"items\":[]"),
        "a school cannot list another setting's children: {body}"
    );

    // Nothing a board member is sent names a child, gives a date of birth, a UPN or a
    // case reference.
    for (id, c) in &all {
        let Some(ch) = &c.child else { continue };
        let mut needles = vec![
            id.to_string(),
            format!("{} {}", ch.given_names, ch.family_name),
            format!("{}, {}", ch.family_name, ch.given_names),
            ch.birth_date.to_string(),
            ch.birth_date.format("%-d %B %Y").to_string(),
        ];
        needles.extend(ch.upn.as_ref().map(|u| u.to_string()));
        for (route, body) in &board_bodies {
            for n in &needles {
                assert!(
                    !body.contains(n.as_str()),
                    "board response {route} contains {n:?}"
                );
            }
        }
    }
    server.kill().expect("stop");
    server.wait().expect("reaped");
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
    if c.requests.iter().any(|q| {
        q.advice
            .iter()
            .any(|a| a.kind == sendscope_domain::sen::AdviceKind::Health)
    }) {
        out.push("NHS health professionals asked for advice about the child".into());
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
