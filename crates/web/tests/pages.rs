//! The pages and the API as people and systems use them, on the demo area, through the
//! router itself (`tower::ServiceExt::oneshot`): no server process, no sockets. Who may
//! open what, role by role, and that every view of a child's record is logged.

#[macro_use]
mod support;

use support::*;

both!(access_matrix_pages_and_api);

#[test]
fn demo_accounts_see_what_their_role_allows_and_views_are_logged() {
    let site = Site::demo(sqlite_db(), 40);
    let worker = site.sign_in("caseworker");
    let (status, _, list) = site.http("GET", "/cases", &worker, "");
    assert_eq!(status, 200);
    let ids: Vec<String> = list
        .split("href=\"/cases/")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    assert!(!ids.is_empty(), "the caseworker's team has cases: {list}");
    let (status, _, case) = site.http("GET", &format!("/cases/{}", ids[0]), &worker, "");
    assert_eq!(status, 200);
    assert!(case.contains("Timeline"));

    let board = site.sign_in("board");
    assert_eq!(site.http("GET", "/cases", &board, "").0, 403);
    assert_eq!(
        site.http("GET", &format!("/cases/{}", ids[0]), &board, "")
            .0,
        404
    );
    let parent = site.sign_in("parent");
    let hidden = ids
        .iter()
        .filter(|id| site.http("GET", &format!("/cases/{id}"), &parent, "").0 == 404)
        .count();
    assert!(
        hidden >= ids.len() - 1,
        "a parent sees at most their own child's record"
    );
    let (status, _, seen_by_manager) = site.http(
        "GET",
        &format!("/cases/{}", ids[0]),
        &site.sign_in("manager"),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        seen_by_manager.contains("Who viewed this record")
            && seen_by_manager.contains(">caseworker</td>")
    );
    assert_eq!(site.http("GET", "/cases/not-a-case", &worker, "").0, 404);
    let commissioner = site.sign_in("commissioner");
    let (status, _, settings) = site.http("GET", "/settings", &commissioner, "");
    assert_eq!(status, 200);
    let setting = settings
        .split("href=\"/settings/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a setting");
    let (status, _, one) = site.http("GET", &format!("/settings/{setting}"), &commissioner, "");
    assert_eq!(status, 200);
    assert!(
        one.contains("Provisions") && one.contains("Children placed"),
        "{one}"
    );
    assert_eq!(site.http("GET", "/settings", &board, "").0, 403);
    assert_eq!(
        site.http("GET", "/cases", "", "").0,
        303,
        "signed out: to the sign-in page"
    );

    let s = sendscope_store::open(&site.db.url).expect("opens");
    let case = sendscope_domain::ids::CaseId::parse(&ids[0]).expect("id");
    let views = s.accesses(case, 1000).expect("log");
    // Listed (name, date of birth, UPN) and then opened: two views, each logged.
    let mut by_worker: Vec<&str> = views
        .iter()
        .filter(|v| v.username == "caseworker")
        .map(|v| v.via.as_str())
        .collect();
    by_worker.sort();
    assert_eq!(by_worker, ["page /cases", &format!("page /cases/{case}")]);
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
fn access_matrix_pages_and_api(db: Db) {
    let site = Site::demo(db, 60);
    let pr = probes(&site.db.url);
    let own = |user: &str| pr.own(user);
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
        // A board member's home leads to the board's view (/board).
        ("board",        [303,  403,  404,  404,  403,     403,    403,  200,  200],      [200, 200,    403, 404,  404,  403,     403]),
        ("admin",        [200,  403,  404,  404,  403,     403,    403,  403,  403],      [200, 403,    403, 404,  404,  403,     403]),
    ];
    let tokens: Vec<String> = expected.iter().map(|(u, _, _)| site.token(u)).collect();
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
        let session = site.sign_in(user);
        let mut got_pages = Vec::new();
        for p in &pages {
            let (status, _, body) = site.http("GET", p, &session, "");
            got_pages.push(status);
            if *user == "board" {
                board_bodies.push((p.clone(), body));
            }
        }
        let mut got_api = Vec::new();
        for r in &routes {
            let (status, content_type, body) = site.api_get(r, token);
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
        .map(|p| site.http("GET", p, "", "").0)
        .collect();
    assert_eq!(got, vec![200, 303, 303, 303, 303]);
    for r in [
        "/api/v1/me",
        "/api/v1/cases",
        &format!("/api/v1/cases/{}", pr.other),
    ] {
        assert_eq!(site.api_get(r, "").0, 401, "{r}");
        assert_eq!(site.api_get(r, "sendscope_000000000000_00").0, 401, "{r}");
    }

    // A parent who changes the case id gets 404 for every child but their own, on the
    // pages and in the API; a school's lists hold only children linked to its setting.
    let s = sendscope_store::open(&site.db.url).expect("opens");
    let parent = account_links(s.as_ref(), "parent").person.expect("person");
    let school = account_links(s.as_ref(), "school")
        .setting
        .expect("setting");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let all = all_cases(s.as_ref(), area);
    let parent_session = site.sign_in("parent");
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
    let (_, _, body) = site.api_get("/api/v1/cases?limit=100", parent_token);
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
    let (_, _, page) = site.http("GET", "/cases", &parent_session, "");
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
            site.http("GET", &format!("/cases/{id}"), &parent_session, "")
                .0,
            want,
            "page {id}"
        );
        assert_eq!(
            site.api_get(&format!("/api/v1/cases/{id}"), parent_token).0,
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
    let (_, _, list) = site.http("GET", "/cases", &site.sign_in("school"), "");
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
    let (_, _, body) = site.api_get("/api/v1/cases?limit=100", &tokens[4]);
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
    let (_, _, body) = site.api_get(
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
}

/// The work queue: a caseworker's holds only their own cases, a manager's their team's;
/// the overdue count equals the clock engine's over those cases, and items run most
/// urgent first.
#[test]
fn work_queues_hold_the_right_cases_most_urgent_first() {
    let site = Site::demo(sqlite_db(), 60);
    let s = site.store.clone();
    let worker = account_links(s.as_ref(), "caseworker");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let today = sendscope_domain::calendar::england_today();
    let team: Vec<_> = all_cases(s.as_ref(), area)
        .into_iter()
        .filter(|(_, c)| c.team == worker.team)
        .collect();
    let overdue = |mine_only: bool| -> usize {
        team.iter()
            .filter(|(_, c)| !mine_only || c.caseworker == worker.staff)
            .flat_map(|(_, c)| sendscope_domain::clocks::case_deadlines(c, today).expect("clocks"))
            .filter(|d| matches!(d.status, sendscope_domain::clocks::Status::Overdue { .. }))
            .count()
    };
    drop(s);
    for (user, mine_only) in [("caseworker", true), ("manager", false)] {
        let (status, _, page) = site.http("GET", "/queue", &site.sign_in(user), "");
        assert_eq!(status, 200);
        let want = overdue(mine_only);
        assert!(want > 0, "the demo has overdue deadlines for {user}");
        assert!(
            page.contains(&format!("Overdue ({want})")),
            "{user}: {want} overdue"
        );
        let listed: Vec<&str> = page
            .split("href=\"/cases/")
            .skip(1)
            .filter_map(|x| x.split('"').next())
            .collect();
        for id in &listed {
            let (_, c) = team
                .iter()
                .find(|(cid, _)| cid.to_string() == *id)
                .expect("a team case");
            assert!(
                !mine_only || c.caseworker == worker.staff,
                "{user} sees only their own cases"
            );
        }
        // Most urgent first: the overdue section's "Overdue by N days" never grows down the page.
        let days: Vec<i64> = page
            .split("Overdue by ")
            .skip(1)
            .filter_map(|x| x.split(' ').next()?.parse().ok())
            .collect();
        assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
    }
}

/// A step dated after today is refused (422, saying so) and writes nothing: the record
/// and every page of it stay as they were.
#[test]
fn a_step_dated_after_today_is_refused_and_writes_nothing() {
    let site = Site::demo(sqlite_db(), 40);
    let case = probes(&site.db.url).other;
    let token = site.token("caseworker");
    let events = || site.store.headline().expect("headline").events;
    let before = events();
    let tomorrow = sendscope_domain::calendar::england_today()
        .succ_opt()
        .expect("tomorrow");
    let (status, body) = site.api_post(
        &format!("/api/v1/cases/{case}/steps"),
        &token,
        &format!(r#"{{"type": "case.review_meeting_held", "payload": {{"on": "{tomorrow}"}}}}"#),
    );
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("after today"), "{body}");
    assert_eq!(events(), before, "nothing written");
    let (status, _, _) = site.http(
        "GET",
        &format!("/cases/{case}"),
        &site.sign_in("caseworker"),
        "",
    );
    assert_eq!(status, 200);
}

/// The timeline says who did each thing as a person reads it: a member of staff by name,
/// records brought in as the council's earlier records; no stored actor, no event number.
#[test]
fn the_timeline_names_people_not_actors() {
    let site = Site::demo(sqlite_db(), 40);
    let staff = account_links(site.store.as_ref(), "caseworker")
        .staff
        .expect("the demo caseworker is a member of staff");
    let name = match site
        .store
        .projection(sendscope_domain::StreamRef::staff(staff))
        .expect("read")
        .expect("staff")
        .state
    {
        sendscope_domain::projection::StreamState::Staff(s) => s.added.expect("added").name,
        _ => panic!("a staff record"),
    };
    let people = sendscope_app::people::actors_as_people(
        site.store.as_ref(),
        [
            "user:caseworker",
            "import:legacy-cms",
            "system:demo",
            "user:no-such-account",
        ],
    );
    assert_eq!(people["user:caseworker"], name);
    assert_eq!(people["import:legacy-cms"], "the council's earlier records");
    assert_eq!(people["system:demo"], "sendscope");
    assert_eq!(people["user:no-such-account"], "no-such-account");
    let case = probes(&site.db.url).other;
    let (status, _, page) = site.http(
        "GET",
        &format!("/cases/{case}"),
        &site.sign_in("caseworker"),
        "",
    );
    assert_eq!(status, 200);
    assert!(page.contains("moj-timeline__byline"), "a timeline");
    assert!(
        !page.contains("by user:") && !page.contains("by import:"),
        "no stored actor"
    );
    assert!(!page.contains(">Event "), "no event number");
}

/// The SEN2 lead's page: the return checked before it is sent, with each child to put
/// right linked and logged; for managers and commissioners only, and a manager names
/// only their own team's children.
#[test]
fn the_sen2_page_lists_what_to_put_right() {
    let site = Site::demo(sqlite_db(), 300);
    let manager = site.sign_in("manager");
    let (status, _, page) = site.http("GET", "/sen2?census=2026-01-15", &manager, "");
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("SEN2 return for census day 15 January 2026"),
        "{page}"
    );
    assert!(
        page.contains("0 errors"),
        "the demo's return has no errors: {page}"
    );
    // Its queries are listed with the rule and what to do; the manager's own children by
    // name, with a link to the record, and each of them logged as viewed.
    assert!(
        page.contains("What to put right") && page.contains("Query"),
        "{page}"
    );
    let linked = page.matches("href=\"/cases/").count();
    assert!(linked > 0, "{page}");
    let first = page
        .split("href=\"/cases/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a linked record");
    let case = sendscope_domain::ids::CaseId::parse(first).expect("case id");
    let views = site.store.accesses(case, 100).expect("log");
    assert!(
        views
            .iter()
            .any(|v| v.username == "manager" && v.via.starts_with("page /sen2")),
        "the child named is logged as viewed: {views:?}"
    );
    let (_, _, home) = site.http("GET", "/", &manager, "");
    assert!(
        home.contains("href=\"/sen2\""),
        "the manager's home page links to it"
    );
    for (user, status) in [
        ("caseworker", 403),
        ("parent", 403),
        ("board", 403),
        ("commissioner", 200),
    ] {
        let (got, _, body) = site.http("GET", "/sen2", &site.sign_in(user), "");
        assert_eq!(got, status, "{user}: {body}");
    }
    let (status, _, _) = site.http("GET", "/sen2?census=2026-01-16", &manager, "");
    assert_eq!(status, 400, "not a census day");
}

/// A child brought in from a council's SEN2 return: their record says on the timeline
/// where each step came from, and names a school not yet in the register by its URN.
#[test]
fn a_record_brought_in_from_a_return_says_where_it_came_from() {
    let site = Site::demo(sqlite_db(), 40);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, Some("831")).expect("area");
    let worker = account_links(store, "caseworker").staff.expect("staff");
    let allocate =
        sendscope_app::sen2_import::allocation(store, area, &worker.to_string()).expect("staff");
    let xml = r#"<Message><Header><CollectionDetails><Collection>SEN2</Collection><Year>2026</Year><ReferenceDate>2026-01-15</ReferenceDate></CollectionDetails>
<Source><SourceLevel>L</SourceLevel><LEA>831</LEA><SoftwareCode>Other</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo><DateTime>2026-01-20T09:00:00</DateTime><DMO>Y</DMO><DCO>Y</DCO><DSCO>N</DSCO></Source></Header>
<Persons><Person><Surname>Quill</Surname><Forename>Amy</Forename><PersonBirthDate>2015-03-02</PersonBirthDate><Sex>F</Sex><Ethnicity>WBRI</Ethnicity><PostCode>DE1 2AB</PostCode><UPNunknown>UN2</UPNunknown>
<Requests><ReceivedDate>2021-05-01</ReceivedDate><RequestOutcome>H</RequestOutcome>
<Assessment><AssessmentOutcome>H</AssessmentOutcome><NamedPlan><StartDate>2021-09-10</StartDate>
<PlanDetail><URN>123456</URN><PlacementRank>1</PlacementRank><SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator></PlanDetail><PB>0</PB></NamedPlan></Assessment>
<ActivePlans><PlacementDetail><URN>123456</URN><PlacementRank>1</PlacementRank><EntryDate>2021-09-10</EntryDate><SENunitIndicator>0</SENunitIndicator><ResourcedProvisionIndicator>0</ResourcedProvisionIndicator></PlacementDetail>
<SENneed><SENtype>ASD</SENtype><SENtypeRank>1</SENtypeRank></SENneed></ActivePlans></Requests></Person></Persons></Message>"#;
    let ret = sendscope_sen2::read(xml.as_bytes()).expect("a return");
    let done = sendscope_app::sen2_import::import(
        store,
        area,
        &ret,
        sendscope_app::sen2_import::Options {
            allocate: Some(allocate),
            ..Default::default()
        },
    )
    .expect("imported");
    assert_eq!((done.new_children, done.problems.len()), (1, 0), "{done:?}");
    let mut amy = None;
    sendscope_store::for_each_case(store, area, &mut |id, c| {
        if c.child.as_ref().is_some_and(|x| x.family_name == "Quill") {
            amy = Some(id);
        }
    })
    .expect("cases");
    let amy = amy.expect("Amy's record");
    let who = site.sign_in("caseworker");
    let (status, _, page) = site.http("GET", &format!("/cases/{amy}"), &who, "");
    assert_eq!(status, 200, "{page}");
    for says in [
        "from the SEN2 return of 15 January 2026",
        "the setting with URN 123456",
        "Request recorded",
    ] {
        assert!(page.contains(says), "{says}: {page}");
    }
    assert!(!page.contains("import:sen2"), "no internal names: {page}");
}

