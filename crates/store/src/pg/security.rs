//! Sign-in security on PostgreSQL: sessions' stages, two-factor secrets, the sign-in log.

use super::{PgStore, tx};
use crate::{Result, SecurityEntry, SessionStage};
use chrono::{DateTime, Utc};
use sendscope_domain::account::Username;
use sendscope_domain::{Instant, PreparedEvent};

impl PgStore {
    pub(super) fn stage_session(
        &self,
        token: &[u8; 32],
        stage: SessionStage,
        csrf: &str,
    ) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET stage = $2, csrf = $3 WHERE token_sha256 = $1",
                &[&&token[..], &stage.as_str(), &csrf],
            )?;
            Ok(())
        })
    }

    pub(super) fn touch(&self, token: &[u8; 32], now: Instant) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE sessions SET last_seen_at = $2 WHERE token_sha256 = $1",
                &[&&token[..], &now.utc()],
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
            let known = t.tx.query_opt(
                "SELECT 1 FROM credentials WHERE username = $1",
                &[&username.as_str()],
            )?;
            if known.is_none() {
                return Err(crate::no_account(username));
            }
            tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE credentials SET totp_secret = $2, totp_last_step = NULL WHERE username = $1",
                &[&username.as_str(), &secret.map(|s| &s[..])],
            )?;
            t.tx.execute(
                "DELETE FROM sessions WHERE username = $1 AND token_sha256 <> $2",
                &[&username.as_str(), &&keep[..]],
            )?;
            Ok(())
        })
    }

    pub(super) fn totp_step(&self, username: &Username, step: u64) -> Result<bool> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        self.with(|c| {
            let n = c.execute(
                "UPDATE credentials SET totp_last_step = $2 WHERE username = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)",
                &[&username.as_str(), &step],
            )?;
            Ok(n == 1)
        })
    }

    pub(super) fn log_sign_ins(&self, entries: &[SecurityEntry]) -> Result<()> {
        let at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at.utc()).collect();
        let username: Vec<&str> = entries.iter().map(|e| e.username.as_str()).collect();
        let what: Vec<&str> = entries.iter().map(|e| e.what.as_str()).collect();
        let source: Vec<&str> = entries.iter().map(|e| e.source.as_str()).collect();
        self.with(|c| {
            c.execute(
                "INSERT INTO sign_in_log (at, username, what, source) \
                 SELECT a, u, w, s FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS x(a, u, w, s, n) ORDER BY n",
                &[&at, &username, &what, &source],
            )?;
            Ok(())
        })
    }

    pub(super) fn sign_ins(
        &self,
        username: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SecurityEntry>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT at, username, what, source FROM sign_in_log \
                 WHERE $1::text IS NULL OR username = $1 ORDER BY id DESC LIMIT $2",
                &[&username, &(limit as i64)],
            )?;
            Ok(rows
                .iter()
                .map(|r| SecurityEntry {
                    at: Instant::from_utc(r.get(0)),
                    username: r.get(1),
                    what: r.get(2),
                    source: r.get(3),
                })
                .collect())
        })
    }
}
