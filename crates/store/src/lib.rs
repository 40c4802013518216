//! The event store. One [`Store`] trait; SQLite (embedded, default) and PostgreSQL
//! (shared deployments) implement it. Only this crate knows SQL. The append and rebuild
//! algorithms are written once ([`tx`]) over a small per-backend transaction trait, so
//! both backends hash, validate and project identically.

pub mod backup;
mod cases;
mod combine;
mod migrations;
mod pg;
mod pool;
mod sqlite;
mod tx;

pub use cases::{CasePage, CaseQuery, CaseRow};
pub use pg::PgStore;
pub use sqlite::{SqliteStore, start_new_access_log};

use sendscope_domain::account::{TokenId, Username};
use sendscope_domain::chain::{ChainBreak, ChainVerifier};
use sendscope_domain::ids::{AccountId, AreaId, CaseId};
use sendscope_domain::{
    DomainError, Instant, NewEvent, PreparedEvent, Projection, RecordedEvent, StreamKind, StreamRef,
};
use std::io::Write;

/// Reads a record's current state inside an append's transaction: `None` when there is
/// no such record.
pub type Read<'a> = dyn FnMut(StreamRef) -> Result<Option<Projection>> + 'a;

/// A decision on other records that an append must pass (the approval gate is one),
/// taken inside its transaction: see [`Store::append_guarded`]. The store runs it and
/// knows nothing of what it decides.
///
/// It is owned and `Send` because the write may be carried out by another caller's
/// thread, with theirs, in one transaction (group commit: see `combine`).
pub type Guard = dyn Fn(&mut Read<'_>) -> Result<()> + Send;

/// One caller's write for [`Store::append_together`]: its events, all or none, and the
/// guard they must pass.
pub struct GuardedWrite {
    pub events: Vec<NewEvent>,
    pub guard: Option<Box<Guard>>,
}

/// Encodes events for appending.
pub(crate) fn prepare(events: &[NewEvent]) -> Result<Vec<PreparedEvent>> {
    Ok(events
        .iter()
        .map(|e| PreparedEvent::new(e.clone()))
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

/// Everything the store can report. Each message says what went wrong and how to mend it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
    )]
    BadUrl(String),
    #[error(
        "cannot open the database {target}: {detail}. Check the URL, and that the server is running and accepts connections"
    )]
    Unreachable { target: String, detail: String },
    #[error(
        "the database {target} has schema version {found} but this sendscope understands up to {supported}: upgrade sendscope, or point --database-url at another database"
    )]
    SchemaTooNew {
        target: String,
        found: i64,
        supported: i64,
    },
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    #[error("database error: {0}")]
    Database(String),
    #[error(
        "stored data cannot be read: {0}. Run `sendscope audit verify` to find the event at fault"
    )]
    Corrupt(String),
    #[error("{0}")]
    BadQuery(String),
    #[error("could not write output: {0}")]
    Output(#[source] std::io::Error),
    #[error(
        "the access log {0} is missing beside the database, so who looked at children's records would be lost: restore it from the same backup as the database; if it is truly lost, record that with `sendscope audit access-log-lost --reason \"what happened\"`, which starts a new log that says so"
    )]
    AccessLogMissing(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Database(e.to_string())
    }
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        match e.as_db_error() {
            Some(db) => StoreError::Database(format!("{}: {}", db.code().code(), db.message())),
            None => StoreError::Database(e.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A new account's password hash and identity, stored beside its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCredentials {
    pub username: Username,
    pub account: AccountId,
    pub area: AreaId,
    pub password_hash: String,
}

/// What sign-in checks against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub account: AccountId,
    pub area: AreaId,
    pub password_hash: String,
    pub failed_attempts: u32,
    pub locked_until: Option<Instant>,
    /// The two-factor secret, once set up (`set_two_factor`).
    pub totp_secret: Option<[u8; 20]>,
    /// The last TOTP step a code was accepted for: a code is good once.
    pub totp_last_step: Option<u64>,
}

