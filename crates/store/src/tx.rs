//! The append and rebuild algorithms, written once over [`Tx`], the handful of
//! operations each backend provides inside one transaction.

use crate::{Guard, Result, StoreError};
use sendscope_domain::chain::event_hash;
use sendscope_domain::ids::{AreaId, PersonId};
use sendscope_domain::projection::CaseIndex;
use sendscope_domain::{
    EventBody, Instant, PreparedEvent, Projection, RecordedEvent, StreamRef, rules,
};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use uuid::Uuid;

/// A stream's row: internal number, kind and area.
#[derive(Clone)]
pub(crate) struct StreamRow {
    pub no: i64,
    pub stream: StreamRef,
    pub area: AreaId,
}

/// A projection ready to store.
pub(crate) struct ProjectionRow<'a> {
    pub no: i64,
    pub projection: &'a Projection,
    pub json: String,
    pub case_index: Option<CaseIndex>,
    /// The case's people with parental responsibility, when they must be (re)written.
    pub people: Option<Vec<PersonId>>,
}

/// The streams found, and their stored projections by stream number.
pub(crate) type StreamsFound = (HashMap<Uuid, StreamRow>, HashMap<i64, String>);

/// Operations inside one write transaction. Implementations must hold the chain lock
/// from `head` until commit.
pub(crate) trait Tx {
    fn head(&mut self) -> Result<(u64, [u8; 32])>;
    fn set_head(&mut self, seq: u64, hash: &[u8; 32]) -> Result<()>;
    fn max_stream_no(&mut self) -> Result<i64>;
    fn find_stream(&mut self, id: Uuid) -> Result<Option<StreamRow>>;
    fn insert_stream(&mut self, row: &StreamRow) -> Result<()>;
    fn load_projection(&mut self, no: i64) -> Result<Option<String>>;
    fn insert_streams(&mut self, rows: &[StreamRow]) -> Result<()> {
        rows.iter().try_for_each(|r| self.insert_stream(r))
    }
    /// The rows of those streams that exist and their stored projections: where a backend
    /// can, in one round trip. Called after `head`, so it sees every earlier write (the
    /// head and the streams are not read in one statement: under READ COMMITTED that
    /// statement's snapshot could predate a write it waited for).
    fn streams_and_projections(&mut self, ids: &[Uuid]) -> Result<StreamsFound> {
        let mut found = HashMap::with_capacity(ids.len());
        let mut stored = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(r) = self.find_stream(*id)? {
                if let Some(json) = self.load_projection(r.no)? {
                    stored.insert(r.no, json);
                }
                found.insert(*id, r);
            }
        }
        Ok((found, stored))
    }
    fn load_stream_events(&mut self, row: &StreamRow) -> Result<Vec<RecordedEvent>>;
    fn insert_events(&mut self, rows: &[(i64, RecordedEvent)]) -> Result<()>;
    /// The batch's last events and the chain's new head, together (one round trip where a
    /// backend can).
    fn insert_events_and_head(
        &mut self,
        rows: &[(i64, RecordedEvent)],
        seq: u64,
        hash: &[u8; 32],
    ) -> Result<()> {
        self.insert_events(rows)?;
        self.set_head(seq, hash)
    }
    fn erase_payloads(&mut self, seqs: &[u64]) -> Result<()>;
    fn save_projections(&mut self, rows: &[ProjectionRow<'_>]) -> Result<()>;
    fn clear_projections(&mut self) -> Result<()>;
    /// Up to `limit` (stream row, event) pairs after the given (stream_no, version), in that order.
    fn events_by_stream_after(
        &mut self,
        no: i64,
        version: u32,
        limit: usize,
    ) -> Result<Vec<(i64, RecordedEvent)>>;
}

struct Touched {
    row: StreamRow,
    projection: Projection,
    /// The case's people index as stored before this batch.
    people_before: Option<Vec<PersonId>>,
    /// The stream's full history, loaded only when an event needs it.
    history: Option<Vec<RecordedEvent>>,
}

/// A record's projection as this transaction sees it.
fn read_projection(tx: &mut dyn Tx, stream: StreamRef) -> Result<Option<Projection>> {
    let Some(row) = tx.find_stream(stream.id)? else {
        return Ok(None);
    };
    if row.stream.kind != stream.kind {
        return Ok(None);
    }
    tx.load_projection(row.no)?
        .map(|json| Projection::from_json(&json).map_err(StoreError::from))
        .transpose()
}

pub(crate) fn append(
    tx: &mut dyn Tx,
    events: &[PreparedEvent],
    guard: Option<&Guard<'_>>,
) -> Result<Vec<u64>> {
    // Taking the head takes the chain lock: from here to commit no other write lands.
    let (mut seq, mut prev) = tx.head()?;
    if let Some(guard) = guard {
        guard(&mut |stream| read_projection(tx, stream))?;
    }
    let now = Instant::now();
    // Every stream the batch touches, looked up together: a bulk load touches hundreds
    // in a batch, and one round trip each was most of its time on PostgreSQL.
    let mut ids: Vec<Uuid> = Vec::new();
    for p in events {
        if !ids.contains(&p.event.stream.id) {
            ids.push(p.event.stream.id);
        }
    }
    let (mut found, mut stored) = tx.streams_and_projections(&ids)?;
    let mut new_rows: Vec<StreamRow> = Vec::new();
    let mut next_no: Option<i64> = None;
    let mut touched: HashMap<Uuid, Touched> = HashMap::new();
    let mut order: Vec<Uuid> = Vec::new();
    let mut pending: Vec<(i64, RecordedEvent)> = Vec::with_capacity(events.len());
    let mut assigned = Vec::with_capacity(events.len());

    for prepared in events {
        let ne = &prepared.event;
        let id = ne.stream.id;
        let t = match touched.entry(id) {
            Entry::Occupied(o) => o.into_mut(),
            Entry::Vacant(slot) => {
                let t = match found.remove(&id) {
                    Some(row) => {
                        if row.stream.kind != ne.stream.kind || row.area != ne.area {
                            return Err(StoreError::Conflict(format!(
                                "record {id} is a {} in area {}, not a {} in area {}: check the identifier",
                                row.stream.kind, row.area, ne.stream.kind, ne.area
                            )));
                        }
                        let json = stored.remove(&row.no).ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "record {id} has events but no projection; run `sendscope rebuild`"
                            ))
                        })?;
                        let projection = Projection::from_json(&json)?;
                        Touched {
                            people_before: projection.case_people(),
                            projection,
                            row,
                            history: None,
                        }
                    }
                    None => {
                        let no = match next_no {
                            Some(n) => n,
                            None => tx.max_stream_no()? + 1,
                        };
                        next_no = Some(no + 1);
                        let row = StreamRow {
                            no,
                            stream: ne.stream,
                            area: ne.area,
                        };
                        new_rows.push(row.clone());
                        Touched {
                            projection: Projection::empty(ne.stream, ne.area),
                            people_before: None,
                            row,
                            history: None,
                        }
                    }
                };
                order.push(id);
                slot.insert(t)
            }
        };
        let needs_history = matches!(
            ne.body,
            EventBody::Corrected(_) | EventBody::Voided(_) | EventBody::PayloadsErased(_)
        );
        if needs_history && t.history.is_none() {
            // Earlier events of this batch for this stream are still pending: write them first.
            tx.insert_streams(&new_rows)?;
            new_rows.clear();
            tx.insert_events(&pending)?;
            pending.clear();
            t.history = Some(tx.load_stream_events(&t.row)?);
        }
        rules::check(&t.projection, &ne.body, t.history.as_deref())?;
        if let Some(reason) = &ne.reason
            && reason.trim().is_empty()
        {
            return Err(StoreError::Domain(sendscope_domain::DomainError::Refused(
                "a reason, when given, must say something; leave it out otherwise".into(),
            )));
        }
        seq += 1;
        let mut ev = RecordedEvent {
            seq,
            stream: ne.stream,
            version: t.projection.version + 1,
            area: ne.area,
            event_type: ne.body.event_type().to_string(),
            actor: ne.actor.as_str().to_string(),
            recorded_at: ne.recorded_at.unwrap_or(now),
            effective_date: ne.effective_date,
            reason: ne.reason.clone(),
            payload_digest: prepared.payload_digest,
            payload: Some(prepared.payload.clone()),
            hash: [0; 32],
        };
        ev.hash = event_hash(&prev, &ev);
        prev = ev.hash;
        assigned.push(seq);

        if let EventBody::PayloadsErased(x) = &ne.body {
            tx.insert_streams(&new_rows)?;
            new_rows.clear();
            tx.insert_events(&pending)?;
            pending.clear();
            tx.erase_payloads(&x.events)?;
            if let Some(h) = &mut t.history {
                for e in h.iter_mut().filter(|e| x.events.contains(&e.seq)) {
                    e.payload = None;
                }
            }
        }
        if let Some(h) = &mut t.history {
            h.push(ev.clone());
        }
        if ne.body.rewrites_history() {
            let history = t.history.as_deref().unwrap_or_default();
            t.projection = Projection::fold(ne.stream, ne.area, history)?;
        } else {
            t.projection.apply(&ev, &ne.body);
        }
        pending.push((t.row.no, ev));
    }
    tx.insert_streams(&new_rows)?;
    new_rows.clear();
    tx.insert_events_and_head(&pending, seq, &prev)?;
    let mut rows = Vec::with_capacity(order.len());
    for id in &order {
        if let Some(t) = touched.get(id) {
            let people = t.projection.case_people();
            rows.push(ProjectionRow {
                no: t.row.no,
                json: t.projection.to_json()?,
                case_index: t.projection.case_index(),
                people: if people == t.people_before {
                    None
                } else {
                    Some(people.unwrap_or_default())
                },
                projection: &t.projection,
            });
        }
    }
    tx.save_projections(&rows)?;
    crate::test_hook("append:before-commit");
    Ok(assigned)
}