/// Families, schools and board members see the area's figures as the public do: small
/// counts suppressed, no caseworker's or team's figures, and such a filter, not offered,
/// is not accepted either (on the public page too). Staff who work with the children
/// see exact counts and may filter.
#[test]
fn only_staff_see_exact_figures_and_each_caseworkers() {
    let site = Site::demo(sqlite_db(), 60);
    let worker = account_links(site.store.as_ref(), "caseworker")
        .staff
        .expect("staff");
    for user in ["parent", "school", "young-person", "board"] {
        let who = site.sign_in(user);
        let (status, _, page) = site.http("GET", "/dashboard", &who, "");
        assert_eq!(status, 200, "{user}: {page}");
        assert!(
            !page.contains("name=\"caseworker\""),
            "{user}: no caseworker filter"
        );
        let (status, _, page) =
            site.http("GET", &format!("/dashboard?caseworker={worker}"), &who, "");
        assert_eq!(status, 400, "{user}: {page}");
        assert!(
            page.contains("cannot be shown for one caseworker or team"),
            "{page}"
        );
    }
    let (status, _, _) = site.http("GET", &format!("/figures/831?caseworker={worker}"), "", "");
    assert_eq!(status, 400);
    let manager = site.sign_in("manager");
    let (status, _, page) = site.http(
        "GET",
        &format!("/dashboard?caseworker={worker}"),
        &manager,
        "",
    );
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("name=\"caseworker\""), "staff may filter");
}

