//! The embedded SQLite store (WAL). One writer connection; reads from a small pool.

mod documents;
mod security;

use crate::cases::{self, CasePage, CaseQuery};
use crate::pool::Pool;
use crate::tx::{self, ProjectionRow, StreamRow, Tx};
use crate::{AccessEntry, ApiToken, Guard, SecurityEntry, Session, SessionStage};
use crate::{
    AreaHeadline, Credentials, Headline, NewCredentials, RebuildReport, Result, Store, StoreError,
    migrations,
};
use crate::{EVENT_COLUMNS, hash32};
use rusqlite::{
    Connection, OpenFlags, OptionalExtension, Transaction, TransactionBehavior, params,
};
use sendscope_domain::account::{TokenId, Username};
use sendscope_domain::ids::AccountId;
use sendscope_domain::ids::AreaId;
use sendscope_domain::ids::CaseId;
use sendscope_domain::{
    Instant, NewEvent, PreparedEvent, Projection, RecordedEvent, StreamKind, StreamRef,
};
use std::collections::BTreeMap;
use uuid::Uuid;

pub struct SqliteStore {
    path: String,
    /// The one writer connection, taken in turn (first come, first served).
    writer: Pool<Connection>,
    readers: Pool<Connection>,
    /// Small appends arriving together are written in one transaction.
    combiner: crate::combine::Combiner,
    /// Tells the checkpointer thread to stop when the store is dropped.
    checkpointer: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        if let Some((stop, thread)) = self.checkpointer.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

/// Copies committed pages from the WAL into the database a few times a second, on its
/// own connection, so that writers never do it in their commit (SQLite's automatic
/// checkpoint runs inside the commit that crosses the threshold; with 64 KiB pages
/// that stalled every writer, and every page view waiting to be logged, for about a
/// second). PASSIVE: it never blocks readers or writers.
fn start_checkpointer(
    path: &str,
) -> Result<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)> {
    let conn = connect(path, 2_048)?;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("sqlite-checkpoint".into())
        .spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                stopped.recv_timeout(std::time::Duration::from_millis(250))
            {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                    eprintln!("WAL checkpoint failed (it will be retried): {e}");
                }
            }
        })
        .map_err(|e| unreachable(path, e))?;
    Ok((stop, thread))
}

fn unreachable(path: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unreachable {
        target: format!("sqlite://{path}"),
        detail: e.to_string(),
    }
}

/// The access log's own file, beside the database (see migration 0007).
pub fn access_log_path(path: &str) -> String {
    format!("{path}-access-log")
}

/// Creates the database and its access log, when they are not there yet, readable and
/// writable by their owner only (0600): children's records are not for every account on
/// the machine. SQLite gives its journal files the database's permissions.
fn create_private(path: &str) -> Result<()> {
    if path.starts_with(":memory:") || path.starts_with("file:") {
        return Ok(());
    }
    for p in [path.to_string(), access_log_path(path)] {
        if std::path::Path::new(&p).exists() {
            continue;
        }
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
        match o.open(&p) {
            Ok(_) => {}
            // Made meanwhile by another process opening the same database.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(unreachable(&p, e)),
        }
    }
    Ok(())
}

fn connect(path: &str, cache_kib: i64) -> Result<Connection> {
    create_private(path)?;
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(|e| unreachable(path, e))?;
    conn.execute("ATTACH DATABASE ?1 AS audit", [access_log_path(path)])
        .map_err(|e| unreachable(&access_log_path(path), e))?;
    let mode: String = conn
        .query_row("PRAGMA audit.journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| unreachable(&access_log_path(path), e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(unreachable(
            &access_log_path(path),
            format!("could not switch to WAL journalling (got {mode})"),
        ));
    }
    // Larger pages suit long append-only tables; this only takes effect on a new file.
    conn.execute_batch("PRAGMA page_size=65536")
        .map_err(|e| unreachable(path, e))?;
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .map_err(|e| unreachable(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(unreachable(
            path,
            format!("could not switch to WAL journalling (got {mode})"),
        ));
    }
    conn.execute_batch(&format!(
        "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; PRAGMA cache_size=-{cache_kib}; \
         PRAGMA temp_store=MEMORY; PRAGMA wal_autocheckpoint=8192;"
    ))
    .map_err(|e| unreachable(path, e))?;
    // Query-planner stability: plans never depend on bound values. Without it, SQLite
    // marks some statements to be re-prepared whenever a parameter is bound anew, and
    // cached statements were re-parsed on nearly every use (a fifth of the web server's
    // CPU in the load benchmark).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(|e| unreachable(path, e))?;
    Ok(conn)
}

