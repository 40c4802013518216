//! Documents on a child's record: added with their content checked (size, type by
//! content, a name that agrees), kept content-addressed with their `case.document_added`
//! event in one transaction; read back only by whoever may see the record, and only
//! documents of that record.

use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::calendar::england_today;
use sendscope_domain::documents::{DocumentKind, check, safe_file_name};
use sendscope_domain::event::{DocumentAdded, EventBody};
use sendscope_domain::ids::CaseId;
use sendscope_domain::projection::DocumentState;
use sendscope_domain::{Actor, DomainError, NewEvent, StreamRef};
use sendscope_store::{Store, StoreError};
use sha2::{Digest, Sha256};

/// A file as uploaded, with what it is.
pub struct Upload {
    pub file_name: String,
    pub title: String,
    pub kind: DocumentKind,
    pub bytes: Vec<u8>,
}

/// Adds a document to a case: refused (and nothing kept) unless `who` may add a document
/// of that kind there and the file passes the checks.
pub fn add(
    store: &dyn Store,
    username: &str,
    who: &Principal,
    case: CaseId,
    upload: Upload,
) -> Result<DocumentState, StepError> {
    let p = visible_case(store, who, case)?;
    let today = england_today();
    if !authorise(
        who,
        Action::AddDocument(upload.kind),
        Resource::Case {
            projection: &p,
            today,
        },
    )
    .allowed()
    {
        return Err(StepError::Forbidden);
    }
    let (event, added) = document_event(&p, username, &upload)?;
    match store.add_document(&upload.bytes, &[event]) {
        Ok(_) => Ok(DocumentState {
            document: added,
            added_by: format!("user:{username}"),
        }),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(StoreError::Domain(e)) => Err(StepError::Invalid(e.to_string())),
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}

/// The event that puts an uploaded file on a record, once the file has passed the checks
/// (the caller has authorised the upload); with what it says.
pub(crate) fn document_event(
    p: &sendscope_domain::Projection,
    username: &str,
    upload: &Upload,
) -> Result<(NewEvent, DocumentAdded), StepError> {
    let title = upload.title.trim().to_string();
    if title.is_empty() {
        return Err(StepError::Invalid(
            "Say what the document is, for example \"Speech and language therapy advice\"".into(),
        ));
    }
    let media_type = check(&upload.file_name, &upload.bytes).map_err(|e| match e {
        DomainError::Refused(m) => StepError::Invalid(m),
        e => StepError::Invalid(e.to_string()),
    })?;
    let added = DocumentAdded {
        sha256: hex::encode(Sha256::digest(&upload.bytes)),
        file_name: safe_file_name(&upload.file_name),
        media_type,
        size: upload.bytes.len() as u64,
        title,
        kind: upload.kind,
        on: england_today(),
    };
    let event = step_today(p, username, EventBody::DocumentAdded(added.clone()))?;
    Ok((event, added))
}

/// A child's record `who` may see, for a partner's or family's step on it; not found
/// otherwise (the two are not told apart).
pub(crate) fn visible_case(
    store: &dyn Store,
    who: &Principal,
    case: CaseId,
) -> Result<sendscope_domain::Projection, StepError> {
    store
        .projection(StreamRef::case(case))
        .map_err(|e| StepError::Internal(e.to_string()))?
        .filter(|p| p.case().is_some() && crate::access::may_see(who, p))
        .ok_or(StepError::NotFound)
}

/// The child's name as a list shows it ("Noor Patel"); empty if the record has none.
pub(crate) fn child_name(c: &sendscope_domain::projection::CaseState) -> String {
    c.child
        .as_ref()
        .map(|ch| format!("{} {}", ch.given_names, ch.family_name))
        .unwrap_or_default()
}

/// A step on a record taken today by the signed-in `username`.
pub(crate) fn step_today(
    p: &sendscope_domain::Projection,
    username: &str,
    body: EventBody,
) -> Result<NewEvent, StepError> {
    Ok(NewEvent {
        stream: p.stream,
        area: p.area,
        body,
        actor: Actor::parse(&format!("user:{username}"))
            .map_err(|e| StepError::Internal(e.to_string()))?,
        effective_date: england_today(),
        reason: None,
        recorded_at: None,
    })
}

/// Sorts what is asked of someone: awaited first, soonest due; then answered, newest
/// first.
pub(crate) fn awaited_first<T>(
    items: &mut [T],
    due: impl Fn(&T) -> chrono::NaiveDate,
    answered: impl Fn(&T) -> Option<chrono::NaiveDate>,
) {
    items.sort_by(|a, b| {
        let open = |x: &T| answered(x).is_none();
        open(b).cmp(&open(a)).then(if open(a) {
            due(a).cmp(&due(b))
        } else {
            answered(b).cmp(&answered(a))
        })
    });
}

/// Writes a step's events, with the content of the document among them if there is one,
/// in one transaction; the store's refusals as the step's.
pub(crate) fn write_with(
    store: &dyn Store,
    document: Option<&Upload>,
    events: &[NewEvent],
) -> Result<(), StepError> {
    let written = match document {
        Some(d) => store.add_document(&d.bytes, events),
        None => store.append(events),
    };
    match written {
        Ok(_) => Ok(()),
        Err(StoreError::Domain(DomainError::Refused(m))) => Err(StepError::Refused(m)),
        Err(StoreError::Domain(e)) => Err(StepError::Invalid(e.to_string())),
        Err(e) => Err(StepError::Internal(e.to_string())),
    }
}

/// The kinds of document `who` may add to this record (none: they may add none).
pub fn kinds_allowed(who: &Principal, p: &sendscope_domain::Projection) -> Vec<DocumentKind> {
    let today = england_today();
    DocumentKind::ALL
        .into_iter()
        .filter(|k| {
            authorise(
                who,
                Action::AddDocument(*k),
                Resource::Case {
                    projection: p,
                    today,
                },
            )
            .allowed()
        })
        .collect()
}

/// A document of a record `who` may see, with its content; `None` if there is no such
/// record, they may not see it, or the document is not on it.
pub fn read(
    store: &dyn Store,
    who: &Principal,
    case: CaseId,
    sha256: &str,
) -> Result<Option<(DocumentState, Vec<u8>)>, StoreError> {
    let Some(p) = store.projection(StreamRef::case(case))? else {
        return Ok(None);
    };
    if !crate::access::may_see(who, &p) {
        return Ok(None);
    }
    let Some(doc) = p
        .case()
        .and_then(|c| c.documents.iter().find(|d| d.document.sha256 == sha256))
        .cloned()
    else {
        return Ok(None);
    };
    let mut key = [0u8; 32];
    if hex::decode_to_slice(sha256, &mut key).is_err() {
        return Ok(None);
    }
    let content = store.document(&key)?.ok_or_else(|| {
        StoreError::Corrupt(format!(
            "the content of document {sha256} is missing: restore it from a backup"
        ))
    })?;
    Ok(Some((doc, content)))
}
