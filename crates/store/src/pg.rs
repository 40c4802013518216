//! The PostgreSQL store for shared deployments. Writers serialise on the chain-head row
//! (`SELECT … FOR UPDATE`); batches are written with `UNNEST` arrays, one round trip each.

mod documents;
mod events;
mod security;
pub(crate) mod tls;

use crate::cases::{self, CasePage, CaseQuery};
use crate::pool::Pool;
use crate::tx::{self, ProjectionRow, StreamRow, Tx};
use crate::{AccessEntry, ApiToken, Guard, SecurityEntry, Session, SessionStage};
use crate::{
    AreaHeadline, Credentials, Headline, NewCredentials, RebuildReport, Result, Store, StoreError,
    migrations,
};
use crate::{EVENT_COLUMNS, hash32};
use chrono::{DateTime, NaiveDate, Utc};
use events::{EventColumns, INSERT_EVENTS};
use postgres::{Client, Config, NoTls, Row, Transaction};
use sendscope_domain::account::{TokenId, Username};
use sendscope_domain::ids::AccountId;
use sendscope_domain::ids::AreaId;
use sendscope_domain::ids::CaseId;
use sendscope_domain::{
    Instant, NewEvent, PreparedEvent, Projection, RecordedEvent, StreamKind, StreamRef,
};
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;
use std::time::Duration;
use uuid::Uuid;

pub struct PgStore {
    target: String,
    config: Config,
    /// TLS as the URL's `sslmode` asks (`None`: plain connections).
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
    pool: Pool<PgConn>,
    /// Small appends arriving together are written in one transaction.
    combiner: crate::combine::Combiner,
}

/// One connection to the database a URL names, with TLS as its `sslmode` asks: what the
/// store's pool opens, and what a restore checks the target with.
pub(crate) fn connect_url(url: &str) -> Result<Client> {
    let (config, tls) = config_of(url)?;
    connect_with(&config, tls.as_ref(), &redact(url))
}

fn config_of(url: &str) -> Result<(Config, Option<tokio_postgres_rustls::MakeRustlsConnect>)> {
    let bad = |detail: String| StoreError::Unreachable {
        target: redact(url),
        detail,
    };
    let (plain, mode, root) = tls::split(url).map_err(bad)?;
    let mut config = Config::from_str(&plain).map_err(|e| bad(e.to_string()))?;
    config.connect_timeout(Duration::from_secs(5));
    config.ssl_mode(tls::ssl_mode(mode));
    let connector = tls::connector(mode, root.as_deref()).map_err(bad)?;
    Ok((config, connector))
}

fn connect_with(
    config: &Config,
    tls: Option<&tokio_postgres_rustls::MakeRustlsConnect>,
    target: &str,
) -> Result<Client> {
    match tls {
        Some(t) => config.connect(t.clone()),
        None => config.connect(NoTls),
    }
    .map_err(|e| StoreError::Unreachable {
        target: target.to_string(),
        detail: match std::error::Error::source(&e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    })
}

/// A pooled connection with its prepared statements, so that a query run again on the
/// same connection is neither parsed nor (after PostgreSQL settles on a generic plan)
/// planned again. Planning alone took ~1.7 ms for the case list's queries.
struct PgConn {
    client: Client,
    statements: std::collections::HashMap<String, postgres::Statement>,
}

impl PgConn {
    fn prepared(&mut self, sql: &str) -> std::result::Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql)?;
        self.statements.insert(sql.to_string(), s.clone());
        Ok(s)
    }
    fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<Vec<Row>, postgres::Error> {
        let s = self.prepared(sql)?;
        self.client.query(&s, params)
    }
    fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<Option<Row>, postgres::Error> {
        let s = self.prepared(sql)?;
        self.client.query_opt(&s, params)
    }
    fn query_one(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<Row, postgres::Error> {
        let s = self.prepared(sql)?;
        self.client.query_one(&s, params)
    }
    fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> std::result::Result<u64, postgres::Error> {
        let s = self.prepared(sql)?;
        self.client.execute(&s, params)
    }
    fn batch_execute(&mut self, sql: &str) -> std::result::Result<(), postgres::Error> {
        self.client.batch_execute(sql)
    }
}

/// The URL without any password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..s + 3], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

