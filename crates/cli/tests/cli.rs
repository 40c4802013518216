//! The `sendscope` binary end to end: errors, tampering, crash safety (SIGKILL at fixed
//! points and at random moments, on SQLite and PostgreSQL), export and the served page.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_sendscope");
const AS_OF: &str = "2026-01-15";

struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if self.url.starts_with("postgres") {
            sendscope_store::testing::drop_pg_database(&self.url);
        }
    }
}

fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    Db {
        url,
        _dir: Some(dir),
    }
}

fn pg_db() -> Db {
    Db {
        url: sendscope_store::testing::fresh_pg_database().expect("PostgreSQL must be reachable"),
        _dir: None,
    }
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN).args(args).output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn demo_args<'a>(url: &'a str, plans: &'a str, batch: &'a str) -> Vec<&'a str> {
    vec![
        "--database-url",
        url,
        "demo",
        "--plans",
        plans,
        "--seed",
        "5",
        "--as-of",
        AS_OF,
        "--batch-events",
        batch,
    ]
}

fn dump(url: &str) -> Vec<String> {
    let s = sendscope_store::open(url).expect("opens");
    let mut v = Vec::new();
    s.dump_projections(&mut |l| {
        v.push(l);
        Ok(())
    })
    .expect("dump");
    v
}

/// The database opens, its chain verifies, it holds at least `committed` events (and no
/// half-written batch), and its projections equal a rebuild from its events.
fn assert_consistent(url: &str, committed: u64) -> u64 {
    let s = sendscope_store::open(url).expect("a killed database still opens");
    let r = sendscope_store::verify(s.as_ref()).expect("verify runs");
    assert_eq!(r.first_break, None, "chain broken after a kill");
    assert!(
        r.events >= committed,
        "{} events stored but {committed} were reported committed",
        r.events
    );
    let before = dump(url);
    s.rebuild().expect("rebuild");
    assert_eq!(
        before,
        dump(url),
        "projections differ from a rebuild after a kill"
    );
    r.events
}

/// Starts the binary and forwards each stderr line to a channel.
fn spawn(args: &[&str], env: &[(&str, &str)]) -> (Child, mpsc::Receiver<String>) {
    let mut cmd = Command::new(BIN);
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawns");
    let err = child.stderr.take().expect("stderr piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

fn committed_in(line: &str) -> Option<u64> {
    line.strip_prefix("committed through event ")
        .and_then(|n| n.trim().parse().ok())
}

#[test]
fn a_bad_flag_is_one_line_and_exit_2() {
    let (code, out, err) = run(&["demo", "--plans", "many"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("--plans") && err.contains("--help"), "{err}");
    let (code, _, err) = run(&["frobnicate"]);
    assert_eq!((code, err.trim().lines().count()), (2, 1));
}

#[test]
fn an_unreachable_or_unknown_database_is_one_line_and_exit_2() {
    for url in [
        "postgres://nobody@127.0.0.1:1/none",
        "sqlite:///no/such/folder/x.db",
        "mysql://x",
    ] {
        let (code, _, err) = run(&["--database-url", url, "audit", "verify"]);
        assert_eq!(code, 2, "{url}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_newer_schema_is_refused_with_exit_2() {
    let db = sqlite_db();
    assert_eq!(run(&["--database-url", &db.url, "migrate"]).0, 0);
    let c = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).expect("open");
    c.execute("INSERT INTO schema_version (version) VALUES (42)", [])
        .expect("insert");
    let (code, _, err) = run(&["--database-url", &db.url, "rebuild"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("schema version 42") && err.contains("upgrade sendscope"),
        "{err}"
    );
}

#[test]
fn changing_an_event_by_hand_fails_verify_and_names_it() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "40", "5000")).0, 0);
    let (code, out, _) = run(&["--database-url", &db.url, "audit", "verify"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Verified "), "{out}");
    // What a person with the sqlite3 tool could do: drop the guard, change a payload.
    let c = rusqlite::Connection::open(db.url.trim_start_matches("sqlite://")).expect("open");
    c.execute_batch(
        "DROP TRIGGER events_no_update; \
         UPDATE events SET payload = CAST(replace(CAST(payload AS TEXT), '2', '3') AS BLOB) WHERE seq = 100;",
    )
    .expect("tamper");
    let (code, _, err) = run(&["--database-url", &db.url, "audit", "verify"]);
    assert_eq!(code, 2);
    assert!(err.contains("at event 100:"), "{err}");
}

#[test]
fn export_writes_every_event_as_csv_and_jsonl() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "30", "5000")).0, 0);
    let events = sendscope_store::open(&db.url)
        .and_then(|s| s.headline())
        .expect("headline")
        .events as usize;
    let (code, jsonl, _) = run(&[
        "--database-url",
        &db.url,
        "export",
        "events",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code, 0);
    assert_eq!(jsonl.lines().count(), events);
    let first: serde_json::Value =
        serde_json::from_str(jsonl.lines().next().expect("a line")).expect("json");
    assert_eq!(first["seq"], 1);
    assert_eq!(first["event_type"], "area.created");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("e.csv");
    let p = path.to_string_lossy().to_string();
    assert_eq!(
        run(&[
            "--database-url",
            &db.url,
            "export",
            "events",
            "--format",
            "csv",
            "--output",
            &p
        ])
        .0,
        0
    );
    let mut csv = String::new();
    std::fs::File::open(&path)
        .expect("file")
        .read_to_string(&mut csv)
        .expect("read");
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(r.headers().expect("header").get(0), Some("seq"));
    assert_eq!(r.records().count(), events);
}