/// Every answer that shows a child's personal data is logged as a view of their record:
/// the step forms, placement options, a letter's preview, the queue and search results,
/// not only the record itself.
#[test]
fn every_page_showing_a_child_logs_the_view() {
    let site = Site::demo(sqlite_db(), 40);
    let worker = site.sign_in("caseworker");
    let (_, _, list) = site.http("GET", "/cases", &worker, "");
    let id = list
        .split("href=\"/cases/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a case")
        .to_string();
    let case = sendscope_domain::ids::CaseId::parse(&id).expect("id");
    let store = site.store.as_ref();
    let name = store
        .projection(sendscope_domain::StreamRef::case(case))
        .expect("read")
        .and_then(|p| p.case().and_then(|c| c.child.clone()))
        .expect("child")
        .family_name;
    let before = store.accesses(case, 1000).expect("log").len();
    for path in [
        format!("/cases/{id}/steps"),
        format!("/cases/{id}/options"),
        format!("/cases/{id}/child"),
        format!("/cases?name={name}"),
    ] {
        let (status, _, page) = site.http("GET", &path, &worker, "");
        assert_eq!(status, 200, "{path}: {page}");
    }
    let vias: Vec<String> = store
        .accesses(case, 1000)
        .expect("log")
        .into_iter()
        .filter(|v| v.username == "caseworker")
        .map(|v| v.via)
        .collect();
    assert_eq!(vias.len(), before + 4, "{vias:?}");
    for via in [
        "page /cases/{id}/steps",
        "page /cases/{id}/options",
        "page /cases/{id}/child",
    ] {
        assert!(vias.iter().any(|v| v == via), "{via}: {vias:?}");
    }
    // A page that is refused shows nothing and logs nothing.
    let parent = site.sign_in("board");
    let n = store.accesses(case, 1000).expect("log").len();
    assert_eq!(
        site.http("GET", &format!("/cases/{id}/steps"), &parent, "")
            .0,
        404
    );
    assert_eq!(store.accesses(case, 1000).expect("log").len(), n);
}

