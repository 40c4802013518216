//! Who looked: every view of a child's record is written to the append-only access log
//! before the record is shown. Views arriving together are written together (group
//! commit): one thread takes whatever is waiting, writes it in one transaction, and
//! answers each request only once its entry is committed. A view that cannot be logged
//! is not shown. API token uses go the same way to the sign-in log, so an API request
//! does not pay for a write of its own.

use sendscope_store::{AccessEntry, SecurityEntry, Store};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The most entries written in one transaction.
const MAX_BATCH: usize = 512;

type Ack = SyncSender<Result<(), String>>;

/// What waits to be logged: a view, or an entry of the sign-in log.
enum Entry {
    View(AccessEntry),
    SignIn(SecurityEntry),
}

pub struct AccessLogger {
    queue: SyncSender<(Entry, Ack)>,
}

impl AccessLogger {
    /// Starts the writer thread; it ends when the logger is dropped.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, rx) = sync_channel::<(Entry, Ack)>(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_batches(store.as_ref(), rx))
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(%e, "the access-log writer could not start"));
        AccessLogger { queue }
    }

    /// Logs one view and waits until it is committed. Call from blocking code.
    pub fn log(&self, entry: AccessEntry) -> Result<(), String> {
        self.wait_for(Entry::View(entry))
    }

    /// Logs one sign-in log entry (a token used) and waits until it is committed.
    pub fn log_sign_in(&self, entry: SecurityEntry) -> Result<(), String> {
        self.wait_for(Entry::SignIn(entry))
    }

    fn wait_for(&self, entry: Entry) -> Result<(), String> {
        let (ack, done) = sync_channel(1);
        self.queue
            .send((entry, ack))
            .map_err(|_| "the access log is not accepting entries".to_string())?;
        done.recv()
            .unwrap_or_else(|_| Err("the access-log writer stopped".into()))
    }
}

fn write_batches(store: &dyn Store, rx: Receiver<(Entry, Ack)>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(x) => batch.push(x),
                Err(_) => break,
            }
        }
        let mut views = Vec::new();
        let mut sign_ins = Vec::new();
        for (e, _) in &batch {
            match e {
                Entry::View(v) => views.push(v.clone()),
                Entry::SignIn(s) => sign_ins.push(s.clone()),
            }
        }
        let views = if views.is_empty() {
            Ok(())
        } else {
            store.log_accesses(&views)
        };
        let result = views
            .and_then(|()| {
                if sign_ins.is_empty() {
                    Ok(())
                } else {
                    store.log_security(&sign_ins)
                }
            })
            .map_err(|e| e.to_string());
        for (_, ack) in batch {
            let _ = ack.send(result.clone());
        }
    }
}

/// Who a response was made for: put on every signed-in page and API answer (by
/// `with_user` and the API's `with_caller`), so that [`log_views`] can log what it shows.
#[derive(Debug, Clone)]
pub(crate) struct ShownTo {
    pub username: String,
    pub role: String,
}

/// Children's records a response shows besides the one its path names: a list's rows, a
/// queue's items, search results.
#[derive(Debug, Clone, Default)]
pub(crate) struct Shows(pub Vec<sendscope_domain::ids::CaseId>);

impl AccessLogger {
    /// Logs several views and waits until all are committed. Call from blocking code.
    pub fn log_many(&self, entries: Vec<AccessEntry>) -> Result<(), String> {
        let mut waiting = Vec::with_capacity(entries.len());
        for entry in entries {
            let (ack, done) = sync_channel(1);
            self.queue
                .send((Entry::View(entry), ack))
                .map_err(|_| "the access log is not accepting entries".to_string())?;
            waiting.push(done);
        }
        for done in waiting {
            done.recv()
                .unwrap_or_else(|_| Err("the access-log writer stopped".into()))?;
        }
        Ok(())
    }
}

/// The child's record a path is about: `/cases/{id}/…` and `/api/v1/cases/{id}/…`.
fn case_in(path: &str) -> Option<sendscope_domain::ids::CaseId> {
    let rest = path
        .strip_prefix("/cases/")
        .or_else(|| path.strip_prefix("/api/v1/cases/"))?;
    sendscope_domain::ids::CaseId::parse(rest.split('/').next()?).ok()
}

/// Pages that log their own view as they open the record (`views::open_case`).
fn logs_itself(path: &str) -> bool {
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    matches!(
        parts.as_slice(),
        ["", "cases", _]
            | ["", "api", "v1", "cases", _]
            | ["", "api", "v1", "cases", _, "deadlines"]
    )
}

/// The middleware that logs every view of a child's data a page or answer shows: the
/// record its path names (a letter, its preview, a step form, placement options…) and any
/// the handler lists ([`Shows`]), for whoever it was made for ([`ShownTo`]). A record its
/// path names is logged when the answer shows something (2xx); one that cannot be logged
/// is not shown.
pub(crate) async fn log_views(
    axum::extract::State(app): axum::extract::State<crate::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let path = req.uri().path().to_string();
    let mut r = next.run(req).await;
    let Some(to) = r.extensions_mut().remove::<ShownTo>() else {
        return r;
    };
    let mut cases = r
        .extensions_mut()
        .remove::<Shows>()
        .map(|s| s.0)
        .unwrap_or_default();
    // What the handler says it shows is logged whatever the status (possible matches
    // answer 409); the record a path names, when the answer shows something (2xx).
    if let Some(c) = case_in(&path).filter(|_| r.status().is_success() && !logs_itself(&path))
        && !cases.contains(&c)
    {
        cases.push(c);
    }
    if cases.is_empty() {
        return r;
    }
    let via = format!("page {}", crate::requests::loggable(&path));
    let at = sendscope_domain::Instant::now();
    let entries: Vec<AccessEntry> = cases
        .into_iter()
        .map(|case| AccessEntry {
            at,
            username: to.username.clone(),
            role: to.role.clone(),
            case,
            via: via.clone(),
        })
        .collect();
    let log = app.access_log.clone();
    match tokio::task::spawn_blocking(move || log.log_many(entries)).await {
        Ok(Ok(())) => r,
        Ok(Err(e)) => {
            crate::Error::internal(format!("the view could not be logged: {e}")).into_response()
        }
        Err(e) => crate::Error::internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_a_path_is_about() {
        let id = sendscope_domain::ids::CaseId::new_random();
        assert_eq!(
            case_in(&format!("/cases/{id}/letters/new/decision")),
            Some(id)
        );
        assert_eq!(case_in(&format!("/api/v1/cases/{id}/steps")), Some(id));
        assert_eq!(case_in("/cases"), None);
        assert!(logs_itself(&format!("/cases/{id}")));
        assert!(!logs_itself(&format!("/cases/{id}/options")));
    }
}
