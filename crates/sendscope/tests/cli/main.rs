//! The `sendscope` binary end to end, as a council would use it: every command, the
//! served pages and the API, on SQLite and on PostgreSQL.

/// A test run on SQLite and on PostgreSQL: `both!(name => f)` makes `name::on_sqlite` and
/// `name::on_postgres`, each calling `f` with a fresh database of its own.
macro_rules! both {
    ($(#[$doc:meta])* $name:ident => $f:ident) => {
        $(#[$doc])*
        mod $name {
            #[test]
            fn on_sqlite() {
                super::$f(crate::support::sqlite_db());
            }

            #[test]
            fn on_postgres() {
                super::$f(crate::support::pg_db());
            }
        }
    };
    ($(#[$doc:meta])* $name:ident) => {
        both!($(#[$doc])* $name => $name);
    };
}

mod access;
mod backup;
mod casework;
mod figures;
mod imports;
mod placement;
mod provisions;
mod robustness;
mod sen2;
mod setup;
mod snapshot;
mod support;
mod waits;
