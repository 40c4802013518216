//! Single sign-on with an area's identity provider (OpenID Connect, as councils and NHS
//! bodies use through Microsoft Entra ID and others): the authorization code flow with
//! PKCE, a state and a nonce, the ID token's signature, issuer, audience, expiry and nonce
//! checked by `openidconnect`, then the area's own rules (`sso.rs` in the domain) name
//! the account and its role. The provider has done its own factors: a session begun here
//! is signed in. The client secret is given to `serve`, never kept in the records.

use crate::auth::{log_security, secure, set_cookie, start_session};
use crate::{AppState, Error};
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
};
use sendscope_domain::sso::{SingleSignOn, VerifiedClaims};
use sendscope_store::SessionStage;
use serde::Deserialize;
use std::collections::HashMap;

const COOKIE: &str = "sendscope_sso";
const COOKIE_PATH: &str = "/sign-in/sso";
/// A provider's discovery document (and its keys) is fetched again after an hour.
const METADATA_SECONDS: u64 = 3600;

/// The service's side of single sign-on: its address, the client secret, an HTTP client
/// that follows no redirects, and the providers' discovery documents.
pub struct Sso {
    public_url: Option<String>,
    secret: Option<String>,
    http: Option<openidconnect::reqwest::Client>,
    metadata: tokio::sync::Mutex<HashMap<String, (CoreProviderMetadata, std::time::Instant)>>,
}

impl Sso {
    pub fn new(public_url: Option<String>, secret: Option<String>) -> Self {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // Following redirects would open the client to server-side request forgery.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| tracing::error!(%e, "the single sign-on HTTP client could not start"))
            .ok();
        Sso {
            public_url: public_url.map(|u| u.trim_end_matches('/').to_string()),
            secret,
            http,
            metadata: tokio::sync::Mutex::default(),
        }
    }

    async fn discover(&self, issuer: &str) -> Result<CoreProviderMetadata, String> {
        let mut cache = self.metadata.lock().await;
        if let Some((m, at)) = cache.get(issuer)
            && at.elapsed().as_secs() < METADATA_SECONDS
        {
            return Ok(m.clone());
        }
        let http = self.http.as_ref().ok_or("the HTTP client is not running")?;
        let url = IssuerUrl::new(issuer.to_string()).map_err(|e| e.to_string())?;
        let m = CoreProviderMetadata::discover_async(url, http)
            .await
            .map_err(|e| e.to_string())?;
        cache.insert(issuer.to_string(), (m.clone(), std::time::Instant::now()));
        Ok(m)
    }

    fn redirect_uri(&self, headers: &HeaderMap) -> String {
        let base = self.public_url.clone().unwrap_or_else(|| {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("http://{host}")
        });
        format!("{base}{COOKIE_PATH}/callback")
    }
}

type Client = openidconnect::core::CoreClient<
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The area's rules and a client for its provider, or the page that says why not.
async fn client_for(
    app: &AppState,
    la_code: &str,
    headers: &HeaderMap,
) -> Result<(sendscope_domain::ids::AreaId, SingleSignOn, Client), Error> {
    let store = app.store.clone();
    let wanted = la_code.to_string();
    let found = app
        .blocking(move || sendscope_app::accounts::single_sign_ons(store.as_ref()))
        .await
        .map_err(Error::internal)?
        .map_err(Error::internal)?
        .into_iter()
        .find(|(la, _, _)| *la == wanted);
    let Some((_, area, rules)) = found else {
        return Err(Error::page_not_found());
    };
    let Some(secret) = app.sso.secret.clone() else {
        tracing::error!("single sign-on is adopted but serve was given no client secret");
        return Err(unavailable(&rules.label));
    };
    let metadata = app.sso.discover(&rules.issuer).await.map_err(|e| {
        tracing::error!(%e, issuer = %rules.issuer, "the identity provider could not be reached");
        unavailable(&rules.label)
    })?;
    let redirect = RedirectUrl::new(app.sso.redirect_uri(headers)).map_err(Error::internal)?;
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(rules.client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(redirect);
    Ok((area, rules, client))
}

fn unavailable(label: &str) -> Error {
    Error::new(
        crate::error::Kind::Internal,
        format!("Signing in with {label} is not working at the moment. Try again later, or sign in with your sendscope username and password."),
    )
    .heading("Sorry, single sign-on is not working")
    .back("/sign-in", "Back to sign in")
}

fn start_again(detail: &str) -> Response {
    Error::new(
        crate::error::Kind::FormExpired,
        format!("{detail} Go back to the sign-in page and start again."),
    )
    .heading("Sorry, you could not be signed in")
    .back("/sign-in", "Back to sign in")
    .into_response()
}

/// GET /sign-in/sso/{la_code}: off to the area's identity provider, with a state, a
/// nonce and a PKCE challenge whose secrets wait in a short-lived cookie.
pub async fn start(
    State(app): State<AppState>,
    Path(la_code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let (_, rules, client) = match client_for(&app, &la_code, &headers).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    for s in &rules.scopes {
        request = request.add_scope(Scope::new(s.clone()));
    }
    let (url, state, nonce) = request.url();
    let value = format!(
        "{la_code}~{}~{}~{}",
        state.secret(),
        nonce.secret(),
        verifier.secret()
    );
    let mut r = Redirect::to(url.as_str()).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            COOKIE,
            &value,
            COOKIE_PATH,
            Some(600),
            secure(&app, &headers),
        ),
    );
    r
}

