//! The JSON API under /api/v1: the same resources and the same authorisation as the
//! pages, for other systems. Clients authenticate with a bearer token (`sendscope token
//! create`); errors are RFC 9457 problem details; lists page by an opaque cursor.
//! The OpenAPI document ([`openapi`]) is served at /api/openapi.json.

use crate::auth::Visitor;
use crate::error::InvalidParam;
pub use crate::openapi::openapi;
use crate::views::{self, ListScope, ParamError};
use crate::{AppState, Error, SUPPRESS_BELOW};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::account::{API_TOKEN_PREFIX, token_sha256};
use sendscope_domain::ids::SettingId;
use sendscope_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

/// The parameters to correct, as a 400 problem that lists them.
fn invalid(errors: Vec<ParamError>) -> Error {
    Error::invalid("Correct the parameters listed in invalid-params and try again")
        .problem("invalid-parameters", "Some query parameters are not valid")
        .invalid_params(
            errors
                .into_iter()
                .map(|e| InvalidParam {
                    name: e.name,
                    reason: e.message.into(),
                })
                .collect(),
        )
}

/// A JSON answer with 201 Created: something was recorded.
pub(crate) fn json_created<T: Serialize>(v: &T) -> Response {
    let mut r = json_ok(v);
    *r.status_mut() = StatusCode::CREATED;
    r
}

pub(crate) fn json_ok<T: Serialize>(v: &T) -> Response {
    match serde_json::to_vec(v) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => Error::internal(e).into_response(),
    }
}

/// The API caller: who the token belongs to and what their role is scoped by.
pub struct Caller {
    pub username: String,
    pub principal: Principal,
}

fn caller(
    store: &dyn Store,
    log: &crate::access_log::AccessLogger,
    visitor: &Visitor,
) -> Result<Caller, Error> {
    let Some(value) = visitor.authorization() else {
        return Err(Error::not_signed_in("No bearer token was sent"));
    };
    let token = value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| t.starts_with(API_TOKEN_PREFIX))
        .ok_or_else(|| {
            Error::not_signed_in("The Authorization header is not a sendscope bearer token")
        })?;
    let found = store
        .api_token(&token_sha256(token))
        .map_err(Error::internal)?
        .ok_or_else(|| Error::not_signed_in("The token is not recognised"))?;
    if found.revoked_at.is_some() {
        return Err(Error::not_signed_in("The token has been revoked"));
    }
    let now = sendscope_domain::Instant::now();
    if found.expires_at.is_some_and(|e| e <= now) {
        return Err(Error::not_signed_in(
            "The token has expired: ask an administrator for a new one",
        ));
    }
    let principal = sendscope_app::access::principal_of(store, &found.username)
        .ok_or_else(|| Error::not_signed_in("The token's account is disabled"))?;
    // Every use of a token is in the sign-in log; a use that cannot be logged is refused.
    log.log_sign_in(sendscope_store::SecurityEntry {
        at: now,
        username: found.username.to_string(),
        what: format!("API token {} used", found.id),
        source: "API".into(),
    })
    .map_err(Error::internal)?;
    Ok(Caller {
        username: found.username.to_string(),
        principal,
    })
}

/// Runs blocking store work for an authenticated caller.
pub(crate) async fn with_caller<F>(app: &AppState, visitor: Visitor, f: F) -> Response
where
    F: FnOnce(&dyn Store, Caller) -> Result<Response, Error> + Send + 'static,
{
    let store = app.store.clone();
    let log = app.access_log.clone();
    let r = app
        .blocking(move || {
            let who = caller(store.as_ref(), &log, &visitor)?;
            let to = crate::access_log::ShownTo {
                username: who.username.to_string(),
                role: who.principal.role.as_str().to_string(),
            };
            f(store.as_ref(), who).map(|mut r| {
                r.extensions_mut().insert(to);
                r
            })
        })
        .await;
    match r {
        Ok(Ok(resp)) => resp,
        Ok(Err(p)) => p.into_response(),
        Err(e) => Error::internal(e).into_response(),
    }
}