pub(crate) fn rebuild(tx: &mut dyn Tx) -> Result<crate::RebuildReport> {
    // Taking the head locks out writers for the whole rebuild.
    tx.head()?;
    tx.clear_projections()?;
    let mut streams = 0u64;
    let mut events = 0u64;
    let mut current: Option<(i64, Vec<RecordedEvent>)> = None;
    let mut out: Vec<(i64, Projection)> = Vec::new();
    let mut after = (0i64, 0u32);
    let flush = |tx: &mut dyn Tx, out: &mut Vec<(i64, Projection)>| -> Result<()> {
        let mut rows = Vec::with_capacity(out.len());
        for (no, p) in out.iter() {
            rows.push(ProjectionRow {
                no: *no,
                json: p.to_json()?,
                case_index: p.case_index(),
                people: p.case_people(),
                projection: p,
            });
        }
        tx.save_projections(&rows)?;
        out.clear();
        Ok(())
    };
    loop {
        let page = tx.events_by_stream_after(after.0, after.1, 20_000)?;
        if page.is_empty() {
            break;
        }
        if let Some((no, e)) = page.last() {
            after = (*no, e.version);
        }
        for (no, e) in page {
            events += 1;
            match &mut current {
                Some((cur, evs)) if *cur == no => evs.push(e),
                _ => {
                    if let Some((cno, evs)) = current.take() {
                        out.push((cno, fold_all(&evs)?));
                        streams += 1;
                    }
                    current = Some((no, vec![e]));
                }
            }
        }
        if out.len() >= 5_000 {
            flush(tx, &mut out)?;
        }
    }
    if let Some((cno, evs)) = current.take() {
        out.push((cno, fold_all(&evs)?));
        streams += 1;
    }
    flush(tx, &mut out)?;
    crate::test_hook("rebuild:before-commit");
    Ok(crate::RebuildReport { streams, events })
}

fn fold_all(evs: &[RecordedEvent]) -> Result<Projection> {
    let first = evs
        .first()
        .ok_or_else(|| StoreError::Corrupt("empty stream".into()))?;
    Ok(Projection::fold(first.stream, first.area, evs)?)
}