/// How far a session has got: signed in, or waiting for its second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionStage {
    SignedIn,
    /// The password was right; a two-factor code is still to come.
    Code,
    /// The password was right; the area requires two factors and none is set up yet.
    Enrol,
}

impl SessionStage {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStage::SignedIn => "signed_in",
            SessionStage::Code => "code",
            SessionStage::Enrol => "enrol",
        }
    }
    pub(crate) fn parse(s: &str) -> Self {
        match s {
            "signed_in" => SessionStage::SignedIn,
            "enrol" => SessionStage::Enrol,
            // Anything else waits for a code: never signed in by mistake.
            _ => SessionStage::Code,
        }
    }
}

/// One entry of the sign-in log: a sign-in, a failure, a sign-out, a second factor, a
/// token used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityEntry {
    pub at: Instant,
    /// As typed, for a failure with an unknown username (never a password).
    pub username: String,
    /// What happened, in words ("signed in", "wrong password", "token abc123 used"...).
    pub what: String,
    /// Where from: the device's address, or the API route.
    pub source: String,
}

/// A signed-in session. The token itself is only ever in the user's cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_sha256: [u8; 32],
    pub username: Username,
    /// The token every form in this session must carry.
    pub csrf: String,
    pub created_at: Instant,
    pub expires_at: Instant,
    pub stage: SessionStage,
    /// When the session was last used (its creation, or `touch_session`).
    pub last_seen_at: Instant,
    /// It ends once unused for this long (the area's policy when it began).
    pub idle_seconds: u32,
}

impl Session {
    /// Whether it has ended by `now`: its time is up, or it sat idle too long.
    pub fn ended(&self, now: Instant) -> bool {
        self.expires_at <= now
            || now.micros() - self.last_seen_at.micros() > i64::from(self.idle_seconds) * 1_000_000
    }
}

/// An API token as stored: never the token itself, only its digest (kept in the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: TokenId,
    pub username: Username,
    pub label: String,
    pub created_at: Instant,
    pub revoked_at: Option<Instant>,
    /// After this moment the token authenticates nothing.
    pub expires_at: Option<Instant>,
}

/// One view of a child's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub at: Instant,
    pub username: String,
    pub role: String,
    pub case: CaseId,
    /// The page or API route used.
    pub via: String,
}

/// Counts for one local area, as shown on the home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaHeadline {
    pub area_id: String,
    pub name: String,
    pub la_code: String,
    pub plans_in_place: u64,
    pub requests_in_progress: u64,
    pub plans_ceased: u64,
    pub cases: u64,
    pub settings: u64,
    pub provisions: u64,
    pub staff: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headline {
    pub areas: Vec<AreaHeadline>,
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    pub streams: u64,
    pub events: u64,
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events: u64,
    pub erased_payloads: u64,
    pub head: Option<String>,
    pub first_break: Option<ChainBreak>,
}

/// An event store with projections kept up to date in the same transaction as each append.
pub trait Store: Send + Sync {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;

    /// Appends events atomically, in order: all are written or none. Each is validated
    /// against its stream's state first; projections are updated in the same transaction.
    /// Returns the sequence numbers assigned.
    fn append(&self, events: &[NewEvent]) -> Result<Vec<u64>> {
        self.append_prepared(&prepare(events)?)
    }

    /// [`Store::append`] for events already encoded (see [`PreparedEvent`]).
    fn append_prepared(&self, events: &[PreparedEvent]) -> Result<Vec<u64>>;

    /// [`Store::append`], with `guard` decided first inside the same transaction, once
    /// the chain lock is held: what the guard reads is the state the write is applied
    /// to, and nothing else commits in between. A guard that refuses writes nothing.
    fn append_guarded(&self, events: &[NewEvent], guard: Box<Guard>) -> Result<Vec<u64>>;

