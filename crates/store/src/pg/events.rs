//! Events as PostgreSQL's batch insert takes them: eleven arrays, one row each.

use chrono::{DateTime, NaiveDate, Utc};
use sendscope_domain::RecordedEvent;

/// The columns and source of an events insert, from eleven arrays ($1 to $11).
pub(super) const INSERT_EVENTS: &str = "(seq, stream_no, version, event_type, actor, recorded_at, effective_date, reason, payload, payload_sha256, hash) \
     SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::int4[], $4::text[], $5::text[], $6::timestamptz[], $7::date[], $8::text[], $9::bytea[], $10::bytea[], $11::bytea[])";

/// Events as the eleven arrays of [`INSERT_EVENTS`].
pub(super) struct EventColumns<'a> {
    seq: Vec<i64>,
    no: Vec<i64>,
    version: Vec<i32>,
    ty: Vec<&'a str>,
    actor: Vec<&'a str>,
    at: Vec<DateTime<Utc>>,
    eff: Vec<NaiveDate>,
    reason: Vec<Option<&'a str>>,
    payload: Vec<Option<&'a [u8]>>,
    digest: Vec<&'a [u8]>,
    hash: Vec<&'a [u8]>,
}

impl<'a> EventColumns<'a> {
    pub(super) fn of(rows: &'a [(i64, RecordedEvent)]) -> Self {
        EventColumns {
            seq: rows.iter().map(|(_, e)| e.seq as i64).collect(),
            no: rows.iter().map(|(n, _)| *n).collect(),
            version: rows.iter().map(|(_, e)| e.version as i32).collect(),
            ty: rows.iter().map(|(_, e)| e.event_type.as_str()).collect(),
            actor: rows.iter().map(|(_, e)| e.actor.as_str()).collect(),
            at: rows.iter().map(|(_, e)| e.recorded_at.utc()).collect(),
            eff: rows.iter().map(|(_, e)| e.effective_date).collect(),
            reason: rows.iter().map(|(_, e)| e.reason.as_deref()).collect(),
            payload: rows.iter().map(|(_, e)| e.payload.as_deref()).collect(),
            digest: rows.iter().map(|(_, e)| &e.payload_digest[..]).collect(),
            hash: rows.iter().map(|(_, e)| &e.hash[..]).collect(),
        }
    }

    pub(super) fn params(&self) -> [&(dyn postgres::types::ToSql + Sync); 11] {
        [
            &self.seq,
            &self.no,
            &self.version,
            &self.ty,
            &self.actor,
            &self.at,
            &self.eff,
            &self.reason,
            &self.payload,
            &self.digest,
            &self.hash,
        ]
    }
}
