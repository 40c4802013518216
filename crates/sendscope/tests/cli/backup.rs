//! `sendscope backup` while 50 clients write, `sendscope restore` into a new store: the
//! restored history verifies and is a prefix of the live one; a restore never overwrites;
//! a SQLite database without its access log does not start until told what happened.

use crate::support::*;
use sendscope_domain::event::TeamAdded;
use sendscope_domain::ids::{AreaId, OrganisationId, TeamId};
use sendscope_domain::{Actor, EventBody, NewEvent, StreamKind, StreamRef};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

fn backup_during_writers_restores_a_verified_prefix(db: Db) {
    let (code, _, err) = run(&demo_args(&db.url, "30", "5000"));
    assert_eq!(code, 0, "{err}");
    let store: Arc<dyn sendscope_store::Store> =
        Arc::from(sendscope_store::open(&db.url).expect("opens"));
    let area = AreaId::parse(&store.headline().expect("h").areas[0].area_id).expect("area");
    let council = OrganisationId(
        store
            .area_projections(area, StreamKind::Organisation)
            .expect("organisations")[0]
            .stream
            .id,
    );
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..50)
        .map(|w| {
            let (store, stop, written) = (store.clone(), stop.clone(), written.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    store
                        .append(&[NewEvent {
                            stream: StreamRef::organisation(council),
                            area,
                            body: EventBody::TeamAdded(TeamAdded {
                                team: TeamId::new_random(),
                                name: format!("Writer {w} team {i}"),
                            }),
                            actor: Actor::parse(&format!("user:writer-{w}")).expect("actor"),
                            effective_date: sendscope_domain::calendar::england_today(),
                            reason: None,
                            recorded_at: None,
                        }])
                        .expect("an acknowledged write");
                    written.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        })
        .collect();
    while written.load(Ordering::Relaxed) < 200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("backup.db");
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "backup",
        "--output",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Backed up to"), "{out}");
    let at_backup = written.load(Ordering::Relaxed);
    while written.load(Ordering::Relaxed) < at_backup + 200 {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    // A backup is never written over.
    let (code, _, err) = run(&[
        "--database-url",
        &db.url,
        "backup",
        "--output",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("already there"), "{err}");

    // Restored into a new store of the same kind: verified, a prefix of the live history.
    let target = if db.url.starts_with("sqlite") {
        sqlite_db()
    } else {
        pg_db()
    };
    let (code, out, err) = run(&[
        "--database-url",
        &target.url,
        "restore",
        "--from",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("the chain verifies"), "{out}");
    let live = export_jsonl(&db.url);
    let restored = export_jsonl(&target.url);
    assert!(
        restored.len() < live.len(),
        "writers went on after the backup"
    );
    assert!(
        live.starts_with(&restored),
        "the restored history is a prefix of the live one"
    );
    let restored_events = restored.lines().count();
    assert!(
        restored_events as u64 > live.lines().count() as u64 - written.load(Ordering::Relaxed),
        "the backup holds writes made before it"
    );
    let (code, _, err) = run(&["--database-url", &target.url, "audit", "verify"]);
    assert_eq!(code, 0, "{err}");
    // Never over a store that holds something.
    let (code, _, err) = run(&[
        "--database-url",
        &target.url,
        "restore",
        "--from",
        file.to_str().expect("path"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("already"), "{err}");
    assert_eq!(export_jsonl(&target.url), restored, "nothing changed");

    // SQLite: a database restored without its access log does not open until told.
    if let Some(path) = target.url.strip_prefix("sqlite://") {
        drop(store);
        let log = format!("{path}-access-log");
        std::fs::remove_file(&log).expect("removed");
        let (code, _, err) = run(&["--database-url", &target.url, "audit", "verify"]);
        assert_eq!(code, 2);
        assert!(
            err.contains("access log") && err.contains("missing"),
            "{err}"
        );
        assert!(
            !std::path::Path::new(&log).exists(),
            "nothing made in its place"
        );
        let (code, out, err) = run(&[
            "--database-url",
            &target.url,
            "audit",
            "access-log-lost",
            "--reason",
            "restored from the 3 March backup without its access log",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("new access log"), "{out}");
        let (code, _, err) = run(&["--database-url", &target.url, "audit", "verify"]);
        assert_eq!(code, 0, "{err}");
        let s = sendscope_store::open(&target.url).expect("opens");
        let first = s
            .accesses(sendscope_domain::ids::CaseId(uuid::Uuid::nil()), 1)
            .expect("log");
        assert!(first[0].via.contains("3 March backup"), "{first:?}");
    }
}
both!(backup_during_writers_restores_a_verified_prefix);

/// `serve --checkpoint-key` signs the history at start (then on its schedule): the
/// checkpoint is on the public figures page and at /figures/checkpoint.json, written to
/// the folder given, and proves the history with `audit verify --checkpoint`.
fn checkpoints_signed_while_serving(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "30", "5000")).0, 0);
    let dir = tempfile::tempdir().expect("dir");
    let key = dir.path().join("checkpoint.key");
    let folder = dir.path().join("checkpoints");
    let (code, out, err) = run(&["audit", "keygen", "--output", key.to_str().expect("p")]);
    assert_eq!(code, 0, "{err}");
    let public = out.rsplit(' ').next().expect("key").trim().to_string();
    let events = sendscope_store::open(&db.url)
        .expect("opens")
        .headline()
        .expect("h")
        .events;
    let port = free_port();
    let port_s = port.to_string();
    let (mut server, _rx) = spawn(
        &[
            "--database-url",
            &db.url,
            "serve",
            "--port",
            &port_s,
            "--checkpoint-key",
            key.to_str().expect("p"),
            "--checkpoint-dir",
            folder.to_str().expect("p"),
        ],
        &[],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let body = loop {
        if let Some(r) = get(port, "/figures/checkpoint.json")
            && r.starts_with("HTTP/1.1 200")
        {
            break r;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no checkpoint was signed"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let json = &body[body.find('{').expect("json")..];
    let cp: serde_json::Value = serde_json::from_str(json).expect("checkpoint");
    assert_eq!(cp["seq"].as_u64(), Some(events));
    assert_eq!(cp["public_key"].as_str(), Some(public.as_str()));
    let page = get(port, "/figures/831").expect("page");
    assert!(
        page.contains("Proof that the records are not rewritten"),
        "{page}"
    );
    assert!(page.contains(&public));
    let _ = server.kill();
    let _ = server.wait();
    let file = folder.join(format!("checkpoint-{events}.json"));
    let (code, out, err) = run(&[
        "--database-url",
        &db.url,
        "audit",
        "verify",
        "--checkpoint",
        file.to_str().expect("p"),
        "--public-key",
        &public,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("is the one the checkpoint"), "{out}");
}
both!(checkpoints_signed_while_serving);