    /// Several independent writes, each all or nothing and each answered on its own (a
    /// refused one writes nothing and does not stop the others), written together in as
    /// few transactions as they allow; each is checked against the records as the writes
    /// before it left them. Concurrent small appends are combined this way already (group
    /// commit); this is for a caller that has many at once, such as an import whose rows
    /// are independent.
    fn append_together(&self, writes: Vec<GuardedWrite>) -> Vec<Result<Vec<u64>>>;

    /// All events of one stream, in version order.
    fn stream_events(&self, stream: StreamRef) -> Result<Vec<RecordedEvent>>;

    /// The current projection of one stream.
    fn projection(&self, stream: StreamRef) -> Result<Option<Projection>>;

    /// Several projections at once, in the order asked; `None` where there is none.
    fn projections(&self, streams: &[StreamRef]) -> Result<Vec<Option<Projection>>> {
        streams.iter().map(|s| self.projection(*s)).collect()
    }

    /// Up to `limit` events with sequence numbers greater than `after`, in order.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>>;

    /// Re-derives every projection from the events, in one transaction.
    fn rebuild(&self) -> Result<RebuildReport>;

    /// Every projection row as canonical text lines, ordered by stream identity: the
    /// form in which incrementally kept and rebuilt projections are compared.
    fn dump_projections(&self, out: &mut dyn FnMut(String) -> Result<()>) -> Result<()>;

    /// Headline counts per area.
    fn headline(&self) -> Result<Headline>;

    /// One page of an area's case list, in name order, searched and filtered.
    fn list_cases(&self, query: &CaseQuery) -> Result<CasePage>;

    /// Refreshes the query planner's statistics; call after a bulk load such as the demo.
    fn refresh_statistics(&self) -> Result<()>;

    /// Appends an account's events and stores its password hash, in one transaction.
    fn create_account(
        &self,
        events: &[PreparedEvent],
        credentials: &NewCredentials,
    ) -> Result<Vec<u64>>;

    /// Sets a new password hash for an account with its event (`account.password_set`),
    /// in one transaction: the failed sign-ins are forgotten and every session of the
    /// account ends. An unknown username changes nothing (`NotFound`).
    fn set_password(
        &self,
        events: &[PreparedEvent],
        username: &Username,
        password_hash: &str,
    ) -> Result<Vec<u64>>;

    /// The stored credentials for a username.
    fn credentials(&self, username: &Username) -> Result<Option<Credentials>>;

    /// Records a sign-in attempt: success clears the failure count; a failure adds one and
    /// may lock the account (see `sendscope_domain::account::locked_until`).
    fn record_sign_in(&self, username: &Username, succeeded: bool, now: Instant) -> Result<()>;

    /// Stores a new session (by the SHA-256 of its token).
    fn create_session(&self, session: &Session) -> Result<()>;

    /// The session whose token hashes to `token_sha256`, if it exists and has not expired.
    fn session(&self, token_sha256: &[u8; 32], now: Instant) -> Result<Option<Session>>;

    /// Ends a session (signing out).
    fn delete_session(&self, token_sha256: &[u8; 32]) -> Result<()>;

    /// Moves a session on (a second factor given): its stage, and a new CSRF token.
    fn set_session_stage(
        &self,
        token_sha256: &[u8; 32],
        stage: SessionStage,
        csrf: &str,
    ) -> Result<()>;

    /// Notes that a session was used now (for the idle limit).
    fn touch_session(&self, token_sha256: &[u8; 32], now: Instant) -> Result<()>;

    /// Sets up (`Some`) or removes (`None`) an account's second factor with its event, in
    /// one transaction; the account's other sessions end.
    fn set_two_factor(
        &self,
        events: &[PreparedEvent],
        username: &Username,
        secret: Option<&[u8; 20]>,
        keep_session: &[u8; 32],
    ) -> Result<()>;

    /// Marks a TOTP step used, if it is later than the last one: false when it is not
    /// (the code was used already), so a code is accepted once.
    fn use_totp_step(&self, username: &Username, step: u64) -> Result<bool>;

