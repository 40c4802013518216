//! sendscope's web service. Only this crate knows HTTP. Handlers call the synchronous
//! store on tokio's blocking pool.

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sendscope_domain::codes::group_thousands;
use sendscope_store::{Headline, Store};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
}

pub fn router(store: Arc<dyn Store>) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(AppState { store })
}

/// Serves the router on an already-bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn page(title: &str, body: &str) -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{title} – sendscope</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{{font-family:Arial,sans-serif;margin:0;color:#0b0c0c}}
header{{background:#0b0c0c;color:#fff;padding:12px 30px;font-weight:bold;font-size:24px}}
main{{max-width:960px;margin:0 auto;padding:20px 30px}}
table{{border-collapse:collapse;width:100%}}th,td{{text-align:left;padding:10px 20px 10px 0;border-bottom:1px solid #b1b4b6}}
td.num,th.num{{text-align:right}}
</style>
</head>
<body>
<header role="banner">sendscope</header>
<main id="main-content" role="main">
{body}
</main>
</body>
</html>"#
    )
}

fn home_html(h: &Headline) -> String {
    let mut rows = String::new();
    for a in &h.areas {
        rows.push_str(&format!(
            "<tr><th scope=\"row\">{} ({})</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(&a.name),
            esc(&a.la_code),
            group_thousands(a.plans_in_place),
            group_thousands(a.requests_in_progress),
            group_thousands(a.plans_ceased),
            group_thousands(a.settings),
            group_thousands(a.staff),
        ));
    }
    let body = format!(
        "<h1>SEND services: headline figures</h1>\n\
         <p>sendscope tracks every request, assessment, EHC plan, review, appeal and cessation for a local area's \
         special educational needs and disabilities services, with every figure derived from the recorded event history.</p>\n\
         <table>\n<caption>Local areas ({} events recorded)</caption>\n<thead><tr><th scope=\"col\">Area (LA code)</th>\
         <th scope=\"col\" class=\"num\">EHC plans in place</th><th scope=\"col\" class=\"num\">Requests in progress</th>\
         <th scope=\"col\" class=\"num\">Plans ceased</th><th scope=\"col\" class=\"num\">Settings</th><th scope=\"col\" class=\"num\">Staff</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>",
        group_thousands(h.events)
    );
    page("Home", &body)
}

async fn home(State(app): State<AppState>) -> Response {
    let store = app.store.clone();
    match tokio::task::spawn_blocking(move || store.headline()).await {
        Ok(Ok(h)) => Html(home_html(&h)).into_response(),
        Ok(Err(e)) => error_page(&e.to_string()),
        Err(e) => error_page(&e.to_string()),
    }
}

fn error_page(detail: &str) -> Response {
    let body = format!(
        "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p><p>Details for the service desk: {}</p>",
        esc(detail)
    );
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CACHE_CONTROL, "no-store")],
        Html(page("Error", &body)),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_page_shows_counts_escaped() {
        let h = Headline {
            areas: vec![sendscope_store::AreaHeadline {
                name: "North <moor>".into(),
                la_code: "999".into(),
                plans_in_place: 3735,
                ..Default::default()
            }],
            events: 1_234_567,
        };
        let html = home_html(&h);
        assert!(html.contains("North &lt;moor&gt; (999)"));
        assert!(html.contains(">3,735<"));
        assert!(html.contains("1,234,567 events"));
    }
}