/// A parent a court order bars from the child's information is never a letter's
/// addressee, on any record with such an order.
#[test]
fn letters_never_go_to_a_barred_parent() {
    let site = Site::demo(sqlite_db(), 300);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, Some("831")).expect("area");
    let mut barred = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |id, c| {
        if let Some(r) = &c.court_restriction {
            let names: Vec<String> = c
                .related
                .iter()
                .filter(|p| r.restricted_persons.contains(&p.person))
                .map(|p| p.name.clone())
                .collect();
            barred.push((id, names));
        }
    })
    .expect("cases");
    assert!(!barred.is_empty(), "the demo has court orders");
    let manager = site.sign_in("manager");
    let mut previews = 0;
    for (id, names) in &barred {
        let (status, _, page) = site.http("GET", &format!("/cases/{id}"), &manager, "");
        if status != 200 {
            continue;
        }
        for kind in page
            .split(&format!("href=\"/cases/{id}/letters/new/"))
            .skip(1)
            .filter_map(|s| s.split('"').next())
        {
            let (status, _, letter) = site.http(
                "GET",
                &format!("/cases/{id}/letters/new/{kind}"),
                &manager,
                "",
            );
            assert_eq!(status, 200, "{letter}");
            previews += 1;
            for n in names {
                assert!(!letter.contains(n.as_str()), "{n} is barred: {letter}");
            }
        }
    }
    assert!(previews > 0, "some letters were previewed");
}