    /// Keeps a document's content, named by its SHA-256 (kept once however often it is
    /// added), and appends its events (its `case.document_added`) in the same
    /// transaction: both or neither. The caller has checked the content's type and size.
    fn add_document(&self, content: &[u8], events: &[NewEvent]) -> Result<Vec<u64>>;

    /// A document's content by its SHA-256; `None` if there is none.
    fn document(&self, sha256: &[u8; 32]) -> Result<Option<Vec<u8>>>;

    /// Records sign-ins, failures, sign-outs and token uses (append-only).
    fn log_security(&self, entries: &[SecurityEntry]) -> Result<()>;

    /// The sign-in log, newest first: one username's, or everyone's.
    fn security_log(&self, username: Option<&str>, limit: usize) -> Result<Vec<SecurityEntry>>;

    /// Every projection of one kind in an area (settings, provisions, staff...: the kinds
    /// that number hundreds, not hundreds of thousands), in stream order.
    /// Issues an API token: its account event and its digest, in one transaction.
    fn issue_token(
        &self,
        events: &[PreparedEvent],
        token: &ApiToken,
        sha256: &[u8; 32],
    ) -> Result<()>;

    /// The token with this digest, revoked or not (the caller refuses revoked tokens).
    fn api_token(&self, sha256: &[u8; 32]) -> Result<Option<ApiToken>>;

    /// Every token, oldest first.
    fn api_tokens(&self) -> Result<Vec<ApiToken>>;

    /// Revokes a token: its account event and the row's revocation, in one transaction.
    /// The event is checked first, so an unknown or already revoked token changes nothing.
    fn revoke_token(&self, events: &[PreparedEvent], id: &TokenId, at: Instant) -> Result<()>;

    fn area_projections(&self, area: AreaId, kind: StreamKind) -> Result<Vec<Projection>>;

    /// Records that someone viewed a child's record.
    fn log_access(&self, entry: &AccessEntry) -> Result<()> {
        self.log_accesses(std::slice::from_ref(entry))
    }

    /// Records several views in one transaction (the web service's group commit).
    fn log_accesses(&self, entries: &[AccessEntry]) -> Result<()>;

    /// Who viewed a child's record, newest first, at most `limit` entries.
    fn accesses(&self, case: CaseId, limit: usize) -> Result<Vec<AccessEntry>>;
}

/// Opens the store a URL names, running any pending migrations.
pub fn open(url: &str) -> Result<Box<dyn Store>> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        return Ok(Box::new(SqliteStore::open(path)?));
    }
    if url == "sqlite::memory:" {
        return Ok(Box::new(SqliteStore::open(":memory:")?));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Box::new(PgStore::open(url)?));
    }
    Err(StoreError::BadUrl(url.to_string()))
}

/// Calls `f` with every case record in an area (its reference and state), a page of
/// projections at a time.
pub fn for_each_case(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    f: &mut dyn FnMut(sendscope_domain::ids::CaseId, &sendscope_domain::projection::CaseState),
) -> Result<()> {
    let mut q = CaseQuery {
        area: Some(area),
        limit: 500,
        ..Default::default()
    };
    loop {
        let page = store.list_cases(&q)?;
        let refs: Vec<_> = page
            .rows
            .iter()
            .map(|r| sendscope_domain::StreamRef::case(r.case))
            .collect();
        for (row, p) in page.rows.iter().zip(store.projections(&refs)?) {
            if let Some(c) = p.as_ref().and_then(|p| p.case()) {
                f(row.case, c);
            }
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => return Ok(()),
        }
    }
}

/// Reads every event in sequence order, a page at a time, in constant memory.
pub fn for_each_event(
    store: &dyn Store,
    f: &mut dyn FnMut(&RecordedEvent) -> Result<()>,
) -> Result<u64> {
    let mut after = 0u64;
    let mut n = 0u64;
    loop {
        let page = store.events_after(after, 20_000)?;
        let Some(last) = page.last() else {
            return Ok(n);
        };
        after = last.seq;
        for e in &page {
            f(e)?;
            n += 1;
        }
    }
}