#[derive(Serialize)]
struct Me<'a> {
    username: &'a str,
    role: &'static str,
    area_id: String,
}

/// GET /api/v1/me
pub async fn me(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_caller(&app, visitor, |_, c| {
        Ok(json_ok(&Me {
            username: &c.username,
            role: c.principal.role.as_str(),
            area_id: c.principal.area.to_string(),
        }))
    })
    .await
}

#[derive(Serialize)]
struct Figures {
    area_id: String,
    name: String,
    la_code: String,
    plans_in_place: u64,
    requests_in_progress: u64,
    plans_ceased: u64,
    settings: u64,
    staff: u64,
    /// Counts from 1 to this minus one are suppressed in public and board views.
    suppress_below: u64,
}

/// GET /api/v1/figures: the caller's area's headline counts (aggregates only).
pub async fn figures(State(app): State<AppState>, visitor: Visitor) -> Response {
    with_caller(&app, visitor, |store, c| {
        let p = &c.principal;
        if !authorise(p, Action::View, Resource::Figures { area: p.area }).allowed() {
            return Err(Error::forbidden(
                "Administrators manage accounts, not case figures",
            ));
        }
        let h = store.headline().map_err(Error::internal)?;
        let a = h
            .areas
            .into_iter()
            .find(|a| a.area_id == p.area.to_string())
            .ok_or_else(|| Error::not_found("Your local area has no figures yet"))?;
        Ok(json_ok(&Figures {
            area_id: a.area_id,
            name: a.name,
            la_code: a.la_code,
            plans_in_place: a.plans_in_place,
            requests_in_progress: a.requests_in_progress,
            plans_ceased: a.plans_ceased,
            settings: a.settings,
            staff: a.staff,
            suppress_below: SUPPRESS_BELOW,
        }))
    })
    .await
}

#[derive(Serialize)]
struct Page<T> {
    items: Vec<T>,
    /// Pass as `after` for the next page; null on the last page.
    next: Option<String>,
}

/// GET /api/v1/cases
pub async fn cases(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let p = &c.principal;
        if !authorise(p, Action::View, Resource::CaseList { area: p.area }).allowed() {
            return Err(Error::forbidden(
                "This role sees figures, not individual children's records",
            ));
        }
        let q = match views::case_query(p, &params, 25).map_err(invalid)? {
            ListScope::Query(q) => q,
            ListScope::ByReferenceOnly => {
                return Err(invalid(vec![ParamError {
                    name: "case",
                    message: "This role opens records by their case reference: give case",
                }]));
            }
        };
        let (rows, next) = views::visible_rows(store, p, &q).map_err(|e| match e {
            sendscope_store::StoreError::BadQuery(_) => invalid(vec![ParamError {
                name: "after",
                message: "That cursor is not one this service gave out: start from the first page",
            }]),
            e => Error::internal(e),
        })?;
        let mut r = json_ok(&Page {
            items: rows.iter().map(views::summary).collect(),
            next,
        });
        // Each child listed is a view of their record.
        r.extensions_mut().insert(crate::access_log::Shows(
            rows.iter().map(|x| x.case).collect(),
        ));
        Ok(r)
    })
    .await
}

/// GET /api/v1/cases/{id}: logged as a view of the child's record.
pub async fn case(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let log = app.access_log.clone();
    with_caller(&app, visitor, move |store, c| {
        open_record(store, &log, &c, &id).map(|v| json_ok(&v))
    })
    .await
}

/// Opens a child's record for an API caller, logging the view; not found if they may not.
fn open_record(
    store: &dyn Store,
    log: &crate::access_log::AccessLogger,
    c: &Caller,
    id: &str,
) -> Result<views::CaseView, Error> {
    views::open_case(
        store,
        log,
        &c.username,
        &c.principal,
        id,
        "api /api/v1/cases/",
    )
    .map_err(Error::internal)?
    .ok_or_else(|| {
        Error::not_found("There is no child's record with that reference that you can see")
    })
}

