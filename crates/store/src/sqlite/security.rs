//! Sign-in security on SQLite: sessions' stages, two-factor secrets, the sign-in log.

use super::{SqliteStore, tx};
use crate::{Result, SecurityEntry, SessionStage};
use rusqlite::{OptionalExtension, params};
use sendscope_domain::account::Username;
use sendscope_domain::{Instant, PreparedEvent};

impl SqliteStore {
    pub(super) fn stage_session(
        &self,
        token: &[u8; 32],
        stage: SessionStage,
        csrf: &str,
    ) -> Result<()> {
        self.write(|t| {
            t.tx.execute(
                "UPDATE sessions SET stage = ?2, csrf = ?3 WHERE token_sha256 = ?1",
                params![&token[..], stage.as_str(), csrf],
            )?;
            Ok(())
        })
    }

    pub(super) fn touch(&self, token: &[u8; 32], now: Instant) -> Result<()> {
        self.write(|t| {
            t.tx.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_sha256 = ?1",
                params![&token[..], now.to_string()],
            )?;
            Ok(())
        })
    }

    pub(super) fn two_factor(
        &self,
        events: &[PreparedEvent],
        username: &Username,
        secret: Option<&[u8; 20]>,
        keep: &[u8; 32],
    ) -> Result<()> {
        self.write(|t| {
            let known: Option<i64> = t
                .tx
                .query_row("SELECT 1 FROM credentials WHERE username = ?1", [username.as_str()], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                return Err(crate::no_account(username));
            }
            tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE credentials SET totp_secret = ?2, totp_last_step = NULL WHERE username = ?1",
                params![username.as_str(), secret.map(|s| &s[..])],
            )?;
            t.tx.execute(
                "DELETE FROM sessions WHERE username = ?1 AND token_sha256 <> ?2",
                params![username.as_str(), &keep[..]],
            )?;
            Ok(())
        })
    }

    pub(super) fn totp_step(&self, username: &Username, step: u64) -> Result<bool> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.write(|t| {
            let n = t.tx.execute(
                "UPDATE credentials SET totp_last_step = ?2 WHERE username = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
                params![username.as_str(), step],
            )?;
            Ok(n == 1)
        })
    }

    pub(super) fn log_sign_ins(&self, entries: &[SecurityEntry]) -> Result<()> {
        self.write(|t| {
            let mut st = t.tx.prepare_cached(
                "INSERT INTO audit.sign_in_log (at, username, what, source) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in entries {
                st.execute(params![e.at.to_string(), e.username, e.what, e.source])?;
            }
            Ok(())
        })
    }

    pub(super) fn sign_ins(
        &self,
        username: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SecurityEntry>> {
        self.read(|c| {
            let mut st = c.prepare_cached(
                "SELECT at, username, what, source FROM audit.sign_in_log \
                 WHERE ?1 IS NULL OR username = ?1 ORDER BY id DESC LIMIT ?2",
            )?;
            let mut rows = st.query(params![username, limit as i64])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let at: String = r.get(0)?;
                out.push(SecurityEntry {
                    at: Instant::parse(&at)?,
                    username: r.get(1)?,
                    what: r.get(2)?,
                    source: r.get(3)?,
                });
            }
            Ok(out)
        })
    }
}
