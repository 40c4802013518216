//! Every response carries a strict `Content-Security-Policy`, `nosniff`, no referrer, no
//! framing and (but the service's own static files) `no-store`; HSTS over HTTPS. The page
//! template has no inline script for the policy to block: GOV.UK Frontend starts from files
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
            Some(sendscope_web::CONTENT_SECURITY_POLICY),
            "{path}"
        );
        assert!(
            sendscope_web::CONTENT_SECURITY_POLICY.contains("frame-ancestors 'none'"),
            "never framed"
        );
        for (h, v) in [
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ] {
            assert_eq!(
                r.headers().get(&h).and_then(|v| v.to_str().ok()),
                Some(v),
                "{path}: {h}"
            );
        }
        // Pages and answers may hold personal data: never cached; the service's own
        // static files may be.
        assert_eq!(
            r.headers()
                .get(header::CACHE_CONTROL)
                .is_some_and(|v| v == "no-store"),
            !path.starts_with("/assets/"),
            "{path}: cache"
        );
        // HSTS only when served over HTTPS (secure cookies).
        assert!(
            r.headers().get(header::STRICT_TRANSPORT_SECURITY).is_none(),
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

#[tokio::test]
async fn over_https_browsers_are_told_to_keep_to_it() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("c.db").display());
    let store: Arc<dyn Store> = Arc::from(sendscope_store::open(&url).expect("store"));
    let r = sendscope_web::router(store, true)
        .oneshot(
            Request::get("/sign-in")
                .body(Body::empty())
                .expect("request"),
        )
        .await
        .expect("response");
    assert_eq!(
        r.headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .and_then(|v| v.to_str().ok()),
        Some("max-age=31536000; includeSubDomains")
    );
}
