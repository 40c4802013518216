//! What the page tests share: the demo area behind the service's router, asked through
//! `tower::ServiceExt::oneshot` (no server process, no sockets), and one macro for "on
//! SQLite and on PostgreSQL".

// Each test file takes what it needs of this module; the rest is unused there.
#![allow(dead_code)]

use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use sendscope_store::Store;
pub use sendscope_testkit::*;
use std::sync::Arc;
use tower::ServiceExt;

/// A test run on SQLite and on PostgreSQL: `both!(name)` makes `name::on_sqlite` and
/// `name::on_postgres` calling `name(db)`.
macro_rules! both {
    ($name:ident) => {
        mod $name {
            #[test]
            fn on_sqlite() {
                super::$name($crate::support::sqlite_db());
            }

            #[test]
            fn on_postgres() {
                super::$name($crate::support::pg_db());
            }
        }
    };
}

/// The demo area behind the service's router, and a way to ask it things.
pub struct Site {
    router: axum::Router,
    rt: tokio::runtime::Runtime,
    pub store: Arc<dyn Store>,
    pub db: Db,
}

impl Site {
    /// The demo with `plans` plans in `db`, and the router over it.
    pub fn demo(db: Db, plans: u32) -> Site {
        demo(&db.url, plans);
        Site::over(db, None)
    }

    /// An empty database behind the router, with the one-time set-up link's `secret`.
    pub fn empty(db: Db, secret: &str) -> Site {
        Site::over(db, Some(secret.to_string()))
    }

