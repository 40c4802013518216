//! Every request gets a reference (answered as `X-Request-Id`) and one line in the
//! service's log: method, path with every identifier replaced by `{id}` (never a name, a
//! search or any query), status and time taken. A failure's details go to the log under
//! that reference and nowhere else: the person sees a GOV.UK error page, or an RFC 9457
//! problem, quoting the reference for the service desk.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header a request's reference is answered in.
pub const REQUEST_ID: &str = "x-request-id";

/// A request's reference: 12 random hexadecimal digits.
fn reference() -> String {
    hex::encode(&uuid::Uuid::new_v4().into_bytes()[..6])
}

/// A path as it may be logged: a segment holding a digit (a record's identifier, a
/// number, an LA code, an asset's fingerprint) becomes `{id}`; the query is never seen.
pub fn loggable(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.chars().any(|c| c.is_ascii_digit()) {
                "{id}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The middleware: gives the request its reference, logs it, and turns a failure into
/// the page or problem that quotes the reference.
pub(crate) async fn track(req: Request, next: Next) -> Response {
    let id = reference();
    let method = req.method().clone();
    let path = loggable(req.uri().path());
    let api = req.uri().path().starts_with("/api/");
    let started = std::time::Instant::now();
    let mut r = next.run(req).await;
    if let Some(e) = r.extensions_mut().remove::<crate::Error>() {
        if let Some(detail) = &e.details().failure {
            tracing::error!(request = %id, %method, %path, %detail, "request failed");
        }
        let viewer = r.extensions_mut().remove::<crate::ui::Viewer>();
        r = if api {
            e.problem_response(&id)
        } else {
            match viewer {
                Some(v) => crate::ui::with_viewer(v, || e.page(&id)),
                None => e.page(&id),
            }
        };
    }
    tracing::info!(
        request = %id,
        %method,
        %path,
        status = r.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1000.0,
        "served"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        r.headers_mut().insert(REQUEST_ID, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_logged_without_identifiers_or_queries() {
        assert_eq!(
            loggable("/cases/00000000-010a-411e-906d-19587d88e806/steps/plan-amended"),
            "/cases/{id}/steps/plan-amended"
        );
        assert_eq!(loggable("/figures/831"), "/figures/{id}");
        assert_eq!(loggable("/dashboard"), "/dashboard");
        assert_eq!(reference().len(), 12);
    }

    /// A failure's details reach the log only: the page and the API's problem quote the
    /// request's reference, which is the one answered in `X-Request-Id`.
    #[tokio::test]
    async fn failures_show_a_reference_never_their_details() {
        use axum::body::{Body, to_bytes};
        use axum::response::IntoResponse;
        use tower::ServiceExt;
        let app = axum::Router::new()
            .route(
                "/broken",
                axum::routing::get(|| async {
                    crate::Error::internal("secret detail: table x").into_response()
                }),
            )
            .route(
                "/api/broken",
                axum::routing::get(|| async {
                    crate::Error::internal("secret detail: table x").into_response()
                }),
            )
            .layer(axum::middleware::from_fn(track));
        for path in ["/broken", "/api/broken"] {
            let r = app
                .clone()
                .oneshot(Request::get(path).body(Body::empty()).expect("request"))
                .await
                .expect("response");
            assert_eq!(r.status(), axum::http::StatusCode::INTERNAL_SERVER_ERROR);
            let id = r.headers()[REQUEST_ID].to_str().expect("id").to_string();
            let body = to_bytes(r.into_body(), usize::MAX).await.expect("body");
            let text = String::from_utf8_lossy(&body);
            assert!(!text.contains("secret detail"), "{path}: {text}");
            assert!(
                text.contains(&format!("tell the service desk the reference {id}")),
                "{path}: {text}"
            );
        }
    }
}