impl PgStore {
    pub fn open(url: &str) -> Result<Self> {
        let target = redact(url);
        let (config, tls) = config_of(url)?;
        let store = PgStore {
            target,
            config,
            tls,
            pool: Pool::new(8),
            combiner: Default::default(),
        };
        let mut c = store.connect()?;
        let found = store.migrate(&mut c.client)?;
        if migrations::needs_rebuild(found) {
            crate::Store::rebuild(&store)?;
        }
        Ok(store)
    }

    fn connect(&self) -> Result<PgConn> {
        let client = connect_with(&self.config, self.tls.as_ref(), &self.target)?;
        Ok(PgConn {
            client,
            statements: Default::default(),
        })
    }

    /// Runs the pending migrations; answers the schema version found before them.
    fn migrate(&self, c: &mut Client) -> Result<i64> {
        let mut tx = c.transaction()?;
        // Serialise concurrent migrators.
        tx.execute("SELECT pg_advisory_xact_lock(7403351)", &[])?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT NOT NULL)")?;
        let found: i64 = tx
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_version", &[])?
            .get(0);
        let supported = migrations::latest(migrations::POSTGRES);
        if found > supported {
            return Err(StoreError::SchemaTooNew {
                target: self.target.clone(),
                found,
                supported,
            });
        }
        for (v, sql) in migrations::POSTGRES.iter().filter(|(v, _)| *v > found) {
            tx.batch_execute(sql)?;
            tx.execute("INSERT INTO schema_version (version) VALUES ($1)", &[v])?;
        }
        tx.commit()?;
        Ok(found)
    }

    fn with<T>(&self, f: impl FnOnce(&mut PgConn) -> Result<T>) -> Result<T> {
        self.pool.with(|| self.connect(), f)
    }

    fn write<T>(&self, f: impl FnOnce(&mut PgTx<'_>) -> Result<T>) -> Result<T> {
        self.with(|c| {
            let PgConn { client, statements } = c;
            let t = client.transaction()?;
            let mut ptx = PgTx {
                tx: t,
                cache: statements,
            };
            let out = f(&mut ptx)?;
            ptx.tx.commit()?;
            Ok(out)
        })
    }
}

struct PgTx<'c> {
    tx: Transaction<'c>,
    /// The connection's prepared statements: a write's dozen statements are parsed once
    /// per connection, not once per transaction (each prepare is a round trip; an append
    /// made about sixteen of them, half of them prepares).
    cache: &'c mut std::collections::HashMap<String, postgres::Statement>,
}

impl PgTx<'_> {
    fn st(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.cache.get(sql) {
            return Ok(s.clone());
        }
        let s = self.tx.prepare(sql)?;
        self.cache.insert(sql.to_string(), s.clone());
        Ok(s)
    }
}

fn decode(r: &Row) -> Result<(i64, RecordedEvent)> {
    let seq: i64 = r.try_get(4)?;
    let kind: String = r.try_get(1)?;
    let recorded: DateTime<Utc> = r.try_get(8)?;
    let e = RecordedEvent {
        seq: seq as u64,
        stream: StreamRef {
            kind: StreamKind::parse(&kind).map_err(|_| {
                StoreError::Corrupt(format!("event {seq} has an unknown stream kind"))
            })?,
            id: r.try_get(2)?,
        },
        version: r.try_get::<_, i32>(5)? as u32,
        area: AreaId(r.try_get(3)?),
        event_type: r.try_get(6)?,
        actor: r.try_get(7)?,
        recorded_at: Instant::from_utc(recorded),
        effective_date: r.try_get(9)?,
        reason: r.try_get(10)?,
        payload: r.try_get(11)?,
        payload_digest: hash32(r.try_get(12)?),
        hash: hash32(r.try_get(13)?),
    };
    Ok((r.try_get(0)?, e))
}

