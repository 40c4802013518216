//! The history anchored outside the database, on a schedule: while the service runs with
//! a checkpoint key, it verifies the events added since its last checkpoint (the whole
//! history the first time) and signs the head (Ed25519, the key kept outside the
//! database), keeps the checkpoint to show on the public figures pages and at
//! `/figures/checkpoint.json`, and writes each to a folder if given. Anyone holding one
//! can later prove the history up to it was neither rewritten nor cut short
//! (`sendscope audit verify --checkpoint FILE`).

use crate::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sendscope_domain::chain::{ChainVerifier, Checkpoint};
use sendscope_store::Store;
use std::sync::{Arc, Mutex, RwLock};

/// How the service signs its checkpoints.
#[derive(Clone)]
pub struct Anchoring {
    pub key: [u8; 32],
    pub every: std::time::Duration,
    /// Each checkpoint is written here too, as `checkpoint-SEQ.json`.
    pub dir: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for Anchoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchoring")
            .field("every", &self.every)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// The latest checkpoint, and the chain verified so far.
#[derive(Default)]
pub struct Anchor {
    latest: RwLock<Option<Checkpoint>>,
    verifier: Mutex<ChainVerifier>,
}

impl Anchor {
    pub fn latest(&self) -> Option<Checkpoint> {
        self.latest.read().map(|l| l.clone()).unwrap_or_default()
    }

    /// Verifies what is new and signs the head; `None` while there are no events, or
    /// when nothing was added since the last checkpoint.
    pub fn sign_now(
        &self,
        store: &dyn Store,
        how: &Anchoring,
    ) -> Result<Option<Checkpoint>, String> {
        let mut v = self
            .verifier
            .lock()
            .map_err(|_| "the verifier stopped".to_string())?;
        let r = sendscope_store::verify_from(store, &mut v).map_err(|e| e.to_string())?;
        if let Some(b) = r.first_break {
            return Err(format!(
                "the event history fails verification at event {}: {}; no checkpoint signed",
                b.seq, b.problem
            ));
        }
        let Some(head) = r.head else { return Ok(None) };
        if self.latest().is_some_and(|l| l.seq == r.events) {
            return Ok(None);
        }
        let head: [u8; 32] = hex::decode(&head)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or("the chain's head is not a hash")?;
        let cp = Checkpoint::sign(
            &how.key,
            r.events,
            &head,
            &sendscope_domain::Instant::now().to_string(),
        );
        if let Some(dir) = &how.dir {
            let path = dir.join(format!("checkpoint-{}.json", cp.seq));
            let json = serde_json::to_string_pretty(&cp).map_err(|e| e.to_string())?;
            std::fs::write(&path, json + "\n")
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        if let Ok(mut l) = self.latest.write() {
            *l = Some(cp.clone());
        }
        Ok(Some(cp))
    }
}

/// Signs a checkpoint now and then every `how.every`, on the blocking pool, until the
/// service stops. A failure is logged loudly and tried again next time.
pub fn start(anchor: Arc<Anchor>, store: Arc<dyn Store>, how: Anchoring) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(how.every);
        loop {
            tick.tick().await;
            let (anchor, store, how) = (anchor.clone(), store.clone(), how.clone());
            match tokio::task::spawn_blocking(move || anchor.sign_now(store.as_ref(), &how)).await {
                Ok(Ok(Some(cp))) => {
                    tracing::info!(seq = cp.seq, head = %cp.head, "checkpoint signed")
                }
                Ok(Ok(None)) => {}
                Ok(Err(e)) => tracing::error!(%e, "no checkpoint could be signed"),
                Err(e) => tracing::error!(%e, "the checkpoint task failed"),
            }
        }
    });
}

/// GET /figures/checkpoint.json: the latest checkpoint, for anyone to keep.
pub async fn latest(State(app): State<AppState>) -> Response {
    match app.anchor.latest() {
        Some(cp) => (
            [(header::CONTENT_TYPE, "application/json")],
            serde_json::to_string_pretty(&cp).unwrap_or_default(),
        )
            .into_response(),
        None => crate::Error::not_found(
            "This service has not signed a checkpoint yet: it signs one on a schedule when it is given a key.",
        )
        .heading("No checkpoint yet")
        .into_response(),
    }
}

/// What the public figures page says about the latest checkpoint.
pub fn section(cp: Option<&Checkpoint>) -> maud::Markup {
    maud::html! {
        h2.govuk-heading-m { "Proof that the records are not rewritten" }
        @match cp {
            Some(cp) => {
                p.govuk-body {
                    "Every change to the records is kept in a chain that cannot be altered without it showing. "
                    "The service signs the end of the chain on a schedule with a key kept outside the database. "
                    "The latest signature covers changes 1 to " (cp.seq) ", signed "
                    (sendscope_domain::Instant::parse(&cp.made_at).map(|t| sendscope_domain::calendar::long_date(t.england_date())).unwrap_or_default())
                    "."
                }
                p.govuk-body {
                    a.govuk-link href="/figures/checkpoint.json" download { "Download the latest signature (JSON)" }
                    ". Anyone who keeps it can later check, with the public key below, that the history up to it was neither rewritten nor cut short."
                }
                p.govuk-body { "Public key: " code { (cp.public_key) } }
            }
            None => {
                p.govuk-body { "This service has not signed its history yet." }
            }
        }
    }
}
