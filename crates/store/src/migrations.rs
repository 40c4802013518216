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
];

/// The newest schema version this binary understands (the same for both backends).
pub(crate) fn latest(list: &[(i64, &str)]) -> i64 {
    list.last().map(|(v, _)| *v).unwrap_or(0)
}
