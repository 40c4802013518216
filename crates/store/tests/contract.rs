//! The store contract: every test runs against SQLite and against the real PostgreSQL
//! (a fresh database each). PostgreSQL tests fail, never skip, when the server is down.

use chrono::NaiveDate;
use sendscope_domain::codes::LaCode;
use sendscope_domain::event::*;
use sendscope_domain::ids::*;
use sendscope_domain::sen::{CeaseReason, Need, NeedType, Requester, Sex};
use sendscope_domain::{Actor, DomainError, NewEvent, Stage};
use sendscope_store::{CaseQuery, CaseRow, ExportFormat, Store, StoreError, export_events, verify};

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

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

impl Backend {
    fn fresh(self) -> Db {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("t.db").display());
                Db {
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => Db {
                url: sendscope_store::testing::fresh_pg_database()
                    .expect("PostgreSQL must be reachable"),
                _dir: None,
            },
        }
    }

    /// Runs raw SQL as a tamperer would, bypassing the append-only triggers.
    fn tamper(self, url: &str, sql: &str) {
        match self {
            Backend::Sqlite => {
                let c =
                    rusqlite::Connection::open(url.trim_start_matches("sqlite://")).expect("open");
                c.execute_batch(&format!(
                    "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; {sql}"
                ))
                .expect("tamper");
            }
            Backend::Postgres => {
                let mut c = ::postgres::Client::connect(url, ::postgres::NoTls).expect("connect");
                c.batch_execute(&format!(
                    "ALTER TABLE events DISABLE TRIGGER events_append_only; {sql}"
                ))
                .expect("tamper");
            }
        }
    }

    fn raw(self, url: &str, sql: &str) -> Result<(), String> {
        match self {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://");
                let c = rusqlite::Connection::open(path).map_err(|e| e.to_string())?;
                c.execute(
                    "ATTACH DATABASE ?1 AS audit",
                    [format!("{path}-access-log")],
                )
                .map_err(|e| e.to_string())?;
                c.execute_batch(sql).map_err(|e| e.to_string())
            }
            Backend::Postgres => {
                let mut c = ::postgres::Client::connect(url, ::postgres::NoTls)
                    .map_err(|e| e.to_string())?;
                c.batch_execute(sql).map_err(|e| match e.as_db_error() {
                    Some(d) => d.message().to_string(),
                    None => e.to_string(),
                })
            }
        }
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

struct Fixture {
    area: AreaId,
    case: CaseId,
    request: RequestId,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            area: AreaId::new_random(),
            case: CaseId::new_random(),
            request: RequestId(1),
        }
    }
    fn ev(&self, stream: StreamRef, on: NaiveDate, body: EventBody) -> NewEvent {
        NewEvent {
            stream,
            area: self.area,
            body,
            actor: Actor::parse("user:tester").expect("actor"),
            effective_date: on,
            reason: None,
            recorded_at: None,
        }
    }
    fn case_ev(&self, on: NaiveDate, body: EventBody) -> NewEvent {
        self.ev(StreamRef::case(self.case), on, body)
    }
    fn opening(&self) -> Vec<NewEvent> {
        vec![
            self.ev(
                StreamRef::area(self.area),
                d(2025, 1, 1),
                EventBody::AreaCreated(AreaCreated {
                    la_code: LaCode::parse("831").expect("la"),
                    name: "Testshire".into(),
                }),
            ),
            self.case_ev(
                d(2025, 1, 6),
                EventBody::CaseOpened(CaseOpened {
                    child: Child {
                        given_names: "Amy".into(),
                        family_name: "Example".into(),
                        birth_date: d(2017, 5, 4),
                        sex: Sex::Female,
                        ethnicity: "WBRI".into(),
                        postcode: None,
                        upn: None,
                        uln: None,
                        nhs_number: None,
                        home: None,
                        preferred_name: None,
                        address: None,
                        home_language: None,
                        interpreter_needed: false,
                        la_of_residence: None,
                        parent_acts: false,
                        looked_after: None,
                    },
                    people: vec![],
                    caseworker: None,
                }),
            ),
            self.case_ev(
                d(2025, 1, 6),
                EventBody::RequestReceived(RequestReceived {
                    request: self.request,
                    received_on: d(2025, 1, 6),
                    requested_by: Requester::School,
                }),
            ),
        ]
    }
    fn through_final(&self) -> Vec<NewEvent> {
        let r = self.request;
        vec![
            self.case_ev(
                d(2025, 2, 10),
                EventBody::AssessmentDecided(AssessmentDecided {
                    request: r,
                    decision: AssessDecision::Assess,
                    on: d(2025, 2, 10),
                    reasons: None,
                }),
            ),
            self.case_ev(
                d(2025, 4, 1),
                EventBody::DraftPlanServed(DraftPlanServed {
                    request: r,
                    on: d(2025, 4, 1),
                    sections: PlanSections::default(),
                }),
            ),
            self.case_ev(
                d(2025, 5, 20),
                EventBody::FinalPlanIssued(FinalPlanIssued {
                    request: r,
                    on: d(2025, 5, 20),
                    sections: PlanSections::default(),
                    needs: vec![Need {
                        need: NeedType::parse("ASD").expect("need"),
                        rank: 1,
                    }],
                    named: vec![],
                    personal_budget: false,
                }),
            ),
        ]
    }
}

fn open(db: &Db) -> Box<dyn Store> {
    sendscope_store::open(&db.url).expect("store opens")
}

fn dump(s: &dyn Store) -> Vec<String> {
    let mut lines = Vec::new();
    s.dump_projections(&mut |l| {
        lines.push(l);
        Ok(())
    })
    .expect("dump");
    lines
}

/// The projections kept as events were written equal those rebuilt from scratch, byte for byte.
fn assert_rebuild_identical(s: &dyn Store) {
    let before = dump(s);
    s.rebuild().expect("rebuild");
    let after = dump(s);
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(&after) {
        assert_eq!(a, b);
    }
}

fn stage(s: &dyn Store, f: &Fixture) -> Stage {
    s.projection(StreamRef::case(f.case))
        .expect("read")
        .expect("exists")
        .case_index()
        .expect("case")
        .stage
}

