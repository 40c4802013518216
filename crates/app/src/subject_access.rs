//! Subject access (UK GDPR article 15): everything held about a child, as one readable
//! bundle: every event on their record (and on any record merged into it), with who
//! recorded it, when and why; the letters sent; and every logged view of their record.
//! Made on a manager's request, and the making is itself logged as a view.

use sendscope_domain::ids::CaseId;
use sendscope_domain::{Instant, RecordedEvent, StreamRef};
use sendscope_store::{AccessEntry, Store, StoreError};

/// The bundle, in the order a reader wants it.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub case: CaseId,
    pub child: Option<sendscope_domain::event::Child>,
    pub made_at: Instant,
    /// The member of staff who made it (their username).
    pub made_by: String,
    /// Who asked, as the manager recorded it (e.g. "the child's mother, by email").
    pub requested_by: String,
    /// Every event on the record and on records merged into it, oldest first.
    pub events: Vec<RecordedEvent>,
    /// Every logged view of those records, oldest first (this bundle's making last).
    pub views: Vec<AccessEntry>,
    /// The documents on those records, oldest first, with the name each file has in the
    /// bundle's folder of documents.
    pub documents: Vec<(String, sendscope_domain::projection::DocumentState)>,
}

/// Makes the bundle for a child's record; `by` and `role` are who makes it.
pub fn bundle(
    store: &dyn Store,
    case: CaseId,
    by: &str,
    role: &str,
    requested_by: &str,
) -> Result<Bundle, StoreError> {
    let requested_by = requested_by.trim();
    if requested_by.is_empty() || requested_by.chars().count() > 200 {
        return Err(sendscope_domain::DomainError::Invalid {
            what: "who asked",
            value: requested_by.to_string(),
            how: "say in 1 to 200 characters who asked for their data and how (e.g. \"the child's mother, by email on 3 March\")".into(),
        }
        .into());
    }
    let Some(p) = store.projection(StreamRef::case(case))? else {
        return Err(StoreError::NotFound(format!(
            "there is no child's record {case}: copy the reference from the record's page"
        )));
    };
    let sendscope_domain::projection::StreamState::Case(state) = &p.state else {
        return Err(StoreError::NotFound(format!(
            "{case} is not a child's record"
        )));
    };
    let child = state.child.clone();
    // The record and every record merged into it (and into those).
    let mut records = vec![case];
    let mut i = 0;
    while i < records.len() {
        if let Some(q) = store.projection(StreamRef::case(records[i]))? {
            for d in q.merged_from {
                let d = CaseId(d);
                if !records.contains(&d) {
                    records.push(d);
                }
            }
        }
        i += 1;
    }
    let made_at = Instant::now();
    // Logged before the views are read, so the bundle shows its own making.
    store.log_access(&AccessEntry {
        at: made_at,
        username: by.to_string(),
        role: role.to_string(),
        case,
        via: format!("subject access bundle, asked for by {requested_by}"),
    })?;
    let mut events = Vec::new();
    let mut views = Vec::new();
    let mut documents = Vec::new();
    for r in &records {
        if let Some(c) = store
            .projection(StreamRef::case(*r))?
            .and_then(|q| q.case().cloned())
        {
            documents.extend(c.documents);
        }
        events.extend(store.stream_events(StreamRef::case(*r))?);
        views.extend(store.accesses(*r, i64::MAX as usize)?);
    }
    events.sort_by_key(|e| e.seq);
    views.reverse();
    views.sort_by_key(|v| v.at);
    Ok(Bundle {
        case,
        child,
        made_at,
        made_by: by.to_string(),
        requested_by: requested_by.to_string(),
        events,
        views,
        documents: documents
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let name = format!(
                    "{:02}-{}",
                    i + 1,
                    sendscope_domain::documents::safe_file_name(&d.document.file_name)
                );
                (name, d)
            })
            .collect(),
    })
}

/// The bundle's documents with their content, to write beside it; a document whose
/// content is no longer held (erased) is left out.
pub fn document_files(store: &dyn Store, b: &Bundle) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
    let mut out = Vec::new();
    for (name, d) in &b.documents {
        let mut sha = [0u8; 32];
        if hex::decode_to_slice(&d.document.sha256, &mut sha).is_err() {
            continue;
        }
        if let Some(bytes) = store.document(&sha)? {
            out.push((name.clone(), bytes));
        }
    }
    Ok(out)
}

/// The bundle as JSON: the events as recorded (payloads as they are stored, erased ones
/// marked), the views.
pub fn to_json(b: &Bundle) -> serde_json::Value {
    let events: Vec<serde_json::Value> = b
        .events
        .iter()
        .map(|e| {
            let payload = e
                .payload
                .as_deref()
                .and_then(|p| serde_json::from_slice::<serde_json::Value>(p).ok());
            serde_json::json!({
                "seq": e.seq,
                "record": e.stream.id,
                "type": e.event_type,
                "effective_date": e.effective_date.to_string(),
                "recorded_at": e.recorded_at.to_string(),
                "recorded_by": e.actor,
                "reason": e.reason,
                "payload": payload,
                "erased": e.payload.is_none(),
            })
        })
        .collect();
    let views: Vec<serde_json::Value> = b
        .views
        .iter()
        .map(|v| {
            serde_json::json!({
                "at": v.at.to_string(),
                "username": v.username,
                "role": v.role,
                "record": v.case.to_string(),
                "via": v.via,
            })
        })
        .collect();
    serde_json::json!({
        "record": b.case.to_string(),
        "child": b.child,
        "made_at": b.made_at.to_string(),
        "made_by": b.made_by,
        "requested_by": b.requested_by,
        "events": events,
        "documents": b.documents.iter().map(|(name, d)| serde_json::json!({
            "file": name,
            "title": d.document.title,
            "kind": d.document.kind,
            "media_type": d.document.media_type,
            "size": d.document.size,
            "on": d.document.on.to_string(),
            "sha256": d.document.sha256,
            "added_by": d.added_by,
        })).collect::<Vec<_>>(),
        "views": views,
    })
}