#[derive(Deserialize)]
pub struct Returned {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The `groups` claim of an ID token whose signature has been checked.
fn groups_of(id_token: &str) -> Vec<String> {
    use base64::Engine;
    id_token
        .split('.')
        .nth(1)
        .and_then(|p| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(p)
                .ok()
        })
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| {
            v.get("groups").and_then(|g| g.as_array()).map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default()
}

/// GET /sign-in/sso/callback: the provider's answer. The state must be the one this
/// browser was sent with; the code is exchanged (with the PKCE verifier) for an ID token
/// whose signature, issuer, audience, expiry and nonce are checked; then the area's rules
/// name the account.
pub async fn callback(
    State(app): State<AppState>,
    source: Option<axum::Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    Query(back): Query<Returned>,
) -> Response {
    let source = source.map(|c| c.0.0.ip().to_string()).unwrap_or_default();
    let kept = crate::auth::cookie(&headers, COOKIE).unwrap_or_default();
    let parts: Vec<&str> = kept.split('~').collect();
    let [la_code, state, nonce, verifier] = parts.as_slice() else {
        return start_again("The sign-in took too long, or was started in another browser.");
    };
    if let Some(e) = back.error.as_deref() {
        let said = back.error_description.as_deref().unwrap_or(e);
        return Error::new(
            crate::error::Kind::Forbidden,
            format!("Your organisation's sign-in service said: \"{said}\". Try again, or sign in with your sendscope username and password."),
        )
        .heading("You were not signed in")
        .back("/sign-in", "Back to sign in")
        .into_response();
    }
    if back.state.as_deref() != Some(*state) {
        return start_again("The sign-in could not be matched to this browser.");
    }
    let Some(code) = back.code else {
        return start_again("The sign-in service did not say who you are.");
    };
    let (area, rules, client) = match client_for(&app, la_code, &headers).await {
        Ok(x) => x,
        Err(e) => return e.into_response(),
    };
    let Some(http) = app.sso.http.as_ref() else {
        return unavailable(&rules.label).into_response();
    };
    let exchanged = match client.exchange_code(AuthorizationCode::new(code)) {
        Ok(x) => {
            x.set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
                .request_async(http)
                .await
        }
        Err(e) => return Error::internal(e).into_response(),
    };
    let tokens = match exchanged {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(%e, "the identity provider refused the code");
            return start_again("Your organisation's sign-in service did not accept the sign-in.");
        }
    };
    let Some(id_token) = tokens.id_token() else {
        return start_again("Your organisation's sign-in service did not say who you are.");
    };
    let checker = client.id_token_verifier();
    let claims = match id_token.claims(&checker, &Nonce::new(nonce.to_string())) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(%e, "an ID token failed its checks");
            return start_again(
                "The answer from your organisation's sign-in service could not be trusted.",
            );
        }
    };
    let verified = VerifiedClaims {
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified(),
        preferred_username: claims.preferred_username().map(|u| u.to_string()),
        groups: groups_of(&id_token.to_string()),
    };
    let store = app.store.clone();
    let label = rules.label.clone();
    let signed = app
        .blocking(move || {
            let store = store.as_ref();
            let who = verified.email.clone().unwrap_or(verified.subject.clone());
            match sendscope_app::accounts::single_sign_on(store, area, &rules, &verified)? {
                Ok(name) => {
                    let policy = sendscope_app::accounts::sign_in_policy(store, area)?;
                    log_security(
                        store,
                        name.as_str(),
                        &format!("signed in with {}", rules.label),
                        &source,
                    )?;
                    start_session(store, name, SessionStage::SignedIn, policy.idle_minutes).map(Ok)
                }
                Err(why) => {
                    log_security(
                        store,
                        &who,
                        &format!("single sign-on refused: {why}"),
                        &source,
                    )?;
                    Ok(Err(why))
                }
            }
        })
        .await;
    let secure = secure(&app, &headers);
    let clear = set_cookie(COOKIE, "", COOKIE_PATH, Some(0), secure);
    let mut r = match signed {
        Ok(Ok(Ok(token))) => {
            let mut r = Redirect::to("/").into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(crate::auth::SESSION_COOKIE, &token, "/", None, secure),
            );
            r
        }
        Ok(Ok(Err(why))) => Error::new(
            crate::error::Kind::Forbidden,
            format!("You signed in with {label}, but {why}."),
        )
        .heading("You cannot use sendscope with this account yet")
        .back("/sign-in", "Back to sign in")
        .into_response(),
        Ok(Err(e)) => Error::internal(e).into_response(),
        Err(e) => Error::internal(e).into_response(),
    };
    r.headers_mut().append(header::SET_COOKIE, clear);
    r
}