impl Tx for PgTx<'_> {
    fn head(&mut self) -> Result<(u64, [u8; 32])> {
        let st = self.st("SELECT seq, hash FROM chain_head WHERE id = 1 FOR UPDATE")?;
        let r = self.tx.query_one(&st, &[])?;
        Ok((r.get::<_, i64>(0) as u64, hash32(r.get(1))))
    }
    fn set_head(&mut self, seq: u64, hash: &[u8; 32]) -> Result<()> {
        let st = self.st("UPDATE chain_head SET seq = $1, hash = $2 WHERE id = 1")?;
        self.tx.execute(&st, &[&(seq as i64), &&hash[..]])?;
        Ok(())
    }
    fn max_stream_no(&mut self) -> Result<i64> {
        let st = self.st("SELECT COALESCE(MAX(stream_no), 0)::BIGINT FROM streams")?;
        Ok(self.tx.query_one(&st, &[])?.get(0))
    }
    fn find_stream(&mut self, id: Uuid) -> Result<Option<StreamRow>> {
        let st = self.st("SELECT stream_no, kind, area_id FROM streams WHERE stream_id = $1")?;
        let row = self.tx.query_opt(&st, &[&id])?;
        row.map(|r| {
            Ok(StreamRow {
                no: r.get(0),
                stream: StreamRef {
                    kind: StreamKind::parse(r.get::<_, &str>(1))?,
                    id,
                },
                area: AreaId(r.get(2)),
            })
        })
        .transpose()
    }
    fn insert_stream(&mut self, row: &StreamRow) -> Result<()> {
        let st = self.st(
            "INSERT INTO streams (stream_no, stream_id, kind, area_id) VALUES ($1, $2, $3, $4)",
        )?;
        self.tx.execute(
            &st,
            &[
                &row.no,
                &row.stream.id,
                &row.stream.kind.as_str(),
                &row.area.0,
            ],
        )?;
        Ok(())
    }
    fn insert_streams(&mut self, rows: &[StreamRow]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let st = self.st("INSERT INTO streams (stream_no, stream_id, kind, area_id) \
             SELECT * FROM UNNEST($1::int8[], $2::uuid[], $3::text[], $4::uuid[])")?;
        let no: Vec<i64> = rows.iter().map(|r| r.no).collect();
        let id: Vec<Uuid> = rows.iter().map(|r| r.stream.id).collect();
        let kind: Vec<&str> = rows.iter().map(|r| r.stream.kind.as_str()).collect();
        let area: Vec<Uuid> = rows.iter().map(|r| r.area.0).collect();
        self.tx.execute(&st, &[&no, &id, &kind, &area])?;
        Ok(())
    }
    fn streams_and_projections(&mut self, ids: &[Uuid]) -> Result<crate::tx::StreamsFound> {
        let st = self.st(
            "SELECT s.stream_no, s.stream_id, s.kind, s.area_id, p.state \
             FROM streams s LEFT JOIN projections p USING (stream_no) WHERE s.stream_id = ANY($1)",
        )?;
        let mut found = HashMap::with_capacity(ids.len());
        let mut stored = HashMap::with_capacity(ids.len());
        for r in self.tx.query(&st, &[&ids])? {
            let no: i64 = r.get(0);
            let id: Uuid = r.get(1);
            found.insert(
                id,
                StreamRow {
                    no,
                    stream: StreamRef {
                        kind: StreamKind::parse(r.get::<_, &str>(2))?,
                        id,
                    },
                    area: AreaId(r.get(3)),
                },
            );
            if let Some(state) = r.get::<_, Option<String>>(4) {
                stored.insert(no, state);
            }
        }
        Ok((found, stored))
    }
    fn load_projection(&mut self, no: i64) -> Result<Option<String>> {
        let st = self.st("SELECT state FROM projections WHERE stream_no = $1")?;
        Ok(self.tx.query_opt(&st, &[&no])?.map(|r| r.get(0)))
    }
    fn load_stream_events(&mut self, row: &StreamRow) -> Result<Vec<RecordedEvent>> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE e.stream_no = $1 ORDER BY e.version"
        );
        let st = self.st(&sql)?;
        let rows = self.tx.query(&st, &[&row.no])?;
        rows.iter().map(|r| decode(r).map(|(_, e)| e)).collect()
    }
    fn insert_events(&mut self, rows: &[(i64, RecordedEvent)]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let st = self.st(&format!("INSERT INTO events {INSERT_EVENTS}"))?;
        for chunk in rows.chunks(5_000) {
            let c = EventColumns::of(chunk);
            self.tx.execute(&st, &c.params())?;
        }
        Ok(())
    }
    fn insert_events_and_head(
        &mut self,
        rows: &[(i64, RecordedEvent)],
        seq: u64,
        hash: &[u8; 32],
    ) -> Result<()> {
        if rows.is_empty() || rows.len() > 5_000 {
            self.insert_events(rows)?;
            return self.set_head(seq, hash);
        }
        // One statement, one round trip: the events, then the head (a data-modifying CTE
        // runs whatever the outer statement reads).
        let st = self.st(&format!(
            "WITH e AS (INSERT INTO events {INSERT_EVENTS}) \
             UPDATE chain_head SET seq = $12, hash = $13 WHERE id = 1"
        ))?;
        let c = EventColumns::of(rows);
        let seq = seq as i64;
        let hash = &hash[..];
        let mut params = c.params().to_vec();
        params.push(&seq);
        params.push(&hash);
        self.tx.execute(&st, &params)?;
        Ok(())
    }
    fn forget_documents(&mut self, stream: uuid::Uuid, shas: &[[u8; 32]]) -> Result<()> {
        for sha in shas {
            self.tx.execute(
                "DELETE FROM document_refs WHERE sha256 = $1 AND stream_id = $2",
                &[&&sha[..], &stream],
            )?;
            self.tx.execute(
                "DELETE FROM documents WHERE sha256 = $1 AND NOT EXISTS (SELECT 1 FROM document_refs r WHERE r.sha256 = $1)",
                &[&&sha[..]],
            )?;
        }
        Ok(())
    }
    fn erase_payloads(&mut self, seqs: &[u64]) -> Result<()> {
        let s: Vec<i64> = seqs.iter().map(|x| *x as i64).collect();
        self.tx.execute(
            "UPDATE events SET payload = NULL WHERE seq = ANY($1)",
            &[&s],
        )?;
        Ok(())
    }
    fn save_projections(&mut self, rows: &[ProjectionRow<'_>]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let p = self.st(
            "INSERT INTO projections (stream_no, kind, area_id, state) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::uuid[], $4::text[]) \
             ON CONFLICT (stream_no) DO UPDATE SET kind = EXCLUDED.kind, area_id = EXCLUDED.area_id, state = EXCLUDED.state",
        )?;
        // Both at once where a case is among them: one round trip, not two.
        let pc = self.st("WITH p AS (INSERT INTO projections (stream_no, kind, area_id, state) SELECT * FROM UNNEST($1::int8[], $2::text[], $3::uuid[], $4::text[]) ON CONFLICT (stream_no) DO UPDATE SET kind = EXCLUDED.kind, area_id = EXCLUDED.area_id, state = EXCLUDED.state) INSERT INTO case_index (stream_no, area_id, stage, family_name, given_names, upn, birth_date, primary_need, setting_id, caseworker_id, team_id, plan_start, sort_key, search_text) \
             SELECT * FROM UNNEST($5::int8[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::date[], $12::text[], $13::uuid[], $14::uuid[], $15::uuid[], $16::date[], $17::text[], $18::text[]) \
             ON CONFLICT (stream_no) DO UPDATE SET sort_key = EXCLUDED.sort_key, area_id = EXCLUDED.area_id, stage = EXCLUDED.stage, family_name = EXCLUDED.family_name, \
             given_names = EXCLUDED.given_names, upn = EXCLUDED.upn, birth_date = EXCLUDED.birth_date, primary_need = EXCLUDED.primary_need, \
             setting_id = EXCLUDED.setting_id, caseworker_id = EXCLUDED.caseworker_id, team_id = EXCLUDED.team_id, plan_start = EXCLUDED.plan_start, \
             search_text = EXCLUDED.search_text")?;
        let forget = self.st("DELETE FROM case_people WHERE stream_no = ANY($1)")?;
        let person = self.st(
            "INSERT INTO case_people (person_id, stream_no) SELECT * FROM UNNEST($1::uuid[], $2::int8[])",
        )?;
        for chunk in rows.chunks(5_000) {
            let changed: Vec<i64> = chunk
                .iter()
                .filter(|r| r.people.is_some())
                .map(|r| r.no)
                .collect();
            if !changed.is_empty() {
                self.tx.execute(&forget, &[&changed])?;
                let (ids, nos): (Vec<Uuid>, Vec<i64>) = chunk
                    .iter()
                    .flat_map(|r| r.people.iter().flatten().map(move |x| (x.0, r.no)))
                    .unzip();
                self.tx.execute(&person, &[&ids, &nos])?;
            }
            let p_no: Vec<i64> = chunk.iter().map(|r| r.no).collect();
            let p_kind: Vec<&str> = chunk
                .iter()
                .map(|r| r.projection.stream.kind.as_str())
                .collect();
            let p_area: Vec<Uuid> = chunk.iter().map(|r| r.projection.area.0).collect();
            let p_json: Vec<&str> = chunk.iter().map(|r| r.json.as_str()).collect();
            let cases: Vec<(&ProjectionRow<'_>, &sendscope_domain::projection::CaseIndex)> = chunk
                .iter()
                .filter_map(|r| r.case_index.as_ref().map(|ix| (r, ix)))
                .collect();
            if cases.is_empty() {
                self.tx.execute(&p, &[&p_no, &p_kind, &p_area, &p_json])?;
                continue;
            }
            let no: Vec<i64> = cases.iter().map(|(r, _)| r.no).collect();
            let area: Vec<Uuid> = cases.iter().map(|(r, _)| r.projection.area.0).collect();
            let stage: Vec<&str> = cases.iter().map(|(_, i)| i.stage.as_str()).collect();
            let fam: Vec<&str> = cases.iter().map(|(_, i)| i.family_name.as_str()).collect();
            let giv: Vec<&str> = cases.iter().map(|(_, i)| i.given_names.as_str()).collect();
            let upn: Vec<Option<&str>> = cases.iter().map(|(_, i)| i.upn.as_deref()).collect();
            let dob: Vec<Option<NaiveDate>> = cases.iter().map(|(_, i)| i.birth_date).collect();
            let need: Vec<Option<&str>> = cases
                .iter()
                .map(|(_, i)| i.primary_need.map(|n| n.code()))
                .collect();
            let setting: Vec<Option<Uuid>> =
                cases.iter().map(|(_, i)| i.setting.map(|s| s.0)).collect();
            let worker: Vec<Option<Uuid>> = cases
                .iter()
                .map(|(_, i)| i.caseworker.map(|s| s.0))
                .collect();
            let team: Vec<Option<Uuid>> = cases.iter().map(|(_, i)| i.team.map(|s| s.0)).collect();
            let start: Vec<Option<NaiveDate>> = cases.iter().map(|(_, i)| i.plan_start).collect();
            let sort: Vec<&str> = cases.iter().map(|(_, i)| i.sort_key.as_str()).collect();
            let search: Vec<&str> = cases.iter().map(|(_, i)| i.search_text.as_str()).collect();
            self.tx.execute(
                &pc,
                &[
                    &p_no, &p_kind, &p_area, &p_json, &no, &area, &stage, &fam, &giv, &upn, &dob,
                    &need, &setting, &worker, &team, &start, &sort, &search,
                ],
            )?;
        }
        Ok(())
    }
    fn clear_projections(&mut self) -> Result<()> {
        self.tx.batch_execute(
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
             WHERE (e.stream_no, e.version) > ($1, $2) ORDER BY e.stream_no, e.version LIMIT $3"
        );
        let rows = self
            .tx
            .query(&sql, &[&no, &(version as i32), &(limit as i64)])?;
        rows.iter().map(decode).collect()
    }
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn create_account(&self, events: &[PreparedEvent], new: &NewCredentials) -> Result<Vec<u64>> {
        self.write(|t| {
            let taken = t.tx.query_opt("SELECT 1 FROM credentials WHERE username = $1", &[&new.username.as_str()])?;
            if taken.is_some() {
                return Err(crate::username_taken(&new.username));
            }
            let seqs = tx::append(t, events, None)?;
            t.tx.execute(
                "INSERT INTO credentials (username, account_id, area_id, password_hash) VALUES ($1, $2, $3, $4)",
                &[&new.username.as_str(), &new.account.0, &new.area.0, &new.password_hash],
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
            let known = t.tx.query_opt("SELECT 1 FROM credentials WHERE username = $1", &[&username.as_str()])?;
            if known.is_none() {
                return Err(crate::no_account(username));
            }
            let seqs = tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE credentials SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE username = $1",
                &[&username.as_str(), &hash],
            )?;
            t.tx.execute("DELETE FROM sessions WHERE username = $1", &[&username.as_str()])?;
            Ok(seqs)
        })
    }

    fn credentials(&self, username: &Username) -> Result<Option<Credentials>> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT account_id, area_id, password_hash, failed_attempts, locked_until, totp_secret, totp_last_step FROM credentials WHERE username = $1",
                &[&username.as_str()],
            )?;
            Ok(row.map(|r| Credentials {
                account: AccountId(r.get(0)),
                area: AreaId(r.get(1)),
                password_hash: r.get(2),
                failed_attempts: r.get::<_, i32>(3).max(0) as u32,
                locked_until: r.get::<_, Option<DateTime<Utc>>>(4).map(Instant::from_utc),
                totp_secret: r
                    .get::<_, Option<Vec<u8>>>(5)
                    .and_then(|s| <[u8; 20]>::try_from(s.as_slice()).ok()),
                totp_last_step: r.get::<_, Option<i64>>(6).and_then(|s| u64::try_from(s).ok()),
            }))
        })
    }

    fn record_sign_in(&self, username: &Username, succeeded: bool, now: Instant) -> Result<()> {
        self.write(|t| {
            let row = t.tx.query_opt("SELECT failed_attempts FROM credentials WHERE username = $1 FOR UPDATE", &[&username.as_str()])?;
            let Some(row) = row else { return Ok(()) };
            let (failures, locked) = crate::after_sign_in(i64::from(row.get::<_, i32>(0)), succeeded, now);
            t.tx.execute(
                "UPDATE credentials SET failed_attempts = $1, locked_until = $2 WHERE username = $3",
                &[&(failures as i32), &locked.map(|l| l.utc()), &username.as_str()],
            )?;
            Ok(())
        })
    }

    fn create_session(&self, x: &Session) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT INTO sessions (token_sha256, username, csrf, created_at, expires_at, stage, last_seen_at, idle_seconds) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[&&x.token_sha256[..], &x.username.as_str(), &x.csrf, &x.created_at.utc(), &x.expires_at.utc(), &x.stage.as_str(), &x.last_seen_at.utc(), &(x.idle_seconds.min(i32::MAX as u32) as i32)],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_sha256: &[u8; 32], now: Instant) -> Result<Option<Session>> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT username, csrf, created_at, expires_at, stage, last_seen_at, idle_seconds FROM sessions WHERE token_sha256 = $1",
                &[&&token_sha256[..]],
            )?;
            let Some(r) = row else { return Ok(None) };
            let created_at = Instant::from_utc(r.get(2));
            let session = Session {
                token_sha256: *token_sha256,
                username: Username::parse(r.get(0))?,
                csrf: r.get(1),
                created_at,
                expires_at: Instant::from_utc(r.get(3)),
                stage: SessionStage::parse(r.get(4)),
                last_seen_at: r
                    .get::<_, Option<DateTime<Utc>>>(5)
                    .map(Instant::from_utc)
                    .unwrap_or(created_at),
                idle_seconds: r.get::<_, i32>(6).max(0) as u32,
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
        self.with(|c| {
            c.execute(
                "DELETE FROM sessions WHERE token_sha256 = $1",
                &[&&token_sha256[..]],
            )?;
            Ok(())
        })
    }

    fn issue_token(&self, events: &[PreparedEvent], k: &ApiToken, sha256: &[u8; 32]) -> Result<()> {
        self.write(|t| {
            tx::append(t, events, None)?;
            t.tx.execute(
                "INSERT INTO api_tokens (token_id, token_sha256, username, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                &[&k.id.as_str(), &&sha256[..], &k.username.as_str(), &k.label, &k.created_at.utc(), &k.expires_at.map(|e| e.utc())],
            )?;
            Ok(())
        })
    }

    fn api_token(&self, sha256: &[u8; 32]) -> Result<Option<ApiToken>> {
        self.with(|c| {
            let row = c.query_opt(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_sha256 = $1"),
                &[&&sha256[..]],
            )?;
            row.as_ref().map(token_row).transpose()
        })
    }

    fn api_tokens(&self) -> Result<Vec<ApiToken>> {
        self.with(|c| {
            let rows = c.query(
                &format!("SELECT {TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, token_id"),
                &[],
            )?;
            rows.iter().map(token_row).collect()
        })
    }

    fn revoke_token(&self, events: &[PreparedEvent], id: &TokenId, at: Instant) -> Result<()> {
        self.write(|t| {
            tx::append(t, events, None)?;
            t.tx.execute(
                "UPDATE api_tokens SET revoked_at = $1 WHERE token_id = $2 AND revoked_at IS NULL",
                &[&at.utc(), &id.as_str()],
            )?;
            Ok(())
        })
    }

    fn area_projections(&self, area: AreaId, kind: StreamKind) -> Result<Vec<Projection>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT state FROM projections WHERE kind = $1 AND area_id = $2 ORDER BY stream_no",
                &[&kind.as_str(), &area.0],
            )?;
            rows.iter()
                .map(|r| Projection::from_json(r.get(0)).map_err(StoreError::from))
                .collect()
        })
    }

    fn log_accesses(&self, entries: &[AccessEntry]) -> Result<()> {
        let at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at.utc()).collect();
        let username: Vec<&str> = entries.iter().map(|e| e.username.as_str()).collect();
        let role: Vec<&str> = entries.iter().map(|e| e.role.as_str()).collect();
        let case: Vec<Uuid> = entries.iter().map(|e| e.case.0).collect();
        let via: Vec<&str> = entries.iter().map(|e| e.via.as_str()).collect();
        self.with(|c| {
            // One statement, so the batch is one transaction; rows keep the given order.
            c.execute(
                "INSERT INTO access_log (at, username, role, case_id, via) \
                 SELECT a, u, r, c, v FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::uuid[], $5::text[]) WITH ORDINALITY AS x(a, u, r, c, v, n) ORDER BY n",
                &[&at, &username, &role, &case, &via],
            )?;
            Ok(())
        })
    }

    fn accesses(&self, case: CaseId, limit: usize) -> Result<Vec<AccessEntry>> {
        self.with(|c| {
            let rows = c.query(
                "SELECT at, username, role, via FROM access_log WHERE case_id = $1 ORDER BY id DESC LIMIT $2",
                &[&case.0, &(limit as i64)],
            )?;
            Ok(rows
                .iter()
                .map(|r| AccessEntry {
                    at: Instant::from_utc(r.get(0)),
                    username: r.get(1),
                    role: r.get(2),
                    case,
                    via: r.get(3),
                })
                .collect())
        })
    }

    fn refresh_statistics(&self) -> Result<()> {
        self.with(|c| Ok(c.batch_execute("ANALYZE")?))
    }

    fn list_cases(&self, q: &CaseQuery) -> Result<CasePage> {
        let (tail, values) = cases::build(q)?;
        let params: Vec<Box<dyn postgres::types::ToSql + Sync>> = values
            .into_iter()
            .map(|v| -> Box<dyn postgres::types::ToSql + Sync> {
                match v {
                    cases::Value::Text(s) => Box::new(s),
                    cases::Value::Uuid(u) => Box::new(u),
                    cases::Value::Int(i) => Box::new(i),
                }
            })
            .collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
            params.iter().map(|b| b.as_ref()).collect();
        // Identifiers and dates come back as text, as SQLite gives them.
        let columns = "s.stream_id::text, c.family_name, c.given_names, c.birth_date::text, c.upn, c.stage, c.primary_need, \
             c.setting_id::text, c.caseworker_id::text, c.team_id::text, c.sort_key, c.stream_no";
        self.with(|c| {
            let rows = c.query(&format!("SELECT {columns} {tail}"), &refs)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let row = cases::row(
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get(3),
                    r.get(4),
                    r.get(5),
                    r.get(6),
                    r.get(7),
                    r.get(8),
                    r.get(9),
                )?;
                out.push((row, r.get(10), r.get(11)));
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
        self.with(|c| {
            let sql = format!(
                "SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE s.stream_id = $1 AND s.kind = $2 ORDER BY e.version"
            );
            let rows = c.query(&sql, &[&stream.id, &stream.kind.as_str()])?;
            rows.iter().map(|r| decode(r).map(|(_, e)| e)).collect()
        })
    }

    fn projection(&self, stream: StreamRef) -> Result<Option<Projection>> {
        self.with(|c| {
            let row = c.query_opt(
                "SELECT p.state FROM projections p JOIN streams s USING (stream_no) WHERE s.stream_id = $1 AND s.kind = $2",
                &[&stream.id, &stream.kind.as_str()],
            )?;
            row.map(|r| Projection::from_json(r.get(0)).map_err(StoreError::from)).transpose()
        })
    }

    /// One round trip for the lot (the case list re-checks a page of rows this way).
    fn projections(&self, streams: &[StreamRef]) -> Result<Vec<Option<Projection>>> {
        let ids: Vec<Uuid> = streams.iter().map(|s| s.id).collect();
        let found = self.with(|c| {
            let rows = c.query(
                "SELECT s.stream_id, s.kind, p.state FROM projections p JOIN streams s USING (stream_no) WHERE s.stream_id = ANY($1)",
                &[&ids],
            )?;
            rows.iter()
                .map(|r| {
                    let id: Uuid = r.get(0);
                    let kind: String = r.get(1);
                    Ok(((id, kind), Projection::from_json(r.get(2))?))
                })
                .collect::<Result<std::collections::HashMap<_, _>>>()
        })?;
        let mut found = found;
        Ok(streams
            .iter()
            .map(|s| found.remove(&(s.id, s.kind.as_str().to_string())))
            .collect())
    }

    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.with(|c| {
            let sql = format!("SELECT {EVENT_COLUMNS} FROM events e JOIN streams s USING (stream_no) WHERE e.seq > $1 ORDER BY e.seq LIMIT $2");
            let rows = c.query(&sql, &[&(after as i64), &(limit as i64)])?;
            rows.iter().map(|r| decode(r).map(|(_, e)| e)).collect()
        })
    }

    fn rebuild(&self) -> Result<RebuildReport> {
        self.write(|t| tx::rebuild(t))
    }

    fn dump_projections(&self, out: &mut dyn FnMut(String) -> Result<()>) -> Result<()> {
        self.with(|c| {
            let rows = c.query(
                "SELECT s.stream_id::text, p.kind, p.area_id::text, p.state, c.area_id::text, c.stage, c.family_name, c.given_names, c.upn, \
                 c.birth_date::text, c.primary_need, c.setting_id::text, c.caseworker_id::text, c.team_id::text, c.plan_start::text, c.sort_key, c.search_text \
                 FROM projections p JOIN streams s USING (stream_no) LEFT JOIN case_index c USING (stream_no) ORDER BY s.stream_id::text",
                &[],
            )?;
            for r in rows {
                let cols: Vec<String> = (0..17).map(|i| r.get::<_, Option<String>>(i).unwrap_or_else(|| "-".into())).collect();
                out(cols.join("\t"))?;
            }
            Ok(())
        })
    }

    fn headline(&self) -> Result<Headline> {
        self.with(|c| {
            let mut areas: BTreeMap<String, AreaHeadline> = BTreeMap::new();
            for r in c.query(
                "SELECT area_id::text, state FROM projections WHERE kind = 'area'",
                &[],
            )? {
                let id: String = r.get(0);
                let p = Projection::from_json(r.get(1))?;
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
            let counts = [
                (
                    "SELECT area_id::text, stage, COUNT(*) FROM case_index GROUP BY area_id, stage",
                    crate::add_stage as fn(&mut AreaHeadline, &str, u64),
                ),
                (
                    // Staff who have left are not counted.
                    "SELECT area_id::text, kind, COUNT(*) FROM projections \
                     WHERE kind <> 'staff' OR (state::jsonb -> 'state' ->> 'left_on') IS NULL \
                     GROUP BY area_id, kind",
                    crate::add_kind,
                ),
            ];
            for (sql, add) in counts {
                for r in c.query(sql, &[])? {
                    if let Some(a) = areas.get_mut(r.get::<_, &str>(0)) {
                        add(a, r.get(1), r.get::<_, i64>(2) as u64);
                    }
                }
            }
            let events: i64 = c
                .query_one("SELECT seq FROM chain_head WHERE id = 1", &[])?
                .get(0);
            Ok(Headline {
                areas: areas.into_values().collect(),
                events: events as u64,
            })
        })
    }
}

const TOKEN_COLUMNS: &str = "token_id, username, label, created_at, revoked_at, expires_at";

fn token_row(r: &Row) -> Result<ApiToken> {
    let revoked: Option<DateTime<Utc>> = r.get(4);
    Ok(ApiToken {
        id: TokenId::parse(r.get(0))?,
        username: Username::parse(r.get(1))?,
        label: r.get(2),
        created_at: Instant::from_utc(r.get(3)),
        revoked_at: revoked.map(Instant::from_utc),
        expires_at: r.get::<_, Option<DateTime<Utc>>>(5).map(Instant::from_utc),
    })
}