/// Whatever the form says, a letter cannot be issued to a parent a court order bars.
#[test]
fn a_letter_addressed_to_a_barred_parent_is_refused() {
    let site = Site::demo(sqlite_db(), 300);
    let store = site.store.as_ref();
    let area = sendscope_app::setup::find_area(store, Some("831")).expect("area");
    let mut found = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |id, c| {
        if let Some(r) = &c.court_restriction
            && let Some(p) = c
                .related
                .iter()
                .find(|p| r.restricted_persons.contains(&p.person))
        {
            found.push((id, p.name.clone()));
        }
    })
    .expect("cases");
    let manager = site.sign_in("manager");
    // The first record with an order and a letter to write.
    let (id, name, kind, preview) = found
        .into_iter()
        .find_map(|(id, name)| {
            let (_, _, page) = site.http("GET", &format!("/cases/{id}"), &manager, "");
            let kind = page
                .split(&format!("href=\"/cases/{id}/letters/new/"))
                .nth(1)
                .and_then(|s| s.split('"').next())?
                .to_string();
            let (_, _, preview) = site.http(
                "GET",
                &format!("/cases/{id}/letters/new/{kind}"),
                &manager,
                "",
            );
            Some((id, name, kind, preview))
        })
        .expect("a record with a court order and a letter to write");
    let csrf = csrf_of(&preview);
    let before = store
        .stream_events(sendscope_domain::StreamRef::case(id))
        .expect("events")
        .len();
    // A letter there is nothing for yet (a decision not to cease, say) is refused with what
    // is missing: not a failure of the service.
    let nothing = if kind == "cessation-decision" {
        "no-plan"
    } else {
        "cessation-decision"
    };
    let (status, _, answer) = site.http(
        "POST",
        &format!("/cases/{id}/letters/new/{nothing}"),
        &manager,
        &format!("csrf={csrf}&to=Someone&email="),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer.contains("There is no letter to write yet"),
        "{answer}"
    );
    let (status, _, answer) = site.http(
        "POST",
        &format!("/cases/{id}/letters/new/{kind}"),
        &manager,
        &format!("csrf={csrf}&to={}&email=", name.replace(' ', "+")),
    );
    assert_eq!(status, 422, "{answer}");
    assert!(answer.contains("court order bars this person"), "{answer}");
    let after = store
        .stream_events(sendscope_domain::StreamRef::case(id))
        .expect("events")
        .len();
    assert_eq!(after, before, "nothing written");
}