#[derive(Serialize)]
struct Deadlines {
    case: String,
    /// The England date the states are worked out for.
    today: chrono::NaiveDate,
    deadlines: Vec<views::DeadlineView>,
}

/// GET /api/v1/cases/{id}/deadlines: every statutory deadline with its rule, due date,
/// state and days early, late or left. Logged as a view of the child's record.
pub async fn deadlines(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    let log = app.access_log.clone();
    with_caller(&app, visitor, move |store, c| {
        let v = open_record(store, &log, &c, &id)?;
        Ok(json_ok(&Deadlines {
            case: v.id,
            today: sendscope_domain::calendar::england_today(),
            deadlines: v.deadlines,
        }))
    })
    .await
}

#[derive(serde::Deserialize)]
struct StepRequest {
    #[serde(rename = "type")]
    event_type: String,
    payload: Value,
    #[serde(default)]
    reason: Option<String>,
    /// A team manager's written reason for taking the step through the approval gate.
    #[serde(default)]
    override_reason: Option<String>,
}

#[derive(Serialize)]
struct StepRecorded {
    #[serde(flatten)]
    recorded: sendscope_app::steps::Recorded,
    deadlines: Vec<views::DeadlineView>,
}

/// A step not recorded, as a problem: 404 and 403 with the words given, 422 for a step
/// not well formed or refused by the rules (saying what must happen first).
pub(crate) fn step_problem(
    e: sendscope_app::steps::StepError,
    not_found: &str,
    forbidden: &str,
) -> Error {
    use sendscope_app::steps::StepError as E;
    match e {
        E::NotFound => Error::not_found(not_found),
        E::Forbidden => Error::forbidden(forbidden),
        E::Invalid(m) => Error::refused(m).problem("invalid-step", "The step is not well formed"),
        E::Refused(m) => {
            Error::refused(m).problem("step-refused", "This step cannot be recorded yet")
        }
        E::Internal(m) => Error::internal(m),
    }
}

/// A record's deadlines as they stand today, for the answer to a change.
fn deadlines_now(
    store: &dyn Store,
    case: sendscope_domain::ids::CaseId,
) -> Result<Vec<views::DeadlineView>, Error> {
    let p = store
        .projection(sendscope_domain::StreamRef::case(case))
        .map_err(Error::internal)?;
    match p.as_ref().and_then(|p| p.case()) {
        Some(cs) => Ok(sendscope_domain::clocks::case_deadlines(
            cs,
            sendscope_domain::calendar::england_today(),
        )
        .map_err(Error::internal)?
        .into_iter()
        .map(views::deadline_view)
        .collect()),
        None => Ok(Vec::new()),
    }
}

/// What recording a request answers: the record it went on, and its deadlines now.
#[derive(Serialize)]
struct RequestRecorded {
    case: String,
    /// The request went on to a record already held (`why` says how it was matched).
    existing: bool,
    why: Option<String>,
    deadlines: Vec<views::DeadlineView>,
}

/// The answer a request for a child who may already be known gets: nothing written.
#[derive(Serialize)]
struct PossibleMatches {
    detail: &'static str,
    possible_matches: Vec<sendscope_app::intake::PossibleMatch>,
}

/// A refused intake as a problem: the fields to mend, or why it cannot go on.
pub(crate) fn intake_problem(e: sendscope_app::intake::IntakeError) -> Error {
    use sendscope_app::intake::IntakeError as E;
    match e {
        E::Invalid(fields) => {
            Error::invalid("Correct the fields listed in invalid-params and try again")
                .problem(
                    "invalid-request",
                    "The request for assessment is not complete",
                )
                .invalid_params(
                    fields
                        .into_iter()
                        .map(|(name, reason)| InvalidParam { name, reason })
                        .collect(),
                )
        }
        E::Forbidden => {
            Error::forbidden("Caseworkers and team managers record requests for assessment")
        }
        E::Refused(m) => {
            Error::refused(m).problem("request-refused", "The request cannot be recorded")
        }
        E::Internal(m) => Error::internal(m),
    }
}

