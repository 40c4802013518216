//! sendscope's web service. Only this crate knows HTTP. Handlers call the synchronous
//! store on tokio's blocking pool.

#![recursion_limit = "512"]

pub mod access_log;
pub mod account;
pub mod admin;
pub mod advice;
pub mod anchor;
pub mod api;
pub mod auth;
pub mod benchmarks;
pub mod board;
pub mod board_view;
pub mod capital;
pub mod cases;
pub mod child;
pub mod complaints;
pub mod compliance;
pub mod consultations;
pub mod corrections;
pub mod dashboard;
pub mod documents;
pub mod draft_response;
pub mod education;
pub mod error;
pub mod idempotency;
pub mod intake;
pub mod letter_print;
pub mod letters;
pub mod merge;
pub mod multipart;
pub mod names;
pub mod openapi;
pub mod partnership;
pub mod partnership_forms;
pub mod placement;
pub mod plan;
pub mod programmes;
pub mod queue;
pub mod register;
pub mod requests;
pub mod sen2;
pub mod setting_views;
pub mod settings;
pub mod setup;
pub(crate) mod shell;
pub mod sso;
pub mod steps;
pub mod subject_access;
pub mod throttle;
pub mod trajectories;
pub mod two_factor;
pub mod ui;
pub mod views;
pub mod waits;
pub mod waits_matches;

use crate::auth::Visitor;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
pub use error::Error;
use maud::{Markup, html};
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
    /// Each area's waits and joined count, worked out at most twice a minute.
    pub whole_child: Arc<waits::Kept>,
    /// The one-time set-up link's secret, on an empty database: taken when it is used.
    pub setup_token: Arc<std::sync::Mutex<Option<String>>>,
    /// Failed sign-ins by the device they came from.
    pub sign_in_throttle: Arc<std::sync::Mutex<throttle::Throttle>>,
    /// Who is running one of the expensive pages now (one run each at a time).
    pub running: Arc<Running>,
    /// Single sign-on with the areas' identity providers.
    pub sso: Arc<sso::Sso>,
    /// The latest signed checkpoint of the history.
    pub anchor: Arc<anchor::Anchor>,
}

/// The users running an expensive page now.
#[derive(Debug, Default)]
pub struct Running(std::sync::Mutex<std::collections::HashSet<String>>);

/// A user's run, ended when dropped.
pub struct RunningGuard(Arc<Running>, String);

impl Running {
    /// Starts a run for `user`, unless they have one going.
    pub fn start(self: &Arc<Self>, user: &str) -> Option<RunningGuard> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(user.to_string())
            .then(|| RunningGuard(self.clone(), user.to_string()))
    }
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let mut set = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.1);
    }
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
    router_with_setup(store, secure_cookies, None)
}

/// How the service is run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Mark cookies Secure: set when the service is reached over TLS.
    pub secure_cookies: bool,
    /// The secret of the one-time set-up link, on an empty database.
    pub setup_token: Option<String>,
    /// The address people reach the service at (single sign-on's return address is made
    /// from it), e.g. `https://send.derby.gov.uk`.
    pub public_url: Option<String>,
    /// The client secret the identity provider issued (never in the records).
    pub oidc_client_secret: Option<String>,
    /// Signing checkpoints of the history on a schedule.
    pub anchoring: Option<anchor::Anchoring>,
    /// Where the KPI engine's columns are saved (and read back at start, so a restart
    /// serves figures in seconds instead of reading every record again).
    pub kpi_snapshot: Option<std::path::PathBuf>,
}

/// The router, with the secret of a one-time set-up link (`/setup/{secret}`) where the
/// database is empty: the page that makes the local area and its first administrator.
pub fn router_with_setup(
    store: Arc<dyn Store>,
    secure_cookies: bool,
    setup_token: Option<String>,
) -> Router {
    router_with(
        store,
        Options {
            secure_cookies,
            setup_token,
            ..Options::default()
        },
    )
}