fn appends_and_projects(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    let seqs = s.append(&f.opening()).expect("append");
    assert_eq!(seqs, vec![1, 2, 3]);
    assert_eq!(stage(s.as_ref(), &f), Stage::RequestReceived);
    s.append(&f.through_final()).expect("append");
    assert_eq!(stage(s.as_ref(), &f), Stage::PlanInPlace);
    let evs = s.stream_events(StreamRef::case(f.case)).expect("events");
    assert_eq!(
        evs.iter().map(|e| e.version).collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
    assert_eq!(
        s.events_after(2, 2)
            .expect("page")
            .iter()
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        vec![3, 4]
    );
    let h = s.headline().expect("headline");
    assert_eq!(h.events, 6);
    assert_eq!(h.areas.len(), 1);
    assert_eq!(h.areas[0].plans_in_place, 1);
    assert_eq!(h.areas[0].name, "Testshire");
    let r = verify(s.as_ref()).expect("verify");
    assert_eq!((r.events, r.first_break), (6, None));
    // Several projections at once: in the order asked, None where there is none (an
    // unknown id, or a known id asked for as the wrong kind).
    let case = StreamRef::case(f.case);
    let area = StreamRef::area(f.area);
    let got = s
        .projections(&[
            case,
            StreamRef::case(CaseId::new_random()),
            area,
            StreamRef::setting(sendscope_domain::ids::SettingId(f.case.0)),
        ])
        .expect("read");
    assert_eq!(
        got,
        vec![
            s.projection(case).expect("read"),
            None,
            s.projection(area).expect("read"),
            None
        ]
    );
    assert!(got[0].is_some() && got[2].is_some());
    assert_rebuild_identical(s.as_ref());
}

fn refuses_invalid_steps_and_writes_nothing(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()).expect("append");
    let mut steps = f.through_final();
    // A final plan before any draft: the whole batch is refused.
    steps.remove(1);
    match s.append(&steps) {
        Err(StoreError::Domain(DomainError::Refused(msg))) => {
            assert!(msg.contains("draft"), "{msg}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(s.headline().expect("h").events, 3);
    assert_eq!(stage(s.as_ref(), &f), Stage::RequestReceived);
    // A NUL character in text (PostgreSQL cannot store one), and a text field of
    // megabytes: refused with what to do, on either database, nothing written.
    for (reasons, says) in [
        ("a\0b".to_string(), "NUL character"),
        ("x".repeat(1_900_000), "more than the 1024 KB"),
    ] {
        let odd = f.case_ev(
            d(2025, 2, 1),
            EventBody::AssessmentDecided(AssessmentDecided {
                request: f.request,
                decision: AssessDecision::Assess,
                on: d(2025, 2, 1),
                reasons: Some(reasons),
            }),
        );
        match s.append(&[odd]) {
            Err(StoreError::Domain(DomainError::Refused(msg))) => {
                assert!(msg.contains(says), "{msg}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(s.headline().expect("h").events, 3);
    }
    // A date before the request was received.
    let early = f.case_ev(
        d(2025, 1, 1),
        EventBody::AssessmentDecided(AssessmentDecided {
            request: f.request,
            decision: AssessDecision::Assess,
            on: d(2025, 1, 1),
            reasons: None,
        }),
    );
    assert!(matches!(
        s.append(&[early]),
        Err(StoreError::Domain(DomainError::Refused(_)))
    ));
    // Ceasing without a plan; an event on a record that does not exist.
    let cease = f.case_ev(
        d(2025, 6, 1),
        EventBody::PlanCeased(PlanCeased {
            on: d(2025, 6, 1),
            reason: CeaseReason::NeedsMet,
            source: None,
        }),
    );
    assert!(s.append(&[cease]).is_err());
    let ghost = f.ev(
        StreamRef::case(CaseId::new_random()),
        d(2025, 6, 1),
        EventBody::PlacementEnded(DatedOnly { on: d(2025, 6, 1) }),
    );
    assert!(s.append(&[ghost]).is_err());
    assert_eq!(s.headline().expect("h").events, 3);
    assert_eq!(verify(s.as_ref()).expect("verify").first_break, None);
}

fn corrections_voids_merges_and_erasure(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()).expect("append");
    // The request date was typed wrongly: correct it.
    let replacement = serde_json::json!({"request": f.request, "received_on": "2025-01-07", "requested_by": "parent"});
    let mut c = f.case_ev(
        d(2025, 1, 8),
        EventBody::Corrected(Correction {
            corrects: 3,
            replacement,
        }),
    );
    c.reason = Some("date keyed wrongly".into());
    s.append(&[c]).expect("correction");
    let p = s
        .projection(StreamRef::case(f.case))
        .expect("r")
        .expect("p");
    let req = &p.case().expect("case").requests[0];
    assert_eq!(
        (req.received_on, req.requested_by),
        (d(2025, 1, 7), Some(Requester::Parent))
    );
    // A correction must keep the event type.
    let bad = f.case_ev(
        d(2025, 1, 8),
        EventBody::Corrected(Correction {
            corrects: 2,
            replacement: serde_json::json!({"request": 1}),
        }),
    );
    assert!(s.append(&[bad]).is_err());
    s.append(&f.through_final()).expect("steps");
    // A duplicate case, merged into this one.
    let dup = CaseId::new_random();
    let mut opened = f.opening().remove(1);
    opened.stream = StreamRef::case(dup);
    s.append(&[
        opened,
        f.ev(
            StreamRef::case(dup),
            d(2025, 6, 1),
            EventBody::MergedInto(MergedInto { survivor: f.case.0 }),
        ),
        f.case_ev(
            d(2025, 6, 1),
            EventBody::Merged(Merged { duplicate: dup.0 }),
        ),
    ])
    .expect("merge");
    let dp = s.projection(StreamRef::case(dup)).expect("r").expect("p");
    assert_eq!(dp.case_index().expect("case").stage, Stage::Merged);
    let later = f.ev(
        StreamRef::case(dup),
        d(2025, 6, 2),
        EventBody::PlacementEnded(DatedOnly { on: d(2025, 6, 2) }),
    );
    assert!(
        s.append(&[later]).is_err(),
        "a merged record takes no new steps"
    );
    // Void a mistaken event and erase a payload lawfully.
    let evs = s.stream_events(StreamRef::case(dup)).expect("events");
    let opened_seq = evs[0].seq;
    s.append(&[f.ev(
        StreamRef::case(dup),
        d(2025, 6, 3),
        EventBody::Voided(Voided { voids: evs[1].seq }),
    )])
    .expect("void");
    assert_eq!(
        s.projection(StreamRef::case(dup))
            .expect("r")
            .expect("p")
            .merged_into,
        None
    );
    let erase = f.ev(
        StreamRef::case(dup),
        d(2025, 7, 1),
        EventBody::PayloadsErased(PayloadsErased {
            events: vec![opened_seq],
            basis: "duplicate record: UK GDPR art. 17".into(),
        }),
    );
    s.append(&[erase]).expect("erase");
    let evs = s.stream_events(StreamRef::case(dup)).expect("events");
    assert_eq!(evs[0].payload, None);
    let r = verify(s.as_ref()).expect("verify");
    assert_eq!(r.first_break, None);
    assert_eq!(r.erased_payloads, 1);
    assert_rebuild_identical(s.as_ref());
}

fn tampering_is_detected_and_named(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()).expect("append");
    s.append(&f.through_final()).expect("append");
    assert_eq!(verify(s.as_ref()).expect("v").first_break, None);
    drop(s);
    b.tamper(
        &db.url,
        "UPDATE events SET effective_date = '2025-02-01' WHERE seq = 4;",
    );
    let s = open(&db);
    let r = verify(s.as_ref()).expect("verify runs");
    assert_eq!(r.first_break.map(|x| x.seq), Some(4));
    drop(s);
    // A payload removed without an erasure event is also caught.
    let db2 = b.fresh();
    let s = open(&db2);
    s.append(&f.opening()).expect("append");
    drop(s);
    b.tamper(&db2.url, "UPDATE events SET payload = NULL WHERE seq = 2;");
    let s = open(&db2);
    assert_eq!(
        verify(s.as_ref()).expect("v").first_break.map(|x| x.seq),
        Some(2)
    );
}

fn events_are_append_only(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    s.append(&Fixture::new().opening()).expect("append");
    drop(s);
    assert!(
        b.raw(
            &db.url,
            "UPDATE events SET actor = 'user:mallory' WHERE seq = 1"
        )
        .is_err()
    );
    assert!(b.raw(&db.url, "DELETE FROM events WHERE seq = 1").is_err());
}

fn refuses_a_newer_schema(b: Backend) {
    let db = b.fresh();
    drop(open(&db));
    b.raw(&db.url, "INSERT INTO schema_version (version) VALUES (999)")
        .expect("raw");
    match sendscope_store::open(&db.url) {
        Err(StoreError::SchemaTooNew { found: 999, .. }) => {}
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a newer schema must be refused"),
    }
}

fn demo_projections_match_rebuild(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let spec = sendscope_demo::DemoSpec {
        plans: 150,
        seed: 3,
        as_of: d(2026, 1, 15),
        batch_events: 2_000,
    };
    let summary = sendscope_demo::generate::<Box<dyn std::error::Error>>(&spec, &mut |batch| {
        s.append(&batch).map(|_| ()).map_err(Into::into)
    })
    .expect("demo");
    let h = s.headline().expect("h");
    assert_eq!(h.events, summary.events);
    assert_eq!(h.areas[0].plans_in_place, summary.plans_in_place);
    assert_eq!(verify(s.as_ref()).expect("v").first_break, None);
    // The parental-responsibility index: every parent's list is exactly the cases naming
    // them with parental responsibility, before and after a rebuild.
    let area = sendscope_domain::ids::AreaId::parse(&h.areas[0].area_id).expect("area");
    let everyone = all_cases(
        s.as_ref(),
        CaseQuery {
            area: Some(area),
            limit: 500,
            ..Default::default()
        },
    );
    let mut expected: std::collections::BTreeMap<sendscope_domain::ids::PersonId, Vec<CaseId>> =
        Default::default();
    for r in &everyone {
        let p = s
            .projection(StreamRef::case(r.case))
            .expect("read")
            .expect("case");
        for rel in &p.case().expect("case").related {
            if rel.parental_responsibility {
                expected.entry(rel.person).or_default().push(r.case);
            }
        }
    }
    assert!(expected.len() > 100, "{} parents", expected.len());
    let lists = |s: &dyn Store| -> Vec<Vec<CaseId>> {
        expected
            .keys()
            .map(|person| {
                all_cases(
                    s,
                    CaseQuery {
                        area: Some(area),
                        person: Some(*person),
                        limit: 500,
                        ..Default::default()
                    },
                )
                .iter()
                .map(|r| r.case)
                .collect()
            })
            .collect()
    };
    let before = lists(s.as_ref());
    assert_eq!(before, expected.values().cloned().collect::<Vec<_>>());
    assert_rebuild_identical(s.as_ref());
    assert_eq!(lists(s.as_ref()), before, "the same after a rebuild");
}

/// A database made before the projections changed (schema 9: no phase transfers worked
/// out from the date of birth) has them rebuilt when it is opened: its stale projections,
/// tampered here to stand for the old ones, are made again from the events.
fn an_older_database_has_its_projections_rebuilt_when_opened(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()).expect("opening");
    s.append(&f.through_final()).expect("to the final plan");
    let fresh = dump(s.as_ref());
    drop(s);
    b.raw(&db.url, "DELETE FROM schema_version WHERE version >= 10")
        .expect("raw");
    // Back to schema 9: version 11's columns and table, and version 12's and 13's
    // tables, gone.
    for sql in [
        "DROP TABLE documents",
        "DROP TABLE document_refs",
        "ALTER TABLE credentials DROP COLUMN totp_secret",
        "ALTER TABLE credentials DROP COLUMN totp_last_step",
        "ALTER TABLE sessions DROP COLUMN stage",
        "ALTER TABLE sessions DROP COLUMN idle_seconds",
        "ALTER TABLE sessions DROP COLUMN last_seen_at",
        "ALTER TABLE api_tokens DROP COLUMN expires_at",
    ] {
        b.raw(&db.url, sql).expect("raw");
    }
    if matches!(b, Backend::Postgres) {
        b.raw(&db.url, "DROP TABLE sign_in_log").expect("raw");
    }
    b.raw(&db.url, "DELETE FROM case_index").expect("raw");
    let s = open(&db);
    assert_eq!(dump(s.as_ref()), fresh, "rebuilt at open");
    drop(s);
    // Opened again at the current schema: nothing to rebuild, nothing changed.
    let s = open(&db);
    assert_eq!(dump(s.as_ref()), fresh);
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name(super::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name(super::Backend::Postgres) } )*
        }
    };
}

