//! Who looked: every view of a child's record is written to the append-only access log
//! before the record is shown. Views arriving together are written together (group
//! commit): one thread takes whatever is waiting, writes it in one transaction, and
//! answers each request only once its entry is committed. A view that cannot be logged
//! is not shown.

use sendscope_store::{AccessEntry, Store};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The most entries written in one transaction.
const MAX_BATCH: usize = 512;

type Ack = SyncSender<Result<(), String>>;

pub struct AccessLogger {
    queue: SyncSender<(AccessEntry, Ack)>,
}

impl AccessLogger {
    /// Starts the writer thread; it ends when the logger is dropped.
    pub fn start(store: Arc<dyn Store>) -> Self {
        let (queue, rx) = sync_channel::<(AccessEntry, Ack)>(4 * MAX_BATCH);
        std::thread::Builder::new()
            .name("access-log".into())
            .spawn(move || write_batches(store.as_ref(), rx))
            .map(|_| ())
            .unwrap_or_else(|e| tracing::error!(%e, "the access-log writer could not start"));
        AccessLogger { queue }
    }

    /// Logs one view and waits until it is committed. Call from blocking code.
    pub fn log(&self, entry: AccessEntry) -> Result<(), String> {
        let (ack, done) = sync_channel(1);
        self.queue
            .send((entry, ack))
            .map_err(|_| "the access log is not accepting entries".to_string())?;
        done.recv()
            .unwrap_or_else(|_| Err("the access-log writer stopped".into()))
    }
}

fn write_batches(store: &dyn Store, rx: Receiver<(AccessEntry, Ack)>) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(x) => batch.push(x),
                Err(_) => break,
            }
        }
        let entries: Vec<AccessEntry> = batch.iter().map(|(e, _)| e.clone()).collect();
        let result = store.log_accesses(&entries).map_err(|e| e.to_string());
        for (_, ack) in batch {
            let _ = ack.send(result.clone());
        }
    }
}
