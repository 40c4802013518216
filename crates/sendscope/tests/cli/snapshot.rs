//! A restart from the KPI engine's snapshot gives the figures a full load gives: from a
//! snapshot of the log as it is, from one older than the log (caught up from the events
//! after it), and, ignored with the reason and every record read again, from a damaged,
//! cut-short or foreign one, or one another build made (which is then saved afresh).

use super::support::*;
use sendscope_app::figures::{Kpi, Restored};

/// Every measure, every area and England together, four calendar years.
fn figures(kpi: &Kpi, store: &dyn sendscope_store::Store) -> serde_json::Value {
    let periods: Vec<sendscope_kpi::Period> = (2023..=2026)
        .filter_map(sendscope_kpi::Period::calendar_year)
        .collect();
    kpi.with(store, |e| {
        let all: Vec<serde_json::Value> = e
            .compute_all_series(&periods, &sendscope_kpi::Filter::default())
            .into_iter()
            .map(|(each, total)| {
                serde_json::json!({
                    "areas": each.iter().map(|(a, k)| (a.to_string(), k)).collect::<Vec<_>>(),
                    "england": total,
                })
            })
            .collect();
        serde_json::Value::Array(all)
    })
    .expect("figures")
}

both!(a_restart_from_the_kpi_snapshot_gives_the_figures_of_a_full_load => restart);
fn restart(db: Db) {
    assert_eq!(run(&demo_args(&db.url, "300", "50000")).0, 0);
    let store = sendscope_store::open(&db.url).expect("opens");
    let store = store.as_ref();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("kpi.snapshot");
    let full = figures(&Kpi::default(), store);

    // The first start reads every record and saves; the second starts from the file.
    let first = Kpi::with_snapshot(Some(path.clone()));
    assert_eq!(figures(&first, store), full);
    assert_eq!(first.restored(), Some(Restored::Missing));
    assert!(path.exists(), "saved after the full load");
    // It holds children's identifiers and dates of birth: the service's user alone reads it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let events = store.headline().expect("headline").events;
    let second = Kpi::with_snapshot(Some(path.clone()));
    assert_eq!(figures(&second, store), full);
    assert_eq!(second.restored(), Some(Restored::Loaded { covers: events }));

    // Events after the snapshot: three placements end today. The figures change, and a
    // start from the older snapshot catches up to them.
    let area = sendscope_app::setup::find_area(store, None).expect("area");
    let mut placed = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        if placed.len() < 3
            && c.plan.as_ref().is_some_and(|p| p.ceased.is_none())
            && c.current_placement().is_some()
        {
            placed.push(case);
        }
    })
    .expect("cases");
    let today = sendscope_domain::calendar::england_today();
    for case in &placed {
        store
            .append(&[sendscope_domain::NewEvent {
                stream: sendscope_domain::StreamRef::case(*case),
                area,
                effective_date: today,
                body: sendscope_domain::EventBody::PlacementEnded(
                    sendscope_domain::event::DatedOnly { on: today },
                ),
                actor: sendscope_domain::Actor::parse("system:test").expect("actor"),
                reason: Some("the school can no longer meet the child's needs".into()),
                recorded_at: None,
            }])
            .expect("ended");
    }
    let later = figures(&Kpi::default(), store);
    assert_ne!(
        later, full,
        "the events after the snapshot change the figures"
    );
    let third = Kpi::with_snapshot(Some(path.clone()));
    assert_eq!(figures(&third, store), later);
    assert_eq!(third.restored(), Some(Restored::Loaded { covers: events }));

    // Damaged: a byte of the columns changed. Ignored, every record read, saved afresh.
    let good = std::fs::read(&path).expect("read");
    let mut bad = good.clone();
    let middle = bad.len() / 2;
    bad[middle] ^= 0x55;
    std::fs::write(&path, &bad).expect("written");
    let damaged = Kpi::with_snapshot(Some(path.clone()));
    assert_eq!(figures(&damaged, store), later);
    assert!(
        matches!(damaged.restored(), Some(Restored::Ignored(ref why)) if why.contains("checksum")),
        "{:?}",
        damaged.restored()
    );
    let after = Kpi::with_snapshot(Some(path.clone()));
    assert_eq!(figures(&after, store), later);
    assert!(
        matches!(after.restored(), Some(Restored::Loaded { .. })),
        "saved afresh: {:?}",
        after.restored()
    );

    // Cut short, foreign (another log's chain hash), and ahead of the log: each ignored.
    let now = std::fs::read(&path).expect("read");
    // The header: magic (8 bytes), the build's fingerprint (8), the event covered (8),
    // the chain hash there (32).
    let mut foreign = now.clone();
    foreign[24] ^= 0xff;
    let mut ahead = now.clone();
    ahead[16..24].copy_from_slice(&(events + 1_000_000).to_le_bytes());
    let mut other_build = now.clone();
    other_build[8] ^= 0xff;
    for (what, bytes, says) in [
        ("cut short", now[..now.len() - 7].to_vec(), "cut short"),
        ("foreign", foreign, "is not this database's"),
        ("ahead", ahead, "does not hold"),
        ("another build", other_build, "another version of sendscope"),
        (
            "not a snapshot",
            b"hello, not a kpi".to_vec(),
            "not a KPI snapshot",
        ),
    ] {
        std::fs::write(&path, &bytes).expect("written");
        let kpi = Kpi::with_snapshot(Some(path.clone()));
        assert_eq!(figures(&kpi, store), later, "{what}");
        assert!(
            matches!(kpi.restored(), Some(Restored::Ignored(ref why)) if why.contains(says)),
            "{what}: {:?}",
            kpi.restored()
        );
    }
}