contract!(
    appends_and_projects,
    refuses_invalid_steps_and_writes_nothing,
    corrections_voids_merges_and_erasure,
    tampering_is_detected_and_named,
    events_are_append_only,
    refuses_a_newer_schema,
    an_older_database_has_its_projections_rebuilt_when_opened,
    demo_projections_match_rebuild,
    concurrent_writers_keep_one_chain,
    writes_together_are_each_all_or_nothing,
    documents_are_kept_with_their_event,
    case_list_searches_filters_and_pages,
    accounts_keep_passwords_out_of_the_log,
    access_log_is_append_only,
    two_factor_idle_sessions_and_the_sign_in_log,
);

#[test]
fn same_seed_same_area_on_sqlite_and_postgres() {
    let spec = sendscope_demo::DemoSpec {
        plans: 120,
        seed: 11,
        as_of: d(2026, 1, 15),
        batch_events: 3_000,
    };
    let mut exports = Vec::new();
    let mut lists = Vec::new();
    for b in [Backend::Sqlite, Backend::Postgres] {
        let db = b.fresh();
        let s = open(&db);
        sendscope_demo::generate::<Box<dyn std::error::Error>>(&spec, &mut |batch| {
            s.append(&batch).map(|_| ()).map_err(Into::into)
        })
        .expect("demo");
        let mut out = Vec::new();
        export_events(s.as_ref(), ExportFormat::Jsonl, &mut out).expect("export");
        exports.push(out);
        let area = s.headline().expect("h").areas[0]
            .area_id
            .parse()
            .map(AreaId)
            .expect("area id");
        lists.push(all_cases(
            s.as_ref(),
            CaseQuery {
                area: Some(area),
                limit: 50,
                ..Default::default()
            },
        ));
    }
    assert!(exports[0].len() > 10_000);
    assert!(
        exports[0] == exports[1],
        "the exported histories differ between SQLite and PostgreSQL"
    );
}

