//! sendscope's web service. Only this crate knows HTTP. Handlers call the synchronous
//! store on tokio's blocking pool.

#![recursion_limit = "512"]

pub mod access_log;
pub mod api;
pub mod auth;
pub mod benchmarks;
pub mod board;
pub mod cases;
pub mod compliance;
pub mod dashboard;
pub mod letters;
pub mod openapi;
pub mod placement;
pub mod programmes;
pub mod queue;
pub mod register;
pub mod requests;
pub mod settings;
pub(crate) mod shell;
pub mod steps;
pub mod trajectories;
pub mod views;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sendscope_domain::access::{Action, Resource};
use sendscope_domain::codes::group_thousands;
use sendscope_store::{Headline, Store};
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Mark cookies Secure: set when the service is reached over TLS.
    pub secure_cookies: bool,
    pub access_log: Arc<access_log::AccessLogger>,
    pub filter_options: Arc<sendscope_app::filter_options::FilterOptions>,
    /// Admits store work to tokio's blocking pool in arrival order, as many at a time as
    /// the store has connections, so that requests queue fairly here rather than race
    /// for connections (which left a few requests waiting far longer than the rest).
    pub admission: Arc<tokio::sync::Semaphore>,
    /// The KPI engine, loaded on first use and kept up to date from the event log.
    pub kpi: Arc<sendscope_app::figures::Kpi>,
}

/// How many requests do store work at once: the store's connection pool size.
const CONCURRENT_STORE_WORK: usize = 8;

impl AppState {
    /// Runs blocking store work on tokio's blocking pool once admitted (first come,
    /// first served).
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let _permit = self.admission.clone().acquire_owned().await;
        tokio::task::spawn_blocking(f).await
    }
}

pub fn router(store: Arc<dyn Store>, secure_cookies: bool) -> Router {
    // The KPI engine loads in the background from the start, so the first dashboard
    // view need not wait for every record to be read (15 s at national scale).
    let kpi = Arc::new(sendscope_app::figures::Kpi::default());
    {
        let (kpi, store) = (kpi.clone(), store.clone());
        std::thread::spawn(move || {
            if let Err(e) = kpi.with(store.as_ref(), |_| ()) {
                tracing::error!(%e, "the KPI engine could not load");
            }
        });
    }
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-out", axum::routing::post(auth::sign_out))
        .route("/cases", get(cases::list))
        .route("/queue", get(queue::show))
        .route("/programmes", get(programmes::list))
        .route("/compliance", get(compliance::show))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard/cases", get(dashboard::cases))
        .route("/figures/{la}", get(dashboard::public))
        .route("/trajectories", get(trajectories::show))
        .route("/board-report", get(board::show))
        .route("/programmes/{n}", get(programmes::show))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/steps", get(steps::menu))
        .route(
            "/cases/{id}/letters/new/{kind}",
            get(letters::preview).post(letters::issue),
        )
        .route("/cases/{id}/letters/{n}", get(letters::show))
        .route(
            "/cases/{id}/letters/{n}/posted",
            axum::routing::post(letters::posted),
        )
        .route(
            "/cases/{id}/steps/{slug}",
            get(steps::form).post(steps::submit),
        )
        .route("/settings", get(settings::list))
        .route("/settings/{id}", get(settings::show))
        .route(
            "/settings/{id}/provisions/new",
            get(register::open_form).post(register::open_submit),
        )
        .route("/provisions/{id}", get(register::show))
        .route("/cases/{id}/options", get(placement::options))
        .route("/placement", get(placement::area))
        .route("/placement/scenario", get(placement::scenario))
        .route(
            "/provisions/{id}/steps/{slug}",
            get(register::step_form).post(register::step_submit),
        )
        .route(
            "/provisions/{id}/viable-options",
            get(register::viable_options).post(register::record_viable_options),
        )
        .route("/api/openapi.json", get(api::openapi_json))
        .route("/api/v1/me", get(api::me))
        .route("/api/v1/figures", get(api::figures))
        .route("/api/v1/cases", get(api::cases))
        .route("/api/v1/cases/{id}", get(api::case))
        .route("/api/v1/cases/{id}/deadlines", get(api::deadlines))
        .route(
            "/api/v1/cases/{id}/steps",
            axum::routing::post(api::record_step),
        )
        .route(
            "/api/v1/provisions/{id}/steps",
            axum::routing::post(api::provision_step),
        )
        .route("/api/v1/settings", get(api::settings))
        .route("/api/v1/settings/{id}", get(api::setting))
        .route("/api/{*rest}", get(api::no_route))
        .route("/assets/{*path}", get(asset))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(AppState {
            access_log: Arc::new(access_log::AccessLogger::start(store.clone())),
            filter_options: Arc::default(),
            kpi,
            admission: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_STORE_WORK)),
            store,
            secure_cookies,
        })
        .layer(axum::middleware::map_response(content_security_policy))
        .layer(axum::middleware::from_fn(requests::track))
}

