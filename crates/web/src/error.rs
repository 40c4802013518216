//! The one error type of the web crate. A handler says what went wrong (`Error`); the
//! surface that asked decides how it reads: a GOV.UK page for the pages, an RFC 9457
//! problem (`application/problem+json`) for the API under `/api/`. `requests::track`
//! does the rendering, so a failure's details go to the log under the request's
//! reference and never to the person: they see the reference to quote.

use crate::ui;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::html;
use serde::Serialize;
use std::borrow::Cow;

/// What kind of thing went wrong: it decides the status, and the words each surface uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Not signed in: the pages send the person to sign in; the API answers 401.
    NotSignedIn,
    /// 403: not for this role.
    Forbidden,
    /// 403: a form whose CSRF token is not the session's; nothing was done.
    FormExpired,
    /// 404: no such thing, or a record the user may not see (the same answer, so nobody
    /// learns a record exists).
    NotFound,
    /// 400: a request to correct, saying how.
    Invalid,
    /// 422: well formed, but the rules refuse it now.
    Refused,
    /// 429: the user already has this work running; wait for it.
    TooMany,
    /// 500: a failure of the service; the cause goes to the log only.
    Internal,
}

/// A query parameter or field to correct, and how.
#[derive(Debug, Clone, Serialize)]
pub struct InvalidParam {
    pub name: &'static str,
    pub reason: String,
}

/// What went wrong in a request, for whichever surface asked (boxed: handlers pass it
/// back through `Result`s, and most of it is seldom used).
#[derive(Debug, Clone)]
pub struct Error(Box<Details>);

/// What an [`Error`] holds.
#[derive(Debug, Clone)]
pub struct Details {
    pub kind: Kind,
    /// What went wrong and how to put it right, in plain English.
    pub detail: String,
    /// A page's heading, where the kind's own does not say enough.
    pub heading: Option<Cow<'static, str>>,
    /// The API problem's type and title, where the kind's own do not say enough.
    pub problem: Option<(&'static str, &'static str)>,
    /// Where a page sends the person next: (address, link text).
    pub back: Option<(String, String)>,
    /// The parameters to correct (the API lists them).
    pub invalid_params: Vec<InvalidParam>,
    /// An internal failure's cause, for the log only.
    pub failure: Option<String>,
}

impl Error {
    pub fn new(kind: Kind, detail: impl Into<String>) -> Self {
        Error(Box::new(Details {
            kind,
            detail: detail.into(),
            heading: None,
            problem: None,
            back: None,
            invalid_params: Vec::new(),
            failure: None,
        }))
    }

    /// What it holds.
    pub fn details(&self) -> &Details {
        &self.0
    }

    /// The parameters to correct, for the API's problem to list.
    pub fn invalid_params(mut self, params: Vec<InvalidParam>) -> Self {
        self.0.invalid_params = params;
        self
    }

    /// 404 with the page's generic words (check the address; you may not have access).
    pub fn page_not_found() -> Self {
        Error::new(Kind::NotFound, "")
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Error::new(Kind::NotFound, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Error::new(Kind::Forbidden, detail)
    }

    pub fn not_signed_in(detail: impl Into<String>) -> Self {
        Error::new(Kind::NotSignedIn, detail)
    }

    /// A form posted with a CSRF token that is not the session's: nothing recorded.
    pub fn form_expired() -> Self {
        Error::new(
            Kind::FormExpired,
            "Nothing was recorded. Go back, reload the page and try again.",
        )
    }

    pub fn invalid(detail: impl Into<String>) -> Self {
        Error::new(Kind::Invalid, detail)
    }

    pub fn refused(detail: impl Into<String>) -> Self {
        Error::new(Kind::Refused, detail)
    }

    pub fn too_many(detail: impl Into<String>) -> Self {
        Error::new(Kind::TooMany, detail)
    }

    /// A failure of the service: `cause` is logged under the request's reference.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        let mut e = Error::new(Kind::Internal, "Try again later.");
        e.0.failure = Some(cause.to_string());
        e
    }