/// Runs the pending migrations; answers the schema version found before them.
fn migrate(conn: &mut Connection, path: &str) -> Result<i64> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| unreachable(path, e))?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")?;
    let found: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )?;
    tx.execute_batch(migrations::SQLITE_AUDIT_SCHEMA)?;
    let supported = migrations::latest(migrations::SQLITE);
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            target: format!("sqlite://{path}"),
            found,
            supported,
        });
    }
    for (v, sql) in migrations::SQLITE.iter().filter(|(v, _)| *v > found) {
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [v])?;
    }
    tx.commit()?;
    Ok(found)
}

/// Whether a database whose access log has its own file (schema 7 on) is here without
/// that file: a restore that left it behind, or a file removed. Such a store does not
/// open until someone says what happened (`start_new_access_log`).
fn access_log_lost(path: &str) -> Result<bool> {
    let db = std::path::Path::new(path);
    if path.starts_with(":memory:")
        || path.starts_with("file:")
        || !db.exists()
        || std::fs::metadata(db).map(|m| m.len()).unwrap_or(0) == 0
        || std::path::Path::new(&access_log_path(path)).exists()
    {
        return Ok(false);
    }
    let c = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| unreachable(path, e))?;
    let version: Option<i64> = c
        .query_row("SELECT MAX(version) FROM schema_version", [], |r| r.get(0))
        .optional()
        .ok()
        .flatten()
        .flatten();
    Ok(version.is_some_and(|v| v >= 7))
}

/// Starts a new, empty access log beside a database whose log is lost, its first entry
/// saying so and why (an entry for no child's record, by `system`). Refused when the log
/// is there.
pub fn start_new_access_log(path: &str, reason: &str) -> Result<()> {
    let log = access_log_path(path);
    if std::path::Path::new(&log).exists() {
        return Err(StoreError::Conflict(format!(
            "the access log {log} is there: nothing to do"
        )));
    }
    if reason.trim().is_empty() {
        return Err(StoreError::Conflict(
            "say what happened to the access log with --reason".into(),
        ));
    }
    create_private(path)?;
    let c = Connection::open(path).map_err(|e| unreachable(path, e))?;
    c.execute("ATTACH DATABASE ?1 AS audit", [&log])?;
    c.execute_batch(migrations::SQLITE_AUDIT_SCHEMA)?;
    c.execute(
        "INSERT INTO audit.access_log (at, username, role, case_id, via) VALUES (?1, 'system', 'system', ?2, ?3)",
        params![
            Instant::now().to_string(),
            Uuid::nil().to_string(),
            format!("a new access log begins here; the one before was lost: {}", reason.trim())
        ],
    )?;
    Ok(())
}

impl SqliteStore {
    pub fn open(path: &str) -> Result<Self> {
        if path.is_empty() {
            return Err(StoreError::BadUrl("sqlite://".into()));
        }
        if access_log_lost(path)? {
            return Err(StoreError::AccessLogMissing(access_log_path(path)));
        }
        let mut writer = connect(path, 1_572_864)?;
        let found = migrate(&mut writer, path)?;
        // Planner statistics, refreshed only where SQLite judges them stale (cheap at open).
        writer.execute_batch("PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002;")?;
        let store = SqliteStore {
            path: path.to_string(),
            writer: Pool::single(writer),
            readers: Pool::new(8),
            combiner: Default::default(),
            checkpointer: Some(start_checkpointer(path)?),
        };
        if migrations::needs_rebuild(found) {
            crate::Store::rebuild(&store)?;
        }
        Ok(store)
    }

