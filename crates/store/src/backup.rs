//! Backups and restores of a whole store, taken while it is in use. SQLite: `VACUUM INTO`
//! copies the database and its access log, each as one consistent snapshot (writers carry
//! on; the copy is the history up to a moment). PostgreSQL: `pg_dump`'s custom format (one
//! snapshot of every table) and `pg_restore`, so the backup is the one a PostgreSQL
//! administrator already knows. Either way the restored store is then opened (migrated if
//! older) and its chain verified by the caller.

use crate::{Result, StoreError};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReport {
    /// The files written (the database's, then its access log's for SQLite).
    pub files: Vec<PathBuf>,
    pub bytes: u64,
}

/// The access log's file beside a SQLite backup.
pub fn access_log_beside(backup: &Path) -> PathBuf {
    PathBuf::from(crate::sqlite::access_log_path(&backup.to_string_lossy()))
}

fn refuse(detail: String) -> StoreError {
    StoreError::Conflict(detail)
}

/// An empty file readable by its owner only, that must not be there already.
fn new_private_file(path: &Path) -> Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o.open(path).map(|_| ()).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            refuse(format!(
                "{} is already there: choose a new name for the backup, or move the old one away",
                path.display()
            ))
        } else {
            StoreError::Unreachable {
                target: path.display().to_string(),
                detail: e.to_string(),
            }
        }
    })
}

fn size(files: &[PathBuf]) -> u64 {
    files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum()
}

/// Backs up the store at `url` to `output` (and, for SQLite, its access log beside it).
pub fn backup(url: &str, output: &Path) -> Result<BackupReport> {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let log = access_log_beside(output);
        new_private_file(output)?;
        if let Err(e) = new_private_file(&log) {
            let _ = std::fs::remove_file(output);
            return Err(e);
        }
        let done = (|| -> Result<()> {
            let c = rusqlite::Connection::open(path)?;
            c.execute(
                "ATTACH DATABASE ?1 AS audit",
                [crate::sqlite::access_log_path(path)],
            )?;
            c.busy_timeout(std::time::Duration::from_secs(30))?;
            c.execute("VACUUM main INTO ?1", [output.to_string_lossy()])?;
            c.execute("VACUUM audit INTO ?1", [log.to_string_lossy()])?;
            Ok(())
        })();
        if let Err(e) = done {
            let _ = std::fs::remove_file(output);
            let _ = std::fs::remove_file(&log);
            return Err(e);
        }
        let files = vec![output.to_path_buf(), log];
        return Ok(BackupReport {
            bytes: size(&files),
            files,
        });
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        new_private_file(output)?;
        let out = std::process::Command::new("pg_dump")
            .args(["--format=custom", "--no-owner", "--file"])
            .arg(output)
            .arg(format!("--dbname={url}"))
            .output();
        let failed = match out {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(String::from_utf8_lossy(&o.stderr).trim().to_string()),
            Err(e) => Some(format!(
                "pg_dump could not be run ({e}): install PostgreSQL's client tools"
            )),
        };
        if let Some(detail) = failed {
            let _ = std::fs::remove_file(output);
            return Err(StoreError::Unreachable {
                target: url.to_string(),
                detail,
            });
        }
        let files = vec![output.to_path_buf()];
        return Ok(BackupReport {
            bytes: size(&files),
            files,
        });
    }
    Err(StoreError::BadUrl(url.to_string()))
}

/// Restores a backup into the store `url` names, which must be new: a SQLite file that
/// is not there yet, or a PostgreSQL database with no tables. Nothing is overwritten.
pub fn restore(url: &str, from: &Path) -> Result<()> {
    if !from.exists() {
        return Err(StoreError::NotFound(format!(
            "there is no backup at {}",
            from.display()
        )));
    }
    if let Some(path) = url.strip_prefix("sqlite://") {
        let log = access_log_beside(from);
        if !log.exists() {
            return Err(StoreError::NotFound(format!(
                "the backup's access log {} is missing: it is written beside the backup; restore both",
                log.display()
            )));
        }
        let target = PathBuf::from(path);
        let target_log = PathBuf::from(crate::sqlite::access_log_path(path));
        new_private_file(&target)?;
        if let Err(e) = new_private_file(&target_log) {
            let _ = std::fs::remove_file(&target);
            return Err(e);
        }
        let copied = std::fs::copy(from, &target).and_then(|_| std::fs::copy(&log, &target_log));
        if let Err(e) = copied {
            let _ = std::fs::remove_file(&target);
            let _ = std::fs::remove_file(&target_log);
            return Err(StoreError::Unreachable {
                target: url.to_string(),
                detail: e.to_string(),
            });
        }
        return Ok(());
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let mut c = crate::pg::connect_url(url)?;
        let tables: i64 = c
            .query_one(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
                &[],
            )?
            .get(0);
        if tables > 0 {
            return Err(refuse(format!(
                "the database {url} already holds tables: restore into a new, empty database"
            )));
        }
        drop(c);
        let out = std::process::Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "--single-transaction"])
            .arg(format!("--dbname={url}"))
            .arg(from)
            .output()
            .map_err(|e| StoreError::Unreachable {
                target: url.to_string(),
                detail: format!(
                    "pg_restore could not be run ({e}): install PostgreSQL's client tools"
                ),
            })?;
        if !out.status.success() {
            return Err(StoreError::Unreachable {
                target: url.to_string(),
                detail: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        return Ok(());
    }
    Err(StoreError::BadUrl(url.to_string()))
}