/// Recomputes the hash chain and payload digests, naming the first event at fault.
/// What an earlier checkpoint says of the history as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointVerdict {
    /// The event it names is there with the hash it signed.
    Holds,
    /// The event it names has another hash: the history up to it was rewritten (even if
    /// the chain was re-hashed to be consistent again).
    Rewritten,
    /// The history ends before the event it names: events were removed.
    CutShort { last: u64 },
}

/// Checks the history against a checkpoint (its signature is the caller's to check; the
/// chain's own consistency is [`verify`]'s).
pub fn check_checkpoint(
    store: &dyn Store,
    cp: &sendscope_domain::chain::Checkpoint,
) -> Result<CheckpointVerdict> {
    let mut after = 0u64;
    loop {
        let page = store.events_after(after, 20_000)?;
        let Some(last) = page.last() else {
            return Ok(CheckpointVerdict::CutShort { last: after });
        };
        if let Some(e) = page.iter().find(|e| e.seq >= cp.seq) {
            return Ok(if e.seq == cp.seq && hex::encode(e.hash) == cp.head {
                CheckpointVerdict::Holds
            } else {
                CheckpointVerdict::Rewritten
            });
        }
        after = last.seq;
    }
}

pub fn verify(store: &dyn Store) -> Result<VerifyReport> {
    verify_from(store, &mut ChainVerifier::default())
}

/// Verifies the events after those `v` has checked, carrying on its state: a service
/// that verified the history once checks only what is new each time after.
pub fn verify_from(store: &dyn Store, v: &mut ChainVerifier) -> Result<VerifyReport> {
    let mut first_break = None;
    let mut after = v.next_seq() - 1;
    'pages: loop {
        let page = store.events_after(after, 20_000)?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for e in &page {
            if let Err(b) = v.check(e) {
                first_break = Some(b);
                break 'pages;
            }
        }
    }
    let head = match (&first_break, v.finish()) {
        (Some(_), _) => None,
        (None, Ok(h)) => (v.checked > 0).then(|| hex::encode(h)),
        (None, Err(b)) => {
            first_break = Some(b);
            None
        }
    };
    Ok(VerifyReport {
        events: v.checked,
        erased_payloads: v.erased,
        head,
        first_break,
    })
}

/// Output formats for `export events`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Jsonl,
}

const EXPORT_COLUMNS: [&str; 13] = [
    "seq",
    "stream_kind",
    "stream_id",
    "version",
    "area_id",
    "event_type",
    "actor",
    "recorded_at",
    "effective_date",
    "reason",
    "payload",
    "payload_sha256",
    "hash",
];

/// Writes the full event history. Payloads are written as the exact stored JSON text;
/// an erased payload is empty (CSV) or null (JSON lines).
pub fn export_events(store: &dyn Store, format: ExportFormat, out: &mut dyn Write) -> Result<u64> {
    match format {
        ExportFormat::Csv => export_csv(store, out),
        ExportFormat::Jsonl => export_jsonl(store, out),
    }
}

/// An event's payload as stored text; `None` when erased.
fn payload_text(e: &RecordedEvent) -> Result<Option<&str>> {
    e.payload
        .as_deref()
        .map(|p| {
            std::str::from_utf8(p)
                .map_err(|_| StoreError::Corrupt(format!("event {} payload is not UTF-8", e.seq)))
        })
        .transpose()
}

fn export_csv(store: &dyn Store, out: &mut dyn Write) -> Result<u64> {
    // A write error keeps its kind (a reader that went away is a broken pipe).
    let csv_io = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => StoreError::Output(io),
        other => StoreError::Output(std::io::Error::other(format!("{other:?}"))),
    };
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXPORT_COLUMNS).map_err(csv_io)?;
    let n = for_each_event(store, &mut |e| {
        let payload = payload_text(e)?;
        w.write_record([
            e.seq.to_string(),
            e.stream.kind.to_string(),
            e.stream.id.to_string(),
            e.version.to_string(),
            e.area.to_string(),
            e.event_type.clone(),
            e.actor.clone(),
            e.recorded_at.to_string(),
            e.effective_date.to_string(),
            // Free text a spreadsheet could take for a formula stays text.
            sendscope_domain::spreadsheet_safe(e.reason.as_deref().unwrap_or_default())
                .into_owned(),
            payload.unwrap_or("").to_string(),
            hex::encode(e.payload_digest),
            hex::encode(e.hash),
        ])
        .map_err(csv_io)
    })?;
    w.flush().map_err(StoreError::Output)?;
    Ok(n)
}