    /// The page's heading.
    pub fn heading(mut self, heading: impl Into<Cow<'static, str>>) -> Self {
        self.0.heading = Some(heading.into());
        self
    }

    /// The API problem's type (its last path segment) and title.
    pub fn problem(mut self, slug: &'static str, title: &'static str) -> Self {
        self.0.problem = Some((slug, title));
        self
    }

    /// Where the page sends the person next.
    pub fn back(mut self, href: impl Into<String>, text: impl Into<String>) -> Self {
        self.0.back = Some((href.into(), text.into()));
        self
    }

    pub fn status(&self) -> StatusCode {
        match self.0.kind {
            Kind::NotSignedIn => StatusCode::UNAUTHORIZED,
            Kind::Forbidden | Kind::FormExpired => StatusCode::FORBIDDEN,
            Kind::NotFound => StatusCode::NOT_FOUND,
            Kind::Invalid => StatusCode::BAD_REQUEST,
            Kind::Refused => StatusCode::UNPROCESSABLE_ENTITY,
            Kind::TooMany => StatusCode::TOO_MANY_REQUESTS,
            Kind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The error as a GOV.UK page; `reference` is the request's, quoted on a failure.
    pub fn page(&self, reference: &str) -> Response {
        let status = self.status();
        let paragraphs: Vec<&str> = if self.0.detail.is_empty() {
            Vec::new()
        } else {
            vec![self.0.detail.as_str()]
        };
        let back = self.0.back.as_ref();
        let heading = |default: &'static str| self.0.heading.as_deref().unwrap_or(default);
        let (title, body) = match self.0.kind {
            Kind::NotSignedIn => return Redirect::to("/sign-in").into_response(),
            Kind::Forbidden => (
                "No access".to_string(),
                message(heading("You cannot see this page"), &paragraphs, back),
            ),
            Kind::FormExpired => (
                "The form has expired".to_string(),
                message(heading("The form has expired"), &paragraphs, back),
            ),
            Kind::NotFound if paragraphs.is_empty() => (
                "Page not found".to_string(),
                message(
                    heading("Page not found"),
                    &[
                        "If you typed the web address, check it is correct.",
                        "If you followed a link to a child's record, you may not have access to it.",
                    ],
                    None,
                ),
            ),
            Kind::NotFound => (
                "Page not found".to_string(),
                message(heading("Page not found"), &paragraphs, back),
            ),
            Kind::Invalid => {
                let h = heading("There is a problem");
                let body = html! {
                    h1.govuk-heading-l { (h) }
                    p.govuk-error-message { (self.0.detail) }
                    @if let Some((href, text)) = &self.0.back { p.govuk-body { (ui::link(href, text.as_str())) } }
                };
                (format!("Error: {h}"), body)
            }
            Kind::Refused => {
                let h = heading("Not recorded");
                (format!("Error: {h}"), message(h, &paragraphs, back))
            }
            Kind::TooMany => {
                let h = heading("Please wait");
                (h.to_string(), message(h, &paragraphs, back))
            }
            Kind::Internal => (
                "Error".to_string(),
                message(
                    "Sorry, there is a problem with the service",
                    &[
                        "Try again later.",
                        &format!(
                            "If it keeps happening, tell the service desk the reference {reference}."
                        ),
                    ],
                    None,
                ),
            ),
        };
        let mut r = (status, Html(ui::page(&title, body))).into_response();
        if self.0.kind == Kind::Internal {
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        r
    }

    /// The error as an RFC 9457 problem; `reference` is quoted on a failure.
    pub fn problem_response(&self, reference: &str) -> Response {
        let status = self.status();
        let (slug, title) = self.0.problem.unwrap_or(match self.0.kind {
            Kind::NotSignedIn => ("unauthorised", "Not signed in"),
            Kind::Forbidden => ("forbidden", "Not allowed for this role"),
            Kind::FormExpired => ("forbidden", "The form has expired"),
            Kind::NotFound => ("not-found", "Not found"),
            Kind::Invalid => ("invalid", "The request is not valid"),
            Kind::Refused => ("refused", "The request was refused"),
            Kind::TooMany => ("too-many", "Already running: wait for it to finish"),
            Kind::Internal => ("internal", "Sorry, there is a problem with the service"),
        });
        let detail = match self.0.kind {
            Kind::NotSignedIn => format!(
                "{}. Send `Authorization: Bearer <token>` with a token from `sendscope token create`",
                self.0.detail
            ),
            Kind::Internal => format!(
                "Try again later. If it keeps happening, tell the service desk the reference {reference}"
            ),
            _ => self.0.detail.clone(),
        };
        let body = Problem {
            kind: format!("/api/problems/{slug}"),
            title,
            status: status.as_u16(),
            detail,
            invalid_params: &self.0.invalid_params,
        };
        let mut r = (
            status,
            [
                (header::CONTENT_TYPE, "application/problem+json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_vec(&body).unwrap_or_default(),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sendscope\""),
            );
        }
        r
    }
}

/// A heading, paragraphs and perhaps a link onward: the body of a short message page.
fn message(heading: &str, paragraphs: &[&str], back: Option<&(String, String)>) -> maud::Markup {
    html! {
        h1.govuk-heading-l { (heading) }
        @for p in paragraphs { p.govuk-body { (p) } }
        @if let Some((href, text)) = back { p.govuk-body { (ui::link(href, text.as_str())) } }
    }
}

/// An RFC 9457 problem as the API writes it.
#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(rename = "invalid-params", skip_serializing_if = "<[_]>::is_empty")]
    invalid_params: &'a [InvalidParam],
}

/// An error answers with its status and itself attached; `requests::track` renders it
/// for the surface that asked.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut r = self.status().into_response();
        r.extensions_mut().insert(self);
        r
    }
}

