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
    /// The record `stream` no longer holds these documents (their events' payloads are
    /// erased): the content of each that no other record holds is deleted.
    fn forget_documents(&mut self, stream: uuid::Uuid, shas: &[[u8; 32]]) -> Result<()>;
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

#[derive(Clone)]
struct Touched {
    row: StreamRow,
    projection: Projection,
    /// The case's people index as stored before this batch.
    people_before: Option<Vec<PersonId>>,
    /// The stream's full history, loaded only when an event needs it.
    history: Option<Vec<RecordedEvent>>,
}

/// One caller's events in a batch, with the guard they must pass.
pub(crate) struct Submission<'a> {
    pub events: &'a [PreparedEvent],
    pub guard: Option<&'a Guard>,
}

/// Whether a batch needs a stream's whole history (a correction, void or erasure): such a
/// batch writes part of itself before it ends, so it is never combined with others.
pub(crate) fn needs_history(events: &[PreparedEvent]) -> bool {
    events.iter().any(|p| {
        matches!(
            p.event.body,
            EventBody::Corrected(_) | EventBody::Voided(_) | EventBody::PayloadsErased(_)
        )
    })
}

/// Appends one caller's events: all or none. An error rolls the transaction back.
pub(crate) fn append(
    tx: &mut dyn Tx,
    events: &[PreparedEvent],
    guard: Option<&Guard>,
) -> Result<Vec<u64>> {
    append_batch(tx, &[Submission { events, guard }])?
        .pop()
        .unwrap_or_else(|| Ok(Vec::new()))
}