fn export_jsonl(store: &dyn Store, out: &mut dyn Write) -> Result<u64> {
    for_each_event(store, &mut |e| {
        let payload_value: serde_json::Value = match payload_text(e)? {
            Some(p) => serde_json::from_str(p)
                .map_err(|x| StoreError::Corrupt(format!("event {} payload: {x}", e.seq)))?,
            None => serde_json::Value::Null,
        };
        let v = serde_json::json!({
            "seq": e.seq,
            "stream_kind": e.stream.kind.as_str(),
            "stream_id": e.stream.id.to_string(),
            "version": e.version,
            "area_id": e.area.to_string(),
            "event_type": e.event_type,
            "actor": e.actor,
            "recorded_at": e.recorded_at.to_string(),
            "effective_date": e.effective_date.to_string(),
            "reason": e.reason,
            "payload": payload_value,
            "payload_sha256": hex::encode(e.payload_digest),
            "hash": hex::encode(e.hash),
        });
        writeln!(out, "{v}").map_err(StoreError::Output)
    })
}

/// Test-only crash points: when `SENDSCOPE_TEST_HOOK` is `POINT` or `POINT#N`, the
/// process says so on stderr at that point (the Nth time it passes, with `#N`) and waits
/// there to be killed. Unset, this costs one cached lookup.
pub(crate) fn test_hook(point: &str) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static HOOK: std::sync::OnceLock<Option<(String, u64)>> = std::sync::OnceLock::new();
    static PASSES: AtomicU64 = AtomicU64::new(0);
    let want = HOOK.get_or_init(|| {
        let v = std::env::var("SENDSCOPE_TEST_HOOK").ok()?;
        Some(match v.split_once('#') {
            Some((p, n)) => (p.to_string(), n.parse().unwrap_or(1)),
            None => (v, 1),
        })
    });
    let Some((want, nth)) = want else { return };
    if want == point && PASSES.fetch_add(1, Ordering::SeqCst) + 1 == *nth {
        eprintln!("sendscope-test-hook: reached {point}");
        loop {
            std::thread::sleep(std::time::Duration::from_secs(3600));
        }
    }
}