/// Several writers at once (threads with their own store handles, as separate processes
/// would be): every append lands, sequence numbers are gap-free and the chain verifies.
fn concurrent_writers_keep_one_chain(b: Backend) {
    let db = b.fresh();
    let setup = open(&db);
    let fixtures: Vec<Fixture> = (0..4).map(|_| Fixture::new()).collect();
    drop(setup);
    std::thread::scope(|scope| {
        for f in &fixtures {
            let url = db.url.clone();
            scope.spawn(move || {
                let s = sendscope_store::open(&url).expect("opens");
                let mut opening = f.opening();
                opening.remove(0); // the area is created below, once per fixture
                let area = f.ev(
                    StreamRef::area(f.area),
                    d(2025, 1, 1),
                    EventBody::AreaCreated(AreaCreated {
                        la_code: LaCode::parse("831").expect("la"),
                        name: "A".into(),
                    }),
                );
                s.append(&[area]).expect("area");
                for e in opening.into_iter().chain(f.through_final()) {
                    s.append(&[e]).expect("append");
                }
            });
        }
    });
    let s = open(&db);
    let r = verify(s.as_ref()).expect("verify");
    assert_eq!((r.events, r.first_break), (4 * 6, None));
    for f in &fixtures {
        assert_eq!(stage(s.as_ref(), f), Stage::PlanInPlace);
    }
}

/// A document's content is kept with its event, both or neither.
fn documents_are_kept_with_their_event(b: Backend) {
    use sendscope_domain::documents::{DocumentKind, MediaType};
    use sha2::Digest;
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()).expect("opening");
    let added = |content: &[u8], title: &str| {
        f.case_ev(
            d(2025, 2, 1),
            EventBody::DocumentAdded(DocumentAdded {
                sha256: hex::encode(sha2::Sha256::digest(content)),
                file_name: "advice.pdf".into(),
                media_type: MediaType::Pdf,
                size: content.len() as u64,
                title: title.into(),
                kind: DocumentKind::Advice,
                on: d(2025, 2, 1),
            }),
        )
    };
    let key = |content: &[u8]| -> [u8; 32] { sha2::Sha256::digest(content).into() };
    let kept = b"%PDF-1.4 kept";
    s.add_document(kept, &[added(kept, "Health advice")])
        .expect("added");
    assert_eq!(s.document(&key(kept)).expect("read"), Some(kept.to_vec()));
    // Refused by the rules (no title): neither the event nor the content is kept.
    let refused = b"%PDF-1.4 refused";
    assert!(s.add_document(refused, &[added(refused, " ")]).is_err());
    assert_eq!(s.document(&key(refused)).expect("read"), None);
    assert_eq!(s.headline().expect("h").events, 4);
}

/// A guard that says yes only when the case has reached `want`, as this write sees it.
fn guard_on_stage(case: CaseId, want: Stage) -> Box<sendscope_store::Guard> {
    Box::new(move |read: &mut sendscope_store::Read<'_>| {
        let at = read(StreamRef::case(case))?
            .and_then(|p| p.case_index())
            .map(|c| c.stage);
        if at == Some(want) {
            Ok(())
        } else {
            Err(StoreError::Domain(DomainError::Refused(format!(
                "the case is at {at:?}, not {want:?}"
            ))))
        }
    })
}