/// Appends several callers' events in one transaction (group commit), each in turn as if
/// alone: each is validated, and its guard decided, against the records as the callers
/// before it in the batch left them. One refused (a rule or a guard says no) writes
/// nothing of its own and is answered with its error; the others are written. An error
/// of the database itself fails the whole batch (the outer error): the transaction is
/// then rolled back and nothing is written.
pub(crate) fn append_batch(
    tx: &mut dyn Tx,
    submissions: &[Submission<'_>],
) -> Result<Vec<Result<Vec<u64>>>> {
    // Taking the head takes the chain lock: from here to commit no other write lands.
    let (seq, prev) = tx.head()?;
    // Every stream the batch touches, looked up together: a bulk load touches hundreds
    // in a batch, and one round trip each was most of its time on PostgreSQL.
    let mut ids: Vec<Uuid> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for p in submissions.iter().flat_map(|s| s.events) {
        if seen.insert(p.event.stream.id) {
            ids.push(p.event.stream.id);
        }
    }
    let (found, stored) = tx.streams_and_projections(&ids)?;
    let mut batch = Batch {
        seq,
        prev,
        now: Instant::now(),
        found,
        stored,
        new_rows: Vec::new(),
        next_no: None,
        touched: HashMap::new(),
        order: Vec::new(),
        pending: Vec::with_capacity(submissions.iter().map(|s| s.events.len()).sum()),
        wrote_early: false,
    };
    let mut results = Vec::with_capacity(submissions.len());
    for s in submissions {
        let mark = batch.mark(s.events);
        match batch.add(tx, s) {
            Ok(seqs) => results.push(Ok(seqs)),
            Err(e @ (StoreError::Domain(_) | StoreError::Conflict(_))) if !batch.wrote_early => {
                batch.restore(mark);
                results.push(Err(e));
            }
            Err(e) => return Err(e),
        }
    }
    batch.finish(tx)?;
    Ok(results)
}

/// The state of a batch being appended.
struct Batch {
    seq: u64,
    prev: [u8; 32],
    now: Instant,
    found: HashMap<Uuid, StreamRow>,
    stored: HashMap<i64, String>,
    new_rows: Vec<StreamRow>,
    next_no: Option<i64>,
    touched: HashMap<Uuid, Touched>,
    order: Vec<Uuid>,
    pending: Vec<(i64, RecordedEvent)>,
    /// Part of the batch has been written ahead of its end (see [`needs_history`]): an
    /// error can no longer be confined to one submission.
    wrote_early: bool,
}

/// Where a batch stood before a submission, to put it back if the submission is refused.
struct Mark {
    seq: u64,
    prev: [u8; 32],
    next_no: Option<i64>,
    new_rows: usize,
    order: usize,
    pending: usize,
    before: Vec<(Uuid, Touched)>,
}

impl Batch {
    fn mark(&self, events: &[PreparedEvent]) -> Mark {
        let mut before: Vec<(Uuid, Touched)> = Vec::new();
        for p in events {
            let id = p.event.stream.id;
            if let Some(t) = self.touched.get(&id)
                && !before.iter().any(|(b, _)| *b == id)
            {
                before.push((id, t.clone()));
            }
        }
        Mark {
            seq: self.seq,
            prev: self.prev,
            next_no: self.next_no,
            new_rows: self.new_rows.len(),
            order: self.order.len(),
            pending: self.pending.len(),
            before,
        }
    }

    fn restore(&mut self, mark: Mark) {
        self.seq = mark.seq;
        self.prev = mark.prev;
        self.next_no = mark.next_no;
        self.new_rows.truncate(mark.new_rows);
        self.pending.truncate(mark.pending);
        for id in self.order.drain(mark.order..) {
            self.touched.remove(&id);
        }
        for (id, t) in mark.before {
            self.touched.insert(id, t);
        }
    }

    /// A record's projection as this transaction sees it, the batch's earlier events
    /// included.
    fn read(&self, tx: &mut dyn Tx, stream: StreamRef) -> Result<Option<Projection>> {
        if let Some(t) = self.touched.get(&stream.id) {
            return Ok((t.row.stream.kind == stream.kind).then(|| t.projection.clone()));
        }
        let row = match self.found.get(&stream.id) {
            Some(r) => Some(r.clone()),
            None => tx.find_stream(stream.id)?,
        };
        let Some(row) = row else {
            return Ok(None);
        };
        if row.stream.kind != stream.kind {
            return Ok(None);
        }
        let json = match self.stored.get(&row.no) {
            Some(j) => Some(j.clone()),
            None => tx.load_projection(row.no)?,
        };
        json.map(|j| Projection::from_json(&j).map_err(StoreError::from))
            .transpose()
    }

    /// The batch's state of a stream, found or opened on its first event.
    fn touch(&mut self, tx: &mut dyn Tx, ne: &sendscope_domain::NewEvent) -> Result<Uuid> {
        let id = ne.stream.id;
        if self.touched.contains_key(&id) {
            return Ok(id);
        }
        let t = match self.found.get(&id) {
            Some(row) => {
                if row.stream.kind != ne.stream.kind || row.area != ne.area {
                    return Err(StoreError::Conflict(format!(
                        "record {id} is a {} in area {}, not a {} in area {}: check the identifier",
                        row.stream.kind, row.area, ne.stream.kind, ne.area
                    )));
                }
                let json = self.stored.get(&row.no).ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "record {id} has events but no projection; run `sendscope rebuild`"
                    ))
                })?;
                let projection = Projection::from_json(json)?;
                Touched {
                    people_before: projection.case_people(),
                    projection,
                    row: row.clone(),
                    history: None,
                }
            }
            None => {
                let no = match self.next_no {
                    Some(n) => n,
                    None => tx.max_stream_no()? + 1,
                };
                self.next_no = Some(no + 1);
                let row = StreamRow {
                    no,
                    stream: ne.stream,
                    area: ne.area,
                };
                self.new_rows.push(row.clone());
                Touched {
                    projection: Projection::empty(ne.stream, ne.area),
                    people_before: None,
                    row,
                    history: None,
                }
            }
        };
        self.order.push(id);
        self.touched.insert(id, t);
        Ok(id)
    }

    /// Writes what is pending now (before a stream's history is read or payloads erased).
    fn write_early(&mut self, tx: &mut dyn Tx) -> Result<()> {
        self.wrote_early = true;
        tx.insert_streams(&self.new_rows)?;
        self.new_rows.clear();
        tx.insert_events(&self.pending)?;
        self.pending.clear();
        Ok(())
    }

    fn add(&mut self, tx: &mut dyn Tx, s: &Submission<'_>) -> Result<Vec<u64>> {
        if let Some(guard) = s.guard {
            guard(&mut |stream| self.read(tx, stream))?;
        }
        let mut assigned = Vec::with_capacity(s.events.len());
        for prepared in s.events {
            let ne = &prepared.event;
            let id = self.touch(tx, ne)?;
            let needs_history = needs_history(std::slice::from_ref(prepared));
            if needs_history && self.touched.get(&id).is_some_and(|t| t.history.is_none()) {
                // Earlier events of this batch for this stream are still pending: write them first.
                self.write_early(tx)?;
                let row = self.touched.get(&id).map(|t| t.row.clone());
                if let (Some(row), Some(t)) = (row, self.touched.get_mut(&id)) {
                    t.history = Some(tx.load_stream_events(&row)?);
                }
            }
            let Some(t) = self.touched.get(&id) else {
                return Err(StoreError::Corrupt(format!(
                    "record {id} was lost mid-batch"
                )));
            };
            rules::check(&t.projection, &ne.body, t.history.as_deref())?;
            if let Some(reason) = &ne.reason
                && reason.trim().is_empty()
            {
                return Err(StoreError::Domain(sendscope_domain::DomainError::Refused(
                    "a reason, when given, must say something; leave it out otherwise".into(),
                )));
            }
            self.seq += 1;
            let mut ev = RecordedEvent {
                seq: self.seq,
                stream: ne.stream,
                version: t.projection.version + 1,
                area: ne.area,
                event_type: ne.body.event_type().to_string(),
                actor: ne.actor.as_str().to_string(),
                recorded_at: ne.recorded_at.unwrap_or(self.now),
                effective_date: ne.effective_date,
                reason: ne.reason.clone(),
                payload_digest: prepared.payload_digest,
                payload: Some(prepared.payload.clone()),
                hash: [0; 32],
            };
            ev.hash = event_hash(&self.prev, &ev);
            self.prev = ev.hash;
            assigned.push(self.seq);

            if let EventBody::PayloadsErased(x) = &ne.body {
                self.write_early(tx)?;
                tx.erase_payloads(&x.events)?;
                // The documents those events added go with them.
                let shas = self
                    .touched
                    .get(&id)
                    .and_then(|t| t.history.as_deref())
                    .map(|h| erased_documents(h, &x.events))
                    .unwrap_or_default();
                if !shas.is_empty() {
                    tx.forget_documents(ne.stream.id, &shas)?;
                }
            }
            let Some(t) = self.touched.get_mut(&id) else {
                return Err(StoreError::Corrupt(format!(
                    "record {id} was lost mid-batch"
                )));
            };
            if let EventBody::PayloadsErased(x) = &ne.body
                && let Some(h) = &mut t.history
            {
                for e in h.iter_mut().filter(|e| x.events.contains(&e.seq)) {
                    e.payload = None;
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
            self.pending.push((t.row.no, ev));
        }
        Ok(assigned)
    }

    /// Writes the new streams, the events with the chain's head, and the projections.
    fn finish(mut self, tx: &mut dyn Tx) -> Result<()> {
        tx.insert_streams(&self.new_rows)?;
        self.new_rows.clear();
        if !self.pending.is_empty() || self.wrote_early {
            tx.insert_events_and_head(&self.pending, self.seq, &self.prev)?;
        }
        let mut rows = Vec::with_capacity(self.order.len());
        for id in &self.order {
            if let Some(t) = self.touched.get(id) {
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
        Ok(())
    }
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

/// The content addresses of the documents added by the events `seqs` of a history.
fn erased_documents(history: &[RecordedEvent], seqs: &[u64]) -> Vec<[u8; 32]> {
    history
        .iter()
        .filter(|e| seqs.contains(&e.seq) && e.event_type == "case.document_added")
        .filter_map(|e| match e.body().ok()?? {
            EventBody::DocumentAdded(d) => {
                let mut sha = [0u8; 32];
                hex::decode_to_slice(&d.sha256, &mut sha).ok()?;
                Some(sha)
            }
            _ => None,
        })
        .collect()
}