/// POST /api/v1/cases: records a request for an EHC needs assessment, opening the
/// child's record unless they are already known (the same UPN or NHS number). A similar
/// name with the same date of birth answers 409 with the possible matches and writes
/// nothing: send again with `existing_case` or `not_a_match`.
pub async fn record_request(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let asked: sendscope_app::intake::NewRequest = serde_json::from_slice(&body).map_err(|e| {
            Error::invalid(format!(
                "Send the request as JSON: the child, the parents, who requested it and the day it was received (the OpenAPI document's NewRequest): {e}"
            ))
            .problem("invalid-body", "The request body is not a request for assessment")
        })?;
        let outcome = sendscope_app::intake::record_request(store, &c.principal, &c.username, &asked)
            .map_err(intake_problem)?;
        match outcome {
            sendscope_app::intake::Intake::PossibleMatches(m) => {
                let shown = crate::access_log::Shows(m.iter().map(|x| x.case).collect());
                let mut r = json_ok(&PossibleMatches {
                    detail: "Records with a similar name and the same date of birth are held: nothing was written. Send the request again with existing_case set to the child's record, or not_a_match: true if this is a different child",
                    possible_matches: m,
                });
                *r.status_mut() = StatusCode::CONFLICT;
                r.extensions_mut().insert(shown);
                Ok(r)
            }
            sendscope_app::intake::Intake::Recorded { case, existing, why } => {
                let deadlines = deadlines_now(store, case)?;
                let mut r = json_created(&RequestRecorded {
                    case: case.to_string(),
                    existing,
                    why,
                    deadlines,
                });
                r.headers_mut().insert(
                    header::LOCATION,
                    header::HeaderValue::from_str(&format!("/api/v1/cases/{case}"))
                        .map_err(Error::internal)?,
                );
                Ok(r)
            }
        }
    })
    .await
}

#[derive(serde::Deserialize)]
struct AmendmentRequest {
    #[serde(default)]
    payload: Option<Value>,
    #[serde(default)]
    reason: String,
}

#[derive(Serialize)]
struct Amendment {
    seq: u64,
    case: String,
    deadlines: Vec<views::DeadlineView>,
}

/// POST /api/v1/cases/{id}/events/{seq}/correction: corrects a recorded step.
pub async fn correct_step(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
    body: axum::body::Bytes,
) -> Response {
    amend_step(app, visitor, id, seq, "correction", body).await
}

/// POST /api/v1/cases/{id}/events/{seq}/void: voids a step recorded by mistake.
pub async fn void_step(
    State(app): State<AppState>,
    visitor: Visitor,
    Path((id, seq)): Path<(String, u64)>,
    body: axum::body::Bytes,
) -> Response {
    amend_step(app, visitor, id, seq, "void", body).await
}

/// Puts a recorded step right, with a reason; the answer carries the record's deadlines
/// as they now stand.
async fn amend_step(
    app: AppState,
    visitor: Visitor,
    id: String,
    seq: u64,
    what: &'static str,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let req: AmendmentRequest = serde_json::from_slice(&body).map_err(|e| {
            Error::invalid(format!(
                "Send JSON {{\"payload\": {{…}}, \"reason\": \"why\"}} to correct, or {{\"reason\": \"why\"}} to void: {e}"
            ))
            .problem("invalid-body", "The request body is not a correction")
        })?;
        use sendscope_app::corrections;
        let done = match (what, req.payload) {
            ("correction", Some(p)) => {
                corrections::correct(store, &c.principal, &c.username, &id, seq, p, &req.reason)
            }
            ("correction", None) => Err(sendscope_app::steps::StepError::Invalid(
                "give the step's payload as it should have been".into(),
            )),
            ("void", _) => corrections::void(store, &c.principal, &c.username, &id, seq, &req.reason),
            _ => return Err(Error::not_found("Use /correction or /void")),
        }
        .map_err(|e| {
            step_problem(
                e,
                "There is no such step on a child's record that you can see",
                "Caseworkers and team managers put records right; this role can only read",
            )
        })?;
        let case = sendscope_domain::ids::CaseId::parse(&id).map_err(Error::internal)?;
        Ok(json_created(&Amendment {
            seq: done,
            case: id.clone(),
            deadlines: deadlines_now(store, case)?,
        }))
    })
    .await
}