/// Writes made together (group commit) are each all or nothing: a refused one writes
/// nothing of its own and the rest are written; each sees what those before it wrote.
fn writes_together_are_each_all_or_nothing(b: Backend) {
    use sendscope_store::GuardedWrite;
    let db = b.fresh();
    let s = open(&db);
    let (f, g, h) = (Fixture::new(), Fixture::new(), Fixture::new());
    let mut final_first = f.through_final();
    final_first.remove(1); // a final plan before its draft
    let write = |events: Vec<NewEvent>, guard| GuardedWrite { events, guard };
    let answers = s.append_together(vec![
        write(f.opening(), None),
        write(final_first, None),
        write(f.through_final(), None),
        // Sees f's plan, written two writes before in the same transaction.
        write(
            g.opening(),
            Some(guard_on_stage(f.case, Stage::PlanInPlace)),
        ),
        // Refused by its guard: h's case does not exist yet.
        write(
            h.through_final(),
            Some(guard_on_stage(h.case, Stage::RequestReceived)),
        ),
        write(h.opening(), None),
    ]);
    let outcome: Vec<Result<Vec<u64>, String>> = answers
        .into_iter()
        .map(|a| a.map_err(|e| e.to_string()))
        .collect();
    assert_eq!(outcome[0], Ok(vec![1, 2, 3]));
    assert!(
        matches!(&outcome[1], Err(m) if m.contains("draft")),
        "{:?}",
        outcome[1]
    );
    assert_eq!(outcome[2], Ok(vec![4, 5, 6]));
    assert_eq!(outcome[3], Ok(vec![7, 8, 9]));
    assert!(
        matches!(&outcome[4], Err(m) if m.contains("not RequestReceived")),
        "{:?}",
        outcome[4]
    );
    assert_eq!(outcome[5], Ok(vec![10, 11, 12]));
    let r = verify(s.as_ref()).expect("verify");
    assert_eq!((r.events, r.first_break), (12, None));
    assert_eq!(stage(s.as_ref(), &f), Stage::PlanInPlace);
    assert_eq!(stage(s.as_ref(), &g), Stage::RequestReceived);
    assert_eq!(stage(s.as_ref(), &h), Stage::RequestReceived);
    assert_rebuild_identical(s.as_ref());

    // Many writers on one store at once, their appends combined: every accepted write is
    // in the chain and every refused one left no trace.
    let s: std::sync::Arc<dyn Store> = std::sync::Arc::from(s);
    let fixtures: Vec<Fixture> = (0..24).map(|_| Fixture::new()).collect();
    let accepted = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for (i, f) in fixtures.iter().enumerate() {
            let (s, accepted) = (s.clone(), &accepted);
            scope.spawn(move || {
                let mut steps = vec![f.opening()];
                steps.extend(f.through_final().into_iter().map(|e| vec![e]));
                for (n, step) in steps.into_iter().enumerate() {
                    // Every third writer sends its final plan twice: the second is refused.
                    let twice = i % 3 == 0 && n == 3;
                    let events = step.len() as u64;
                    s.append(&step).expect("a valid step is written");
                    accepted.fetch_add(events, std::sync::atomic::Ordering::Relaxed);
                    if twice {
                        assert!(s.append(&step).is_err(), "a second final plan is refused");
                    }
                }
            });
        }
    });
    let r = verify(s.as_ref()).expect("verify");
    let accepted = accepted.into_inner();
    assert_eq!((r.events, r.first_break), (12 + accepted, None));
    assert_eq!(accepted, 24 * 6);
    for f in &fixtures {
        assert_eq!(stage(s.as_ref(), f), Stage::PlanInPlace);
    }
    assert_rebuild_identical(s.as_ref());
}

fn all_cases(s: &dyn Store, mut q: CaseQuery) -> Vec<CaseRow> {
    let mut rows = Vec::new();
    loop {
        let page = s.list_cases(&q).expect("list");
        rows.extend(page.rows);
        match page.next {
            Some(next) => q.after = Some(next),
            None => return rows,
        }
    }
}

fn case_list_searches_filters_and_pages(b: Backend) {
    let db = b.fresh();
    let s = open(&db);
    let spec = sendscope_demo::DemoSpec {
        plans: 150,
        seed: 9,
        as_of: d(2026, 1, 15),
        batch_events: 5_000,
    };
    let summary = sendscope_demo::generate::<Box<dyn std::error::Error>>(&spec, &mut |batch| {
        s.append(&batch).map(|_| ()).map_err(Into::into)
    })
    .expect("demo");
    let area = s.headline().expect("h").areas[0]
        .area_id
        .parse()
        .map(AreaId)
        .expect("area id");
    let q = CaseQuery {
        area: Some(area),
        limit: 37,
        ..Default::default()
    };
    let everyone = all_cases(s.as_ref(), q.clone());
    let cases_in_dump = dump(s.as_ref())
        .iter()
        .filter(|l| l.split('\t').nth(1) == Some("case"))
        .count();
    assert_eq!(everyone.len(), cases_in_dump);
    let keys: Vec<String> = everyone
        .iter()
        .map(|r| sendscope_domain::projection::sort_key(&r.family_name, &r.given_names))
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] <= w[1]),
        "name order across pages"
    );

    let in_place = all_cases(
        s.as_ref(),
        CaseQuery {
            stage: Some(Stage::PlanInPlace),
            ..q.clone()
        },
    );
    assert_eq!(in_place.len() as u64, summary.plans_in_place);
    assert!(
        in_place
            .iter()
            .all(|r| r.stage == Stage::PlanInPlace && r.primary_need.is_some())
    );

    let family = everyone[everyone.len() / 2].family_name.clone();
    let named = all_cases(
        s.as_ref(),
        CaseQuery {
            name: Some(family.to_uppercase()),
            ..q.clone()
        },
    );
    assert_eq!(
        named.len(),
        everyone.iter().filter(|r| r.family_name == family).count()
    );
    let one = &named[0];
    let full = format!("{}, {}", one.family_name, one.given_names);
    assert!(
        all_cases(
            s.as_ref(),
            CaseQuery {
                name: Some(full),
                ..q.clone()
            }
        )
        .contains(one)
    );

    let with_upn = everyone.iter().find(|r| r.upn.is_some()).expect("a UPN");
    let by_upn = all_cases(
        s.as_ref(),
        CaseQuery {
            upn: with_upn.upn.clone(),
            ..q.clone()
        },
    );
    assert!(by_upn.contains(with_upn));
    let by_id = all_cases(
        s.as_ref(),
        CaseQuery {
            case: Some(with_upn.case),
            ..q.clone()
        },
    );
    assert_eq!(by_id, vec![with_upn.clone()]);

    let worker = everyone
        .iter()
        .find_map(|r| r.caseworker)
        .expect("a caseworker");
    let theirs = all_cases(
        s.as_ref(),
        CaseQuery {
            caseworker: Some(worker),
            ..q.clone()
        },
    );
    assert_eq!(
        theirs.len(),
        everyone
            .iter()
            .filter(|r| r.caseworker == Some(worker))
            .count()
    );
    let need = in_place[0].primary_need.expect("need");
    let with_need = all_cases(
        s.as_ref(),
        CaseQuery {
            need: Some(need),
            stage: Some(Stage::PlanInPlace),
            ..q.clone()
        },
    );
    assert_eq!(
        with_need.len(),
        in_place
            .iter()
            .filter(|r| r.primary_need == Some(need))
            .count()
    );

    assert!(matches!(
        s.list_cases(&CaseQuery {
            after: Some("zz".into()),
            ..q.clone()
        }),
        Err(StoreError::BadQuery(_))
    ));
    assert!(matches!(
        s.list_cases(&CaseQuery {
            area: None,
            ..q.clone()
        }),
        Err(StoreError::BadQuery(_))
    ));
    assert!(matches!(
        s.list_cases(&CaseQuery { limit: 0, ..q }),
        Err(StoreError::BadQuery(_))
    ));
}