/// The router for a service run with `options`.
pub fn router_with(store: Arc<dyn Store>, options: Options) -> Router {
    let Options {
        secure_cookies,
        setup_token,
        public_url,
        oidc_client_secret,
        anchoring,
        kpi_snapshot,
    } = options;
    let anchor = Arc::new(anchor::Anchor::default());
    if let Some(how) = anchoring {
        anchor::start(anchor.clone(), store.clone(), how);
    }
    // The KPI engine loads in the background from the start, so the first dashboard
    // view need not wait: from its snapshot where there is one that belongs to this
    // database, else from every record (then saved). A fresh snapshot is saved every
    // half hour that events were recorded, so a restart has little to catch up.
    let kpi = Arc::new(sendscope_app::figures::Kpi::with_snapshot(kpi_snapshot));
    {
        let (kpi, store) = (kpi.clone(), store.clone());
        std::thread::spawn(move || {
            let started = std::time::Instant::now();
            match kpi.with(store.as_ref(), |_| ()) {
                Ok(()) => tracing::info!(
                    seconds = started.elapsed().as_secs_f64(),
                    snapshot = ?kpi.restored(),
                    "the KPI engine is loaded"
                ),
                Err(e) => tracing::error!(%e, "the KPI engine could not load"),
            }
            loop {
                std::thread::sleep(std::time::Duration::from_secs(30 * 60));
                if let Err(e) = kpi
                    .with(store.as_ref(), |_| ())
                    .and_then(|()| kpi.save_snapshot(store.as_ref()))
                {
                    tracing::error!(%e, "the KPI snapshot could not be saved");
                }
            }
        });
    }
    let state = AppState {
        access_log: Arc::new(access_log::AccessLogger::start(store.clone())),
        filter_options: Arc::default(),
        kpi,
        whole_child: Arc::default(),
        admission: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_STORE_WORK)),
        store,
        secure_cookies,
        setup_token: Arc::new(std::sync::Mutex::new(setup_token)),
        sign_in_throttle: Arc::default(),
        running: Arc::default(),
        sso: Arc::new(sso::Sso::new(public_url, oidc_client_secret)),
        anchor,
    };
    Router::new()
        .route("/", get(home))
        .route("/sign-in", get(auth::sign_in_form).post(auth::sign_in))
        .route("/sign-out", axum::routing::post(auth::sign_out))
        .route("/sign-in/sso/callback", get(sso::callback))
        .route("/sign-in/sso/{la_code}", get(sso::start))
        .route(
            "/sign-in/code",
            get(two_factor::code_form).post(two_factor::code_submit),
        )
        .route(
            "/account/two-factor",
            get(two_factor::enrol_form).post(two_factor::enrol_submit),
        )
        .route(
            "/account/password",
            get(account::form).post(account::submit),
        )
        .route("/setup/{token}", get(setup::form).post(setup::submit))
        .route("/admin", get(admin::show))
        .route("/admin/teams", axum::routing::post(admin::add_team))
        .route(
            "/admin/organisations",
            axum::routing::post(admin::add_organisation),
        )
        .route("/admin/staff", axum::routing::post(admin::add_staff))
        .route(
            "/admin/staff/contact",
            axum::routing::post(admin::staff_contact),
        )
        .route(
            "/admin/staff/change",
            axum::routing::post(admin::change_staff),
        )
        .route("/admin/accounts", axum::routing::post(admin::add_account))
        .route(
            "/admin/accounts/{username}/disable",
            axum::routing::post(admin::disable),
        )
        .route("/cases", get(cases::list))
        .route("/queue", get(queue::show))
        .route("/queue.csv", get(queue::download))
        .route("/caseloads.csv", get(queue::download_caseloads))
        .route(
            "/queue/reassign",
            axum::routing::post(queue::reassign_submit),
        )
        .route("/programmes", get(programmes::list))
        .route("/compliance", get(compliance::show))
        .route("/education", get(education::show))
        .route("/waits", get(waits::show))
        .route("/waits/children", get(waits::children))
        .route("/waits/matches", get(waits_matches::list))
        .route(
            "/waits/matches/{referral}",
            get(waits_matches::show).post(waits_matches::link),
        )
        .route("/capital", get(capital::list))
        .route(
            "/capital/new",
            get(capital::new_form).post(capital::new_submit),
        )
        .route("/capital/{id}", get(capital::show))
        .route(
            "/capital/{id}/steps/{slug}",
            get(capital::step_form).post(capital::step_submit),
        )
        .route("/sen2", get(sen2::show))
        .route("/dashboard", get(dashboard::show))
        .route("/dashboard/cases", get(dashboard::cases))
        .route("/dashboard/whole-child", get(waits::whole_child))
        .route("/figures/checkpoint.json", get(anchor::latest))
        .route("/figures/{la}", get(dashboard::public))
        .route("/figures/{la}/board", get(partnership::public))
        .route(
            "/figures/{la}/board/papers/{sha256}",
            get(partnership::paper),
        )
        .route("/partnership", get(partnership::show))
        .route("/board", get(board_view::show))
        .route("/partnership/stocktake", get(partnership::stocktake_show))
        .route("/partnership/steps", get(partnership_forms::menu))
        .route(
            "/partnership/steps/{slug}",
            get(partnership_forms::form).post(partnership_forms::submit),
        )
        .route("/trajectories", get(trajectories::show))
        .route("/board-report", get(board::show))
        .route("/programmes/{n}", get(programmes::show))
        .route("/requests/new", get(intake::form).post(intake::submit))
        .route("/cases/{id}", get(cases::show))
        .route("/cases/{id}/steps", get(steps::menu))
        .route("/cases/{id}/plan", get(plan::page))
        .route("/advice", get(advice::list))
        .route("/consultations", get(consultations::list))
        .route("/reviews", get(consultations::reviews))
        .route("/complaints", get(complaints::list))
        .route(
            "/cases/{id}/consultation",
            get(consultations::form).post(consultations::submit),
        )
        .route(
            "/cases/{id}/advice/{request}/{service}",
            get(advice::form)
                .post(advice::give)
                .layer(axum::extract::DefaultBodyLimit::max(
                    documents::UPLOAD_LIMIT,
                )),
        )
        .route("/cases/{id}/documents/new", get(documents::new))
        .route(
            "/cases/{id}/documents",
            axum::routing::post(documents::upload).layer(axum::extract::DefaultBodyLimit::max(
                documents::UPLOAD_LIMIT,
            )),
        )
        .route("/cases/{id}/documents/{sha256}", get(documents::get))
        .route("/cases/{id}/plan.pdf", get(plan::pdf))
        .route(
            "/cases/{id}/plan/response",
            axum::routing::post(draft_response::respond).layer(
                axum::extract::DefaultBodyLimit::max(documents::UPLOAD_LIMIT),
            ),
        )
        .route("/cases/{id}/merge", get(merge::form).post(merge::submit))
        .route(
            "/cases/{id}/child",
            get(child::details_form).post(child::details_submit),
        )
        .route(
            "/cases/{id}/people/new",
            get(child::person_form).post(child::person_submit),
        )
        .route(
            "/cases/{id}/events/{seq}/correct",
            get(corrections::correct_form).post(corrections::correct_submit),
        )
        .route(
            "/cases/{id}/events/{seq}/void",
            get(corrections::void_form).post(corrections::void_submit),
        )
        .route(
            "/cases/{id}/letters/new/{kind}",
            get(letters::preview).post(letters::issue),
        )
        .route("/cases/{id}/letters/{n}/print", get(letter_print::print))
        .route("/cases/{id}/letters/{n}", get(letter_print::show_or_pdf))
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
        .route(
            "/cases/{id}/subject-access",
            get(subject_access::form).post(subject_access::submit),
        )
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
        .route("/api/v1/teams", axum::routing::post(api::add_team))
        .route("/api/v1/staff", axum::routing::post(api::add_staff))
        .route("/api/v1/accounts", axum::routing::post(api::add_account))
        .route("/api/v1/figures", get(api::figures))
        .route("/api/v1/cases", get(api::cases).post(api::record_request))
        .route("/api/v1/cases/{id}", get(api::case))
        .route("/api/v1/cases/{id}/deadlines", get(api::deadlines))
        .route("/api/v1/cases/{id}/plan", get(api::plan_json))
        .route("/api/v1/advice-requests", get(advice::api_list))
        .route("/api/v1/complaints", get(complaints::api_list))
        .route("/api/v1/partnership", get(partnership::api_show))
        .route("/api/v1/capital-projects", get(capital::api_list))
        .route(
            "/api/v1/capital-projects/steps",
            axum::routing::post(capital::api_step),
        )
        .route(
            "/api/v1/partnership/steps",
            axum::routing::post(partnership::api_step),
        )
        .route(
            "/api/v1/cases/{id}/advice",
            axum::routing::post(advice::api_give).layer(axum::extract::DefaultBodyLimit::max(
                documents::UPLOAD_LIMIT,
            )),
        )
        .route(
            "/api/v1/cases/{id}/documents",
            axum::routing::post(documents::api_add).layer(axum::extract::DefaultBodyLimit::max(
                documents::UPLOAD_LIMIT,
            )),
        )
        .route(
            "/api/v1/cases/{id}/documents/{sha256}",
            get(documents::api_get),
        )
        .route("/api/v1/cases/{id}/plan.pdf", get(api::plan_pdf))
        .route(
            "/api/v1/cases/{id}/steps",
            axum::routing::post(api::record_step),
        )
        .route(
            "/api/v1/cases/{id}/events/{seq}/correction",
            axum::routing::post(api::correct_step),
        )
        .route(
            "/api/v1/cases/{id}/merge",
            axum::routing::post(api::merge_case),
        )
        .route(
            "/api/v1/cases/{id}/events/{seq}/void",
            axum::routing::post(api::void_step),
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
        .with_state(state.clone())
        // `track` renders errors for the surface that asked; the policy goes on whatever
        // it answers.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            access_log::log_views,
        ))
        .layer(axum::middleware::from_fn(requests::track))
        // Outside `track`, so a retried request gets the answer as it was sent.
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(idempotency::Keys::default()),
            idempotency::keyed,
        ))
        .layer(axum::middleware::from_fn(move |req, next| {
            security_headers(req, next, secure_cookies)
        }))
}

