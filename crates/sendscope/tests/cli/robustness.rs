use crate::support::*;

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
        // The last day of a year: the plans asked for are those in place then.
        "2025-12-31",
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

/// The database, its access log and the exports hold children's records: readable and
/// writable by their owner only, never by every account on the machine.
#[cfg(unix)]
#[test]
fn records_and_exports_are_private_files() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("private.db");
    let url = format!("sqlite://{}", db.display());
    let (code, _, err) = run(&["--database-url", &url, "area", "add", "--la-code", "831"]);
    assert_eq!(code, 0, "{err}");
    // A reason a spreadsheet would take for a formula stays text in the CSV export.
    {
        let s = sendscope_store::open(&url).expect("opens");
        let area = sendscope_app::setup::find_area(s.as_ref(), Some("831")).expect("area");
        s.append(&[sendscope_domain::NewEvent {
            stream: sendscope_domain::StreamRef::area(area),
            area,
            body: sendscope_domain::EventBody::DesignatedOfficersRecorded(
                sendscope_domain::event::DesignatedOfficers {
                    from: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
                    medical: true,
                    clinical: true,
                    social_care: Some(false),
                },
            ),
            actor: sendscope_domain::Actor::parse("user:admin").expect("actor"),
            effective_date: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("date"),
            reason: Some("=HYPERLINK(\"http://example.com\")".into()),
            recorded_at: None,
        }])
        .expect("recorded");
    }
    let out = dir.path().join("events.csv");
    let (code, _, err) = run(&[
        "--database-url",
        &url,
        "export",
        "events",
        "--format",
        "csv",
        "--output",
        out.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    let csv = std::fs::read_to_string(&out).expect("export");
    assert!(
        csv.contains("'=HYPERLINK")
            && !csv.contains(",=HYPERLINK")
            && !csv.contains(",\"=HYPERLINK"),
        "{csv}"
    );
    let access_log = std::path::PathBuf::from(format!("{}-access-log", db.display()));
    for f in [&db, &access_log, &out] {
        let mode = std::fs::metadata(f).expect("exists").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", f.display());
    }
}

/// Runs SQL as someone with write access to the database would, its guards dropped.
fn tamper(url: &str, sql: &str) {
    if url.starts_with("sqlite") {
        let c = rusqlite::Connection::open(url.trim_start_matches("sqlite://")).expect("open");
        c.execute_batch(&format!(
            "DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete; {sql}"
        ))
        .expect("tamper");
    } else {
        let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).expect("connect");
        c.batch_execute(&format!(
            "ALTER TABLE events DISABLE TRIGGER events_append_only; {sql}"
        ))
        .expect("tamper");
    }
}

fn blob(url: &str, bytes: &[u8; 32]) -> String {
    if url.starts_with("sqlite") {
        format!("X'{}'", hex::encode(bytes))
    } else {
        format!("decode('{}', 'hex')", hex::encode(bytes))
    }
}

/// The tamper evidence holds against someone who can write to the database: a rewrite
/// re-hashed into a consistent chain, and the latest events deleted, both pass the
/// chain's own check (that is the attack) and both are caught by an earlier signed
/// checkpoint kept outside the database.
fn a_signed_checkpoint_catches_a_rewrite_and_a_truncation(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "40", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("checkpoint.key");
    let cp = dir.path().join("checkpoint.json");
    let (k, c) = (key.to_str().expect("p"), cp.to_str().expect("p"));
    let (code, out, err) = run(&["audit", "keygen", "--output", k]);
    assert_eq!(code, 0, "{err}");
    let public = out.rsplit(' ').next().expect("key").trim().to_string();
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "audit",
        "checkpoint",
        "--key",
        k,
        "--output",
        c,
    ]);
    assert_eq!(code, 0, "{err}");
    let verify = |extra: &[&str]| {
        let mut args = vec!["--database-url", db.url.as_str(), "audit", "verify"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out, err) = verify(&["--checkpoint", c, "--public-key", &public]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is the one the checkpoint of"), "{out}");
    // A checkpoint signed by another key proves nothing.
    let (code, _, err) = verify(&["--checkpoint", c, "--public-key", &"ab".repeat(32)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not the one given"), "{err}");

    // The rewrite: event 50's date changed, every hash after it recomputed, the head too.
    let store = sendscope_store::open(&db.url).expect("opens");
    let mut events = store.events_after(0, 1_000_000).expect("events");
    drop(store);
    let at = 49;
    events[at].effective_date = events[at].effective_date.succ_opt().expect("day");
    let mut prev = events[at - 1].hash;
    let mut sql = format!(
        "UPDATE events SET effective_date = '{}' WHERE seq = {};",
        events[at].effective_date, events[at].seq
    );
    for e in &mut events[at..] {
        e.hash = sendscope_domain::chain::event_hash(&prev, e);
        prev = e.hash;
        sql += &format!(
            "UPDATE events SET hash = {} WHERE seq = {};",
            blob(&db.url, &e.hash),
            e.seq
        );
    }
    sql += &format!(
        "UPDATE chain_head SET hash = {} WHERE id = 1;",
        blob(&db.url, &prev)
    );
    tamper(&db.url, &sql);
    let (code, _, err) = verify(&[]);
    assert_eq!(code, 0, "the re-hashed chain is consistent: {err}");
    let (code, _, err) = verify(&["--checkpoint", c]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("the history was rewritten"), "{err}");

    // The truncation: the latest events deleted, the head set back.
    let other = if db.url.starts_with("sqlite") {
        sqlite_db()
    } else {
        pg_db()
    };
    assert_eq!(run(&demo_args(&other.url, "40", "5000")).0, 0);
    let (code, _, err) = run(&[
        "--database-url",
        &other.url,
        "audit",
        "checkpoint",
        "--key",
        k,
        "--output",
        c,
    ]);
    assert_eq!(code, 0, "{err}");
    let store = sendscope_store::open(&other.url).expect("opens");
    let events = store.events_after(0, 1_000_000).expect("events");
    drop(store);
    let keep = &events[events.len() - 10];
    tamper(
        &other.url,
        &format!(
            "DELETE FROM events WHERE seq > {}; UPDATE chain_head SET seq = {}, hash = {} WHERE id = 1;",
            keep.seq,
            keep.seq,
            blob(&other.url, &keep.hash)
        ),
    );
    let (code, _, err) = run(&["--database-url", &other.url, "audit", "verify"]);
    assert_eq!(code, 0, "the shortened chain is consistent: {err}");
    let (code, _, err) = run(&[
        "--database-url",
        &other.url,
        "audit",
        "verify",
        "--checkpoint",
        c,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("events were removed"), "{err}");
}
both!(a_signed_checkpoint_catches_a_rewrite_and_a_truncation);

/// A busy port is found before anything is built: one line, exit 2, no demo written.
#[test]
fn serve_on_a_busy_port_says_so_before_building_a_demo() {
    let db = sqlite_db();
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = busy.local_addr().expect("addr").port().to_string();
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "serve",
        "--demo",
        "--plans",
        "40",
        "--port",
        &port,
    ]);
    assert_eq!((code, err.lines().count()), (2, 1), "{err}");
    assert!(err.contains("is another program using port"), "{err}");
    let events = sendscope_store::open(&db.url)
        .and_then(|s| s.headline())
        .expect("headline")
        .events;
    assert_eq!(events, 0, "no demo built");
}
