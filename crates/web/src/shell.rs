//! What every page handler shares: running store work for a signed-in user (or the
//! settings' and figures' roles), "not found", and query-string encoding. Feature modules
//! depend on this, never on each other for it.

use crate::auth::SignedIn;
use crate::auth::Visitor;
use crate::{AppState, ui};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::Markup;
use sendscope_domain::access::{Action, Resource, authorise};
use sendscope_domain::ids::AreaId;
use sendscope_kpi::Engine;
use sendscope_store::{Store, StoreError};

/// The page's viewer for a signed-in user: the navigation holds only what their role
/// may open (each link decided by `authorise`, as the page behind it is).
pub(crate) fn viewer(store: &dyn Store, who: &SignedIn) -> ui::Viewer {
    let p = &who.principal;
    let area = p.area;
    let may = |r: Resource<'_>| authorise(p, Action::View, r).allowed();
    let mut links = vec![("/", "Home")];
    if may(Resource::CaseList { area }) {
        links.push(("/cases", "Children's records"));
    }
    if may(Resource::Queue { area }) {
        links.push(("/queue", "Work queue"));
    }
    if may(Resource::Settings { area }) {
        links.push(("/settings", "Settings"));
    }
    if may(Resource::Placement { area }) {
        links.push(("/placement", "Placement"));
    }
    if may(Resource::Figures { area }) {
        links.push(("/dashboard", "Dashboard"));
        links.push(("/programmes", "Programmes"));
        links.push(("/trajectories", "Trajectories"));
    }
    if matches!(
        p.role,
        sendscope_domain::access::Role::TeamManager
            | sendscope_domain::access::Role::Commissioner
            | sendscope_domain::access::Role::BoardMember
    ) {
        links.push(("/partnership", "Partnership"));
    }
    if authorise(p, Action::Change, Resource::Accounts { area }).allowed() {
        links.push(("/admin", "Set-up and accounts"));
    }
    // A member of staff by their name, as colleagues know them; others by username.
    let staff_name =
        p.staff.and_then(
            |s| match store.projection(sendscope_domain::StreamRef::staff(s)) {
                Ok(Some(x)) => match x.state {
                    sendscope_domain::projection::StreamState::Staff(st) => {
                        st.added.map(|a| a.name)
                    }
                    _ => None,
                },
                _ => None,
            },
        );
    ui::Viewer {
        name: staff_name.unwrap_or_else(|| who.username.to_string()),
        csrf: who.session.csrf.clone(),
        links,
    }
}

/// Makes a signed-in user's page with `viewer` as its viewer; the viewer also goes with
/// the response, so that an error page `requests::track` makes from it carries the same
/// header and navigation.
pub(crate) fn for_viewer(viewer: ui::Viewer, f: impl FnOnce() -> Response) -> Response {
    let mut r = ui::with_viewer(viewer.clone(), f);
    r.extensions_mut().insert(viewer);
    r
}

pub(crate) fn not_found() -> Response {
    crate::Error::page_not_found().into_response()
}

/// Runs blocking store work for a signed-in user; signed-out users go to sign in.
pub(crate) async fn with_user<F>(app: &AppState, visitor: Visitor, f: F) -> Response
where
    F: FnOnce(&dyn Store, SignedIn) -> Response + Send + 'static,
{
    let store = app.store.clone();
    let r = app
        .blocking(move || match visitor.signed_in(store.as_ref()) {
            Some(who) => {
                let to = crate::access_log::ShownTo {
                    username: who.username.to_string(),
                    role: who.principal.role.as_str().to_string(),
                };
                let mut r = for_viewer(viewer(store.as_ref(), &who), || f(store.as_ref(), who));
                r.extensions_mut().insert(to);
                r
            }
            None => Redirect::to("/sign-in").into_response(),
        })
        .await;
    r.unwrap_or_else(|e| crate::Error::internal(e).into_response())
}

/// A form's submitted values: every name with every value it was given.
pub type Submitted = Vec<(String, String)>;

/// A submitted field's value (empty if absent).
pub fn value_of<'a>(form: &'a Submitted, name: &str) -> &'a str {
    value(form, name)
}

pub fn value<'a>(form: &'a Submitted, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

/// A submitted field's value as it was typed, spaces and all (a password's are its own).
pub fn raw_value<'a>(form: &'a Submitted, name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

pub fn values<'a>(form: &'a Submitted, name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .collect()
}

/// Runs `f` for a signed-in user's posted form, once its CSRF token is checked: a form
/// without the session's token changes nothing.
pub(crate) async fn with_form<F>(
    app: &AppState,
    visitor: Visitor,
    form: Submitted,
    f: F,
) -> Response
where
    F: FnOnce(&dyn Store, SignedIn, Submitted) -> Response + Send + 'static,
{
    with_user(app, visitor, move |store, who| {
        if value(&form, "csrf") != who.session.csrf {
            return crate::form_expired();
        }
        f(store, who, form)
    })
    .await
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
    visitor: Visitor,
    f: impl FnOnce(&dyn Store, crate::auth::SignedIn) -> Response + Send + 'static,
) -> Response {
    let store = app.store.clone();
    app.blocking(move || match visitor.signed_in(store.as_ref()) {
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
            for_viewer(viewer(store.as_ref(), &who), || f(store.as_ref(), who))
        }
        Some(who) => for_viewer(viewer(store.as_ref(), &who), || {
            crate::Error::forbidden("Your role does not include settings and provisions.")
                .into_response()
        }),
        None => Redirect::to("/sign-in").into_response(),
    })
    .await
    .unwrap_or_else(|e| crate::Error::internal(e).into_response())
}

/// A page of the area's figures: for roles that may see them, the body `f` writes from
/// the store, the up-to-date engine, the user's area and whether they are a board member.
pub(crate) async fn figures_page(
    app: &AppState,
    visitor: Visitor,
    title: &'static str,
    f: impl FnOnce(&dyn Store, &Engine, AreaId, bool) -> Result<Markup, StoreError> + Send + 'static,
) -> Response {
    let kpi = app.kpi.clone();
    with_user(app, visitor, move |store, who| {
        let p = &who.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return crate::no_figures();
        }
        let area = p.area;
        let board = !authorise(p, Action::View, Resource::ExactFigures { area }).allowed();
        match kpi.with(store, |e| f(store, e, area, board)) {
            Ok(Ok(body)) => Html(ui::page(title, body)).into_response(),
            Ok(Err(e)) | Err(e) => crate::Error::internal(e).into_response(),
        }
    })
    .await
}
