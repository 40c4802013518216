//! Every response carries `Content-Security-Policy: default-src 'self'`, and the page
//! template has no inline script for it to block: GOV.UK Frontend starts from files
//! under `/assets/sendscope/`, which are served.

use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode, header};
use sendscope_store::Store;
use std::sync::Arc;
use tower::ServiceExt;

#[tokio::test]
async fn every_response_is_served_under_a_strict_content_security_policy() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let store: Arc<dyn Store> = Arc::from(sendscope_store::open(&url).expect("store"));
    let router = sendscope_web::router(store, false);
    for (path, status) in [
        ("/", StatusCode::OK),
        ("/sign-in", StatusCode::OK),
        ("/assets/sendscope/js-enabled.js", StatusCode::OK),
        ("/assets/sendscope/init.js", StatusCode::OK),
        ("/assets/govuk-frontend.min.js", StatusCode::OK),
        ("/api/v1/me", StatusCode::UNAUTHORIZED),
        ("/no-such-page", StatusCode::NOT_FOUND),
    ] {
        let r = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).expect("request"))
            .await
            .expect("response");
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(
            r.headers()
                .get(header::CONTENT_SECURITY_POLICY)
                .and_then(|v| v.to_str().ok()),
            Some("default-src 'self'"),
            "{path}"
        );
        let body = to_bytes(r.into_body(), usize::MAX).await.expect("body");
        let text = String::from_utf8_lossy(&body);
        if path == "/" || path == "/sign-in" {
            // Every <script> loads a file of this service's; none carries code itself.
            for tag in text.split("<script").skip(1) {
                let open = tag.split('>').next().unwrap_or("");
                assert!(open.contains("src=\"/assets/"), "{path}: <script{open}>");
                assert!(
                    tag[open.len()..].starts_with("></script>"),
                    "{path}: inline script"
                );
            }
            assert!(!text.contains(" style="), "{path}: inline style");
            assert!(!text.contains("<style"), "{path}: inline style");
        }
    }
}