fn kill_at_fixed_points(db: &Db) {
    // Killed while the third batch is written but not committed: two batches survive.
    let args = demo_args(&db.url, "300", "2000");
    let (mut child, rx) = spawn(
        &args,
        &[
            ("SENDSCOPE_TEST_HOOK", "append:before-commit#3"),
            ("SENDSCOPE_TEST_REPORT_COMMITS", "1"),
        ],
    );
    let mut committed = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the hook is reached");
        if let Some(n) = committed_in(&line) {
            committed = n;
        }
        if line.contains("sendscope-test-hook: reached append:before-commit") {
            break;
        }
    }
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert!(committed > 0);
    assert_eq!(
        assert_consistent(&db.url, committed),
        committed,
        "the uncommitted batch must leave no trace"
    );

    // Killed in the middle of a rebuild: the old projections stay, still consistent.
    let before = dump(&db.url);
    let (mut child, rx) = spawn(
        &["--database-url", &db.url, "rebuild"],
        &[("SENDSCOPE_TEST_HOOK", "rebuild:before-commit")],
    );
    let line = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the hook is reached");
    assert!(line.contains("reached rebuild:before-commit"), "{line}");
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    assert_eq!(before, dump(&db.url));
    assert_consistent(&db.url, committed);
}

fn kill_at_random_moments(make: fn() -> Db) {
    // A fixed sequence of "random" delays, so a failure can be reproduced.
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for round in 0..4 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = Duration::from_millis(200 + x % 1_800);
        let db = make();
        let args = demo_args(&db.url, "3000", "3000");
        let (mut child, rx) = spawn(&args, &[("SENDSCOPE_TEST_REPORT_COMMITS", "1")]);
        std::thread::sleep(delay);
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped");
        let committed = rx
            .try_iter()
            .filter_map(|l| committed_in(&l))
            .max()
            .unwrap_or(0);
        let stored = assert_consistent(&db.url, committed);
        eprintln!(
            "round {round}: killed after {delay:?}; {committed} reported committed, {stored} stored"
        );
    }
}

#[test]
fn sqlite_survives_sigkill_at_fixed_points() {
    kill_at_fixed_points(&sqlite_db());
}

#[test]
fn postgres_survives_sigkill_at_fixed_points() {
    kill_at_fixed_points(&pg_db());
}

#[test]
fn sqlite_survives_sigkill_at_random_moments() {
    kill_at_random_moments(sqlite_db);
}

#[test]
fn postgres_survives_sigkill_at_random_moments() {
    kill_at_random_moments(pg_db);
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn get(port: u16, path: &str) -> Option<String> {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut body = String::new();
    s.read_to_string(&mut body).ok()?;
    Some(body)
}

#[test]
fn serve_demo_shows_the_areas_headline_counts() {
    let db = sqlite_db();
    let port = free_port();
    let port_s = port.to_string();
    let args = [
        "--database-url",
        &db.url,
        "serve",
        "--demo",
        "--plans",
        "60",
        "--as-of",
        AS_OF,
        "--port",
        &port_s,
    ];
    let (mut child, _rx) = spawn(&args, &[]);
    let deadline = Instant::now() + Duration::from_secs(120);
    let page = loop {
        if let Some(p) = get(port, "/") {
            break p;
        }
        assert!(Instant::now() < deadline, "the server did not answer");
        std::thread::sleep(Duration::from_millis(200));
    };
    child.kill().expect("stop");
    child.wait().expect("reaped");
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("EHC plans in place"));
    assert!(
        page.contains(">60</td>"),
        "the demo's 60 plans are shown: {page}"
    );
}