/// Every response may load only this service's own files: no inline script or style,
/// nothing from elsewhere, no plugins, no `<base>` to move links, forms posted only here,
/// and never framed by another site. GOV.UK Frontend needs nothing more (its fonts and
/// images are served from `/assets/`, its scripts start from `/assets/sendscope/`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The headers every response carries: the content security policy, no guessing of
/// content types, no referrer sent elsewhere, no framing; HSTS when served over HTTPS
/// (`secure`); and, on everything but the service's own static files, no caching, since
/// pages and answers may hold a child's personal data.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
    secure: bool,
) -> Response {
    let asset = req.uri().path().starts_with("/assets/");
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    let set = |h: &mut header::HeaderMap, k: header::HeaderName, v: &'static str| {
        h.insert(k, header::HeaderValue::from_static(v));
    };
    // A response that sets a stricter policy of its own (a document download's sandbox)
    // keeps it.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    }
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::REFERRER_POLICY, "no-referrer");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    if secure {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    if !asset {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    r
}

/// Serves the router on an already-bound listener until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Arc<dyn Store>,
    options: Options,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Each request knows the address it came from (sign-in throttles by it).
    axum::serve(
        listener,
        router_with(store, options).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Serves on a listener already bound until Ctrl+C, on a runtime of its own: how the
/// `sendscope serve` command starts the service.
pub fn serve_blocking(
    listener: std::net::TcpListener,
    store: Arc<dyn Store>,
    options: Options,
) -> std::io::Result<()> {
    listener.set_nonblocking(true)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        serve(listener, store, options, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
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

/// 403 for a form posted with a CSRF token that is not the session's: nothing written.
pub(crate) fn form_expired() -> Response {
    Error::form_expired().into_response()
}

/// 403 for a role whose access does not include the area's figures.
pub(crate) fn no_figures() -> Response {
    Error::forbidden("Your role does not include the area's figures.").into_response()
}

/// Counts from 1 to this minus one are shown as "c" on public pages, as DfE suppresses them.
pub const SUPPRESS_BELOW: u64 = 5;

fn home_html(h: &Headline, suppress: bool) -> Markup {
    let n = |v: u64| {
        if suppress && sendscope_app::figures::small(v, SUPPRESS_BELOW) {
            "c".to_string()
        } else {
            group_thousands(v)
        }
    };
    let rows = h.areas.iter().map(|a| {
        html! {
            (ui::row_head(html! { a.govuk-link href={ "/figures/" (a.la_code) } { (a.name) } " (" (a.la_code) ")" }))
            (ui::num(n(a.plans_in_place)))
            (ui::num(n(a.requests_in_progress)))
            (ui::num(n(a.plans_ceased)))
            (ui::num(n(a.settings)))
            (ui::num(n(a.staff)))
        }
    });
    html! {
        h2.govuk-heading-m { "Headline figures" }
        (ui::table(
            &format!("Local areas ({} events recorded)", group_thousands(h.events)),
            &[
                ui::col("Area (LA code)"),
                ui::num_col("EHC plans in place"),
                ui::num_col("Requests in progress"),
                ui::num_col("Plans ceased"),
                ui::num_col("Settings"),
                ui::num_col("Staff"),
            ],
            rows,
        ))
    }
}

const INTRO: &str = "sendscope tracks every request, assessment, EHC plan, review, appeal and cessation for a local area's \
     special educational needs and disabilities services, with every figure derived from the recorded event history.";

async fn home(State(app): State<AppState>, visitor: Visitor) -> Response {
    let store = app.store.clone();
    type Answer = (Option<(auth::SignedIn, ui::Viewer)>, Headline);
    let answer = app
        .blocking(move || -> Result<Answer, sendscope_store::StoreError> {
            let who = visitor.signed_in(store.as_ref()).map(|w| {
                let v = shell::viewer(store.as_ref(), &w);
                (w, v)
            });
            Ok((who, store.headline()?))
        })
        .await;
    let (who, headline) = match answer {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return Error::internal(e).into_response(),
        Err(e) => return Error::internal(e).into_response(),
    };
    let Some((who, viewer)) = who else {
        // The public see what the service is and each area's totals (aggregates only,
        // small numbers suppressed); everything else needs signing in.
        let body = html! {
            h1.govuk-heading-l { "SEND services" }
            p.govuk-body { (INTRO) }
            p.govuk-body { "Council, NHS and school staff, parent carers and young people sign in to see \
                the records and figures their role allows." }
            p.govuk-body {
                a href="/sign-in" role="button" draggable="false" class="govuk-button govuk-button--start" { "Sign in" }
            }
            (home_html(&headline, true))
        };
        return Html(ui::page("Home", body)).into_response();
    };
    // A board member's first screen is the board's view.
    if who.principal.role == sendscope_domain::access::Role::BoardMember {
        return axum::response::Redirect::to("/board").into_response();
    }
    shell::for_viewer(viewer, || signed_in_home(&who, headline))
}

/// The home page of a signed-in user: where their role's work is, and their area's figures.
fn signed_in_home(who: &auth::SignedIn, headline: Headline) -> Response {
    let p = &who.principal;
    let may = |action, resource| sendscope_domain::access::authorise(p, action, resource).allowed();
    let links: Vec<(&str, &str)> = if may(Action::View, Resource::CaseList { area: p.area }) {
        let mut l = vec![("/cases", "Children's records")];
        if may(Action::View, Resource::Queue { area: p.area }) {
            l.push(("/queue", "Work queue: deadlines overdue and due soon"));
            l.push(("/complaints", "Complaints: responses due and sent"));
        }
        if may(Action::View, Resource::Placement { area: p.area }) {
            l.push((
                "/placement",
                "Placement: the best allocation of places, and scenarios",
            ));
        }
        if may(Action::View, Resource::FindingCases { area: p.area }) {
            l.push(("/sen2", "SEN2 return: what to put right before it is sent"));
        }
        if p.role == sendscope_domain::access::Role::School {
            l.push((
                "/consultations",
                "Consultations: can your school meet a child's needs?",
            ));
            l.push((
                "/reviews",
                "Annual reviews of your pupils, and their paperwork",
            ));
        }
        if p.role.advice_service().is_some()
            || matches!(
                p.role,
                sendscope_domain::access::Role::Caseworker
                    | sendscope_domain::access::Role::TeamManager
            )
        {
            l.push((
                "/advice",
                "Advice asked for assessments: due, on time and late",
            ));
        }
        l
    } else {
        Vec::new()
    };
    let figures = if may(Action::View, Resource::Figures { area: p.area }) {
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
        html! { p.govuk-body { "Your role manages accounts and configuration; case figures are not shown to it." } }
    };
    let body = html! {
        h1.govuk-heading-l { "SEND services" }
        p.govuk-body { "Signed in as " (who.username.as_str()) " (" (p.role.as_str().replace('_', " ")) ")." }
        @for (href, label) in links { p.govuk-body { a.govuk-link href=(href) { (label) } } }
        (figures)
    };
    Html(ui::page("Home", body)).into_response()
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
        )
        .into_string();
        assert!(
            public.contains("<td class=\"govuk-table__cell govuk-table__cell--numeric\">c</td>"),
            "small numbers are suppressed in public"
        );
        let html = home_html(&h, false).into_string();
        assert!(html.contains(
            "<a class=\"govuk-link\" href=\"/figures/999\">North &lt;moor&gt;</a> (999)"
        ));
        assert!(html.contains(">3,735<"));
        assert!(html.contains("1,234,567 events"));
    }
}