#[derive(serde::Deserialize)]
struct MergeRequest {
    duplicate: String,
    #[serde(default)]
    reason: String,
}

/// POST /api/v1/cases/{id}/merge: joins a duplicate record of the same child into this
/// one (team managers).
pub async fn merge_case(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let req: MergeRequest = serde_json::from_slice(&body).map_err(|e| {
            Error::invalid(format!(
                "Send JSON {{\"duplicate\": \"the duplicate's reference\", \"reason\": \"why they are the same child\"}}: {e}"
            ))
            .problem("invalid-body", "The request body is not a merge")
        })?;
        sendscope_app::merge::merge(store, &c.principal, &c.username, &req.duplicate, &id, &req.reason)
            .map_err(|e| {
                step_problem(
                    e,
                    "There is no such record in your team: check both references",
                    "Team managers merge records",
                )
            })?;
        Ok(json_created(&json!({ "case": id, "merged": req.duplicate.trim() })))
    })
    .await
}

/// Set-up through the API: what an administrator sends.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum SetupRequest {
    Account {
        username: String,
        role: String,
        password: String,
        #[serde(default)]
        staff: Option<String>,
        #[serde(default)]
        team: Option<String>,
        #[serde(default)]
        setting: Option<String>,
        #[serde(default)]
        child: Option<String>,
        #[serde(default)]
        person: Option<String>,
    },
    Staff {
        name: String,
        team: String,
        #[serde(default)]
        job: Option<String>,
    },
    Team {
        name: String,
    },
}

/// POST /api/v1/teams, /api/v1/staff and /api/v1/accounts: an administrator sets up the
/// council's teams, staff and accounts, naming them as people do (as on `/admin`).
async fn set_up(
    app: AppState,
    visitor: Visitor,
    what: &'static str,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let p = &c.principal;
        if !authorise(p, Action::Change, Resource::Accounts { area: p.area }).allowed() {
            return Err(Error::forbidden(
                "Only administrators set up teams, staff and accounts",
            ));
        }
        let req: SetupRequest = serde_json::from_slice(&body).map_err(|e| {
            Error::invalid(format!(
                "Send the {what} as JSON, as the OpenAPI document describes: {e}"
            ))
            .problem("invalid-body", "The request body is not understood")
        })?;
        let actor = format!("user:{}", c.username);
        let no = |m: String| {
            Error::refused(m).problem("setup-refused", "The set-up step cannot be taken")
        };
        let refused = |e: sendscope_app::setup::SetupError| no(e.to_string());
        let made = match (what, req) {
            ("team", SetupRequest::Team { name }) => {
                sendscope_app::setup::add_team(store, p.area, &name, &actor).map_err(refused)?;
                json!({ "team": name.trim() })
            }
            ("member of staff", SetupRequest::Staff { name, team, job }) => {
                let job = job.unwrap_or_else(|| "caseworker".into());
                let job: sendscope_domain::event::StaffJob =
                    serde_json::from_value(json!(job.trim()))
                        .map_err(|_| no(format!("job {job:?} is not known")))?;
                sendscope_app::setup::add_staff(store, p.area, &team, &name, job, &actor)
                    .map_err(refused)?;
                json!({ "name": name.trim(), "team": team.trim() })
            }
            (
                "account",
                SetupRequest::Account {
                    username,
                    role,
                    password,
                    staff,
                    team,
                    setting,
                    child,
                    person,
                },
            ) => {
                let role = sendscope_domain::access::Role::parse(&role)
                    .ok_or_else(|| no(format!("role {role:?} is not known")))?;
                let name = sendscope_domain::account::Username::parse(&username)
                    .map_err(|e| no(e.to_string()))?;
                sendscope_domain::account::check_password_strength(&password)
                    .map_err(|e| no(e.to_string()))?;
                let links = sendscope_app::accounts::links_by_name(
                    store,
                    p.area,
                    &sendscope_app::accounts::LinkNames {
                        staff,
                        team,
                        setting,
                        child,
                        person,
                    },
                )
                .map_err(refused)?;
                sendscope_app::accounts::add_account(
                    store, p.area, &name, role, links, &password, &actor,
                )
                .map_err(|e| no(e.to_string()))?;
                json!({ "username": name.to_string(), "role": role.as_str() })
            }
            _ => {
                return Err(Error::invalid(format!(
                    "Send a {what}'s fields, as the OpenAPI document describes"
                ))
                .problem("invalid-body", "The request body is not understood"));
            }
        };
        Ok(json_created(&made))
    })
    .await
}