impl From<sendscope_store::StoreError> for Error {
    fn from(e: sendscope_store::StoreError) -> Self {
        Error::internal(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn text(r: Response) -> (StatusCode, String, String) {
        let status = r.status();
        let kind = r
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = to_bytes(r.into_body(), usize::MAX).await.expect("body");
        (status, kind, String::from_utf8_lossy(&body).into_owned())
    }

    /// One error, two faces: a GOV.UK page and an RFC 9457 problem, with the same status.
    #[tokio::test]
    async fn an_error_reads_as_a_page_or_a_problem() {
        let e = Error::not_found("There is no such provision in your area.");
        let (status, kind, page) = text(e.page("abc")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(kind.starts_with("text/html"), "{kind}");
        assert!(page.contains("<h1 class=\"govuk-heading-l\">Page not found</h1>"));
        assert!(page.contains("There is no such provision in your area."));
        let (status, kind, json) = text(e.problem_response("abc")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(kind, "application/problem+json");
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["type"], "/api/problems/not-found");
        assert_eq!(v["status"], 404);
        assert_eq!(v["detail"], "There is no such provision in your area.");

        // Not signed in: the pages send the person to sign in; the API says how.
        let e = Error::not_signed_in("No bearer token was sent");
        let r = e.page("abc");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/sign-in");
        let r = e.problem_response("abc");
        assert_eq!(
            r.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"sendscope\""
        );

        // A failure's cause is never shown; its reference is.
        let e = Error::internal("table x is locked");
        for r in [e.page("f00d"), e.problem_response("f00d")] {
            let (status, _, body) = text(r).await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
            assert!(!body.contains("table x"), "{body}");
            assert!(body.contains("f00d"), "{body}");
        }

        // A request to correct says how, and where to start again.
        let e = Error::invalid("The date must be written like 2027-09-01")
            .heading("Options")
            .back("/cases/1/options", "Start again");
        let (status, _, page) = text(e.page("abc")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(
            page.contains("<title>Error: Options – sendscope</title>"),
            "{page}"
        );
        assert!(page.contains("href=\"/cases/1/options\">Start again</a>"));
    }
}
