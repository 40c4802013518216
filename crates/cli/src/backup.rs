//! `sendscope backup` and `sendscope restore`: the whole store copied while in use, and
//! brought back into a new one, each checked (the chain verified, checkpoints proved, the
//! access log there).

use crate::open;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

pub(crate) fn backup(url: &str, output: &Path) -> anyhow::Result<()> {
    let t = std::time::Instant::now();
    let r = sendscope_store::backup::backup(url, output)?;
    let files: Vec<String> = r.files.iter().map(|f| f.display().to_string()).collect();
    outln!(
        "Backed up to {} ({:.1} MB in {:.1} s; readable by you only).",
        files.join(" and "),
        r.bytes as f64 / 1e6,
        t.elapsed().as_secs_f64()
    );
    // A SQLite backup is a database: open it and check it as it is.
    if url.starts_with("sqlite://") {
        let check = scratch_copy(output)?;
        let url = format!("sqlite://{}", check.1.display());
        let store = open(&url)?;
        let v = crate::admin::verified(store.as_ref(), "the backup is damaged")?;
        outln!(
            "The backup holds {} events, its chain verified (head {}), and its access log.",
            v.events,
            v.head.unwrap_or_else(|| "(empty)".into())
        );
    } else {
        outln!(
            "Check it by restoring it into an empty database: sendscope --database-url postgres://…/scratch restore --from {}",
            output.display()
        );
    }
    Ok(())
}

/// A copy of a SQLite backup (and its access log) in a temporary folder, so that checking
/// it leaves the backup's files exactly as written.
fn scratch_copy(backup: &Path) -> anyhow::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().context("cannot make a folder to check the backup in")?;
    let db = dir.path().join("check.db");
    std::fs::copy(backup, &db).context("cannot copy the backup to check it")?;
    std::fs::copy(
        sendscope_store::backup::access_log_beside(backup),
        sendscope_store::backup::access_log_beside(&db),
    )
    .context("cannot copy the backup's access log to check it")?;
    Ok((dir, db))
}

pub(crate) fn restore(
    url: &str,
    from: &Path,
    checkpoints: &[PathBuf],
    public_key: Option<&str>,
) -> anyhow::Result<()> {
    sendscope_store::backup::restore(url, from)?;
    let store = open(url)?;
    let v = crate::admin::verified(store.as_ref(), "the restored history is damaged")?;
    crate::admin::check_checkpoints(store.as_ref(), checkpoints, public_key)?;
    outln!(
        "Restored {} events from {}; the chain verifies (head {}) and the access log is in place.",
        v.events,
        from.display(),
        v.head.unwrap_or_else(|| "(empty)".into())
    );
    Ok(())
}
