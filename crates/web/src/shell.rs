//! What every page handler shares: running store work for a signed-in user (or the
//! settings' and figures' roles), "not found", and query-string encoding. Feature modules
//! depend on this, never on each other for it.

use crate::auth::{SignedIn, current};
use crate::{AppState, ui};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::Markup;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::ids::AreaId;
use sendscope_kpi::Engine;
use sendscope_store::{Store, StoreError};

pub(crate) fn not_found() -> Response {
    let page = ui::message(
        "Page not found",
        "Page not found",
        &[
            "If you typed the web address, check it is correct.",
            "If you followed a link to a child's record, you may not have access to it.",
        ],
    );
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

/// Runs blocking store work for a signed-in user; signed-out users go to sign in.
pub(crate) async fn with_user<F>(app: &AppState, headers: HeaderMap, f: F) -> Response
where
    F: FnOnce(&dyn Store, SignedIn) -> Response + Send + 'static,
{
    let store = app.store.clone();
    let r = app
        .blocking(move || match current(store.as_ref(), &headers) {
            Some(who) => f(store.as_ref(), who),
            None => Redirect::to("/sign-in").into_response(),
        })
        .await;
    r.unwrap_or_else(|e| crate::error_page(&e.to_string()))
}

pub(crate) fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) async fn blocking(
    app: &AppState,
    headers: HeaderMap,
    f: impl FnOnce(&dyn Store, crate::auth::SignedIn) -> Response + Send + 'static,
) -> Response {
    let store = app.store.clone();
    app.blocking(move || match current(store.as_ref(), &headers) {
        Some(who)
            if authorise(
                &who.principal,
                Action::View,
                Resource::Settings {
                    area: who.principal.area,
                },
            )
            .allowed() =>
        {
            f(store.as_ref(), who)
        }
        Some(_) => (
            StatusCode::FORBIDDEN,
            Html(ui::no_access(
                "Your role does not include settings and provisions.",
            )),
        )
            .into_response(),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await
    .unwrap_or_else(|e| crate::error_page(&e.to_string()))
}

/// A page of the area's figures: for roles that may see them, the body `f` writes from
/// the store, the up-to-date engine, the user's area and whether they are a board member.
pub(crate) async fn figures_page(
    app: &AppState,
    headers: HeaderMap,
    title: &'static str,
    f: impl FnOnce(&dyn Store, &Engine, AreaId, bool) -> Result<Markup, StoreError> + Send + 'static,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(app, headers, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let area = p.area;
        let board = !authorise(p, Action::View, Resource::ExactFigures { area }).allowed();
        match kpi.with(store, |e| f(store, e, area, board)) {
            Ok(Ok(body)) => Html(ui::page(title, body)).into_response(),
            Ok(Err(e)) | Err(e) => crate::error_page(&e.to_string()),
        }
    })
    .await
}