    fn over(db: Db, setup: Option<String>) -> Site {
        let store: Arc<dyn Store> = Arc::from(sendscope_store::open(&db.url).expect("opens"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let router = {
            let _in = rt.enter();
            sendscope_web::router_with_setup(store.clone(), false, setup)
        };
        Site {
            router,
            rt,
            store,
            db,
        }
    }

    /// One request's answer: (status, headers, body as bytes).
    fn answer(&self, request: Request<Body>) -> (u16, axum::http::HeaderMap, Vec<u8>) {
        self.rt.block_on(async {
            let r = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("an answer");
            let status = r.status().as_u16();
            let headers = r.headers().clone();
            let body = to_bytes(r.into_body(), usize::MAX).await.expect("body");
            (status, headers, body.to_vec())
        })
    }

    /// One request: (status, Set-Cookie values as name=value, content type, body).
    pub fn send(&self, request: Request<Body>) -> (u16, Vec<String>, String, String) {
        let (status, headers, body) = self.answer(request);
        let cookies = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|c| c.split(';').next().unwrap_or("").to_string())
            .collect();
        let kind = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        (
            status,
            cookies,
            kind,
            String::from_utf8_lossy(&body).into_owned(),
        )
    }

    /// GET as raw bytes with a session cookie or a bearer token (for files such as PDFs):
    /// (status, headers as lower-case name and value, body).
    pub fn get_bytes(
        &self,
        path: &str,
        cookie: &str,
        token: &str,
    ) -> (u16, Vec<(String, String)>, Vec<u8>) {
        let mut r = Request::get(path);
        if !cookie.is_empty() {
            r = r.header(header::COOKIE, cookie);
        }
        if !token.is_empty() {
            r = r.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let (status, headers, body) = self.answer(r.body(Body::empty()).expect("request"));
        let headers = headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        (status, headers, body)
    }

    /// POST a multipart form (text fields, then the file as `file`) with a session cookie
    /// or a bearer token: (status, body).
    pub fn post_multipart(
        &self,
        path: &str,
        cookie: &str,
        token: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> (u16, String) {
        let boundary = "sendscope-test-boundary-7c1e";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let mut r = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if !cookie.is_empty() {
            r = r.header(header::COOKIE, cookie);
        }
        if !token.is_empty() {
            r = r.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let (status, _, _, body) = self.send(r.body(Body::from(body)).expect("request"));
        (status, body)
    }

    /// A new child's request recorded through the API with `token` (a caseworker's):
    /// `child` is the child's JSON, `mother` their mother's name, received `days_ago`.
    /// Returns the record's reference.
    pub fn new_request(
        &self,
        token: &str,
        child: serde_json::Value,
        mother: &str,
        days_ago: u64,
    ) -> String {
        let body = serde_json::json!({
            "child": child,
            "parents": [{ "name": mother, "relationship": "mother" }],
            "requested_by": "parent",
            "received_on": days_before_today(days_ago),
        });
        let (status, made) = self.api_post("/api/v1/cases", token, &body.to_string());
        assert_eq!(status, 201, "{made}");
        serde_json::from_str::<serde_json::Value>(&made).expect("json")["case"]
            .as_str()
            .expect("the record's reference")
            .to_string()
    }

    /// Records steps on a record through the API, each of which must be accepted.
    pub fn steps(&self, token: &str, case: &str, steps: &[(&str, serde_json::Value)]) {
        for (t, payload) in steps {
            let body = serde_json::json!({ "type": t, "payload": payload });
            let (status, answer) = self.api_post(
                &format!("/api/v1/cases/{case}/steps"),
                token,
                &body.to_string(),
            );
            assert_eq!(status, 201, "{t}: {answer}");
        }
    }

    /// A page: (status, Set-Cookie values, body); `form` is posted when `method` is POST.
    pub fn http(
        &self,
        method: &str,
        path: &str,
        cookie: &str,
        form: &str,
    ) -> (u16, Vec<String>, String) {
        let mut r = Request::builder().method(method).uri(path);
        if !cookie.is_empty() {
            r = r.header(header::COOKIE, cookie);
        }
        if method == "POST" {
            r = r.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let (status, cookies, _, body) =
            self.send(r.body(Body::from(form.to_string())).expect("request"));
        (status, cookies, body)
    }

    /// Signs an account in with its password; its session cookie.
    pub fn sign_in_as(&self, user: &str, password: &str) -> String {
        sign_in_with_password(user, password, &|method, path, cookie, form| {
            self.http(method, path, cookie, form)
        })
    }

    /// Signs a demo account in; its session cookie.
    pub fn sign_in(&self, user: &str) -> String {
        sign_in_with(user, &|method, path, cookie, form| {
            self.http(method, path, cookie, form)
        })
    }

    /// A new API token for a demo account.
    pub fn token(&self, user: &str) -> String {
        let name = sendscope_domain::account::Username::parse(user).expect("name");
        sendscope_app::accounts::issue_api_token(
            self.store.as_ref(),
            &name,
            "test",
            30,
            "user:admin-cli",
        )
        .expect("issued")
        .secret
    }

    /// POST a JSON body with a bearer token: (status, body).
    pub fn api_post(&self, path: &str, token: &str, body: &str) -> (u16, String) {
        let r = Request::post(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let (status, _, _, body) = self.send(r);
        (status, body)
    }

    /// GET with a bearer token: (status, content type, body).
    pub fn api_get(&self, path: &str, token: &str) -> (u16, String, String) {
        let mut r = Request::get(path);
        if !token.is_empty() {
            r = r.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let (status, _, kind, body) = self.send(r.body(Body::empty()).expect("request"));
        (status, kind, body)
    }
}

/// The CSRF token a page's forms carry.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf") + "name=\"csrf\" value=\"".len();
    page[at..].split('"').next().unwrap_or("").to_string()
}

/// Checks `value` against a schema of the OpenAPI document (`#/components/schemas/...`).
pub fn assert_schema(schema: &str, value: &serde_json::Value) {
    let doc = sendscope_web::api::openapi();
    let root = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{schema}"),
        "components": doc["components"],
    });
    let validator = jsonschema::validator_for(&root).expect("the document's schemas compile");
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{schema}: {errors:?}\n{value}");
}

/// The day `n` days before today in England, as YYYY-MM-DD.
pub fn days_before_today(n: u64) -> String {
    (sendscope_domain::calendar::england_today() - chrono::Days::new(n)).to_string()
}