/// POST /api/v1/teams
pub async fn add_team(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    set_up(app, visitor, "team", body).await
}

/// POST /api/v1/staff
pub async fn add_staff(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    set_up(app, visitor, "member of staff", body).await
}

/// POST /api/v1/accounts
pub async fn add_account(
    State(app): State<AppState>,
    visitor: Visitor,
    body: axum::body::Bytes,
) -> Response {
    set_up(app, visitor, "account", body).await
}

/// POST /api/v1/cases/{id}/steps: records one casework step. A step the rules refuse
/// answers 422 with what must happen first, and nothing is written.
pub async fn record_step(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let req: StepRequest = serde_json::from_slice(&body).map_err(|e| not_a_step("case", e))?;
        let recorded = sendscope_app::steps::Step::from_json(&req.event_type, req.payload)
            .and_then(|step| {
                sendscope_app::steps::record_step_overriding(
                    store,
                    &c.principal,
                    &c.username,
                    &id,
                    step,
                    req.reason,
                    req.override_reason,
                )
            })
            .map_err(|e| {
                step_problem(
                    e,
                    "There is no child's record with that reference that you can see",
                    "Caseworkers and team managers record casework; this role can only read",
                )
            })?;
        let deadlines = deadlines_now(
            store,
            sendscope_domain::ids::CaseId::parse(&id).map_err(Error::internal)?,
        )?;
        Ok(json_created(&StepRecorded {
            recorded,
            deadlines,
        }))
    })
    .await
}

fn settings_allowed(p: &Principal) -> Result<(), Error> {
    if authorise(p, Action::View, Resource::Settings { area: p.area }).allowed() {
        Ok(())
    } else {
        Err(Error::forbidden(
            "This role does not include settings and provisions",
        ))
    }
}

/// GET /api/v1/settings: pages of the area's settings, by position.
pub async fn settings(
    State(app): State<AppState>,
    visitor: Visitor,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        settings_allowed(&c.principal)?;
        let mut errors = Vec::new();
        let limit = match params.get("limit").map(|v| v.trim().parse::<usize>()) {
            None => 100,
            Some(Ok(n)) if (1..=views::MAX_PAGE).contains(&n) => n,
            Some(_) => {
                errors.push(ParamError { name: "limit", message: "Give a page size from 1 to 100" });
                0
            }
        };
        let after = match params.get("after").map(|v| v.trim().parse::<usize>()) {
            None => 0,
            Some(Ok(n)) => n,
            Some(Err(_)) => {
                errors.push(ParamError {
                    name: "after",
                    message: "That cursor is not one this service gave out: start from the first page",
                });
                0
            }
        };
        if !errors.is_empty() {
            return Err(invalid(errors));
        }
        let all = crate::setting_views::settings(store, &c.principal).map_err(Error::internal)?;
        let end = (after + limit).min(all.len());
        let next = (end < all.len()).then(|| end.to_string());
        let items: Vec<_> = all.into_iter().skip(after).take(limit).collect();
        Ok(json_ok(&Page { items, next }))
    })
    .await
}