/// A client that sends a request again with the same Idempotency-Key (it lost the answer)
/// gets the first answer back and nothing is recorded twice; the same key for another
/// request is refused.
#[test]
fn a_retried_request_is_recorded_once() {
    let site = Site::demo(sqlite_db(), 40);
    let token = site.token("caseworker");
    let today = sendscope_domain::calendar::england_today();
    let body = |given: &str| {
        format!(
            r#"{{"child":{{"given_names":"{given}","family_name":"Zephyrine","birth_date":"2019-02-03","sex":"female","ethnicity":"WBRI"}},"parents":[{{"name":"Ann Zephyrine","relationship":"mother"}}],"requested_by":"parent","received_on":"{today}"}}"#
        )
    };
    let post = |key: &str, body: String| {
        let r = axum::http::Request::post("/api/v1/cases")
            .header(axum::http::header::AUTHORIZATION, format!("Bearer {token}"))
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .header("Idempotency-Key", key)
            .body(axum::body::Body::from(body))
            .expect("request");
        let (status, _, _, answer) = site.send(r);
        (status, answer)
    };
    let events = || site.store.headline().expect("headline").events;
    let before = events();
    let (status, first) = post("key-1", body("Ivy"));
    assert_eq!(status, 201, "{first}");
    let after = events();
    assert!(after > before);
    let (status, again) = post("key-1", body("Ivy"));
    assert_eq!((status, &again), (201, &first), "the first answer, again");
    assert_eq!(events(), after, "recorded once");
    let (status, other) = post("key-1", body("Rose"));
    assert_eq!(status, 422, "{other}");
    assert!(other.contains("used for another request"), "{other}");
    assert_eq!(events(), after);
}
