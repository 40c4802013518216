//! Schema migrations, one folder per backend, embedded in the binary. A database whose
//! schema is newer than this binary knows is refused rather than touched.

pub(crate) const SQLITE: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_events.sql")),
    (2, include_str!("../migrations/sqlite/0002_credentials.sql")),
    (3, include_str!("../migrations/sqlite/0003_sessions.sql")),
    (4, include_str!("../migrations/sqlite/0004_access_log.sql")),
    (5, include_str!("../migrations/sqlite/0005_api_tokens.sql")),
    (
        6,
        include_str!("../migrations/sqlite/0006_case_list_stage_order.sql"),
    ),
    (
        7,
        include_str!("../migrations/sqlite/0007_access_log_own_file.sql"),
    ),
    (8, include_str!("../migrations/sqlite/0008_case_people.sql")),
    (
        9,
        include_str!("../migrations/sqlite/0009_case_search_text.sql"),
    ),
    (
        10,
        include_str!("../migrations/sqlite/0010_derived_phase_transfers.sql"),
    ),
    (
        11,
        include_str!("../migrations/sqlite/0011_sign_in_security.sql"),
    ),
    (12, include_str!("../migrations/sqlite/0012_documents.sql")),
    (
        13,
        include_str!("../migrations/sqlite/0013_document_refs.sql"),
    ),
];
pub(crate) const POSTGRES: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_events.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_credentials.sql"),
    ),
    (3, include_str!("../migrations/postgres/0003_sessions.sql")),
    (
        4,
        include_str!("../migrations/postgres/0004_access_log.sql"),
    ),
    (
        5,
        include_str!("../migrations/postgres/0005_api_tokens.sql"),
    ),
    (
        6,
        include_str!("../migrations/postgres/0006_case_list_stage_order.sql"),
    ),
    (
        7,
        include_str!("../migrations/postgres/0007_access_log_own_file.sql"),
    ),
    (
        8,
        include_str!("../migrations/postgres/0008_case_people.sql"),
    ),
    (
        9,
        include_str!("../migrations/postgres/0009_case_search_text.sql"),
    ),
    (
        10,
        include_str!("../migrations/postgres/0010_derived_phase_transfers.sql"),
    ),
    (
        11,
        include_str!("../migrations/postgres/0011_sign_in_security.sql"),
    ),
    (
        12,
        include_str!("../migrations/postgres/0012_documents.sql"),
    ),
    (
        13,
        include_str!("../migrations/postgres/0013_document_refs.sql"),
    ),
];

/// A database whose schema was older than this when opened has its projections rebuilt
/// from the events (the case index gained a column computed in Rust at 9; a case's
/// projection gained the phase transfers worked out from the date of birth at 10).
pub(crate) const REBUILD_BEFORE: i64 = 10;

/// Whether a database found at schema `found` (0: new) needs its projections rebuilt.
pub(crate) fn needs_rebuild(found: i64) -> bool {
    found > 0 && found < REBUILD_BEFORE
}

/// SQLite's access log, in the attached `audit` file; created (if missing) at every open,
/// before the migrations, so that a lost or new access-log file is recreated empty
/// rather than breaking the service.
pub(crate) const SQLITE_AUDIT_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit.access_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    role TEXT NOT NULL,
    case_id TEXT NOT NULL,
    via TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit.access_log_case ON access_log (case_id, id);
CREATE TRIGGER IF NOT EXISTS audit.access_log_no_update BEFORE UPDATE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit.access_log_no_delete BEFORE DELETE ON access_log
BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TABLE IF NOT EXISTS audit.sign_in_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    username TEXT NOT NULL,
    what TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit.sign_in_log_username ON sign_in_log (username, id);
CREATE TRIGGER IF NOT EXISTS audit.sign_in_log_no_update BEFORE UPDATE ON sign_in_log
BEGIN SELECT RAISE(ABORT, 'the sign-in log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit.sign_in_log_no_delete BEFORE DELETE ON sign_in_log
BEGIN SELECT RAISE(ABORT, 'the sign-in log is append-only'); END;
";

/// The newest schema version this binary understands (the same for both backends).
pub(crate) fn latest(list: &[(i64, &str)]) -> i64 {
    list.last().map(|(v, _)| *v).unwrap_or(0)
}