    fn read<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        self.readers.with(
            || {
                let c = connect(&self.path, 65_536)?;
                // Readers map the file (up to SQLite's own ceiling) rather than copy
                // each page read out of the operating system's cache.
                c.execute_batch("PRAGMA mmap_size=17179869184")?;
                Ok(c)
            },
            f,
        )
    }

    fn write<T>(&self, f: impl FnOnce(&mut SqliteTx<'_>) -> Result<T>) -> Result<T> {
        self.writer.with(
            || connect(&self.path, 1_572_864),
            |conn| {
                let t = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut stx = SqliteTx { tx: t };
                let out = f(&mut stx)?;
                stx.tx.commit()?;
                Ok(out)
            },
        )
    }
}

struct SqliteTx<'c> {
    tx: Transaction<'c>,
}

fn decode_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<std::result::Result<(i64, RecordedEvent), String>> {
    let no: i64 = r.get(0)?;
    let kind: String = r.get(1)?;
    let stream_id: String = r.get(2)?;
    let area: String = r.get(3)?;
    let seq: i64 = r.get(4)?;
    let recorded_at: String = r.get(8)?;
    let effective: String = r.get(9)?;
    let parsed = (|| -> std::result::Result<RecordedEvent, String> {
        let bad = |what: &str| format!("event {seq} has an unreadable {what}");
        Ok(RecordedEvent {
            seq: seq as u64,
            stream: StreamRef {
                kind: StreamKind::parse(&kind).map_err(|_| bad("stream kind"))?,
                id: Uuid::parse_str(&stream_id).map_err(|_| bad("stream id"))?,
            },
            version: r.get::<_, i64>(5).map_err(|_| bad("version"))? as u32,
            area: AreaId::parse(&area).map_err(|_| bad("area"))?,
            event_type: r.get(6).map_err(|_| bad("event type"))?,
            actor: r.get(7).map_err(|_| bad("actor"))?,
            recorded_at: Instant::parse(&recorded_at).map_err(|_| bad("recorded-at instant"))?,
            effective_date: sendscope_domain::calendar::parse_date(&effective)
                .map_err(|_| bad("effective date"))?,
            reason: r.get(10).map_err(|_| bad("reason"))?,
            payload: r.get(11).map_err(|_| bad("payload"))?,
            payload_digest: hash32(r.get(12).map_err(|_| bad("payload digest"))?),
            hash: hash32(r.get(13).map_err(|_| bad("hash"))?),
        })
    })();
    Ok(parsed.map(|e| (no, e)))
}

fn collect_events(
    stmt: &mut rusqlite::Statement<'_>,
    params: impl rusqlite::Params,
) -> Result<Vec<(i64, RecordedEvent)>> {
    let rows = stmt.query_map(params, decode_row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?.map_err(StoreError::Corrupt)?);
    }
    Ok(out)
}

