//! `Idempotency-Key` on API writes: a client that sends a POST again with the same key
//! (it lost the answer, say) gets the first answer back and nothing is recorded twice; the
//! same key with a different request is refused; a second request while the first is
//! still being answered is told to wait. Keys are kept per caller (their bearer token's
//! digest) for a day, in memory: a restart forgets them (the step itself is kept, so a
//! retry after a restart is answered by the rules, e.g. "already recorded").

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const HEADER: &str = "idempotency-key";
const KEEP: Duration = Duration::from_secs(24 * 3600);
/// The largest request or answer kept (the service refuses larger writes anyway).
const MAX_BYTES: usize = 4 << 20;

enum Entry {
    Running {
        request: [u8; 32],
    },
    Done {
        request: [u8; 32],
        status: StatusCode,
        content_type: Option<HeaderValue>,
        body: Vec<u8>,
        at: Instant,
    },
}

/// The answers given, by caller and key.
#[derive(Default)]
pub struct Keys(Mutex<HashMap<([u8; 32], String), Entry>>);

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::json!({
            "type": "idempotency-key",
            "title": title,
            "status": status.as_u16(),
            "detail": detail,
        })
        .to_string(),
    )
        .into_response()
}

/// The middleware, for POSTs to the API that carry the header.
pub async fn keyed(
    axum::extract::State(keys): axum::extract::State<std::sync::Arc<Keys>>,
    req: Request,
    next: Next,
) -> Response {
    let key = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string());
    let (Some(key), true) = (
        key,
        req.method() == Method::POST && req.uri().path().starts_with("/api/"),
    ) else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 200 {
        return problem(
            StatusCode::BAD_REQUEST,
            "The Idempotency-Key is not usable",
            "Send a key of 1 to 200 characters, such as a UUID, new for each request",
        );
    }
    let caller: [u8; 32] = Sha256::digest(
        req.headers()
            .get(header::AUTHORIZATION)
            .map(HeaderValue::as_bytes)
            .unwrap_or_default(),
    )
    .into();
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES).await else {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request is too large",
            "Send less than 4 MB",
        );
    };
    let mut h = Sha256::new();
    h.update(parts.uri.path().as_bytes());
    h.update(&bytes);
    let request: [u8; 32] = h.finalize().into();
    let slot = (caller, key);
    {
        let mut map = keys.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        map.retain(|_, e| !matches!(e, Entry::Done { at, .. } if now.duration_since(*at) > KEEP));
        match map.get(&slot) {
            Some(Entry::Done { request: r, .. } | Entry::Running { request: r })
                if *r != request =>
            {
                return problem(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "This Idempotency-Key was used for another request",
                    "Use a new key for each different request",
                );
            }
            Some(Entry::Running { .. }) => {
                return problem(
                    StatusCode::CONFLICT,
                    "A request with this Idempotency-Key is still being answered",
                    "Wait for its answer, then send it again with the same key to read it",
                );
            }
            Some(Entry::Done {
                status,
                content_type,
                body,
                ..
            }) => {
                let mut r = (*status, body.clone()).into_response();
                if let Some(t) = content_type {
                    r.headers_mut().insert(header::CONTENT_TYPE, t.clone());
                }
                r.headers_mut()
                    .insert("idempotent-replay", HeaderValue::from_static("true"));
                return r;
            }
            None => {
                map.insert(slot.clone(), Entry::Running { request });
            }
        }
    }
    let r = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (parts, body) = r.into_parts();
    let body = to_bytes(body, MAX_BYTES).await.unwrap_or_default();
    let mut map = keys.0.lock().unwrap_or_else(|p| p.into_inner());
    // Answers that depend on the moment (a server error, being told to wait) are not
    // kept: the client may try again with the same key.
    if parts.status.is_server_error() {
        map.remove(&slot);
    } else {
        map.insert(
            slot,
            Entry::Done {
                request,
                status: parts.status,
                content_type: parts.headers.get(header::CONTENT_TYPE).cloned(),
                body: body.to_vec(),
                at: Instant::now(),
            },
        );
    }
    Response::from_parts(parts, Body::from(body))
}
