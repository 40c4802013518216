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
    if url.starts_with("postgres") {
        // The killed client's server session may still be finishing a COMMIT it sent.
        sendscope_store::testing::wait_until_no_other_sessions(url).expect("sessions end");
    }
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
    let (status, head, body) = exchange(port, &req);
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

/// Sends one raw HTTP/1.1 request and reads the whole answer: (status, head, body).
fn exchange(port: u16, request: &str) -> (u16, String, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request.as_bytes()).expect("sends");
    let mut raw = String::new();
    s.read_to_string(&mut raw).expect("reads");
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, head.to_string(), body.to_string())
}

/// GET with a bearer token: (status, content type, body).
fn api_get(port: u16, path: &str, token: &str) -> (u16, String, String) {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if !token.is_empty() {
        req.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    req.push_str("\r\n");
    let (status, head, body) = exchange(port, &req);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    (status, content_type, body)
}

/// A new API token for a demo account, made by the real command.
fn token_for(url: &str, user: &str) -> String {
    let (code, out, err) = run(&[
        "--database-url",
        url,
        "token",
        "create",
        "--user",
        user,
        "--label",
        "test",
    ]);
    assert_eq!(code, 0, "{err}");
    out.trim().to_string()
}

/// The demo's probe records for the access matrix, chosen from the data so that the
/// expected answers can be written out as data:
/// `other`: one of the caseworker's team linked to no other demo account (not the
/// parent's child, not the young person's own record, not placed at or consulted by the
/// school, no health advice); and each linked account's own record.
struct Probes {
    other: String,
    parent_child: String,
    young: String,
    school_child: String,
    health_case: String,
    setting: String,
}

fn probes(url: &str) -> Probes {
    use sendscope_domain::sen::AdviceKind;
    let s = sendscope_store::open(url).expect("opens");
    let worker = account_links(s.as_ref(), "caseworker");
    let (parent, young, school) = (
        account_links(s.as_ref(), "parent").person,
        account_links(s.as_ref(), "young-person").case,
        account_links(s.as_ref(), "school").setting,
    );
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let all = all_cases(s.as_ref(), area);
    let linked = |c: &sendscope_domain::projection::CaseState| {
        (
            c.related.iter().any(|x| Some(x.person) == parent),
            c.current_placement().is_some_and(|p| {
                school.is_some_and(|s| p.setting == sendscope_domain::event::SettingRef::Setting(s))
            }) || c
                .requests
                .iter()
                .any(|q| q.consultations.iter().any(|k| Some(k.setting) == school)),
            c.requests
                .iter()
                .any(|q| q.advice.iter().any(|a| a.kind == AdviceKind::Health)),
        )
    };
    let find = |want: &dyn Fn(
        &sendscope_domain::ids::CaseId,
        &sendscope_domain::projection::CaseState,
    ) -> bool| {
        all.iter()
            .find(|(id, c)| want(id, c))
            .map(|(id, _)| id.to_string())
            .expect("a probe record")
    };
    let other = find(&|id, c| {
        let (p, sc, h) = linked(c);
        c.team == worker.team && Some(*id) != young && !p && !sc && !h
    });
    let parent_child = find(&|_, c| linked(c).0);
    let school_child = find(&|_, c| linked(c).1);
    let health_case = find(&|_, c| linked(c).2);
    let setting = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .first()
        .expect("a setting")
        .stream
        .id
        .to_string();
    Probes {
        other,
        parent_child,
        young: young.expect("young person's case").to_string(),
        school_child,
        health_case,
        setting,
    }
}

fn all_cases(
    s: &dyn sendscope_store::Store,
    area: sendscope_domain::ids::AreaId,
) -> Vec<(
    sendscope_domain::ids::CaseId,
    sendscope_domain::projection::CaseState,
)> {
    let mut q = sendscope_store::CaseQuery {
        area: Some(area),
        limit: 500,
        ..Default::default()
    };
    let mut out = Vec::new();
    loop {
        let page = s.list_cases(&q).expect("list");
        for r in &page.rows {
            let p = s
                .projection(sendscope_domain::StreamRef::case(r.case))
                .expect("read")
                .expect("case");
            out.push((r.case, p.case().expect("case state").clone()));
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => return out,
        }
    }
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

/// Checks a JSON value against a schema from the OpenAPI document: types (with null),
/// required properties, declared properties only, items, enums, $ref, oneOf and allOf.
fn check_schema(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) {
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return check_schema(doc, &doc["components"]["schemas"][name], v, at);
    }
    if let Some(all) = schema["allOf"].as_array() {
        for s in all {
            check_schema_open(doc, s, v, at);
        }
        let mut declared: Vec<String> = Vec::new();
        for s in all {
            let s = match s["$ref"].as_str() {
                Some(r) => {
                    &doc["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
                }
                None => s,
            };
            if let Some(p) = s["properties"].as_object() {
                declared.extend(p.keys().cloned());
            }
        }
        if let Some(o) = v.as_object() {
            for k in o.keys() {
                assert!(declared.contains(k), "{at}: {k} is not in the schema");
            }
        }
        return;
    }
    if let Some(one) = schema["oneOf"].as_array() {
        let ok = one.iter().any(|s| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check_schema(doc, s, v, at)))
                .is_ok()
        });
        assert!(ok, "{at}: matches none of oneOf");
        return;
    }
    check_schema_open(doc, schema, v, at);
    if let (Some(props), Some(o)) = (schema["properties"].as_object(), v.as_object()) {
        for k in o.keys() {
            assert!(props.contains_key(k), "{at}: {k} is not in the schema");
        }
    }
}