impl Tx for SqliteTx<'_> {
    fn head(&mut self) -> Result<(u64, [u8; 32])> {
        let (seq, hash): (i64, Vec<u8>) =
            self.tx
                .query_row("SELECT seq, hash FROM chain_head WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?;
        Ok((seq as u64, hash32(hash)))
    }
    fn set_head(&mut self, seq: u64, hash: &[u8; 32]) -> Result<()> {
        self.tx.execute(
            "UPDATE chain_head SET seq = ?1, hash = ?2 WHERE id = 1",
            params![seq as i64, &hash[..]],
        )?;
        Ok(())
    }
    fn max_stream_no(&mut self) -> Result<i64> {
        Ok(self
            .tx
            .query_row("SELECT COALESCE(MAX(stream_no), 0) FROM streams", [], |r| {
                r.get(0)
            })?)
    }
    fn find_stream(&mut self, id: Uuid) -> Result<Option<StreamRow>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT stream_no, kind, area_id FROM streams WHERE stream_id = ?1")?;
        let row: Option<(i64, String, String)> = st
            .query_row([id.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        row.map(|(no, kind, area)| {
            Ok(StreamRow {
                no,
                stream: StreamRef {
                    kind: StreamKind::parse(&kind)?,
                    id,
                },
                area: AreaId::parse(&area)?,
            })
        })
        .transpose()
    }
    fn insert_stream(&mut self, row: &StreamRow) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO streams (stream_no, stream_id, kind, area_id) VALUES (?1, ?2, ?3, ?4)",
        )?;
        st.execute(params![
            row.no,
            row.stream.id.to_string(),
            row.stream.kind.as_str(),
            row.area.to_string()
        ])?;
        Ok(())
    }
    fn load_projection(&mut self, no: i64) -> Result<Option<String>> {
        let mut st = self
            .tx
            .prepare_cached("SELECT state FROM projections WHERE stream_no = ?1")?;
        Ok(st.query_row([no], |r| r.get(0)).optional()?)
    }
    fn load_stream_events(&mut self, row: &StreamRow) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE e.stream_no = ?1 ORDER BY e.version"
        );
        let mut st = self.tx.prepare_cached(&sql)?;
        Ok(collect_events(&mut st, [row.no])?
            .into_iter()
            .map(|(_, e)| e)
            .collect())
    }
    fn insert_events(&mut self, rows: &[(i64, RecordedEvent)]) -> Result<()> {
        let mut st = self.tx.prepare_cached(
            "INSERT INTO events (seq, stream_no, version, event_type, actor, recorded_at, effective_date, reason, payload, payload_sha256, hash) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for (no, e) in rows {
            let at_bytes = e.recorded_at.canonical_bytes();
            let at_text = match &at_bytes {
                Some(b) => std::borrow::Cow::Borrowed(
                    std::str::from_utf8(b).map_err(|x| StoreError::Database(x.to_string()))?,
                ),
                None => std::borrow::Cow::Owned(e.recorded_at.to_string()),
            };
            st.execute(params![
                e.seq as i64,
                no,
                e.version,
                e.event_type,
                e.actor,
                at_text,
                sendscope_domain::calendar::date_text(e.effective_date),
                e.reason,
                e.payload,
                &e.payload_digest[..],
                &e.hash[..],
            ])?;
        }
        Ok(())
    }
    fn forget_documents(&mut self, stream: uuid::Uuid, shas: &[[u8; 32]]) -> Result<()> {
        documents::forget(&self.tx, stream, shas)
    }
    fn erase_payloads(&mut self, seqs: &[u64]) -> Result<()> {
        let mut st = self
            .tx
            .prepare_cached("UPDATE events SET payload = NULL WHERE seq = ?1")?;
        for s in seqs {
            st.execute([*s as i64])?;
        }
        Ok(())
    }
    fn save_projections(&mut self, rows: &[ProjectionRow<'_>]) -> Result<()> {
        let mut p = self.tx.prepare_cached(
            "INSERT INTO projections (stream_no, kind, area_id, state) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (stream_no) DO UPDATE SET kind = excluded.kind, area_id = excluded.area_id, state = excluded.state",
        )?;
        let mut c = self.tx.prepare_cached(
            "INSERT INTO case_index (stream_no, area_id, stage, family_name, given_names, upn, birth_date, primary_need, setting_id, caseworker_id, team_id, plan_start, sort_key, search_text) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) \
             ON CONFLICT (stream_no) DO UPDATE SET sort_key = excluded.sort_key, area_id = excluded.area_id, stage = excluded.stage, family_name = excluded.family_name, \
             given_names = excluded.given_names, upn = excluded.upn, birth_date = excluded.birth_date, primary_need = excluded.primary_need, \
             setting_id = excluded.setting_id, caseworker_id = excluded.caseworker_id, team_id = excluded.team_id, plan_start = excluded.plan_start, \
             search_text = excluded.search_text",
        )?;
        let mut forget = self
            .tx
            .prepare_cached("DELETE FROM case_people WHERE stream_no = ?1")?;
        let mut person = self
            .tx
            .prepare_cached("INSERT INTO case_people (person_id, stream_no) VALUES (?1, ?2)")?;
        for r in rows {
            if let Some(people) = &r.people {
                forget.execute([r.no])?;
                for x in people {
                    person.execute(params![x.to_string(), r.no])?;
                }
            }
            let area = r.projection.area.to_string();
            p.execute(params![
                r.no,
                r.projection.stream.kind.as_str(),
                area,
                r.json
            ])?;
            if let Some(ix) = &r.case_index {
                c.execute(params![
                    r.no,
                    area,
                    ix.stage.as_str(),
                    ix.family_name,
                    ix.given_names,
                    ix.upn,
                    ix.birth_date.map(|d| d.to_string()),
                    ix.primary_need.map(|n| n.code()),
                    ix.setting.map(|s| s.to_string()),
                    ix.caseworker.map(|s| s.to_string()),
                    ix.team.map(|s| s.to_string()),
                    ix.plan_start.map(|d| d.to_string()),
                    ix.sort_key,
                    ix.search_text,
                ])?;
            }
        }
        Ok(())
    }
    fn clear_projections(&mut self) -> Result<()> {
        self.tx.execute_batch(
            "DELETE FROM case_people; DELETE FROM case_index; DELETE FROM projections;",
        )?;
        Ok(())
    }
    fn events_by_stream_after(
        &mut self,
        no: i64,
        version: u32,
        limit: usize,
    ) -> Result<Vec<(i64, RecordedEvent)>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) \
             WHERE (e.stream_no, e.version) > (?1, ?2) ORDER BY e.stream_no, e.version LIMIT ?3"
        );
        let mut st = self.tx.prepare_cached(&sql)?;
        collect_events(&mut st, params![no, version, limit as i64])
    }
}