fn run_with_stdin(args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

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

/// Serves a database on a free port and waits until it answers. Keep the receiver: it
/// holds the server's stderr open.
fn serve(url: &str) -> (Child, u16, mpsc::Receiver<String>) {
    let port = free_port();
    let port_s = port.to_string();
    let (server, rx) = spawn(&["--database-url", url, "serve", "--port", &port_s], &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while get(port, "/healthz").is_none() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, port, rx)
}

/// A minimal HTTP/1.1 client for the served pages: (status, Set-Cookie values, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    cookie: &str,
    form: &str,
) -> (u16, Vec<String>, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !cookie.is_empty() {
        req.push_str(&format!("Cookie: {cookie}\r\n"));
    }
    if method == "POST" {
        req.push_str(&format!(
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            form.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(form);
    s.write_all(req.as_bytes()).expect("sends");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let cookies = head
        .lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .collect();
    (status, cookies, body.to_string())
}

fn sign_in(port: u16, user: &str) -> String {
    let (_, cookies, body) = http(port, "GET", "/sign-in", "", "");
    let csrf_cookie = cookies
        .iter()
        .find(|c| c.starts_with("sendscope_csrf="))
        .expect("csrf cookie")
        .clone();
    let marker = "name=\"csrf\" value=\"";
    let at = body.find(marker).expect("csrf field") + marker.len();
    let csrf = body[at..].split('"').next().unwrap_or("");
    let (status, cookies, _) = http(
        port,
        "POST",
        "/sign-in",
        &csrf_cookie,
        &format!("username={user}&password=demo&csrf={csrf}"),
    );
    assert_eq!(status, 303, "{user} signs in");
    cookies
        .into_iter()
        .find(|c| c.starts_with("sendscope_session="))
        .expect("session")
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
    let views = s.accesses(case).expect("log");
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

/// The links each demo account was made with, read from its account record.
fn account_links(
    s: &dyn sendscope_store::Store,
    name: &str,
) -> sendscope_domain::event::AccountLinks {
    let user = sendscope_domain::account::Username::parse(name).expect("name");
    let creds = s.credentials(&user).expect("read").expect("account");
    let p = s
        .projection(sendscope_domain::StreamRef::account(creds.account))
        .expect("read")
        .expect("account record");
    match p.state {
        sendscope_domain::projection::StreamState::Account(a) => a.created.expect("created").links,
        _ => panic!("not an account"),
    }
}

/// Every role × every page, with the expected answers written out here as data,
/// independently of the authorisation code. The probe case is one of the caseworker's
/// team that is linked to no other demo account (not the parent's child, not the young
/// person's own record, not placed at the school's setting, no health advice).
#[test]
fn page_access_matrix() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let s = sendscope_store::open(&db.url).expect("opens");
    let worker = account_links(s.as_ref(), "caseworker");
    let (parent, young, school) = (
        account_links(s.as_ref(), "parent").person,
        account_links(s.as_ref(), "young-person").case,
        account_links(s.as_ref(), "school").setting,
    );
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let team_cases = s
        .list_cases(&sendscope_store::CaseQuery {
            area: Some(area),
            team: worker.team,
            limit: 500,
            ..Default::default()
        })
        .expect("list");
    let probe = team_cases
        .rows
        .iter()
        .find(|r| {
            let p = s
                .projection(sendscope_domain::StreamRef::case(r.case))
                .expect("read")
                .expect("case");
            let c = p.case().expect("case state");
            Some(r.case) != young
                && !c.related.iter().any(|x| Some(x.person) == parent)
                && r.setting != school
                && !c.requests.iter().any(|q| {
                    q.advice
                        .iter()
                        .any(|a| a.kind == sendscope_domain::sen::AdviceKind::Health)
                })
        })
        .expect("a case linked to no other demo account")
        .case;
    let setting = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .first()
        .expect("a setting")
        .stream
        .id;
    drop(s);
    let (mut server, port, _stderr) = serve(&db.url);
    let pages = [
        "/",
        "/cases",
        &format!("/cases/{probe}"),
        "/settings",
        &format!("/settings/{setting}"),
    ];
    #[rustfmt::skip]
    let expected: &[(&str, [u16; 5])] = &[
        //                 home  list  case  settings  setting
        ("caseworker",   [200,  200,  200,  200,      200]),
        ("manager",      [200,  200,  200,  200,      200]),
        ("commissioner", [200,  200,  404,  200,      200]),
        ("health",       [200,  200,  404,  200,      200]),
        ("school",       [200,  200,  404,  200,      200]),
        ("parent",       [200,  200,  404,  200,      200]),
        ("young-person", [200,  200,  404,  200,      200]),
        ("board",        [200,  403,  404,  403,      403]),
        ("admin",        [200,  403,  404,  403,      403]),
    ];
    for (user, want) in expected {
        let session = sign_in(port, user);
        let got: Vec<u16> = pages
            .iter()
            .map(|p| http(port, "GET", p, &session, "").0)
            .collect();
        assert_eq!(got, want.to_vec(), "{user}: {pages:?}");
    }
    // Signed out, every page but home sends you to sign in.
    let got: Vec<u16> = pages
        .iter()
        .map(|p| http(port, "GET", p, "", "").0)
        .collect();
    assert_eq!(got, vec![200, 303, 303, 303, 303]);
    server.kill().expect("stop");
    server.wait().expect("reaped");
}