fn check_schema_open(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    v: &serde_json::Value,
    at: &str,
) {
    use serde_json::Value;
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.trim_start_matches("#/components/schemas/");
        return check_schema_open(doc, &doc["components"]["schemas"][name], v, at);
    }
    if schema.get("allOf").is_some() || schema.get("oneOf").is_some() {
        return check_schema(doc, schema, v, at);
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    assert!(
        types.is_empty() || types.contains(&kind),
        "{at}: {kind} where the schema says {types:?}"
    );
    if let Some(e) = schema["enum"].as_array() {
        assert!(e.contains(v), "{at}: {v} is not one of {e:?}");
    }
    if let Some(o) = v.as_object() {
        for r in schema["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap_or("");
            assert!(o.contains_key(r), "{at}: required {r} is missing");
        }
        if let Some(props) = schema["properties"].as_object() {
            for (k, sub) in props {
                if let Some(x) = o.get(k) {
                    check_schema(doc, sub, x, &format!("{at}.{k}"));
                }
            }
        }
    }
    if let (Some(items), Some(a)) = (schema.get("items"), v.as_array()) {
        for (i, x) in a.iter().enumerate() {
            check_schema(doc, items, x, &format!("{at}[{i}]"));
        }
    }
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
        doc
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
        check_schema(&doc, &schema_of(path, &want.to_string()), &v, url);
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

/// The work queue: a caseworker's holds only their own cases, a manager's their team's;
/// the overdue count equals the clock engine's over those cases, and items run most
/// urgent first.
#[test]
fn work_queues_hold_the_right_cases_most_urgent_first() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let s = sendscope_store::open(&db.url).expect("opens");
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
    let (mut server, port, _stderr) = serve(&db.url);
    for (user, mine_only) in [("caseworker", true), ("manager", false)] {
        let (status, _, page) = http(port, "GET", "/queue", &sign_in(port, user), "");
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
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// POST with a bearer token and a JSON body: (status, body).
fn api_post(port: u16, path: &str, token: &str, body: &str) -> (u16, String) {
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let (status, _, body) = exchange(port, &req);
    (status, body)
}

/// The total number of events, and one case's version: what a refused step must leave alone.
fn event_counts(url: &str, case: &str) -> (u64, u32) {
    let s = sendscope_store::open(url).expect("opens");
    let id = sendscope_domain::ids::CaseId::parse(case).expect("id");
    let v = s
        .projection(sendscope_domain::StreamRef::case(id))
        .expect("read")
        .expect("case")
        .version;
    (s.headline().expect("headline").events, v)
}

/// Casework steps through the API and through the GOV.UK forms: recorded when the rules
/// allow, refused with what must happen first (422) and nothing written when they do not.
/// A case on the demo caseworker's team with a plan in place and no decision to cease.
fn team_case_with_plan(url: &str) -> String {
    let s = sendscope_store::open(url).expect("opens");
    let worker = account_links(s.as_ref(), "caseworker");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    all_cases(s.as_ref(), area)
        .into_iter()
        .find(|(_, c)| {
            c.team == worker.team
                && c.plan
                    .as_ref()
                    .is_some_and(|p| p.ceased.is_none() && p.cessation.is_none())
                && c.transferred_out.is_none()
        })
        .map(|(id, _)| id.to_string())
        .expect("a team case with a plan in place")
}

#[test]
fn casework_steps_through_the_api_and_the_forms_on_sqlite() {
    casework_steps(sqlite_db());
}

#[test]
fn casework_steps_through_the_api_and_the_forms_on_postgres() {
    casework_steps(pg_db());
}

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
        check_schema(&doc, &doc["components"]["schemas"]["Problem"], &v, &steps);
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
        &doc,
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
        &doc,
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
                 plans AS (SELECT julianday(fin.issued) - julianday(req.received) AS days, exc.r IS NOT NULL AS ex
                           FROM fin JOIN req USING (stream_no, r) LEFT JOIN exc USING (stream_no, r)
                           WHERE substr(fin.issued, 1, 4) = ?1)
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
        assert!(oracle.0 > 50 && oracle.2 > 0, "{year}: {oracle:?}");
        // Quality beside it: the plans' audits (the demo audits a plan at most once).
        let quality: (i64, i64) = conn
            .query_row(
                "WITH ev AS (SELECT stream_no, event_type, CAST(payload AS TEXT) AS p FROM events),
                 fin AS (SELECT stream_no, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
                 qa AS (SELECT stream_no, json_extract(p, '$.on') AS on_, json_extract(p, '$.grade') AS grade FROM ev WHERE event_type = 'case.plan_audited')
                 SELECT count(*), total(grade IN ('outstanding', 'good')) FROM fin JOIN qa USING (stream_no)
                 WHERE substr(fin.issued, 1, 4) = ?1 AND qa.on_ >= fin.issued",
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

/// Letters: drafted from the record and the clocks, previewed, issued into the outbox
/// word for word, printed and marked as posted, or emailed through a real SMTP server
/// (Python's standard-library one) by `sendscope outbox send`.
#[test]
fn letters_are_drafted_issued_printed_and_sent_on_sqlite() {
    letters(sqlite_db());
}

#[test]
fn letters_are_drafted_issued_printed_and_sent_on_postgres() {
    letters(pg_db());
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

/// An area adopts its own rubric from a date; audits from then are graded by it, and a
/// rubric that cannot grade every plan is refused with one line.
#[test]
fn an_area_adopts_its_own_quality_rubric_on_sqlite() {
    adopted_rubric(sqlite_db());
}

#[test]
fn an_area_adopts_its_own_quality_rubric_on_postgres() {
    adopted_rubric(pg_db());
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

/// A programme's progress: cases chosen once, completions by month, the rate achieved and
/// the rate needed, worked out again here from the records; the page names no child.
#[test]
fn programmes_show_the_rate_achieved_and_the_rate_needed_on_sqlite() {
    programmes(sqlite_db());
}

#[test]
fn programmes_show_the_rate_achieved_and_the_rate_needed_on_postgres() {
    programmes(pg_db());
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
    let (code, _, err) = define("Nothing", "phase-transfer:2031-09-01");
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

fn events_in(url: &str) -> u64 {
    sendscope_store::open(url)
        .expect("opens")
        .headline()
        .expect("headline")
        .events
}

/// `sendscope import gias`: every bad row reported (row, column, value, reason) and the
/// good rows imported (exit 0); `--strict` with a bad row, an empty file and a binary
/// file change nothing and exit 2 with one line; a second run changes nothing; a changed
/// row changes its setting; a closure closes it.
fn gias_import(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let row = |urn: &str, name: &str, capacity: &str, status: &str, open: &str| {
        format!(
            "{urn},831,Derby,2001,{name},Academy converter,Academies,{status},{open},,Primary,4,11,{capacity},300,Harmony Trust,10012345,1 Road,Derby,DE1 1AA,435000,336000,,,,,,\r\n"
        )
    };
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.to_str().expect("path").to_string()
    };
    let mut bad = format!("{header}\r\n").into_bytes();
    for r in [
        row("712233", "Ash Primary", "420", "Open", "01-09-2015"),
        row("", "No URN Primary", "100", "Open", ""),
        row("712233", "Ash Again", "420", "Open", ""),
        row("712234", "Birch Primary", "lots", "Open", ""),
        row("712235", "C\u{1}dar Primary", "300", "Open", "2015-09-01"),
        row("712236", "Elm Primary", "300", "Open", ""),
    ] {
        bad.extend(r.into_bytes());
    }
    let at = bad.windows(2).position(|w| w == b"C\x01").expect("row");
    bad[at + 1] = 0x81; // undefined in Windows-1252
    bad.extend_from_slice(b"712238,831,Derby,2001,Fir Prim");
    let bad = write("bad.csv", &bad);
    let import = |file: &str, strict: bool| {
        let mut args = vec!["--database-url", &db.url, "import", "gias", file];
        if strict {
            args.push("--strict");
        }
        run(&args)
    };
    // Refused whole: nothing changes, one line, exit 2.
    let before = events_in(&db.url);
    for (name, bytes) in [
        ("empty.csv", b"".to_vec()),
        (
            "binary.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00".to_vec(),
        ),
        ("other.csv", b"name,age\nAsh,4\n".to_vec()),
    ] {
        let (code, _, err) = import(&write(name, &bytes), false);
        assert_eq!((code, err.lines().count()), (2, 1), "{name}: {err}");
    }
    let (code, _, err) = import(&bad, true);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nothing was imported (--strict)"), "{err}");
    assert_eq!(events_in(&db.url), before, "nothing written");
    // Without --strict: every bad row reported, the good rows imported.
    let (code, out, err) = import(&bad, false);
    assert_eq!(code, 0, "{err}");
    let reported: Vec<&str> = err.lines().filter(|l| l.contains(", column ")).collect();
    assert_eq!(reported.len(), 5, "{err}");
    for want in [
        "row 3, column \"URN\", value \"\": the URN is missing",
        "row 4, column \"URN\", value \"712233\": URN 712233 is already on row 2",
        "row 5, column \"SchoolCapacity\", value \"lots\": not a whole number",
        "row 6, column \"EstablishmentName\"",
        "row 8, column \"\", value \"\": the row has",
    ] {
        assert!(err.contains(want), "{want}\n{err}");
    }
    assert!(
        out.contains("added 2, changed 0, unchanged 0, rejected 5"),
        "{out}"
    );
    assert_eq!(events_in(&db.url), before + 2);
    // Again: nothing changes.
    let (code, out, _) = import(&bad, false);
    assert_eq!(code, 0);
    assert!(out.contains("added 0, changed 0, unchanged 2"), "{out}");
    assert_eq!(events_in(&db.url), before + 2);
    // A changed capacity and a closure.
    let mut next = format!("{header}\r\n");
    next.push_str(&row("712233", "Ash Primary", "450", "Open", "01-09-2015"));
    next.push_str(&row("712236", "Elm Primary", "300", "Closed", ""));
    let (code, out, err) = import(&write("next.csv", next.as_bytes()), true);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("added 0, changed 2, unchanged 0, rejected 0"),
        "{out}"
    );
    assert_eq!(events_in(&db.url), before + 4);
}

#[test]
fn gias_import_on_sqlite() {
    gias_import(sqlite_db());
}

#[test]
fn gias_import_on_postgres() {
    gias_import(pg_db());
}

/// Academy conversion keeps one setting: the links file (real, from tests/data) moves a
/// known school to its new URN; the next establishment file, with the old URN closed and
/// the new one open, then adds nothing. Running the links again changes nothing.
fn gias_links(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let row = |urn: &str, name: &str, kind: &str, status: &str| {
        format!(
            "{urn},831,Derby,2001,{name},{kind},Academies,{status},,,Primary,4,11,420,300,,,1 Road,Derby,DE24 0AA,435000,336000,,,,,,\r\n"
        )
    };
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("path").to_string()
    };
    let before = write(
        "before.csv",
        &format!(
            "{header}\r\n{}",
            row(
                "112734",
                "Cottons Farm Primary School",
                "Community school",
                "Open"
            )
        ),
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias", &before]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 1"), "{out}");
    let settings = || {
        let s = sendscope_store::open(&db.url).expect("opens");
        let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
            .expect("area");
        s.area_projections(area, sendscope_domain::StreamKind::Setting)
            .expect("settings")
    };
    let find = |urn: &str| {
        settings().into_iter().find(|p| match &p.state {
            sendscope_domain::projection::StreamState::Setting(s) => s
                .details
                .as_ref()
                .and_then(|d| d.urn)
                .is_some_and(|u| u.to_string() == urn),
            _ => false,
        })
    };
    let school = find("112734").expect("registered").stream;
    let links = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/gias/gias_links_derby_harmony_and_special_schools.csv");
    let links = links.to_str().expect("path");
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias-links", links]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("changed 1, unchanged 0, rejected 0"), "{out}");
    let converted = find("145982").expect("the same setting under its new URN");
    assert_eq!(
        converted.stream, school,
        "one identity across the conversion"
    );
    let count = settings().len();
    let after = write(
        "after.csv",
        &format!(
            "{header}\r\n{}{}",
            row(
                "112734",
                "Cottons Farm Primary School",
                "Community school",
                "Closed"
            ),
            row(
                "145982",
                "Cottons Farm Primary Academy",
                "Academy converter",
                "Open"
            )
        ),
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "gias", &after]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("added 0, changed 1"), "{out}");
    assert_eq!(settings().len(), count, "no second setting for the academy");
    let (code, out, _) = run(&["--database-url", &db.url, "import", "gias-links", links]);
    assert_eq!(code, 0);
    assert!(out.contains("changed 0, unchanged 1"), "{out}");
}

#[test]
fn gias_links_keep_one_identity_on_sqlite() {
    gias_links(sqlite_db());
}

#[test]
fn gias_links_keep_one_identity_on_postgres() {
    gias_links(pg_db());
}

/// Ofsted inspections through the default (graded) mapping and a report-card mapping of
/// one's own: bad rows reported, schools not in the area counted, nothing twice.
fn ofsted_import(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("path").to_string()
    };
    let header = sendscope_import::gias::SAMPLE_HEADER;
    let school = |urn: &str| {
        format!(
            "{urn},831,Derby,2001,School {urn},Academy converter,Academies,Open,,,Primary,4,11,420,300,,,1 Road,Derby,DE1 1AA,435000,336000,,,,,,\r\n"
        )
    };
    let gias = write(
        "gias.csv",
        &format!("{header}\r\n{}{}", school("712233"), school("712234")),
    );
    assert_eq!(
        run(&["--database-url", &db.url, "import", "gias", &gias]).0,
        0
    );
    let graded = write(
        "ofsted.csv",
        "URN,School name,Inspection start date,Publication date,Overall effectiveness,Quality of education,Behaviour and attitudes,Personal development,Effectiveness of leadership and management,Early years provision (where applicable),Sixth form provision (where applicable)\n\
         712233,School 712233,14/03/2024,20/04/2024,3,3,2,2,3,NULL,\n\
         712234,School 712234,01/02/2023,01/03/2023,2,five,2,2,2,,\n\
         799999,Elsewhere,01/02/2023,01/03/2023,2,2,2,2,2,,\n",
    );
    let import = |file: &str, extra: &[&str]| {
        let mut args = vec!["--database-url", db.url.as_str(), "import", "ofsted", file];
        args.extend_from_slice(extra);
        run(&args)
    };
    let before = events_in(&db.url);
    let (code, _, err) = import(&graded, &["--strict"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(events_in(&db.url), before);
    let (code, out, err) = import(&graded, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("row 3, column \"Quality of education\", value \"five\""),
        "{err}"
    );
    assert!(
        out.contains("inspections added 1, changed 0, unchanged 0, rejected 1")
            && out.contains("1 for schools not registered"),
        "{out}"
    );
    let (_, out, _) = import(&graded, &[]);
    assert!(out.contains("added 0, changed 0, unchanged 1"), "{out}");
    // A report-card file in a layout of its own, through a mapping.
    let mapping = write(
        "cards.toml",
        "framework = \"report_card\"\nurn = \"School URN\"\ninspection_start = \"Start\"\n\n[areas]\nleadership_and_governance = \"Leadership\"\ninclusion = \"Inclusion\"\nsafeguarding = \"Safeguarding\"\n",
    );
    let cards = write(
        "cards.csv",
        "School URN,Start,Leadership,Inclusion,Safeguarding\n712234,10/11/2025,Needs attention,Expected standard,Met\n",
    );
    let (code, out, err) = import(&cards, &["--mapping", &mapping]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("inspections added 1"), "{out}");
    let bad = write("bad.toml", "framework = \"stars\"\n");
    let (code, _, err) = import(&cards, &["--mapping", &bad]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    // The setting's page shows the inspection and that it falls below the standard for
    // new places (leadership and management, quality of education: 3).
    let setting = {
        use sendscope_domain::projection::StreamState;
        let s = sendscope_store::open(&db.url).expect("opens");
        let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
            .expect("area");
        s.area_projections(area, sendscope_domain::StreamKind::Setting)
            .expect("settings")
            .into_iter()
            .find(|p| match &p.state {
                StreamState::Setting(x) => x
                    .details
                    .as_ref()
                    .and_then(|d| d.urn)
                    .is_some_and(|u| u.to_string() == "712233"),
                _ => false,
            })
            .expect("the school")
            .stream
            .id
    };
    let (mut server, port, _stderr) = serve(&db.url);
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/settings/{setting}"),
        &sign_in(port, "commissioner"),
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("Below the standard for new places") && page.contains("14 March 2024"),
        "{page}"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

#[test]
fn ofsted_import_on_sqlite() {
    ofsted_import(sqlite_db());
}

#[test]
fn ofsted_import_on_postgres() {
    ofsted_import(pg_db());
}

/// The demo area and one of its primary academies.
fn demo_primary_academy(url: &str) -> (sendscope_domain::ids::AreaId, uuid::Uuid) {
    use sendscope_domain::projection::StreamState;
    let s = sendscope_store::open(url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let academy = s
        .area_projections(area, sendscope_domain::StreamKind::Setting)
        .expect("settings")
        .into_iter()
        .find(|p| match &p.state {
            StreamState::Setting(x) => x.details.as_ref().is_some_and(|d| {
                d.setting_type == sendscope_domain::event::SettingType::MainstreamAcademy
                    && d.phase == sendscope_domain::event::Phase::Primary
            }),
            _ => false,
        })
        .expect("a primary academy")
        .stream
        .id;
    (area, academy)
}

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
        form.contains(&format!("value=\"{academy}/{provision}\"")),
        "the provision is offered"
    );
    assert!(form.contains("override_reason"), "managers may override");
    let at = form.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
    let csrf = form[at..].split('"').next().unwrap_or("").to_string();
    let fields = format!(
        "csrf={csrf}&on-day={}&on-month={}&on-year={}&needs=ASD&named={academy}%2F{provision}&phase_transfer=no",
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
        (o["by"].as_str(), o["reason"].as_str(), o["case"].as_str()),
        (
            Some("user:manager"),
            Some("Placement needed now, approval expected in March"),
            Some(case.as_str())
        )
    );
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
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

#[test]
fn approval_gate_on_sqlite() {
    approval_gate(sqlite_db());
}

#[test]
fn approval_gate_on_postgres() {
    approval_gate(pg_db());
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

#[test]
fn gate_decided_in_the_transaction_on_sqlite() {
    gate_decided_in_the_transaction(sqlite_db());
}

#[test]
fn gate_decided_in_the_transaction_on_postgres() {
    gate_decided_in_the_transaction(pg_db());
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
    assert_eq!(
        found,
        vec![(
            Some("sla_before_approval".to_string()),
            Some("2026-09-02".to_string())
        )]
    );
    // The demo's own provisions were approved before any child was placed: no findings.
    assert_eq!(v["findings"].as_array().map(Vec::len), Some(1), "{v}");
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

/// The provisions register as pages: a commissioner opens a provision at a school and
/// records its places, application, decision, capital and spend through GOV.UK forms;
/// bad fields get field errors and steps out of order the rules' refusal, with nothing
/// written; the viable-options search is recorded as evidence; a caseworker cannot.
fn provisions_register_pages(db: Db) {
    use sendscope_domain::projection::StreamState;
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let (area, academy) = demo_primary_academy(&db.url);
    let s = sendscope_store::open(&db.url).expect("opens");
    let (mut server, port, _stderr) = serve(&db.url);
    let cookie = sign_in(port, "commissioner");
    let csrf_of = |page: &str| {
        let at =
            page.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
        page[at..].split('"').next().unwrap_or("").to_string()
    };
    let (status, _, setting) = http(port, "GET", &format!("/settings/{academy}"), &cookie, "");
    assert_eq!(status, 200);
    assert!(
        setting.contains(&format!("/settings/{academy}/provisions/new")),
        "add link"
    );
    let new_url = format!("/settings/{academy}/provisions/new");
    let (status, _, form) = http(port, "GET", &new_url, &cookie, "");
    assert_eq!(status, 200, "{form}");
    let csrf = csrf_of(&form);
    // Missing fields: each named, nothing written.
    let provisions = || {
        s.area_projections(area, sendscope_domain::StreamKind::Provision)
            .expect("provisions")
    };
    let before = provisions().len();
    let (status, _, page) = http(
        port,
        "POST",
        &new_url,
        &cookie,
        &format!("csrf={csrf}&kind=resourced_provision&name=&low_age=four&high_age=11"),
    );
    assert_eq!(status, 400);
    assert!(
        page.contains("Enter name")
            && page.contains("The youngest age must be a whole number")
            && page.contains("Select at least one: types of need"),
        "{page}"
    );
    assert_eq!(provisions().len(), before, "nothing written");
    let (status, _, _) = http(
        port,
        "POST",
        &new_url,
        &cookie,
        &format!(
            "csrf={csrf}&kind=resourced_provision&name=Form+ERP&need_types=ASD&need_types=SLCN&low_age=4&high_age=11"
        ),
    );
    assert_eq!(status, 303);
    let id = provisions()
        .into_iter()
        .find(|p| matches!(&p.state, StreamState::Provision(x) if x.opened.as_ref().is_some_and(|o| o.name == "Form ERP")))
        .expect("opened")
        .stream
        .id;
    let step = |slug: &str, fields: &str| {
        http(
            port,
            "POST",
            &format!("/provisions/{id}/steps/{slug}"),
            &cookie,
            &format!("csrf={csrf}&{fields}"),
        )
    };
    let date = |k: &str, d: &str| {
        let (y, rest) = d.split_once('-').expect("date");
        let (m, day) = rest.split_once('-').expect("date");
        format!("{k}-day={day}&{k}-month={m}&{k}-year={y}")
    };
    let (status, _, page) = step("places", "academic_year=2026-27&places=12");
    assert_eq!(status, 400);
    assert!(page.contains("like 2026/27"), "{page}");
    assert_eq!(step("places", "academic_year=2026%2F27&places=12").0, 303);
    // A decision with no application: refused by the rules, nothing written.
    let decided = format!(
        "route=significant_change&approved=yes&{}&{}&places=&",
        date("decided_on", "2026-06-01"),
        date("effective_from", "2026-09-01")
    );
    let (status, _, page) = step("approval-decided", &decided);
    assert_eq!(status, 422);
    assert!(page.contains("record the application first"), "{page}");
    assert_eq!(
        step("approval-applied", &date("submitted_on", "2026-01-10")).0,
        400,
        "no route chosen"
    );
    assert_eq!(
        step(
            "approval-applied",
            &format!(
                "route=significant_change&{}",
                date("submitted_on", "2026-01-10")
            )
        )
        .0,
        303
    );
    assert_eq!(step("approval-decided", &decided).0, 303);
    assert_eq!(
        step(
            "capital",
            &format!(
                "reference=CAP-7&amount=1%2C250%2C000&approving_body=Cabinet&{}&places=12",
                date("approved_on", "2026-02-01")
            )
        )
        .0,
        303
    );
    let (status, _, page) = step(
        "capital-spent",
        &format!(
            "reference=CAP-8&{}&spent_to_date=400000",
            date("on", "2026-06-30")
        ),
    );
    assert_eq!(status, 422, "no such project");
    assert!(page.contains("record the capital approved"), "{page}");
    assert_eq!(
        step(
            "capital-spent",
            &format!(
                "reference=CAP-7&{}&spent_to_date=400000",
                date("on", "2026-06-30")
            )
        )
        .0,
        303
    );
    assert_eq!(step("costs", "financial_year=2026-27&cost__place_funding=10000&cost__top_up=8%2C000&cost__health=0&cost__social_care=0").0, 303);
    let (status, _, page) = http(port, "GET", &format!("/provisions/{id}"), &cookie, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("no service level agreement recorded"),
        "commissioning status"
    );
    for want in [
        "Form ERP",
        "in effect from 1 September 2026",
        "£1,250,000.00",
        "£400,000.00",
        "£850,000.00",
        "£18,000.00",
        "ASD, SLCN",
    ] {
        assert!(page.contains(want), "{want} on the provision page");
    }
    let p = s
        .projection(sendscope_domain::StreamRef::provision(
            sendscope_domain::ids::ProvisionId(id),
        ))
        .expect("read")
        .expect("provision");
    let StreamState::Provision(p) = p.state else {
        panic!("provision")
    };
    assert_eq!(p.places.values().copied().collect::<Vec<_>>(), vec![12]);
    assert_eq!(
        p.costs.values().next().map(|c| c.total().0),
        Some(1_800_000)
    );
    assert_eq!(p.spent_to_date("CAP-7").map(|x| x.0), Some(40_000_000));
    // The viable-options search, recorded as evidence.
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/provisions/{id}/viable-options?km=12"),
        &cookie,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains("Viable options") && page.contains("within 12 km"),
        "{page}"
    );
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/provisions/{id}/viable-options?km=far"),
            &cookie,
            ""
        )
        .0,
        400
    );
    assert_eq!(
        http(
            port,
            "POST",
            &format!("/provisions/{id}/viable-options"),
            &cookie,
            &format!("csrf={csrf}&km=12&note=None+nearer")
        )
        .0,
        303
    );
    let (_, _, page) = http(port, "GET", &format!("/provisions/{id}"), &cookie, "");
    assert!(
        page.contains("Searched within 12 km") && page.contains("None nearer"),
        "{page}"
    );
    // A caseworker can read the register but not change it.
    let caseworker = sign_in(port, "caseworker");
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/provisions/{id}/steps/places"),
            &caseworker,
            ""
        )
        .0,
        403
    );
    assert_eq!(http(port, "GET", &new_url, &caseworker, "").0, 403);
    // A stale form changes nothing.
    assert_eq!(step("closed", &date("on", "2026-08-31")).0, 303);
    let (status, _, _) = http(
        port,
        "POST",
        &format!("/provisions/{id}/steps/places"),
        &cookie,
        "csrf=stale&academic_year=2027%2F28&places=14",
    );
    assert_eq!(status, 403);
    let (status, _, page) = step("places", "academic_year=2027%2F28&places=14");
    assert_eq!(status, 422, "closed");
    assert!(page.contains("open a new provision"), "{page}");
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

#[test]
fn provisions_register_pages_on_sqlite() {
    provisions_register_pages(sqlite_db());
}

#[test]
fn provisions_register_pages_on_postgres() {
    provisions_register_pages(pg_db());
}

#[test]
fn provisions_register_on_sqlite() {
    provisions_register(sqlite_db());
}

#[test]
fn provisions_register_on_postgres() {
    provisions_register(pg_db());
}

/// `sendscope placement solve` prints the optimum of an instance as JSON; a file that is
/// not an instance is one clear line and exit 2. `bench placement` writes the instance it
/// solved, and solving that file again gives the same total.
#[test]
fn placement_solve_and_bench() {
    let dir = std::env::temp_dir().join(format!("placement-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("instance.json");
    std::fs::write(
        &file,
        r#"{"supplies":[{"id":"c1","count":1},{"id":"c2","count":2}], "settings":[{"id":"s1","capacity":2},{"id":"s2","capacity":1}], "arcs":[{"from":"c1","to":"s1","cost":1834000},{"from":"c2","to":"s1","cost":1000000},{"from":"c2","to":"s2","cost":8600000}], "unplaced_cost":50000000}"#,
    )
    .expect("write");
    let (code, out, err) = run(&["placement", "solve", file.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    // Both of c2 at s1 would leave c1 nowhere (2,000,000 + 50,000,000 unplaced); the
    // optimum sends c1 and one of c2 to s1 and the other to s2:
    // 1,834,000 + 1,000,000 + 8,600,000 = 11,434,000.
    assert_eq!(
        out.trim(),
        r#"{"total_cost":11434000,"placed":3,"unplaced":0,"flows":[{"from":"c1","to":"s1","count":1},{"from":"c2","to":"s1","count":1},{"from":"c2","to":"s2","count":1}]}"#
    );
    std::fs::write(&file, r#"{"supplies":[{"id":"c1","count":1}],"settings":[],"arcs":[{"from":"c1","to":"s9","cost":1}],"unplaced_cost":5}"#).expect("write");
    let (code, out, err) = run(&["placement", "solve", file.to_str().expect("path")]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("arcs[0] is to \"s9\", which is not a setting id"),
        "{err}"
    );
    let written = dir.join("bench.json");
    let (code, out, err) = run(&[
        "bench",
        "placement",
        "--children",
        "400",
        "--settings",
        "40",
        "--write-instance",
        written.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("solve: ") && out.contains("peak memory"),
        "{out}"
    );
    let total = out
        .lines()
        .find_map(|l| l.strip_prefix("total cost (objective): "))
        .and_then(|l| l.split(';').next())
        .expect("total")
        .to_string();
    let (code, again, err) = run(&["placement", "solve", written.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&again).expect("json");
    let pence = v["total_cost"].as_i64().expect("total");
    assert_eq!(
        sendscope_domain::codes::Pence(pence).to_string(),
        total,
        "the file solves to the same optimum"
    );
    assert_eq!(
        v["placed"].as_i64().unwrap_or(0) + v["unplaced"].as_i64().unwrap_or(0),
        400,
        "every child accounted for"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The optimiser on a demo area: its optimum equals the linear programme's, solved by
/// another method altogether (microlp's simplex over the LP: flow conservation with an
/// unplaced variable per supply, capacities as rows), and the same input gives the same
/// output byte for byte, for the allocation and for a scenario.
fn placement_on_the_demo_area(db: Db, plans: &str) {
    assert_eq!(run(&demo_args(&db.url, plans, "400000")).0, 0);
    let dir = std::env::temp_dir().join(format!("placement-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).expect("dir");
    let instance = dir.join("area.json");
    let on = "2026-09-01";
    let optimise = |extra: &[&str]| {
        let mut args = vec![
            "--database-url",
            &db.url,
            "placement",
            "optimise",
            "--cohort",
            "all",
            "--on",
            on,
        ];
        args.extend_from_slice(extra);
        let (code, out, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    let out = optimise(&["--write-instance", instance.to_str().expect("path")]);
    let plan: serde_json::Value = serde_json::from_str(&out).expect("json");
    let objective = plan["summary"]["objective"].as_i64().expect("objective");
    let children = plan["summary"]["children"].as_u64().expect("children");
    assert!(children > 250, "the demo's children with plans: {children}");
    assert_eq!(
        plan["allocations"].as_array().map(Vec::len),
        Some(children as usize),
        "every child has an outcome"
    );
    if plans == "3735" {
        lp_agrees(&instance, objective);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // Same input, same output.
    assert_eq!(optimise(&[]), optimise(&[]), "byte for byte");
    placement_scenarios_and_options(&db, &dir, on, objective, &plan);
}

/// The LP of an instance file, by a simplex solver of another kind, has the optimum
/// the network simplex found; and `placement solve` on the file finds it too.
fn lp_agrees(instance: &std::path::Path, objective: i64) {
    let inst: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(instance).expect("read")).expect("json");
    let mut lp = microlp::Problem::new(microlp::OptimizationDirection::Minimize);
    let unplaced = inst["unplaced_cost"].as_f64().expect("unplaced");
    let mut rows: std::collections::BTreeMap<String, Vec<(microlp::Variable, f64)>> =
        Default::default();
    let mut cols: std::collections::BTreeMap<String, Vec<(microlp::Variable, f64)>> =
        Default::default();
    for a in inst["arcs"].as_array().expect("arcs") {
        let x = lp.add_var(a["cost"].as_f64().expect("cost"), (0.0, f64::INFINITY));
        rows.entry(a["from"].as_str().expect("from").into())
            .or_default()
            .push((x, 1.0));
        cols.entry(a["to"].as_str().expect("to").into())
            .or_default()
            .push((x, 1.0));
    }
    for s in inst["supplies"].as_array().expect("supplies") {
        let id = s["id"].as_str().expect("id").to_string();
        let u = lp.add_var(unplaced, (0.0, f64::INFINITY));
        let mut row = rows.remove(&id).unwrap_or_default();
        row.push((u, 1.0));
        lp.add_constraint(
            row,
            microlp::ComparisonOp::Eq,
            s["count"].as_f64().expect("count"),
        );
    }
    for s in inst["settings"].as_array().expect("settings") {
        if let Some(col) = cols.remove(s["id"].as_str().expect("id")) {
            lp.add_constraint(
                col,
                microlp::ComparisonOp::Le,
                s["capacity"].as_f64().expect("cap"),
            );
        }
    }
    let lp_objective = match lp.solve().expect("the LP solves") {
        microlp::SolveOutcome::Solution(s) => s.objective(),
        other => panic!("the LP did not finish: {other:?}"),
    };
    assert!(
        (lp_objective - objective as f64).abs() < 0.5,
        "network simplex {objective} vs LP {lp_objective}"
    );
    // The instance file solves to the same optimum through `placement solve`.
    let (code, solved, err) = run(&["placement", "solve", instance.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let solved: serde_json::Value = serde_json::from_str(&solved).expect("json");
    assert_eq!(solved["total_cost"].as_i64(), Some(objective));
}

fn placement_scenarios_and_options(
    db: &Db,
    dir: &std::path::Path,
    on: &str,
    objective: i64,
    plan: &serde_json::Value,
) {
    // A scenario: four more places at the first resourced provision, a new special school
    // at the first setting; beside the baseline, reproducibly.
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let mut erp = None;
    let mut setting = None;
    for p in s
        .area_projections(area, sendscope_domain::StreamKind::Provision)
        .expect("provisions")
    {
        if let sendscope_domain::projection::StreamState::Provision(x) = &p.state
            && let Some(o) = &x.opened
        {
            if o.kind == sendscope_domain::event::ProvisionKind::ResourcedProvision && erp.is_none()
            {
                erp = Some((p.stream.id, x.places.values().last().copied().unwrap_or(0)));
            }
            setting.get_or_insert(o.setting);
        }
    }
    let (erp, places) = erp.expect("the demo has a resourced provision");
    let scenario = dir.join("scenario.json");
    std::fs::write(
        &scenario,
        serde_json::json!({
            "name": "More ERP places and a new special school",
            "changes": [
                {"change": "resize", "provision": erp.to_string(), "places": places + 4},
                {"change": "add", "setting": setting.expect("setting").to_string(), "name": "New special school",
                 "kind": "special", "need_types": ["ASD", "SEMH", "SLD"], "low_age": 4, "high_age": 16,
                 "places": 60, "cost_per_place": 2_300_000},
                {"change": "remove", "provision": uuid::Uuid::new_v4().to_string()}
            ],
            "capital_cost": 1_200_000_000
        })
        .to_string(),
    )
    .expect("write");
    let compare = |format: &str| {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "placement",
            "scenario",
            scenario.to_str().expect("path"),
            "--cohort",
            "all",
            "--on",
            on,
            "--format",
            format,
        ]);
        assert_eq!(code, 0, "{err}");
        out
    };
    let first = compare("json");
    assert_eq!(first, compare("json"), "byte for byte");
    let c: serde_json::Value = serde_json::from_str(&first).expect("json");
    assert_eq!(c["baseline"]["objective"].as_i64(), Some(objective));
    assert!(
        c["approvals_needed"][0]
            .as_str()
            .is_some_and(|a| a.contains("needs a") && a.contains(&format!("to {}", places + 4))),
        "{c}"
    );
    assert_eq!(
        c["problems"].as_array().map(Vec::len),
        Some(1),
        "the unknown provision"
    );
    let saving = c["annual_saving"].as_i64().expect("saving");
    let base = c["baseline"]["annual_cost"].as_i64().expect("base");
    let with = c["with_changes"]["annual_cost"].as_i64().expect("with");
    assert_eq!(saving, base - with);
    let csv = compare("csv");
    assert!(
        csv.starts_with("measure,baseline,scenario") && csv.contains("payback_years"),
        "{csv}"
    );
    // A bad scenario file: one line, exit 2.
    std::fs::write(&scenario, r#"{"name":"x","changes":[{"change":"grow"}]}"#).expect("write");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "scenario",
        scenario.to_str().expect("path"),
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    // One child's options: cheapest first, each exclusion with its reason.
    let case = plan["allocations"][0]["case"]
        .as_str()
        .expect("case")
        .to_string();
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "options",
        "--case",
        &case,
        "--on",
        on,
    ]);
    assert_eq!(code, 0, "{err}");
    let o: serde_json::Value = serde_json::from_str(&out).expect("json");
    let costs: Vec<i64> = o["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|r| r["annual_cost"].as_i64().expect("cost"))
        .collect();
    assert!(
        !costs.is_empty() && costs.windows(2).all(|w| w[0] <= w[1]),
        "{o}"
    );
    assert!(
        o["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .all(|x| !x["reason"].as_str().unwrap_or("").is_empty()),
        "{o}"
    );
    let options = |case: &str| {
        let (code, out, err) = run(&[
            "--database-url",
            &db.url,
            "placement",
            "options",
            "--case",
            case,
            "--on",
            on,
        ]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("json")
    };
    // The area's own costing: twice the rate per mile doubles each transport cost.
    let area_s = area.to_string();
    let (code, shown, err) = run(&[
        "--database-url",
        &db.url,
        "placement",
        "show-settings",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let mut costing: serde_json::Value = serde_json::from_str(&shown).expect("json");
    assert_eq!(costing["transport"]["pence_per_mile"], 150);
    let adopt = |v: &serde_json::Value| {
        let f = dir.join("costing.json");
        std::fs::write(&f, v.to_string()).expect("write");
        run(&[
            "--database-url",
            &db.url,
            "placement",
            "adopt-settings",
            "--area",
            &area_s,
            f.to_str().expect("path"),
        ])
    };
    costing["transport"]["road_factor"] = serde_json::json!(9.0);
    let (code, _, err) = adopt(&costing);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("road factor"), "{err}");
    costing["transport"]["road_factor"] = serde_json::json!(1.3);
    costing["transport"]["pence_per_mile"] = serde_json::json!(300);
    costing["effective_from"] = serde_json::json!("2020-01-01");
    assert_eq!(adopt(&costing).0, 0);
    let doubled = options(&case);
    let transport = |v: &serde_json::Value| -> Vec<i64> {
        v["options"]
            .as_array()
            .expect("options")
            .iter()
            .map(|r| r["transport_cost"].as_i64().expect("transport"))
            .collect()
    };
    let (before, after) = (transport(&o), transport(&doubled));
    assert_eq!(before.len(), after.len());
    let mut pairs: Vec<(i64, i64)> = o["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|r| {
            let id = r["provision"].as_str().expect("id");
            let later = doubled["options"]
                .as_array()
                .expect("options")
                .iter()
                .find(|x| x["provision"].as_str() == Some(id))
                .expect("same provision");
            (
                r["transport_cost"].as_i64().expect("t"),
                later["transport_cost"].as_i64().expect("t"),
            )
        })
        .collect();
    pairs.retain(|(b, _)| *b > 0);
    assert!(
        !pairs.is_empty() && pairs.iter().all(|(b, a)| (a - 2 * b).abs() <= 1),
        "{pairs:?}"
    );
    // A transport cost agreed for the child replaces the cost by distance.
    s.append(&[sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::case(
            sendscope_domain::ids::CaseId::parse(&case).expect("id"),
        ),
        area,
        body: sendscope_domain::EventBody::decode(
            "case.transport_cost_set",
            br#"{"on":"2026-06-01","annual":777700}"#,
        )
        .expect("event"),
        actor: sendscope_domain::Actor::parse("user:caseworker").expect("actor"),
        effective_date: chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
        reason: None,
        recorded_at: None,
    }])
    .expect("recorded");
    assert!(transport(&options(&case)).iter().all(|t| *t == 777_700));
    let _ = std::fs::remove_dir_all(dir);
}

/// The demo area at Derby's size (3,735 plans): the optimum equals the LP's.
#[test]
fn placement_optimum_on_the_demo_area_equals_the_lp() {
    placement_on_the_demo_area(sqlite_db(), "3735");
}

#[test]
fn placement_on_the_demo_area_on_sqlite() {
    placement_on_the_demo_area(sqlite_db(), "300");
}

#[test]
fn placement_on_the_demo_area_on_postgres() {
    placement_on_the_demo_area(pg_db(), "300");
}

/// Every KPI the engine computes on the demo area equals an SQL computation over the raw
/// events, written from the definitions and sharing no code with the engine: calendar
/// years, a financial year, a quarter, and the children of one primary need.
#[test]
fn kpis_equal_sql_over_the_raw_events() {
    let db = sqlite_db();
    assert_eq!(run(&demo_args(&db.url, "800", "50000")).0, 0);
    let path = db.url.trim_start_matches("sqlite://");
    let conn = rusqlite::Connection::open(path).expect("opens");
    // The events, and (for a need) the cases whose latest plan, or amendment, names it
    // as the primary need, or (for a caseworker or team) the cases whose latest
    // assignment, when opened or since, names them.
    let ev = |filter: Option<(&str, &str)>| {
        match filter {
        None => "WITH ev AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events)".to_string(),
        Some((kind @ ("caseworker" | "team"), id)) => format!(
            "WITH raw AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events),
             assigned AS (SELECT stream_no,
                                 CASE event_type WHEN 'case.opened' THEN json_extract(p, '$.caseworker.staff') ELSE json_extract(p, '$.staff') END AS caseworker,
                                 CASE event_type WHEN 'case.opened' THEN json_extract(p, '$.caseworker.team') ELSE json_extract(p, '$.team') END AS team,
                                 ROW_NUMBER() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS latest
                          FROM raw WHERE event_type = 'case.caseworker_assigned'
                             OR (event_type = 'case.opened' AND json_extract(p, '$.caseworker') IS NOT NULL)),
             ev AS (SELECT * FROM raw WHERE stream_no IN (SELECT stream_no FROM assigned WHERE latest = 1 AND {kind} = '{id}'))"
        ),
        Some((_, n)) => format!(
            "WITH raw AS (SELECT stream_no, seq, event_type, CAST(payload AS TEXT) AS p FROM events),
             planned AS (SELECT stream_no, json_extract(p, '$.needs[0].need') AS need,
                                ROW_NUMBER() OVER (PARTITION BY stream_no ORDER BY seq DESC) AS latest
                         FROM raw WHERE event_type IN ('case.final_plan_issued', 'case.plan_recorded', 'case.plan_amended')),
             ev AS (SELECT * FROM raw WHERE stream_no IN (SELECT stream_no FROM planned WHERE latest = 1 AND need = '{n}'))"
        ),
    }
    };
    // The caseworker with the most cases, and their team.
    let (worker, team): (String, String) = conn
        .query_row(
            "SELECT json_extract(CAST(payload AS TEXT), '$.caseworker.staff') AS w, json_extract(CAST(payload AS TEXT), '$.caseworker.team')
             FROM events WHERE event_type = 'case.opened' AND w IS NOT NULL GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("a caseworker");
    // (arguments, first day, last day, the children chosen: need, caseworker or team)
    type Case<'a> = (&'a [&'a str], &'a str, &'a str, Option<(&'a str, &'a str)>);
    let cases: [Case; 8] = [
        (&["--year", "2023"], "2023-01-01", "2023-12-31", None),
        (&["--year", "2024"], "2024-01-01", "2024-12-31", None),
        (&["--year", "2025"], "2025-01-01", "2025-12-31", None),
        (
            &["--year", "2024", "--period", "financial"],
            "2024-04-01",
            "2025-03-31",
            None,
        ),
        (
            &["--year", "2025", "--quarter", "2"],
            "2025-04-01",
            "2025-06-30",
            None,
        ),
        (
            &["--year", "2024", "--need", "ASD"],
            "2024-01-01",
            "2024-12-31",
            Some(("need", "ASD")),
        ),
        (
            &["--year", "2024", "--caseworker", &worker],
            "2024-01-01",
            "2024-12-31",
            Some(("caseworker", &worker)),
        ),
        (
            &["--year", "2025", "--team", &team],
            "2025-01-01",
            "2025-12-31",
            Some(("team", &team)),
        ),
    ];
    for (args, from, to, filter) in cases {
        let ev = ev(filter);
        let range = [from, to];
        let requests: i64 = conn
            .query_row(
                &format!("{ev} SELECT count(*) FROM ev WHERE event_type = 'case.request_received' AND json_extract(p, '$.received_on') BETWEEN ?1 AND ?2"),
                range,
                |r| r.get(0),
            )
            .expect("requests");
        // A request's first decision counts (a later one follows an order).
        let decisions = format!(
            "{ev}, req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received'),
             dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS decided,
                            ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq) AS n
                     FROM ev WHERE event_type = 'case.assessment_decided')
             SELECT total(1), total(julianday(decided) - julianday(received) <= 42) FROM dec JOIN req USING (stream_no, r)
             WHERE n = 1 AND decided BETWEEN ?1 AND ?2"
        );
        let (decided, within_6): (i64, i64) = conn
            .query_row(&decisions, range, |r| {
                Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64))
            })
            .expect("decisions");
        let plans_sql = format!(
            "{ev}, req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received'),
             fin AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
             exc AS (SELECT DISTINCT stream_no, json_extract(p, '$.request') AS r FROM ev WHERE event_type = 'case.exception_recorded')
             SELECT CAST(julianday(issued) - julianday(received) AS INTEGER), exc.r IS NOT NULL
             FROM fin JOIN req USING (stream_no, r) LEFT JOIN exc USING (stream_no, r) WHERE issued BETWEEN ?1 AND ?2"
        );
        let mut stmt = conn.prepare(&plans_sql).expect("plans");
        let plans: Vec<(i64, bool)> = stmt
            .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let within = plans.iter().filter(|(d, _)| *d <= 140).count() as i64;
        let ex: Vec<&(i64, bool)> = plans.iter().filter(|(_, e)| !*e).collect();
        let within_ex = ex.iter().filter(|(d, _)| *d <= 140).count() as i64;
        let mut days: Vec<i64> = plans.iter().map(|(d, _)| *d).collect();
        days.sort_unstable();
        let rank = |p: f64| -> Option<i64> {
            (!days.is_empty()).then(|| days[((p * days.len() as f64).ceil() as usize).max(1) - 1])
        };
        let in_place: i64 = conn
            .query_row(
                &format!(
                    "{ev}, starts AS (
                        SELECT stream_no, seq, json_extract(p, '$.on') AS s FROM ev WHERE event_type = 'case.final_plan_issued'
                        UNION ALL SELECT stream_no, seq, json_extract(p, '$.plan_start') FROM ev WHERE event_type = 'case.plan_recorded'),
                     plans AS (SELECT stream_no, seq, s, LEAD(s) OVER w AS next_start, LEAD(seq) OVER w AS next_seq
                               FROM starts WINDOW w AS (PARTITION BY stream_no ORDER BY seq)),
                     ends AS (SELECT stream_no, seq, json_extract(p, '$.on') AS e FROM ev WHERE event_type IN ('case.plan_ceased', 'case.transferred_out'))
                     SELECT count(*) FROM plans WHERE s <= ?1 AND (next_start IS NULL OR next_start > ?1)
                       AND NOT EXISTS (SELECT 1 FROM ends WHERE ends.stream_no = plans.stream_no AND ends.seq > plans.seq
                                       AND (plans.next_seq IS NULL OR ends.seq < plans.next_seq) AND ends.e <= ?1 AND ends.e >= plans.s)"
                ),
                [to],
                |r| r.get(0),
            )
            .expect("in place");
        // Quality: the plans issued in the period with their audit (the demo audits a
        // plan at most once, and before any later plan).
        let (audited, good): (i64, i64) = conn
            .query_row(
                &format!(
                    "{ev}, fin AS (SELECT stream_no, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued'),
                     qa AS (SELECT stream_no, json_extract(p, '$.on') AS on_, json_extract(p, '$.grade') AS grade FROM ev WHERE event_type = 'case.plan_audited')
                     SELECT total(1), total(grade IN ('outstanding', 'good')) FROM fin JOIN qa USING (stream_no)
                     WHERE issued BETWEEN ?1 AND ?2 AND qa.on_ >= fin.issued"
                ),
                range,
                |r| Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64)),
            )
            .expect("quality");
        // Each step's days, from the events: (completed, median, p90) by nearest rank.
        let steps = |sql: String| -> (i64, Option<i64>, Option<i64>) {
            let mut stmt = conn.prepare(&sql).expect("step");
            let mut v: Vec<i64> = stmt
                .query_map(range, |r| r.get::<_, f64>(0).map(|x| x.round() as i64))
                .expect("query")
                .map(|x| x.expect("row"))
                .collect();
            v.sort_unstable();
            let at = |p: f64| {
                (!v.is_empty()).then(|| v[((p * v.len() as f64).ceil() as usize).max(1) - 1])
            };
            (v.len() as i64, at(0.5), at(0.9))
        };
        let req_cte = "req AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.received_on') AS received FROM ev WHERE event_type = 'case.request_received')";
        let draft_cte = "draft AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS served,
                                 ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq DESC) AS n
                          FROM ev WHERE event_type = 'case.draft_plan_served')";
        let to_decision = steps(format!(
            "{ev}, {req_cte}, dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS decided,
                    ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq) AS n
                    FROM ev WHERE event_type = 'case.assessment_decided')
             SELECT julianday(decided) - julianday(received) FROM dec JOIN req USING (stream_no, r) WHERE n = 1 AND decided BETWEEN ?1 AND ?2"
        ));
        let to_draft = steps(format!(
            "{ev}, {req_cte}, {draft_cte}
             SELECT julianday(served) - julianday(received) FROM draft JOIN req USING (stream_no, r) WHERE n = 1 AND served BETWEEN ?1 AND ?2"
        ));
        let draft_to_final = steps(format!(
            "{ev}, {draft_cte}, fin AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.on') AS issued FROM ev WHERE event_type = 'case.final_plan_issued')
             SELECT julianday(issued) - julianday(served) FROM fin JOIN draft USING (stream_no, r) WHERE n = 1 AND issued BETWEEN ?1 AND ?2"
        ));
        let meeting_to_decision = steps(format!(
            "{ev} SELECT julianday(json_extract(p, '$.on')) - julianday(json_extract(p, '$.meeting_on')) FROM ev
             WHERE event_type = 'case.review_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ));
        let reviews_held: i64 = conn
            .query_row(
                &format!("{ev} SELECT count(*) FROM ev WHERE event_type = 'case.review_meeting_held' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"),
                range,
                |r| r.get(0),
            )
            .expect("reviews");
        let (review_decisions, review_within): (i64, i64) = conn
            .query_row(
                &format!(
                    "{ev} SELECT total(1), total(julianday(json_extract(p, '$.on')) - julianday(json_extract(p, '$.meeting_on')) <= 28)
                     FROM ev WHERE event_type = 'case.review_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
                ),
                range,
                |r| Ok((r.get::<_, f64>(0)? as i64, r.get::<_, f64>(1)? as i64)),
            )
            .expect("review decisions");
        let mut stmt = conn
            .prepare(&format!(
                "{ev} SELECT json_extract(p, '$.reason'), count(*) FROM ev WHERE event_type = 'case.plan_ceased'
                 AND json_extract(p, '$.on') BETWEEN ?1 AND ?2 GROUP BY 1 ORDER BY 1"
            ))
            .expect("ceased");
        let ceased: std::collections::BTreeMap<String, i64> = stmt
            .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let mut cli = vec!["--database-url", db.url.as_str(), "kpi"];
        cli.extend_from_slice(args);
        let (code, out, err) = run(&cli);
        assert_eq!(code, 0, "{err}");
        let k: serde_json::Value = serde_json::from_str(&out).expect("json");
        let got = (
            k["requests"].as_i64(),
            k["decisions_within_6_weeks"]["numerator"].as_i64(),
            k["decisions_within_6_weeks"]["denominator"].as_i64(),
            k["new_plans"].as_i64(),
            k["within_20_weeks"]["numerator"].as_i64(),
            k["within_20_weeks"]["denominator"].as_i64(),
            k["within_20_weeks_excluding_exceptions"]["numerator"].as_i64(),
            k["within_20_weeks_excluding_exceptions"]["denominator"].as_i64(),
            k["exception_cases"].as_i64(),
            k["plans_in_place_at_end"].as_i64(),
            k["median_days_to_final_plan"].as_i64(),
            k["p90_days_to_final_plan"].as_i64(),
        );
        let want = (
            Some(requests),
            Some(within_6),
            Some(decided),
            Some(plans.len() as i64),
            Some(within),
            Some(plans.len() as i64),
            Some(within_ex),
            Some(ex.len() as i64),
            Some((plans.len() - ex.len()) as i64),
            Some(in_place),
            rank(0.5),
            rank(0.9),
        );
        assert_eq!(got, want, "{args:?}");
        let got_ceased: std::collections::BTreeMap<String, i64> = k["ceased"]
            .as_object()
            .expect("ceased")
            .iter()
            .map(|(r, n)| (r.clone(), n.as_i64().unwrap_or(0)))
            .collect();
        assert_eq!(got_ceased, ceased, "{args:?}: plans ceased by reason");
        assert_eq!(
            (
                k["reviews_held"].as_i64(),
                k["review_decisions_within_4_weeks"]["numerator"].as_i64(),
                k["review_decisions_within_4_weeks"]["denominator"].as_i64()
            ),
            (
                Some(reviews_held),
                Some(review_within),
                Some(review_decisions)
            ),
            "{args:?}: reviews"
        );
        assert_eq!(
            (
                k["quality"]["audited"].as_i64(),
                k["quality"]["good_or_better"].as_i64()
            ),
            (Some(audited), Some(good)),
            "{args:?}: quality"
        );
        let step = |name: &str| {
            let x = &k["steps"][name];
            (
                x["completed"].as_i64().unwrap_or(-1),
                x["median_days"].as_i64(),
                x["p90_days"].as_i64(),
            )
        };
        assert_eq!(
            (
                step("request_to_decision"),
                step("request_to_draft"),
                step("draft_to_final"),
                step("review_meeting_to_decision")
            ),
            (to_decision, to_draft, draft_to_final, meeting_to_decision),
            "{args:?}: the time each step took"
        );
        clocks_disputes_and_placements_equal_sql(&conn, &ev, range, &k, &format!("{args:?}"));
        if args == ["--year", "2024"] {
            assert!(
                to_draft.0 > 20 && draft_to_final.0 > 20,
                "the demo serves drafts"
            );
        }
        if args == ["--year", "2024"] {
            assert!(audited > 3, "the demo audits plans: {audited}");
        }
        if args == ["--year", "2024"] {
            assert!(
                reviews_held > 50 && review_decisions > 50,
                "the demo holds reviews"
            );
        }
        if args == ["--year", "2024"] {
            assert!(
                ceased.values().sum::<i64>() > 5,
                "the demo ceases plans: {ceased:?}"
            );
        }
        assert!(
            requests > 10 && decided > 5 && in_place > 50,
            "{args:?}: {want:?}"
        );
    }
    // CSV: the same figures with their denominators; a bad filter is one line, exit 2.
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2024",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("measure,numerator,denominator,percent")
            && out.contains("within_20_weeks,"),
        "{out}"
    );
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2024",
        "--need",
        "XYZ",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("not a type of need"), "{err}");
}

/// The statutory clocks (annual reviews, review reports, advice, phase transfers),
/// disputes and placements of `k` (the engine's figures for the period `range`) equal SQL
/// over the raw events `ev` (a CTE) written from the definitions.
fn clocks_disputes_and_placements_equal_sql(
    conn: &rusqlite::Connection,
    ev: &str,
    range: [&str; 2],
    k: &serde_json::Value,
    what: &str,
) {
    let today = sendscope_domain::calendar::england_today().to_string();
    let (from, to) = (range[0], range[1]);
    let count = |sql: &str, params: &[&str]| -> i64 {
        conn.query_row(sql, rusqlite::params_from_iter(params), |r| r.get(0))
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
    };
    // Deadlines (due, done) from a query: the engine's figures for the period.
    let deadlines = |sql: String| -> [i64; 5] {
        let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{e}: {sql}"));
        let rows: Vec<(String, Option<String>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .map(|x| x.expect("row"))
            .collect();
        let mut out = [0; 5];
        for (due, done) in rows
            .iter()
            .filter(|(d, _)| d.as_str() >= from && d.as_str() <= to)
        {
            out[0] += 1;
            match done {
                None if due.as_str() < today.as_str() => out[3] += 1,
                None => out[4] += 1,
                Some(d) if d <= due => out[1] += 1,
                Some(_) => out[2] += 1,
            }
        }
        out
    };
    let engine = |key: &str| -> [i64; 5] {
        let c = &k["clocks"][key];
        ["due", "met_on_time", "met_late", "overdue", "not_yet_due"]
            .map(|f| c[f].as_i64().unwrap_or(0))
    };
    // Plans: each plan's start, the next plan's start, and whether the plan is still in
    // place (the case's latest, not ceased after it and not transferred out).
    let plans = "starts AS (
            SELECT stream_no, seq, json_extract(p, '$.on') AS s FROM ev WHERE event_type = 'case.final_plan_issued'
            UNION ALL SELECT stream_no, seq, json_extract(p, '$.plan_start') FROM ev WHERE event_type = 'case.plan_recorded'),
         plans AS (SELECT stream_no, seq, s, LEAD(s) OVER w AS next_start, LEAD(seq) OVER w AS next_seq
                   FROM starts WINDOW w AS (PARTITION BY stream_no ORDER BY seq)),
         open_plans AS (SELECT * FROM plans WHERE next_start IS NULL AND NOT EXISTS (
             SELECT 1 FROM ev e WHERE e.stream_no = plans.stream_no
             AND ((e.event_type = 'case.plan_ceased' AND e.seq > plans.seq) OR e.event_type = 'case.transferred_out')))";
    // Annual reviews: 12 months from the plan's start or the last review (29 February
    // to 28 February); the next is due only while the plan is in place.
    let plus_year = |x: &str| {
        format!(
            "CASE WHEN strftime('%m-%d', {x}) = '02-29' THEN date({x}, '+12 months', '-1 day') ELSE date({x}, '+12 months') END"
        )
    };
    let reviews = deadlines(format!(
        "{ev}, {plans},
         meet AS (SELECT stream_no, json_extract(p, '$.on') AS m FROM ev WHERE event_type = 'case.review_meeting_held'),
         pm AS (SELECT plans.stream_no, plans.s, m, LAG(m) OVER (PARTITION BY plans.stream_no, plans.seq ORDER BY m) AS prev
                FROM plans JOIN meet ON meet.stream_no = plans.stream_no AND m >= s AND (next_start IS NULL OR m < next_start)),
         cycles AS (SELECT coalesce(prev, s) AS trig, m AS done FROM pm
                    UNION ALL SELECT coalesce((SELECT max(m) FROM meet WHERE meet.stream_no = open_plans.stream_no AND m >= open_plans.s), s), NULL
                    FROM open_plans)
         SELECT {}, done FROM cycles WHERE trig >= '2014-09-01'",
        plus_year("trig")
    ));
    assert_eq!(
        engine("annual_review"),
        reviews,
        "{what}: annual reviews due"
    );
    let reports = deadlines(format!(
        "{ev}, meet AS (SELECT stream_no, json_extract(p, '$.on') AS m FROM ev WHERE event_type = 'case.review_meeting_held'),
         rep AS (SELECT stream_no, json_extract(p, '$.meeting_on') AS m, min(json_extract(p, '$.on')) AS sent FROM ev
                 WHERE event_type = 'case.review_report_sent' GROUP BY 1, 2)
         SELECT date(meet.m, '+14 days'), rep.sent FROM meet LEFT JOIN rep USING (stream_no, m)"
    ));
    assert_eq!(engine("review_report"), reports, "{what}: review reports");
    let advice = deadlines(format!(
        "{ev}, asked AS (SELECT ev.stream_no, json_extract(p, '$.request') AS r, k.value AS kind, json_extract(p, '$.on') AS on_
                    FROM ev, json_each(json_extract(p, '$.kinds')) AS k WHERE event_type = 'case.advice_requested'),
         got AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.kind') AS kind, min(json_extract(p, '$.on')) AS on_
                 FROM ev WHERE event_type = 'case.advice_received' GROUP BY 1, 2, 3)
         SELECT date(asked.on_, '+42 days'), got.on_ FROM asked LEFT JOIN got USING (stream_no, r, kind)"
    ));
    assert_eq!(engine("advice"), advice, "{what}: advice");
    // Phase transfers: the plan amended for the transfer before 15 February (31 March
    // for post-16) of the year of transfer; one not amended is counted only while the
    // plan is in place.
    for (kind, key, deadline) in [
        ("between_schools", "phase_transfer", "02-14"),
        ("secondary_to_post16", "phase_transfer_post16", "03-30"),
    ] {
        let got = deadlines(format!(
            "{ev}, {plans},
             ptp AS (SELECT stream_no, seq, json_extract(p, '$.transfer_on') AS t FROM ev
                     WHERE event_type = 'case.phase_transfer_planned' AND json_extract(p, '$.kind') = '{kind}'),
             done AS (SELECT ptp.stream_no, ptp.t, (SELECT min(json_extract(a.p, '$.on')) FROM ev a
                        WHERE a.stream_no = ptp.stream_no AND a.event_type = 'case.plan_amended' AND a.seq > ptp.seq
                        AND json_extract(a.p, '$.phase_transfer') AND json_extract(a.p, '$.on') < ptp.t) AS amended FROM ptp)
             SELECT strftime('%Y', t) || '-{deadline}', amended FROM done
             WHERE amended IS NOT NULL OR stream_no IN (SELECT stream_no FROM open_plans)"
        ));
        assert_eq!(engine(key), got, "{what}: {key}");
    }
    // Disputes.
    let mediations: i64 = count(
        &format!(
            "{ev} SELECT count(*) FROM ev WHERE event_type = 'case.mediation_recorded' AND json_extract(p, '$.took_place') AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ),
        &range,
    );
    let followed: i64 = count(
        &format!("{ev} SELECT count(*) FROM ev m WHERE event_type = 'case.mediation_recorded' AND json_extract(p, '$.took_place') AND json_extract(p, '$.on') BETWEEN ?1 AND ?2
                  AND EXISTS (SELECT 1 FROM ev a WHERE a.stream_no = m.stream_no AND a.seq > m.seq AND a.event_type = 'case.appeal_registered'
                              AND json_extract(a.p, '$.subject') = json_extract(m.p, '$.subject'))"),
        &range,
    );
    let appeals: i64 = count(
        &format!(
            "{ev} SELECT count(*) FROM ev WHERE event_type = 'case.appeal_registered' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2"
        ),
        &range,
    );
    // Decisions carrying a right of appeal: refusals to assess (a request's decision as
    // it stands), refusals to issue, final plans, amendments and decisions to cease.
    let appealable: i64 = count(
        &format!("{ev}, dec AS (SELECT stream_no, json_extract(p, '$.request') AS r, json_extract(p, '$.decision') AS d, json_extract(p, '$.on') AS on_,
                                  ROW_NUMBER() OVER (PARTITION BY stream_no, json_extract(p, '$.request') ORDER BY seq DESC) AS n
                                  FROM ev WHERE event_type = 'case.assessment_decided')
                  SELECT (SELECT count(*) FROM dec WHERE n = 1 AND d = 'do_not_assess' AND on_ BETWEEN ?1 AND ?2)
                       + (SELECT count(*) FROM ev WHERE event_type IN ('case.plan_not_issued', 'case.final_plan_issued', 'case.plan_amended', 'case.cessation_decided')
                          AND json_extract(p, '$.on') BETWEEN ?1 AND ?2)"),
        &range,
    );
    let mut stmt = conn
        .prepare(&format!("{ev} SELECT json_extract(p, '$.outcome'), count(*) FROM ev WHERE event_type = 'case.appeal_decided' AND json_extract(p, '$.on') BETWEEN ?1 AND ?2 GROUP BY 1"))
        .expect("outcomes");
    let decided: std::collections::BTreeMap<String, i64> = stmt
        .query_map(range, |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .map(|x| x.expect("row"))
        .collect();
    let d = &k["disputes"];
    let got_decided: std::collections::BTreeMap<String, i64> = d["appeals_decided"]
        .as_object()
        .expect("outcomes")
        .iter()
        .map(|(o, n)| (o.clone(), n.as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(
        (
            d["mediations_held"].as_i64(),
            d["mediations_followed_by_appeal"]["numerator"].as_i64(),
            d["appeal_rate"]["numerator"].as_i64(),
            d["appeal_rate"]["denominator"].as_i64(),
            got_decided
        ),
        (
            Some(mediations),
            Some(followed),
            Some(appeals),
            Some(appealable),
            decided
        ),
        "{what}: disputes"
    );
    // Placements on the last day of children whose plan was in place then, by the
    // setting's type as registered (latest details), with the provision's cost per
    // place for the financial year containing that day.
    let fy = {
        let d = chrono::NaiveDate::parse_from_str(to, "%Y-%m-%d").expect("date");
        let y = if chrono::Datelike::month(&d) >= 4 {
            chrono::Datelike::year(&d)
        } else {
            chrono::Datelike::year(&d) - 1
        };
        format!("{y}-{:02}", (y + 1) % 100)
    };
    let mut stmt = conn
        .prepare(&format!(
            "{ev}, {plans},
             in_place AS (SELECT DISTINCT stream_no FROM plans WHERE s <= ?1 AND (next_start IS NULL OR next_start > ?1)
                 AND NOT EXISTS (SELECT 1 FROM ev e WHERE e.stream_no = plans.stream_no AND e.seq > plans.seq
                                 AND (plans.next_seq IS NULL OR e.seq < plans.next_seq)
                                 AND e.event_type IN ('case.plan_ceased', 'case.transferred_out')
                                 AND json_extract(e.p, '$.on') <= ?1 AND json_extract(e.p, '$.on') >= plans.s)),
             pl AS (SELECT stream_no, json_extract(p, '$.on') AS s, json_extract(p, '$.setting.setting') AS setting,
                           json_extract(p, '$.provision') AS provision, LEAD(json_extract(p, '$.on')) OVER (PARTITION BY stream_no ORDER BY seq) AS next_s
                    FROM ev WHERE event_type = 'case.placement_started'),
             types AS (SELECT st.stream_id, json_extract(CAST(e.payload AS TEXT), '$.setting_type') AS t,
                              ROW_NUMBER() OVER (PARTITION BY e.stream_no ORDER BY e.seq DESC) AS n
                       FROM events e JOIN streams st USING (stream_no) WHERE e.event_type IN ('setting.registered', 'setting.details_changed')),
             costs AS (SELECT st.stream_id, json_extract(CAST(e.payload AS TEXT), '$.cost.place_funding') + json_extract(CAST(e.payload AS TEXT), '$.cost.top_up')
                              + json_extract(CAST(e.payload AS TEXT), '$.cost.health') + json_extract(CAST(e.payload AS TEXT), '$.cost.social_care') AS c,
                              ROW_NUMBER() OVER (PARTITION BY e.stream_no ORDER BY e.seq DESC) AS n
                       FROM events e JOIN streams st USING (stream_no)
                       WHERE e.event_type = 'provision.costs_set' AND json_extract(CAST(e.payload AS TEXT), '$.financial_year') = ?2)
             SELECT coalesce(types.t, 'unknown'), count(*), count(costs.c), coalesce(sum(costs.c), 0)
             FROM pl LEFT JOIN types ON types.stream_id = pl.setting AND types.n = 1
                     LEFT JOIN costs ON costs.stream_id = pl.provision AND costs.n = 1
             WHERE pl.s <= ?1 AND (pl.next_s IS NULL OR pl.next_s > ?1) AND pl.stream_no IN (SELECT stream_no FROM in_place)
             GROUP BY 1"
        ))
        .expect("placements");
    let placed: std::collections::BTreeMap<String, (i64, i64, i64)> = stmt
        .query_map([to, fy.as_str()], |r| {
            Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?)))
        })
        .expect("query")
        .map(|x| x.expect("row"))
        .collect();
    let got_placed: std::collections::BTreeMap<String, (i64, i64, i64)> = k["placements"]
        .as_object()
        .expect("placements")
        .iter()
        .map(|(t, f)| {
            (
                t.clone(),
                (
                    f["children"].as_i64().unwrap_or(0),
                    f["costed"].as_i64().unwrap_or(0),
                    f["annual_cost_pence"].as_i64().unwrap_or(0),
                ),
            )
        })
        .collect();
    assert_eq!(got_placed, placed, "{what}: placements by setting type");
    let independent = [
        "mainstream_independent",
        "special_independent",
        "special_non_maintained",
    ]
    .iter()
    .filter_map(|t| placed.get(*t))
    .fold((0, 0, 0), |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
    let i = &k["independent"];
    assert_eq!(
        (
            i["children"].as_i64().unwrap_or(0),
            i["costed"].as_i64().unwrap_or(0),
            i["annual_cost_pence"].as_i64().unwrap_or(0)
        ),
        independent,
        "{what}: independent placements"
    );
    if what.contains("\"2024\"]") {
        assert!(
            reviews[0] > 50 && advice[0] > 20 && mediations > 0 && appeals > 0 && independent.0 > 0,
            "the demo exercises each: {reviews:?} {advice:?} {mediations} {appeals} {independent:?}"
        );
    }
}

/// The dashboard shows the KPI engine's figures for the user's area, with numerators
/// and denominators, equal to `sendscope kpi`; a case opened afterwards (by another
/// process, straight into the store) is in the next page view; board members see small
/// counts as "c"; a bad year is a 400 saying what to enter.
fn dashboard(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "300", "50000")).0, 0);
    let (mut server, port, _stderr) = serve(&db.url);
    let manager = sign_in(port, "manager");
    let year = chrono::Datelike::year(&sendscope_domain::calendar::england_today()) - 1;
    let url = format!("/dashboard?year={year}");
    let (status, _, page) = http(port, "GET", &url, &manager, "");
    assert_eq!(status, 200, "{page}");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let k: serde_json::Value = serde_json::from_str(&out).expect("json");
    let n = |v: &serde_json::Value| {
        sendscope_domain::codes::group_thousands(v.as_u64().expect("count"))
    };
    let cell =
        |v: String| format!("<td class=\"govuk-table__cell govuk-table__cell--numeric\">{v}</td>");
    for want in [
        cell(n(&k["requests"])),
        cell(n(&k["new_plans"])),
        cell(n(&k["within_20_weeks"]["numerator"])),
        cell(n(&k["within_20_weeks"]["denominator"])),
        cell(n(&k["decisions_within_6_weeks"]["denominator"])),
        cell(n(&k["plans_in_place_at_end"])),
        cell(n(&k["clocks"]["annual_review"]["due"])),
        cell(n(&k["clocks"]["review_report"]["met_late"])),
        cell(n(&k["independent"]["children"])),
        cell(n(&k["disputes"]["appeal_rate"]["denominator"])),
    ] {
        assert!(page.contains(&want), "{want} on the dashboard");
    }
    assert!(page.contains("<svg role=\"img\"") && page.contains("The chart's figures"));
    // A new case with a request this year, written by another process: counted at once.
    let this_year = year + 1;
    let before = {
        let (_, _, p) = http(
            port,
            "GET",
            &format!("/dashboard?year={this_year}"),
            &manager,
            "",
        );
        p
    };
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &this_year.to_string(),
    ]);
    assert_eq!(code, 0);
    let requests = serde_json::from_str::<serde_json::Value>(&out).expect("json")["requests"]
        .as_u64()
        .expect("requests");
    let s = sendscope_store::open(&db.url).expect("opens");
    let area = sendscope_domain::ids::AreaId::parse(&s.headline().expect("h").areas[0].area_id)
        .expect("area");
    let case = sendscope_domain::ids::CaseId::new_random();
    let today = sendscope_domain::calendar::england_today();
    let ev = |t: &str, payload: String| sendscope_domain::NewEvent {
        stream: sendscope_domain::StreamRef::case(case),
        area,
        body: sendscope_domain::EventBody::decode(t, payload.as_bytes()).expect(t),
        actor: sendscope_domain::Actor::parse("user:caseworker").expect("actor"),
        effective_date: today,
        reason: None,
        recorded_at: None,
    };
    s.append(&[
        ev(
            "case.opened",
            r#"{"child":{"given_names":"Dana","family_name":"Example","birth_date":"2018-03-04","sex":"female","ethnicity":"WBRI","postcode":null,"upn":null,"uln":null,"nhs_number":null,"home":null},"people":[],"caseworker":null}"#.into(),
        ),
        ev(
            "case.request_received",
            format!(r#"{{"request":1,"received_on":"{today}","requested_by":"parent"}}"#),
        ),
    ])
    .expect("recorded");
    let (_, _, after) = http(
        port,
        "GET",
        &format!("/dashboard?year={this_year}"),
        &manager,
        "",
    );
    assert!(
        before.contains(&cell(sendscope_domain::codes::group_thousands(requests))),
        "before"
    );
    assert!(
        after.contains(&cell(sendscope_domain::codes::group_thousands(
            requests + 1
        ))),
        "the new request is counted"
    );
    // Board members: small counts suppressed (the exception cases of a 300-plan area are
    // few), never shown as a bare figure without the note.
    let board = sign_in(port, "board");
    let (status, _, page) = http(port, "GET", &url, &board, "");
    assert_eq!(status, 200);
    assert!(page.contains("Counts from 1 to 4 are shown as c"), "{page}");
    let (status, _, page) = http(port, "GET", "/dashboard?year=1999", &manager, "");
    assert_eq!(status, 400);
    assert!(
        page.contains("The year must be a calendar year from 2014"),
        "{page}"
    );
    let admin = sign_in(port, "admin");
    assert_eq!(http(port, "GET", "/dashboard", &admin, "").0, 403);
    // A team's figures: the page's filter and `kpi --team` agree.
    let team = sendscope_store::open(&db.url)
        .expect("opens")
        .area_projections(
            sendscope_domain::ids::AreaId::parse(
                &sendscope_store::open(&db.url)
                    .expect("opens")
                    .headline()
                    .expect("h")
                    .areas[0]
                    .area_id,
            )
            .expect("area"),
            sendscope_domain::StreamKind::Organisation,
        )
        .expect("organisations")
        .into_iter()
        .find_map(|o| match o.state {
            sendscope_domain::projection::StreamState::Organisation(o) => {
                o.teams.first().map(|t| t.team)
            }
            _ => None,
        })
        .expect("the demo has teams");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
        "--team",
        &team.to_string(),
    ]);
    assert_eq!(code, 0, "{err}");
    let kt: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(
        kt["requests"].as_u64() <= k["requests"].as_u64(),
        "a team is part of the area"
    );
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        &year.to_string(),
        "--team",
        &uuid::Uuid::new_v4().to_string(),
    ]);
    assert_eq!(code, 0);
    let none: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        none["requests"].as_u64(),
        Some(0),
        "a team with no children counts none"
    );
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/dashboard?year={year}&team={team}"),
        &manager,
        "",
    );
    assert_eq!(status, 200);
    assert!(
        page.contains(&cell(n(&kt["requests"])))
            && page.contains(&format!("value=\"{team}\" selected")),
        "team filter"
    );
    // The children behind a figure: as many as the figure says, each a link to a record;
    // board members see aggregates only.
    let (status, _, page) = http(
        port,
        "GET",
        &format!("/dashboard/cases?measure=plans_late&year={year}"),
        &manager,
        "",
    );
    assert_eq!(status, 200, "{page}");
    let late = within_late(&k);
    assert!(
        page.contains(&format!(">{late} children.</p>")),
        "{late} late: {page}"
    );
    assert_eq!(page.matches("href=\"/cases/").count(), late as usize);
    assert_eq!(
        http(
            port,
            "GET",
            &format!("/dashboard/cases?measure=plans_late&year={year}"),
            &board,
            ""
        )
        .0,
        403
    );
    assert_eq!(
        http(
            port,
            "GET",
            "/dashboard/cases?measure=nonsense",
            &manager,
            ""
        )
        .0,
        400
    );
    // Trajectories: the demo's, and one defined here; planned against actual by month.
    let area_s = area.to_string();
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Decisions on time",
        "--measure",
        "decisions-within-6-weeks",
        "--target",
        "90",
        "--start",
        "2026-01",
        "--deadline",
        "2026-13",
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Decisions on time",
        "--measure",
        "decisions-within-6-weeks",
        "--target",
        "90",
        "--start",
        "2026-01",
        "--deadline",
        "2027-03",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "show",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    let t = &list[1];
    assert_eq!(
        t["points"].as_array().map(Vec::len),
        Some(15),
        "January 2026 to March 2027"
    );
    assert_eq!(
        t["points"][0]["planned"], t["baseline"],
        "the line starts where the measure stood"
    );
    assert_eq!(
        t["points"][14]["planned"].as_f64(),
        Some(90.0),
        "and ends at the target"
    );
    // A trajectory for annual reviews on time: each complete month's actual is the
    // engine's share for that month (as `kpi --month` prints it).
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "define",
        "--area",
        &area_s,
        "--name",
        "Reviews on time",
        "--measure",
        "annual-reviews-on-time",
        "--target",
        "95",
        "--start",
        "2026-01",
        "--deadline",
        "2027-03",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&[
        "--database-url",
        &db.url,
        "trajectory",
        "show",
        "--area",
        &area_s,
    ]);
    let list: serde_json::Value = serde_json::from_str(&out).expect("json");
    let first = &list[2]["points"][0];
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "kpi",
        "--year",
        "2026",
        "--month",
        "1",
        "--area",
        &area_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let jan: serde_json::Value = serde_json::from_str(&out).expect("json");
    let r = &jan["clocks"]["annual_review"];
    let due_past = r["due"].as_u64().unwrap_or(0) - r["not_yet_due"].as_u64().unwrap_or(0);
    assert_eq!(
        (
            first["month"].as_str(),
            first["numerator"].as_u64(),
            first["denominator"].as_u64()
        ),
        (
            Some("January 2026"),
            r["met_on_time"].as_u64(),
            Some(due_past)
        ),
        "{first}"
    );
    assert!(due_past > 0, "the demo has reviews due in January 2026");
    // The board report: the same figures with their denominators, quality and the
    // trajectories; printable on the page, CSV and HTML from the command line.
    let (code, csv_out, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "board",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let within = &k["within_20_weeks"];
    let line = format!(
        "Plans issued within 20 weeks,{year},{:.1}%,{},{}",
        (within["numerator"].as_f64().unwrap_or(0.0) * 1000.0
            / within["denominator"].as_f64().unwrap_or(1.0))
        .round()
            / 10.0,
        within["numerator"],
        within["denominator"]
    );
    assert!(csv_out.contains(&line), "{line} in\n{csv_out}");
    assert!(
        csv_out.contains("Audited plans good or better") && csv_out.contains("trajectory to"),
        "{csv_out}"
    );
    let (code, html_out, err) = run(&[
        "--database-url",
        &db.url,
        "report",
        "board",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        html_out.contains("<h1 class=\"govuk-heading-l\">Board report"),
        "{html_out}"
    );
    let (status, _, page) = http(port, "GET", "/board-report", &board, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Counts from 1 to 4 are shown as c") && page.contains("Trajectories"),
        "{page}"
    );
    let (status, _, page) = http(port, "GET", "/trajectories", &manager, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("Decisions on time")
            && page.contains("Planned and actual by month")
            && page.contains("<svg role=\"img\""),
        "{page}"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

/// Plans issued in the year that took more than 20 weeks, from `kpi`'s JSON.
fn within_late(k: &serde_json::Value) -> i64 {
    k["within_20_weeks"]["denominator"].as_i64().unwrap_or(0)
        - k["within_20_weeks"]["numerator"].as_i64().unwrap_or(0)
}

#[test]
fn dashboard_on_sqlite() {
    dashboard(sqlite_db());
}

#[test]
fn dashboard_on_postgres() {
    dashboard(pg_db());
}

/// The DfE's statistics imported beside the area's figures: for Derby, Derbyshire and
/// England the dashboard shows the published values exactly as the CSV has them (read
/// here straight from the files); a second import changes nothing.
fn published_benchmarks(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "60", "5000")).0, 0);
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/dfe-stats");
    let dir = data.to_str().expect("path");
    let (code, out, err) = run(&["--database-url", &db.url, "import", "dfe-stats", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("8 files recorded, 0 revised, 0 unchanged"),
        "{out}"
    );
    let (code, out, err) = run(&["--database-url", &db.url, "import", "dfe-stats", dir]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("0 files recorded, 0 revised, 8 unchanged"),
        "{out}"
    );
    let (mut server, port, _stderr) = serve(&db.url);
    let manager = sign_in(port, "manager");
    let (status, _, page) = http(port, "GET", "/dashboard", &manager, "");
    assert_eq!(status, 200);
    let rows = |file: &str| -> Vec<std::collections::HashMap<String, String>> {
        let mut r = csv::Reader::from_path(data.join("sen2_ehcp_2025").join(file)).expect("csv");
        let head = r.headers().expect("header").clone();
        r.records()
            .map(|x| {
                let x = x.expect("row");
                head.iter()
                    .map(str::to_string)
                    .zip(x.iter().map(str::to_string))
                    .collect()
            })
            .collect()
    };
    let place = |r: &std::collections::HashMap<String, String>| match r["geographic_level"].as_str()
    {
        "National" => r["country_code"].clone(),
        "Regional" => r["region_code"].clone(),
        _ => r["old_la_code"].clone(),
    };
    let mut checked = 0;
    for r in rows("timeliness_20_week_derby_derbyshire_england.csv") {
        if r["breakdown"] != "All EHC plans issued"
            || !["2024", "2023", "2022", "2021"].contains(&r["time_period"].as_str())
        {
            continue;
        }
        if !["831", "830", "E92000001"].contains(&place(&r).as_str()) {
            continue;
        }
        let want = format!(
            "{}% ({} of {})",
            r["pc_plans_issued_within_20_weeks"],
            r["plans_issued_within_20_weeks"],
            r["plans_issued_den"]
        );
        assert!(
            page.contains(&want),
            "{} {}: {want}",
            r["time_period"],
            place(&r)
        );
        checked += 1;
    }
    assert_eq!(checked, 12, "three places, four years");
    for r in rows("caseload_derby_derbyshire_england.csv") {
        if r["breakdown"] == "All EHC plans" && r["time_period"] == "202425" {
            let want = format!(
                "<td class=\"govuk-table__cell govuk-table__cell--numeric\">{}</td>",
                r["ehcplans"]
            );
            assert!(page.contains(&want), "plans in place {}: {want}", place(&r));
        }
    }
    assert!(
        page.contains("Derby (831)") && page.contains("England (E92000001)"),
        "places named"
    );
    assert!(
        page.contains("Derbyshire (830)") && page.contains("No comparator areas have been chosen"),
        "every area imported until comparators are chosen"
    );
    // The public page: the same published figures, the area's own without drill-down.
    let la = "100";
    let (status, _, public) = http(port, "GET", &format!("/figures/{la}"), "", "");
    assert_eq!(status, 200, "{public}");
    assert!(
        public.contains("Derby (831)")
            && public.contains("Statutory time limits")
            && !public.contains("/dashboard/cases")
            && !public.contains("name=\"caseworker\""),
        "aggregates only"
    );
    assert_eq!(http(port, "GET", "/figures/999", "", "").0, 404);
    assert_eq!(http(port, "GET", "/figures/100?year=1999", "", "").0, 400);
    // Comparators chosen by the area (the demo's is 100): only those stand beside it,
    // with the regions and England; a bad code or threshold changes nothing.
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "926,not-a-code",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not-a-code"), "{err}");
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "926",
        "--suppress-below",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("suppress_below"), "{err}");
    let (code, out, _) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "show-settings",
        "--area",
        la,
    ]);
    assert_eq!(
        (code, out.trim()),
        (0, r#"{"comparators":[],"suppress_below":5}"#)
    );
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "figures",
        "adopt-settings",
        "--area",
        la,
        "--comparators",
        "831",
        "--suppress-below",
        "10",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, _, page) = http(port, "GET", "/dashboard", &manager, "");
    assert!(
        page.contains("Derby (831)")
            && page.contains("England (E92000001)")
            && !page.contains("Derbyshire (830)")
            && page.contains("Comparator areas chosen by the area: 831."),
        "comparators chosen"
    );
    let (_, _, public) = http(port, "GET", &format!("/figures/{la}"), "", "");
    assert!(
        public.contains("Counts from 1 to 9 are shown as c"),
        "the area's threshold"
    );
    server.kill().expect("stop");
    server.wait().expect("reaped");
}