/// Every response may load only this service's own files: no inline script or style,
/// nothing from elsewhere. GOV.UK Frontend needs nothing more (its fonts and images are
/// served from `/assets/`, its scripts start from `/assets/sendscope/`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'";

async fn content_security_policy(mut r: Response) -> Response {
    r.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    r
}

/// Serves the router on an already-bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    secure_cookies: bool,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(store, secure_cookies))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Serves on a listener already bound until Ctrl+C, on a runtime of its own: how the
/// `sendscope serve` command starts the service.
pub fn serve_blocking(
    listener: std::net::TcpListener,
    store: Arc<dyn Store>,
    secure_cookies: bool,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve(listener, store, secure_cookies, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
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

mod assets {
    include!(concat!(env!("OUT_DIR"), "/assets.rs"));
}

/// GET /assets/...: the embedded GOV.UK Frontend files, cached for a day.
async fn asset(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    let wanted = format!("/assets/{path}");
    match assets::ASSETS.iter().find(|(p, _, _)| *p == wanted) {
        Some((_, mime, bytes)) => (
            [
                (header::CONTENT_TYPE, *mime),
                (header::CACHE_CONTROL, "public, max-age=86400"),
            ],
            *bytes,
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Gives the pages' plain elements their GOV.UK Frontend classes in one place. Only our
/// own markup has bare tags: anything from users is escaped before it gets here.
fn govuk_classes(body: &str) -> String {
    const MAP: &[(&str, &str)] = &[
        ("<h1>", "<h1 class=\"govuk-heading-l\">"),
        ("<h2>", "<h2 class=\"govuk-heading-m\">"),
        ("<p>", "<p class=\"govuk-body\">"),
        ("<ul>", "<ul class=\"govuk-list govuk-list--bullet\">"),
        // Our <dl>s pair each <dt> with one <dd>: GOV.UK summary lists.
        ("<dl>", "<dl class=\"govuk-summary-list\">"),
        (
            "<dt>",
            "<div class=\"govuk-summary-list__row\"><dt class=\"govuk-summary-list__key\">",
        ),
        ("<dd>", "<dd class=\"govuk-summary-list__value\">"),
        ("</dd>", "</dd></div>"),
        ("<table>", "<table class=\"govuk-table\">"),
        (
            "<caption>",
            "<caption class=\"govuk-table__caption govuk-table__caption--m\">",
        ),
        ("<thead>", "<thead class=\"govuk-table__head\">"),
        ("<tbody>", "<tbody class=\"govuk-table__body\">"),
        ("<tr>", "<tr class=\"govuk-table__row\">"),
        ("<td>", "<td class=\"govuk-table__cell\">"),
        (
            "<td class=\"num\">",
            "<td class=\"govuk-table__cell govuk-table__cell--numeric\">",
        ),
        (
            "<th scope=\"col\">",
            "<th scope=\"col\" class=\"govuk-table__header\">",
        ),
        (
            "<th scope=\"col\" class=\"num\">",
            "<th scope=\"col\" class=\"govuk-table__header govuk-table__header--numeric\">",
        ),
        (
            "<th scope=\"row\">",
            "<th scope=\"row\" class=\"govuk-table__header\">",
        ),
        (
            "<button type=\"submit\">",
            "<button type=\"submit\" class=\"govuk-button\" data-module=\"govuk-button\">",
        ),
        ("<label for=", "<label class=\"govuk-label\" for="),
        ("<input id=", "<input class=\"govuk-input\" id="),
        ("<select id=", "<select class=\"govuk-select\" id="),
        (
            "<a href=\"/sign-in\" role=\"button\"",
            "<a href=\"/sign-in\" role=\"button\" class=\"govuk-button govuk-button--start\"",
        ),
    ];
    // One pass: at each '<', the first entry that matches there is replaced. (Entries
    // are tried in order, so a longer tag must come before any shorter one it begins with.)
    let mut out = String::with_capacity(body.len() + body.len() / 2);
    let mut rest = body;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match MAP.iter().find(|(from, _)| rest.starts_with(from)) {
            Some((from, to)) => {
                out.push_str(to);
                rest = &rest[from.len()..];
            }
            None => {
                out.push('<');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

pub(crate) fn page(title: &str, body: &str) -> String {
    let body = govuk_classes(body);
    let title = esc(title);
    format!(
        r##"<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{title} – sendscope</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#0b0c0c">
<link rel="icon" sizes="48x48" href="/assets/images/favicon.ico">
<link rel="stylesheet" href="/assets/govuk-frontend.min.css">
<link rel="stylesheet" href="/assets/moj-frontend.min.css">
</head>
<body class="govuk-template__body">
<script src="/assets/sendscope/js-enabled.js"></script>
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-header" data-module="govuk-header">
<div class="govuk-header__container govuk-width-container">
<div class="govuk-header__content"><a href="/" class="govuk-header__link govuk-header__service-name">sendscope</a></div>
</div>
</header>
<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
<div class="govuk-width-container"><div class="govuk-service-navigation__container">
<nav aria-label="Menu" class="govuk-service-navigation__wrapper">
<ul class="govuk-service-navigation__list" id="navigation">
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/">Home</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/cases">Children's records</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/settings">Settings</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/programmes">Programmes</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/dashboard">Dashboard</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" href="/trajectories">Trajectories</a></li>
</ul>
</nav>
</div></div>
</section>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
{body}
</main>
</div>
<footer class="govuk-footer">
<div class="govuk-width-container"><div class="govuk-footer__meta"><div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s">sendscope is open-source software for local areas' SEND services.</p>
</div></div></div>
</footer>
<script type="module" src="/assets/sendscope/init.js"></script>
</body>
</html>"##
    )
}

/// 403 for a form posted with a CSRF token that is not the session's: nothing written.
pub(crate) fn form_expired() -> Response {
    (
        axum::http::StatusCode::FORBIDDEN,
        axum::response::Html(page(
            "The form has expired",
            "<h1>The form has expired</h1><p>Nothing was recorded. Go back, reload the page and try again.</p>",
        )),
    )
        .into_response()
}

/// 403 for a role whose access does not include the area's figures.
pub(crate) fn no_figures() -> Response {
    (
        axum::http::StatusCode::FORBIDDEN,
        axum::response::Html(page(
            "No access",
            "<h1>You cannot see this page</h1><p>Your role does not include the area's figures.</p>",
        )),
    )
        .into_response()
}

/// A GOV.UK select for a GET form: `options` as (value, label), the first option empty
/// (labelled `none`), the `current` value selected.
pub(crate) fn select_field(
    name: &str,
    label: &str,
    options: &[(String, String)],
    none: &str,
    current: &str,
) -> String {
    let opts: String = options
        .iter()
        .map(|(v, l)| {
            format!(
                "<option value=\"{}\"{}>{}</option>",
                esc(v),
                if current == v { " selected" } else { "" },
                esc(l)
            )
        })
        .collect();
    format!(
        "<div class=\"govuk-form-group\"><label class=\"govuk-label\" for=\"{name}\">{label}</label>\
         <select class=\"govuk-select\" id=\"{name}\" name=\"{name}\"><option value=\"\">{none}</option>{opts}</select></div>"
    )
}

/// Counts from 1 to this minus one are shown as "c" on public pages, as DfE suppresses them.
pub const SUPPRESS_BELOW: u64 = 5;

fn home_html(h: &Headline, suppress: bool) -> String {
    let n = |v: u64| {
        if suppress && v > 0 && v < SUPPRESS_BELOW {
            "c".to_string()
        } else {
            group_thousands(v)
        }
    };
    let mut rows = String::new();
    for a in &h.areas {
        rows.push_str(&format!(
            "<tr><th scope=\"row\"><a href=\"/figures/{1}\">{0}</a> ({1})</th><td class=\"num\">{2}</td><td class=\"num\">{3}</td><td class=\"num\">{4}</td><td class=\"num\">{5}</td><td class=\"num\">{6}</td></tr>\n",
            esc(&a.name),
            esc(&a.la_code),
            n(a.plans_in_place),
            n(a.requests_in_progress),
            n(a.plans_ceased),
            n(a.settings),
            n(a.staff),
        ));
    }
    format!(
        "<h2>Headline figures</h2>\n\
         <table>\n<caption>Local areas ({} events recorded)</caption>\n<thead><tr><th scope=\"col\">Area (LA code)</th>\
         <th scope=\"col\" class=\"num\">EHC plans in place</th><th scope=\"col\" class=\"num\">Requests in progress</th>\
         <th scope=\"col\" class=\"num\">Plans ceased</th><th scope=\"col\" class=\"num\">Settings</th><th scope=\"col\" class=\"num\">Staff</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>",
        group_thousands(h.events)
    )
}

const INTRO: &str = "<p>sendscope tracks every request, assessment, EHC plan, review, appeal and cessation for a local area's \
     special educational needs and disabilities services, with every figure derived from the recorded event history.</p>";

async fn home(State(app): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let store = app.store.clone();
    let answer = app
        .blocking(
            move || -> Result<(Option<auth::SignedIn>, Headline), sendscope_store::StoreError> {
                let who = auth::current(store.as_ref(), &headers);
                Ok((who, store.headline()?))
            },
        )
        .await;
    let (who, headline) = match answer {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(&e.to_string()),
        Err(e) => return error_page(&e.to_string()),
    };
    let Some(who) = who else {
        // The public see what the service is and each area's totals (aggregates only,
        // small numbers suppressed); everything else needs signing in.
        let body = format!(
            "<h1>SEND services</h1>\n{INTRO}\n<p>Council, NHS and school staff, parent carers and young people sign in to see \
             the records and figures their role allows.</p>\n<p><a href=\"/sign-in\" role=\"button\" draggable=\"false\">Sign in</a></p>\n{}",
            home_html(&headline, true)
        );
        return Html(page("Home", &body)).into_response();
    };
    let p = &who.principal;
    let signed_in = format!(
        "<p>Signed in as {} ({}).</p><form method=\"post\" action=\"/sign-out\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">\
         <button type=\"submit\">Sign out</button></form>",
        esc(who.username.as_str()),
        esc(&p.role.as_str().replace('_', " ")),
        esc(&who.session.csrf)
    );
    let list = if sendscope_domain::access::authorise(
        p,
        Action::View,
        Resource::CaseList { area: p.area },
    )
    .allowed()
    {
        if matches!(
            p.role,
            sendscope_domain::access::Role::Caseworker
                | sendscope_domain::access::Role::TeamManager
        ) {
            "<p><a href=\"/cases\">Children's records</a></p><p><a href=\"/queue\">Work queue: deadlines overdue and due soon</a></p>\
             <p><a href=\"/placement\">Placement: the best allocation of places, and scenarios</a></p>"
        } else if p.role == sendscope_domain::access::Role::Commissioner {
            "<p><a href=\"/cases\">Children's records</a></p><p><a href=\"/placement\">Placement: the best allocation of places, and scenarios</a></p>"
        } else {
            "<p><a href=\"/cases\">Children's records</a></p>"
        }
    } else {
        ""
    };
    let allowed =
        sendscope_domain::access::authorise(p, Action::View, Resource::Figures { area: p.area })
            .allowed();
    let figures = if allowed {
        let mine = Headline {
            areas: headline
                .areas
                .into_iter()
                .filter(|a| a.area_id == p.area.to_string())
                .collect(),
            events: headline.events,
        };
        home_html(&mine, false)
    } else {
        "<p>Your role manages accounts and configuration; case figures are not shown to it.</p>"
            .to_string()
    };
    Html(page(
        "Home",
        &format!("<h1>SEND services</h1>\n{signed_in}\n{list}\n{figures}"),
    ))
    .into_response()
}

/// What went wrong, attached to a response for the log only (by `error_page` and the
/// API's internal problem); `requests::track` logs it and replaces the response.
#[derive(Clone)]
pub(crate) struct Failure(pub String);

pub(crate) fn error_page(detail: &str) -> Response {
    let mut r = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    r.extensions_mut().insert(Failure(detail.to_string()));
    r
}

/// The page for a failure: what to do, and the reference the details are logged under
/// (never the details themselves).
pub(crate) fn failure_page(reference: &str) -> Response {
    let body = format!(
        "<h1>Sorry, there is a problem with the service</h1><p>Try again later.</p><p>If it keeps happening, tell the service desk the reference {}.</p>",
        esc(reference)
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
        let public = home_html(
            &Headline {
                areas: vec![sendscope_store::AreaHeadline {
                    plans_ceased: 3,
                    ..h.areas[0].clone()
                }],
                events: 1,
            },
            true,
        );
        assert!(
            public.contains("<td class=\"num\">c</td>"),
            "small numbers are suppressed in public"
        );
        let html = home_html(&h, false);
        assert!(html.contains("<a href=\"/figures/999\">North &lt;moor&gt;</a> (999)"));
        assert!(html.contains(">3,735<"));
        assert!(html.contains("1,234,567 events"));
    }
}