/// Runs a `SELECT area_id, key, COUNT(*) … GROUP BY …` query and adds each count to its area.
fn add_counts(
    c: &Connection,
    sql: &str,
    areas: &mut BTreeMap<String, AreaHeadline>,
    add: fn(&mut AreaHeadline, &str, u64),
) -> Result<()> {
    let mut st = c.prepare(sql)?;
    let mut rows = st.query([])?;
    while let Some(r) = rows.next()? {
        let (id, key, n): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if let Some(a) = areas.get_mut(&id) {
            add(a, &key, n as u64);
        }
    }
    Ok(())
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn create_account(&self, events: &[PreparedEvent], new: &NewCredentials) -> Result<Vec<u64>> {
        self.write(|t| {
            let taken: Option<i64> = t
                .tx
                .query_row("SELECT 1 FROM credentials WHERE username = ?1", [new.username.as_str()], |r| r.get(0))
                .optional()?;
            if taken.is_some() {
                return Err(crate::username_taken(&new.username));
            }
            let seqs = tx::append(t, events, None)?;
            t.tx.execute(
                "INSERT INTO credentials (username, account_id, area_id, password_hash) VALUES (?1, ?2, ?3, ?4)",
                params![new.username.as_str(), new.account.to_string(), new.area.to_string(), new.password_hash],
            )?;
            Ok(seqs)
        })
    }

    fn set_password(
        &self,
        events: &[PreparedEvent],
        username: &Username,
        hash: &str,
    ) -> Result<Vec<u64>> {
        self.write(|t| {
            let known: Option<i64> = t
                .tx
                .query_row("SELECT 1 FROM credentials WHERE username = ?1", [username.as_str()], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                return Err(crate::no_account(username));
            }
            let seqs = tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE credentials SET password_hash = ?2, failed_attempts = 0, locked_until = NULL WHERE username = ?1",
                params![username.as_str(), hash],
            )?;
            t.tx.execute("DELETE FROM sessions WHERE username = ?1", [username.as_str()])?;
            Ok(seqs)
        })
    }

    fn credentials(&self, username: &Username) -> Result<Option<Credentials>> {
        self.read(|c| {
            type Row = (String, String, String, i64, Option<String>, Option<Vec<u8>>, Option<i64>);
            let row: Option<Row> = c
                .query_row(
                    "SELECT account_id, area_id, password_hash, failed_attempts, locked_until, totp_secret, totp_last_step FROM credentials WHERE username = ?1",
                    [username.as_str()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                )
                .optional()?;
            row.map(|(account, area, hash, failed, locked, secret, step)| {
                Ok(Credentials {
                    account: AccountId::parse(&account)?,
                    area: AreaId::parse(&area)?,
                    password_hash: hash,
                    failed_attempts: failed.max(0) as u32,
                    locked_until: locked.map(|l| Instant::parse(&l)).transpose()?,
                    totp_secret: secret.and_then(|s| <[u8; 20]>::try_from(s.as_slice()).ok()),
                    totp_last_step: step.and_then(|s| u64::try_from(s).ok()),
                })
            })
            .transpose()
        })
    }

    fn record_sign_in(&self, username: &Username, succeeded: bool, now: Instant) -> Result<()> {
        self.write(|t| {
            let failed: Option<i64> = t
                .tx
                .query_row("SELECT failed_attempts FROM credentials WHERE username = ?1", [username.as_str()], |r| r.get(0))
                .optional()?;
            let Some(failed) = failed else { return Ok(()) };
            let (failures, locked) = crate::after_sign_in(failed, succeeded, now);
            t.tx.execute(
                "UPDATE credentials SET failed_attempts = ?1, locked_until = ?2 WHERE username = ?3",
                params![failures, locked.map(|l| l.to_string()), username.as_str()],
            )?;
            Ok(())
        })
    }

    fn create_session(&self, x: &Session) -> Result<()> {
        self.write(|t| {
            t.tx.execute(
                "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, stage, last_seen_at, idle_seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![&x.token_sha256[..], x.username.as_str(), x.csrf, x.created_at.to_string(), x.expires_at.to_string(), x.stage.as_str(), x.last_seen_at.to_string(), x.idle_seconds],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_sha256: &[u8; 32], now: Instant) -> Result<Option<Session>> {
        self.read(|c| {
            type Row = (String, String, String, String, String, Option<String>, u32);
            let row: Option<Row> = c
                .query_row(
                    "SELECT username, csrf, created_at, expires_at, stage, last_seen_at, idle_seconds FROM sessions WHERE token_sha256 = ?1",
                    [&token_sha256[..]],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
                )
                .optional()?;
            let Some((username, csrf, created, expires, stage, seen, idle)) = row else { return Ok(None) };
            let created_at = Instant::parse(&created)?;
            let session = Session {
                token_sha256: *token_sha256,
                username: Username::parse(&username)?,
                csrf,
                created_at,
                expires_at: Instant::parse(&expires)?,
                stage: SessionStage::parse(&stage),
                last_seen_at: seen.map(|s| Instant::parse(&s)).transpose()?.unwrap_or(created_at),
                idle_seconds: idle,
            };
            Ok((!session.ended(now)).then_some(session))
        })
    }

    fn set_session_stage(&self, token: &[u8; 32], stage: SessionStage, csrf: &str) -> Result<()> {
        self.stage_session(token, stage, csrf)
    }

    fn touch_session(&self, token: &[u8; 32], now: Instant) -> Result<()> {
        self.touch(token, now)
    }

    fn set_two_factor(
        &self,
        events: &[PreparedEvent],
        username: &Username,
        secret: Option<&[u8; 20]>,
        keep_session: &[u8; 32],
    ) -> Result<()> {
        self.two_factor(events, username, secret, keep_session)
    }

    fn use_totp_step(&self, username: &Username, step: u64) -> Result<bool> {
        self.totp_step(username, step)
    }

    fn add_document(&self, content: &[u8], events: &[NewEvent]) -> Result<Vec<u64>> {
        self.keep_document(content, events)
    }

    fn document(&self, sha256: &[u8; 32]) -> Result<Option<Vec<u8>>> {
        self.document_content(sha256)
    }

    fn log_security(&self, entries: &[SecurityEntry]) -> Result<()> {
        self.log_sign_ins(entries)
    }

    fn security_log(&self, username: Option<&str>, limit: usize) -> Result<Vec<SecurityEntry>> {
        self.sign_ins(username, limit)
    }

    fn delete_session(&self, token_sha256: &[u8; 32]) -> Result<()> {
        self.write(|t| {
            t.tx.execute(
                "DELETE FROM sessions WHERE token_sha256 = ?1",
                [&token_sha256[..]],
            )?;
            Ok(())
        })
    }

    fn issue_token(&self, events: &[PreparedEvent], k: &ApiToken, sha256: &[u8; 32]) -> Result<()> {
        self.write(|t| {
            tx::append(t, events, None)?;
            t.tx.execute(
                "INSERT INTO api_tokens (token_id, token_sha256, username, label, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![k.id.as_str(), &sha256[..], k.username.as_str(), k.label, k.created_at.to_string(), k.expires_at.map(|e| e.to_string())],
            )?;
            Ok(())
        })
    }

    fn api_token(&self, sha256: &[u8; 32]) -> Result<Option<ApiToken>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_sha256 = ?1"
            ))?;
            let mut rows = st.query([&sha256[..]])?;
            rows.next()?.map(token_row).transpose()
        })
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        self.read(|c| {
            let mut st = c.prepare_cached(&format!(
                "SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, token_id"
            ))?;
            let mut rows = st.query([])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                out.push(token_row(r)?);
            }
            Ok(out)
        })
    }

    fn revoke_token(&self, events: &[PreparedEvent], id: &TokenId, at: Instant) -> Result<()> {
        self.write(|t| {
            tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE api_tokens SET revoked_at = ?1 WHERE token_id = ?2 AND revoked_at IS NULL",
                params![at.to_string(), id.as_str()],
            )?;
            Ok(())
        })
    }

    fn area_projections(&self, area: AreaId, kind: StreamKind) -> Result<Vec<Projection>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT state FROM projections WHERE kind = ?1 AND area_id = ?2 ORDER BY stream_no",
            )?;
            let mut rows = st.query(params![kind.as_str(), area.to_string()])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let json: String = r.get(0)?;
                out.push(Projection::from_json(&json)?);
            }
            Ok(out)
        })
    }

    fn log_accesses(&self, entries: &[AccessEntry]) -> Result<()> {
        self.write(|t| {
            let mut st = t.tx.prepare_cached(
                "INSERT INTO audit.access_log (at, username, role, case_id, via) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for e in entries {
                st.execute(params![e.at.to_string(), e.username, e.role, e.case.to_string(), e.via])?;
            }
            Ok(())
        })
    }

    fn accesses(&self, case: CaseId, limit: usize) -> Result<Vec<AccessEntry>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT at, username, role, via FROM audit.access_log WHERE case_id = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let mut rows = st.query(params![case.to_string(), limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let at: String = r.get(0)?;
                out.push(AccessEntry {
                    at: Instant::parse(&at)?,
                    username: r.get(1)?,
                    role: r.get(2)?,
                    case,
                    via: r.get(3)?,
                });
            }
            Ok(out)
        })
    }

    fn refresh_statistics(&self) -> Result<()> {
        self.writer.with(
            || connect(&self.path, 1_572_864),
            |conn| {
                conn.execute_batch("PRAGMA analysis_limit=1000; ANALYZE;")?;
                Ok(())
            },
        )
    }

    fn list_cases(&self, q: &CaseQuery) -> Result<CasePage> {
        let (tail, values) = cases::build(q)?;
        let params: Vec<rusqlite::types::Value> = values
            .into_iter()
            .map(|v| match v {
                cases::Value::Text(s) => rusqlite::types::Value::Text(s),
                cases::Value::Uuid(u) => rusqlite::types::Value::Text(u.to_string()),
                cases::Value::Int(i) => rusqlite::types::Value::Integer(i),
            })
            .collect();
        self.read(|c| {
            let mut st = c.prepare_cached(&format!("SELECT {} {tail}", cases::COLUMNS))?;
            let mut rows = st.query(rusqlite::params_from_iter(params))?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let stage: String = r.get(5)?;
                let row = cases::row(
                    &id,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    &stage,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                )?;
                out.push((row, r.get(10)?, r.get(11)?));
            }
            Ok(cases::page(out, q.limit))
        })
    }

    fn append_prepared(&self, events: &[PreparedEvent]) -> Result<Vec<u64>> {
        self.combiner
            .append(events, None, |b| self.write(|t| tx::append_batch(t, b)))
    }

    fn append_guarded(&self, events: &[NewEvent], guard: Box<Guard>) -> Result<Vec<u64>> {
        let prepared = crate::prepare(events)?;
        self.combiner.append(&prepared, Some(guard), |b| {
            self.write(|t| tx::append_batch(t, b))
        })
    }

    fn append_together(&self, writes: Vec<crate::GuardedWrite>) -> Vec<Result<Vec<u64>>> {
        crate::combine::together(writes, |batch| self.write(|t| tx::append_batch(t, batch)))
    }

    fn stream_events(&self, stream: StreamRef) -> Result<Vec<RecordedEvent>> {
        self.read(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE s.stream_id = ?1 ORDER BY e.version"
            );
            let mut st = c.prepare_cached(&sql)?;
            let evs = collect_events(&mut st, [stream.id.to_string()])?;
            Ok(evs.into_iter().map(|(_, e)| e).filter(|e| e.stream.kind == stream.kind).collect())
        })
    }

    fn projection(&self, stream: StreamRef) -> Result<Option<Projection>> {
        Ok(self.projections(&[stream])?.pop().flatten())
    }

    fn projections(&self, streams: &[StreamRef]) -> Result<Vec<Option<Projection>>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT p.state FROM projections p JOIN streams s USING (stream_no) WHERE s.stream_id = ?1 AND s.kind = ?2",
            )?;
            streams
                .iter()
                .map(|s| {
                    let json: Option<String> = st.query_row(params![s.id.to_string(), s.kind.as_str()], |r| r.get(0)).optional()?;
                    json.map(|j| Projection::from_json(&j).map_err(StoreError::from)).transpose()
                })
                .collect()
        })
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.read(|c| {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE e.seq > ?1 ORDER BY e.seq LIMIT ?2");
            let mut st = c.prepare_cached(&sql)?;
            Ok(collect_events(&mut st, params![after as i64, limit as i64])?.into_iter().map(|(_, e)| e).collect())
        })
    }

    fn rebuild(&self) -> Result<RebuildReport> {
        self.write(|t| tx::rebuild(t))
    }

    fn dump_projections(&self, out: &mut dyn FnMut(String) -> Result<()>) -> Result<()> {
        self.read(|c| {
            let mut st = c.prepare(
                "SELECT s.stream_id, p.kind, p.area_id, p.state, c.area_id, c.stage, c.family_name, c.given_names, c.upn, c.birth_date, \
                 c.primary_need, c.setting_id, c.caseworker_id, c.team_id, c.plan_start, c.sort_key, c.search_text \
                 FROM projections p JOIN streams s USING (stream_no) LEFT JOIN case_index c USING (stream_no) ORDER BY s.stream_id",
            )?;
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                let mut cols: Vec<String> = Vec::with_capacity(17);
                for i in 0..17 {
                    let v: Option<String> = r.get(i)?;
                    cols.push(v.unwrap_or_else(|| "-".into()));
                }
                out(cols.join("\t"))?;
            }
            Ok(())
        })
    }

    fn headline(&self) -> Result<Headline> {
        self.read(|c| {
            let mut areas: BTreeMap<String, AreaHeadline> = BTreeMap::new();
            let mut st = c.prepare("SELECT area_id, state FROM projections WHERE kind = 'area'")?;
            let rows =
                st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for r in rows {
                let (id, json) = r?;
                let p = Projection::from_json(&json)?;
                let la = match &p.state {
                    sendscope_domain::projection::StreamState::Area(a) => {
                        a.la_code.map(|l| l.to_string()).unwrap_or_default()
                    }
                    _ => String::new(),
                };
                areas.insert(
                    id.clone(),
                    AreaHeadline {
                        area_id: id,
                        name: p.display_name(),
                        la_code: la,
                        ..Default::default()
                    },
                );
            }
            let by_stage =
                "SELECT area_id, stage, COUNT(*) FROM case_index GROUP BY area_id, stage";
            add_counts(c, by_stage, &mut areas, crate::add_stage)?;
            // Staff who have left are not counted.
            let by_kind = "SELECT area_id, kind, COUNT(*) FROM projections \
                 WHERE kind <> 'staff' OR json_extract(state, '$.state.left_on') IS NULL \
                 GROUP BY area_id, kind";
            add_counts(c, by_kind, &mut areas, crate::add_kind)?;
            let events: i64 =
                c.query_row("SELECT seq FROM chain_head WHERE id = 1", [], |r| r.get(0))?;
            Ok(Headline {
                areas: areas.into_values().collect(),
                events: events as u64,
            })
        })
    }
}

const TOKEN_COLUMNS: &str = "token_id, username, label, created_at, revoked_at, expires_at";

fn token_row(r: &rusqlite::Row<'_>) -> Result<ApiToken> {
    let id: String = r.get(0)?;
    let username: String = r.get(1)?;
    let created: String = r.get(3)?;
    let revoked: Option<String> = r.get(4)?;
    let expires: Option<String> = r.get(5)?;
    Ok(ApiToken {
        id: TokenId::parse(&id)?,
        username: Username::parse(&username)?,
        label: r.get(2)?,
        created_at: Instant::parse(&created)?,
        revoked_at: revoked.map(|v| Instant::parse(&v)).transpose()?,
        expires_at: expires.map(|v| Instant::parse(&v)).transpose()?,
    })
}