/// Helpers for tests that need a real PostgreSQL database of their own.
/// Test-only pause points: when `SENDSCOPE_TEST_PAUSE` is `POINT=DIR`, the process
/// creates `DIR/reached` at that point and waits (up to a minute) for `DIR/release`, so
/// a test can change the records between a check and the write it guards. Unset, this
/// costs one cached lookup.
pub fn pause_point(point: &str) {
    static PAUSE: std::sync::OnceLock<Option<(String, std::path::PathBuf)>> =
        std::sync::OnceLock::new();
    let want = PAUSE.get_or_init(|| {
        let v = std::env::var("SENDSCOPE_TEST_PAUSE").ok()?;
        let (p, dir) = v.split_once('=')?;
        Some((p.to_string(), dir.into()))
    });
    let Some((want, dir)) = want else { return };
    if want != point {
        return;
    }
    let _ = std::fs::write(dir.join("reached"), point);
    for _ in 0..6000 {
        if dir.join("release").exists() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

pub mod testing {
    use crate::{Result, StoreError};

    /// The server tests use: `SENDSCOPE_TEST_PG` or the local one on 127.0.0.1:5432.
    pub fn pg_server() -> String {
        std::env::var("SENDSCOPE_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
    }

    /// Creates a new, uniquely named, empty database and returns its URL. Fails (never
    /// skips) when the server cannot be reached.
    pub fn fresh_pg_database() -> Result<String> {
        let server = pg_server();
        let admin = format!("{server}/postgres");
        let mut c = postgres::Client::connect(&admin, postgres::NoTls).map_err(|e| {
            StoreError::Unreachable {
                target: admin.clone(),
                detail: format!("{e}; start PostgreSQL (see README) or set SENDSCOPE_TEST_PG"),
            }
        })?;
        let name = format!("sendscope_test_{}", uuid::Uuid::new_v4().simple());
        c.batch_execute(&format!("CREATE DATABASE {name}"))?;
        Ok(format!("{server}/{name}"))
    }

    /// Waits (up to a minute) until no other session is connected to the database at
    /// `url`. A client killed mid-transaction leaves its server session running until
    /// the server notices: if the client had already sent COMMIT, the commit can land
    /// after the kill, so crash tests must wait for it before judging what is stored.
    pub fn wait_until_no_other_sessions(url: &str) -> Result<()> {
        let mut c = postgres::Client::connect(url, postgres::NoTls)?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let n: i64 = c
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    &[],
                )?
                .get(0);
            if n == 0 {
                return Ok(());
            }
            if std::time::Instant::now() > deadline {
                return Err(StoreError::Database(format!(
                    "{n} other sessions still connected after a minute"
                )));
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    /// Drops a database made by [`fresh_pg_database`] (best effort: tests call it on drop).
    pub fn drop_pg_database(url: &str) {
        let Some(name) = url
            .rsplit('/')
            .next()
            .filter(|n| n.starts_with("sendscope_test_"))
        else {
            return;
        };
        let admin = format!("{}/postgres", pg_server());
        if let Ok(mut c) = postgres::Client::connect(&admin, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// The event columns both backends select, joined to their stream, in `decode` order.
pub(crate) const EVENT_COLUMNS: &str = "e.stream_no, s.kind, s.stream_id, s.area_id, e.seq, e.version, e.event_type, e.actor, \
     e.recorded_at, e.effective_date, e.reason, e.payload, e.payload_sha256, e.hash";

/// A stored 32-byte hash. A wrong-length value can only come from tampering; zeros make
/// the chain check fail at exactly that event, which is where it should be reported.
pub(crate) fn hash32(v: Vec<u8>) -> [u8; 32] {
    v.try_into().unwrap_or([0u8; 32])
}

/// Adds a case-index stage count to an area's headline.
pub(crate) fn add_stage(a: &mut AreaHeadline, stage: &str, n: u64) {
    use sendscope_domain::Stage;
    a.cases += n;
    match Stage::parse(stage) {
        Some(Stage::PlanInPlace) => a.plans_in_place += n,
        Some(Stage::RequestReceived | Stage::Assessing | Stage::DraftPlan) => {
            a.requests_in_progress += n
        }
        Some(Stage::Ceased) => a.plans_ceased += n,
        _ => {}
    }
}

/// Adds a projection-kind count to an area's headline.
pub(crate) fn add_kind(a: &mut AreaHeadline, kind: &str, n: u64) {
    match kind {
        "setting" => a.settings += n,
        "provision" => a.provisions += n,
        "staff" => a.staff += n,
        _ => {}
    }
}

fn username_taken(u: &Username) -> StoreError {
    StoreError::Conflict(format!(
        "an account named {u} already exists; choose another username"
    ))
}

fn no_account(u: &Username) -> StoreError {
    StoreError::NotFound(format!(
        "there is no account \"{u}\"; `sendscope user list` shows the accounts"
    ))
}

/// The failure count and lock after a sign-in attempt.
fn after_sign_in(failed_before: i64, succeeded: bool, now: Instant) -> (i64, Option<Instant>) {
    if succeeded {
        return (0, None);
    }
    let failures = failed_before.saturating_add(1);
    let locked =
        sendscope_domain::account::locked_until(u32::try_from(failures).unwrap_or(u32::MAX), now);
    (failures, locked)
}