/// GET /api/v1/settings/{id}
pub async fn setting(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        settings_allowed(&c.principal)?;
        let gone = || Error::not_found("There is no setting with that identifier in your area");
        let id = SettingId::parse(&id).map_err(|_| gone())?;
        let v = crate::setting_views::setting_view(store, &c.principal, id)
            .map_err(Error::internal)?
            .ok_or_else(gone)?;
        Ok(json_ok(&v))
    })
    .await
}

/// A body that is not a step: 400, with the shape to send.
pub(crate) fn not_a_step(stream: &str, e: serde_json::Error) -> Error {
    Error::invalid(format!(
        "Send JSON {{\"type\": \"{stream}.…\", \"payload\": {{…}}, \"reason\": \"optional note\"}}: {e}"
    ))
    .problem("invalid-body", "The request body is not a step")
}

#[derive(serde::Deserialize)]
struct ProvisionStep {
    #[serde(rename = "type")]
    event_type: String,
    payload: Value,
    #[serde(default)]
    reason: Option<String>,
}

/// POST /api/v1/provisions/{id}/steps: the provisions register. Commissioners and team
/// managers open a provision (`provision.opened`, with an identifier the caller makes)
/// and record its places, costs, service level agreements, approval applications and
/// decisions, capital and viable-options evidence. The rules refuse steps out of order
/// (422, nothing written).
pub async fn provision_step(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let gone = || Error::not_found("There is no provision with that identifier in your area");
        let id = sendscope_domain::ids::ProvisionId::parse(&id).map_err(|_| gone())?;
        let req: ProvisionStep =
            serde_json::from_slice(&body).map_err(|e| not_a_step("provision", e))?;
        let seq = sendscope_app::provisions::step_from_json(&req.event_type, req.payload)
            .and_then(|event| {
                sendscope_app::provisions::record(
                    store,
                    &c.principal,
                    &c.username,
                    id,
                    event,
                    req.reason,
                )
            })
            .map_err(|e| {
                step_problem(
                    e,
                    "There is no provision with that identifier in your area",
                    "Commissioners and team managers keep the provisions register",
                )
            })?;
        Ok(json_created(&json!({
            "seq": seq,
            "provision": id.to_string(),
            "type": req.event_type,
        })))
    })
    .await
}

/// Any other path under /api.
pub async fn no_route() -> Response {
    Error::not_found("There is no such API route; /api/openapi.json lists them all").into_response()
}

/// GET /api/openapi.json
pub async fn openapi_json() -> Response {
    json_ok(openapi())
}

fn plan_read(
    store: &dyn Store,
    c: &Caller,
    id: &str,
    params: &HashMap<String, String>,
) -> Result<crate::plan::PlanDocument, Error> {
    let version = crate::plan::version_param(params)
        .map_err(|_| Error::invalid("version must be a whole number, 1 for the first version"))?;
    crate::plan::read(store, &c.principal, id, version)
        .map_err(Error::internal)?
        .ok_or_else(|| Error::not_found("There is no child's record with that reference that you can see, or no such version of its plan"))
}

/// GET /api/v1/cases/{id}/plan: every version of the plan, the one asked for (or the
/// latest) with what changed from the one before.
pub async fn plan_json(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let d = plan_read(store, &c, &id, &params)?;
        Ok(json_ok(&d))
    })
    .await
}

/// GET /api/v1/cases/{id}/plan.pdf
pub async fn plan_pdf(
    State(app): State<AppState>,
    visitor: Visitor,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    with_caller(&app, visitor, move |store, c| {
        let d = plan_read(store, &c, &id, &params)?;
        crate::plan::pdf_response(&d).map_err(Error::internal)
    })
    .await
}