fn accounts_keep_passwords_out_of_the_log(b: Backend) {
    use sendscope_domain::PreparedEvent;
    use sendscope_domain::access::Role;
    use sendscope_domain::account::{Username, hash_password, verify_password};
    use sendscope_store::NewCredentials;
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()[..1]).expect("area");
    let username = Username::parse("caseworker").expect("name");
    let account = AccountId::new_random();
    let events = |account: AccountId| -> Vec<PreparedEvent> {
        let created = EventBody::AccountCreated(AccountCreated {
            username: username.clone(),
            role: Role::Caseworker,
            links: AccountLinks::default(),
        });
        [
            created,
            EventBody::AccountPasswordSet(DatedOnly { on: d(2025, 1, 2) }),
        ]
        .into_iter()
        .map(|body| {
            PreparedEvent::new(f.ev(StreamRef::account(account), d(2025, 1, 2), body))
                .expect("prepared")
        })
        .collect()
    };
    let hash = hash_password("correct horse battery", [3; 16]).expect("hash");
    let creds = NewCredentials {
        username: username.clone(),
        account,
        area: f.area,
        password_hash: hash.clone(),
    };
    s.create_account(&events(account), &creds).expect("created");
    let stored = s.credentials(&username).expect("read").expect("exists");
    assert_eq!(
        (
            stored.account,
            stored.area,
            stored.failed_attempts,
            stored.locked_until
        ),
        (account, f.area, 0, None)
    );
    assert!(verify_password(
        "correct horse battery",
        &stored.password_hash
    ));
    let mut log = Vec::new();
    export_events(s.as_ref(), ExportFormat::Jsonl, &mut log).expect("export");
    let log = String::from_utf8(log).expect("utf8");
    assert!(
        log.contains("account.password_set") && !log.contains("argon2"),
        "no password hash in the event log"
    );
    // The same username again: refused, and nothing written.
    let before = s.headline().expect("h").events;
    let again = NewCredentials {
        account: AccountId::new_random(),
        ..creds
    };
    assert!(matches!(
        s.create_account(&events(again.account), &again),
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.headline().expect("h").events, before);
    // Five failures lock the account; a success clears the count.
    let now = sendscope_domain::Instant::parse("2025-01-06T09:00:00Z").expect("instant");
    for _ in 0..5 {
        s.record_sign_in(&username, false, now).expect("recorded");
    }
    let locked = s.credentials(&username).expect("read").expect("exists");
    assert_eq!(locked.failed_attempts, 5);
    assert_eq!(
        locked.locked_until.map(|t| t.micros() - now.micros()),
        Some(60_000_000)
    );
    s.record_sign_in(&username, true, now).expect("recorded");
    let cleared = s.credentials(&username).expect("read").expect("exists");
    assert_eq!((cleared.failed_attempts, cleared.locked_until), (0, None));
    assert_eq!(
        s.credentials(&Username::parse("nobody").expect("name"))
            .expect("read"),
        None
    );
    // Sessions: found while current, gone once expired or ended.
    let later = sendscope_domain::Instant::parse("2025-01-06T17:00:00Z").expect("instant");
    let session = sendscope_store::Session {
        token_sha256: [9; 32],
        username: username.clone(),
        csrf: "c".into(),
        created_at: now,
        expires_at: later,
        stage: sendscope_store::SessionStage::SignedIn,
        last_seen_at: now,
        idle_seconds: 30 * 3600,
    };
    s.create_session(&session).expect("session");
    assert_eq!(
        s.session(&[9; 32], now).expect("read"),
        Some(session.clone())
    );
    assert_eq!(s.session(&[9; 32], later).expect("read"), None);
    assert_eq!(s.session(&[8; 32], now).expect("read"), None);
    s.delete_session(&[9; 32]).expect("deleted");
    assert_eq!(s.session(&[9; 32], now).expect("read"), None);
    // A new password: its event and the hash together; failures forgotten, sessions
    // ended; an unknown account changes nothing.
    s.create_session(&session).expect("session");
    for _ in 0..3 {
        s.record_sign_in(&username, false, now).expect("recorded");
    }
    let set = |account| {
        vec![
            PreparedEvent::new(f.ev(
                StreamRef::account(account),
                d(2025, 1, 6),
                EventBody::AccountPasswordSet(DatedOnly { on: d(2025, 1, 6) }),
            ))
            .expect("prepared"),
        ]
    };
    let new_hash = hash_password("a new long passphrase", [4; 16]).expect("hash");
    s.set_password(&set(account), &username, &new_hash)
        .expect("password set");
    let reset = s.credentials(&username).expect("read").expect("exists");
    assert!(verify_password(
        "a new long passphrase",
        &reset.password_hash
    ));
    assert_eq!((reset.failed_attempts, reset.locked_until), (0, None));
    assert_eq!(s.session(&[9; 32], now).expect("read"), None, "signed out");
    let before = s.headline().expect("h").events;
    assert!(matches!(
        s.set_password(
            &set(AccountId::new_random()),
            &Username::parse("nobody").expect("name"),
            &new_hash
        ),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.headline().expect("h").events, before, "nothing written");
    // API tokens: the event and the digest together; revoking twice is refused and
    // changes nothing; an unknown token is refused.
    use sendscope_domain::account::{NewApiToken, TokenId};
    use sendscope_domain::event::{TokenIssued, TokenRevoked};
    let new = NewApiToken::from_random([1, 2, 3, 4, 5, 6], [7; 32]);
    let on_account = |body| {
        vec![
            PreparedEvent::new(f.ev(StreamRef::account(account), d(2025, 1, 6), body))
                .expect("prepared"),
        ]
    };
    let token = sendscope_store::ApiToken {
        id: new.id.clone(),
        username: username.clone(),
        label: "case management system".into(),
        created_at: now,
        revoked_at: None,
        expires_at: Some(later),
    };
    s.issue_token(
        &on_account(EventBody::TokenIssued(TokenIssued {
            token_id: new.id.clone(),
            label: token.label.clone(),
            on: d(2025, 1, 6),
            expires_on: Some(d(2025, 1, 6)),
        })),
        &token,
        &new.sha256(),
    )
    .expect("issued");
    assert_eq!(
        s.api_token(&new.sha256()).expect("read"),
        Some(token.clone())
    );
    assert_eq!(s.api_token(&[0; 32]).expect("read"), None);
    assert_eq!(s.api_tokens().expect("list"), vec![token.clone()]);
    let revoke = |id: &TokenId| {
        s.revoke_token(
            &on_account(EventBody::TokenRevoked(TokenRevoked {
                token_id: id.clone(),
                on: d(2025, 1, 7),
            })),
            id,
            later,
        )
    };
    revoke(&new.id).expect("revoked");
    let revoked = s.api_token(&new.sha256()).expect("read").expect("kept");
    assert_eq!(revoked.revoked_at, Some(later));
    let events_before = s.headline().expect("h").events;
    assert!(matches!(revoke(&new.id), Err(StoreError::Domain(_))));
    assert!(matches!(
        revoke(&TokenId::parse("0000000000ff").expect("id")),
        Err(StoreError::Domain(_))
    ));
    assert_eq!(s.headline().expect("h").events, events_before);
    let log = {
        let mut v = Vec::new();
        export_events(s.as_ref(), ExportFormat::Jsonl, &mut v).expect("export");
        String::from_utf8(v).expect("utf8")
    };
    assert!(log.contains("account.token_revoked") && !log.contains(&new.secret[20..]));
    assert_rebuild_identical(s.as_ref());
}

fn access_log_is_append_only(b: Backend) {
    use sendscope_store::AccessEntry;
    let db = b.fresh();
    let s = open(&db);
    let case = CaseId::new_random();
    let at = sendscope_domain::Instant::parse("2025-01-06T09:00:00Z").expect("instant");
    let entry = |who: &str, via: &str| AccessEntry {
        at,
        username: who.into(),
        role: "caseworker".into(),
        case,
        via: via.into(),
    };
    s.log_access(&entry("caseworker", "page /cases/x"))
        .expect("logged");
    s.log_access(&entry("manager", "api")).expect("logged");
    assert_eq!(
        s.accesses(case, 10).expect("read"),
        vec![
            entry("manager", "api"),
            entry("caseworker", "page /cases/x")
        ]
    );
    assert_eq!(
        s.accesses(case, 1).expect("read"),
        vec![entry("manager", "api")],
        "newest first, at most the limit"
    );
    assert!(
        s.accesses(CaseId::new_random(), 10)
            .expect("read")
            .is_empty()
    );
    drop(s);
    // SQLite keeps the access log in its own file, attached as `audit`.
    let table = match b {
        Backend::Sqlite => "audit.access_log",
        Backend::Postgres => "access_log",
    };
    for sql in [
        format!("UPDATE {table} SET username = 'nobody'"),
        format!("DELETE FROM {table}"),
    ] {
        let e = b.raw(&db.url, &sql).expect_err("refused");
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    assert!(
        b.raw(&db.url, &format!("SELECT count(*) FROM {table}"))
            .is_ok()
    );
}

/// A second factor is set with its event and ends the account's other sessions; a TOTP
/// step is accepted once; a session waits at its stage and ends when idle; the sign-in log
/// keeps every entry and refuses changes.
fn two_factor_idle_sessions_and_the_sign_in_log(b: Backend) {
    use sendscope_domain::PreparedEvent;
    use sendscope_domain::access::Role;
    use sendscope_domain::account::{Username, hash_password};
    use sendscope_store::{NewCredentials, SecurityEntry, Session, SessionStage};
    let db = b.fresh();
    let s = open(&db);
    let f = Fixture::new();
    s.append(&f.opening()[..1]).expect("area");
    let username = Username::parse("manager").expect("name");
    let account = AccountId::new_random();
    let ev = |body| {
        PreparedEvent::new(f.ev(StreamRef::account(account), d(2025, 1, 2), body))
            .expect("prepared")
    };
    let created = EventBody::AccountCreated(AccountCreated {
        username: username.clone(),
        role: Role::Admin,
        links: AccountLinks::default(),
    });
    let creds = NewCredentials {
        username: username.clone(),
        account,
        area: f.area,
        password_hash: hash_password("correct horse battery", [3; 16]).expect("hash"),
    };
    s.create_account(&[ev(created)], &creds).expect("created");
    let now = sendscope_domain::Instant::parse("2025-01-06T09:00:00Z").expect("instant");
    let at = |mins: i64| {
        sendscope_domain::Instant::from_micros(now.micros() + mins * 60_000_000).expect("t")
    };
    let session = |token: u8, stage| Session {
        token_sha256: [token; 32],
        username: username.clone(),
        csrf: "c".into(),
        created_at: now,
        expires_at: at(480),
        stage,
        last_seen_at: now,
        idle_seconds: 30 * 60,
    };
    s.create_session(&session(1, SessionStage::Code))
        .expect("session");
    s.create_session(&session(2, SessionStage::SignedIn))
        .expect("session");
    let read = |t: u8, when| s.session(&[t; 32], when).expect("read");
    assert_eq!(read(1, now).map(|x| x.stage), Some(SessionStage::Code));
    s.set_session_stage(&[1; 32], SessionStage::SignedIn, "new")
        .expect("staged");
    let moved = read(1, now).expect("there");
    assert_eq!(
        (moved.stage, moved.csrf.as_str()),
        (SessionStage::SignedIn, "new")
    );
    // Idle: gone after 31 minutes unused, kept when touched at 20.
    assert_eq!(read(2, at(31)), None);
    s.touch_session(&[2; 32], at(20)).expect("touched");
    assert!(read(2, at(31)).is_some());
    assert_eq!(read(2, at(51)), None);
    // The second factor: its event and the secret together; the other sessions end.
    let before = s.headline().expect("h").events;
    s.set_two_factor(
        &[ev(EventBody::TwoFactorEnrolled(DatedOnly {
            on: d(2025, 1, 6),
        }))],
        &username,
        Some(&[5; 20]),
        &[1; 32],
    )
    .expect("set");
    assert_eq!(s.headline().expect("h").events, before + 1);
    let c = s.credentials(&username).expect("read").expect("there");
    assert_eq!((c.totp_secret, c.totp_last_step), (Some([5; 20]), None));
    assert!(read(1, now).is_some(), "the session that set it up stays");
    s.create_session(&session(3, SessionStage::SignedIn))
        .expect("session");
    // A step once, and only a later one after it.
    assert!(s.use_totp_step(&username, 100).expect("step"));
    assert!(!s.use_totp_step(&username, 100).expect("step"));
    assert!(!s.use_totp_step(&username, 99).expect("step"));
    assert!(s.use_totp_step(&username, 101).expect("step"));
    // Removed (a lost phone): every session ends.
    s.set_two_factor(
        &[ev(EventBody::TwoFactorRemoved(DatedOnly {
            on: d(2025, 1, 7),
        }))],
        &username,
        None,
        &[0; 32],
    )
    .expect("removed");
    assert_eq!(
        s.credentials(&username)
            .expect("read")
            .expect("there")
            .totp_secret,
        None
    );
    assert_eq!((read(1, now), read(3, now)), (None, None));
    // An unknown account: nothing written.
    let before = s.headline().expect("h").events;
    assert!(matches!(
        s.set_two_factor(&[], &Username::parse("nobody").expect("n"), None, &[0; 32]),
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(s.headline().expect("h").events, before);
    // The sign-in log: newest first, by account or all.
    let entry = |u: &str, what: &str, t| SecurityEntry {
        at: t,
        username: u.into(),
        what: what.into(),
        source: "127.0.0.1".into(),
    };
    s.log_security(&[
        entry("manager", "signed in", now),
        entry("someone", "wrong username or password", at(1)),
    ])
    .expect("logged");
    s.log_security(&[entry("manager", "signed out", at(2))])
        .expect("logged");
    let all = s.security_log(None, 10).expect("read");
    assert_eq!(
        all.iter().map(|e| e.what.as_str()).collect::<Vec<_>>(),
        ["signed out", "wrong username or password", "signed in"]
    );
    assert_eq!(all[2], entry("manager", "signed in", now));
    assert_eq!(s.security_log(Some("manager"), 10).expect("read").len(), 2);
    assert_eq!(s.security_log(None, 1).expect("read").len(), 1);
    drop(s);
    let table = match b {
        Backend::Sqlite => "audit.sign_in_log",
        Backend::Postgres => "sign_in_log",
    };
    for sql in [
        format!("UPDATE {table} SET what = 'nothing'"),
        format!("DELETE FROM {table}"),
    ] {
        let e = b.raw(&db.url, &sql).expect_err("refused");
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
}

/// TLS to PostgreSQL as the URL's sslmode asks (the test server offers TLS with its own
/// self-signed certificate, as Debian sets it up): `require` connects encrypted;
/// `verify-full` refuses a certificate no trusted authority signed, saying so; `disable`
/// connects plain; an sslmode that is not one is refused before connecting.
#[test]
fn postgres_tls_as_sslmode_asks() {
    let url = sendscope_store::testing::fresh_pg_database().expect("database");
    let db = url.rsplit('/').next().expect("name").to_string();
    let encrypted = |want: bool| -> i64 {
        let mut c = ::postgres::Client::connect(&url, ::postgres::NoTls).expect("connect");
        c.query_one(
            "SELECT count(*) FROM pg_stat_ssl JOIN pg_stat_activity USING (pid) \
             WHERE datname = $1 AND ssl = $2 AND pid <> pg_backend_pid()",
            &[&db.as_str(), &want],
        )
        .expect("query")
        .get(0)
    };
    let s = sendscope_store::open(&format!("{url}?sslmode=require")).expect("opens over TLS");
    s.headline().expect("reads");
    assert!(encrypted(true) >= 1, "the pooled connection is encrypted");
    assert_eq!(encrypted(false), 0, "and none is plain");
    drop(s);
    let e = sendscope_store::open(&format!("{url}?sslmode=verify-full"))
        .err()
        .expect("an untrusted certificate is refused")
        .to_string();
    assert!(e.to_lowercase().contains("certificate"), "{e}");
    let s = sendscope_store::open(&format!("{url}?sslmode=disable")).expect("opens plain");
    s.headline().expect("reads");
    drop(s);
    let e = sendscope_store::open(&format!("{url}?sslmode=sometimes"))
        .err()
        .expect("refused")
        .to_string();
    assert!(e.contains("sslmode=sometimes"), "{e}");
}