#[test]
fn published_benchmarks_on_sqlite() {
    published_benchmarks(sqlite_db());
}

#[test]
fn published_benchmarks_on_postgres() {
    published_benchmarks(pg_db());
}

/// A reader that stops early (`| head -1`) ends the command quietly: exit 0, nothing on
/// standard error, no panic. The export is far larger than a pipe's buffer, so it is
/// still writing when the reader goes; the demo prints its summary over several lines.
#[test]
fn output_piped_into_head_ends_quietly() {
    use std::io::BufRead;
    let db = sqlite_db();
    let first_line_then_close = |args: &[&str]| {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("runs");
        let mut line = String::new();
        let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
        reader.read_line(&mut line).expect("a first line");
        drop(reader);
        let out = child.wait_with_output().expect("finishes");
        (
            line,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (line, code, err) = first_line_then_close(&demo_args(&db.url, "60", "5000"));
    assert!(line.starts_with("Demo built"), "{line}");
    assert_eq!((code, err.as_str()), (Some(0), ""));
    for (format, head) in [("csv", "seq,stream_kind"), ("jsonl", "{")] {
        let (line, code, err) = first_line_then_close(&[
            "--database-url",
            &db.url,
            "export",
            "events",
            "--format",
            format,
        ]);
        assert!(line.starts_with(head), "{format}: {line}");
        assert_eq!((code, err.as_str()), (Some(0), ""), "{format}");
    }
}
