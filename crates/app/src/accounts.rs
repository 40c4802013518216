//! API tokens: issued to an existing, enabled account (the secret shown once) and
//! revoked, each an event on the account's own stream.

use sendscope_domain::account::Username;
use sendscope_domain::{Instant, StreamRef};
use sendscope_store::Store;

/// The longest a token may be issued for: two years.
pub const MAX_TOKEN_DAYS: u32 = 730;

/// Issues an API token for an existing, enabled account and returns it (the only time the
/// secret exists outside the client). The issue is an account event.
pub fn issue_api_token(
    store: &dyn Store,
    username: &Username,
    label: &str,
    valid_days: u32,
    actor: &str,
) -> Result<sendscope_domain::account::NewApiToken, sendscope_store::StoreError> {
    use sendscope_domain::EventBody;
    use sendscope_domain::account::NewApiToken;
    use sendscope_domain::event::TokenIssued;
    let Some(creds) = store.credentials(username)? else {
        return Err(sendscope_store::StoreError::NotFound(format!(
            "there is no account {username:?}; check the name with the administrator"
        )));
    };
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 100 {
        return Err(sendscope_domain::DomainError::Invalid {
            what: "token label",
            value: label.to_string(),
            how: "say in 1 to 100 characters which system will use the token".into(),
        }
        .into());
    }
    let mut id = [0u8; 6];
    id.copy_from_slice(&uuid::Uuid::new_v4().into_bytes()[..6]);
    let secret: [u8; 32] = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat()
    .try_into()
    .unwrap_or([0; 32]);
    if !(1..=MAX_TOKEN_DAYS).contains(&valid_days) {
        return Err(sendscope_domain::DomainError::Invalid {
            what: "token lifetime",
            value: format!("{valid_days} days"),
            how: format!("give 1 to {MAX_TOKEN_DAYS} days; issue a new token before it ends"),
        }
        .into());
    }
    let token = NewApiToken::from_random(id, secret);
    let now = Instant::now();
    let today = sendscope_domain::calendar::england_today();
    let expires_on = today + chrono::Days::new(u64::from(valid_days));
    // The end of its last day, in England.
    let expires_at = Instant::england_at(expires_on + chrono::Days::new(1), 0, 0);
    let event = account_event(
        &creds,
        EventBody::TokenIssued(TokenIssued {
            token_id: token.id.clone(),
            label: label.to_string(),
            on: today,
            expires_on: Some(expires_on),
        }),
        actor,
    )?;
    let record = sendscope_store::ApiToken {
        id: token.id.clone(),
        username: username.clone(),
        label: label.to_string(),
        created_at: now,
        revoked_at: None,
        expires_at: Some(expires_at),
    };
    store.issue_token(&[event], &record, &token.sha256())?;
    Ok(token)
}

/// Revokes an API token by its identifier; an account event records who and when.
pub fn revoke_api_token(
    store: &dyn Store,
    id: &sendscope_domain::account::TokenId,
    actor: &str,
) -> Result<(), sendscope_store::StoreError> {
    use sendscope_domain::EventBody;
    use sendscope_domain::event::TokenRevoked;
    let tokens = store.api_tokens()?;
    let Some(t) = tokens.iter().find(|t| &t.id == id) else {
        return Err(sendscope_store::StoreError::NotFound(format!(
            "there is no token {id}; `sendscope token list` shows them all"
        )));
    };
    let Some(creds) = store.credentials(&t.username)? else {
        return Err(sendscope_store::StoreError::NotFound(format!(
            "token {id}'s account {} no longer exists",
            t.username
        )));
    };
    let event = account_event(
        &creds,
        EventBody::TokenRevoked(TokenRevoked {
            token_id: id.clone(),
            on: sendscope_domain::calendar::england_today(),
        }),
        actor,
    )?;
    store.revoke_token(&[event], id, Instant::now())
}

/// An event on an account's own stream, effective today, by `actor`.
fn account_event(
    creds: &sendscope_store::Credentials,
    body: sendscope_domain::EventBody,
    actor: &str,
) -> Result<sendscope_domain::PreparedEvent, sendscope_store::StoreError> {
    let today = sendscope_domain::calendar::england_today();
    Ok(sendscope_domain::PreparedEvent::new(
        sendscope_domain::NewEvent {
            stream: StreamRef::account(creds.account),
            area: creds.area,
            body,
            actor: sendscope_domain::Actor::parse(actor)?,
            effective_date: today,
            reason: None,
            recorded_at: None,
        },
    )?)
}

/// Creates an account: its events and its password hash, in one transaction. The
/// account's links must be the ones its role is scoped by (`access::check_links`). The
/// password's strength is the caller's to check (`account::check_password_strength`)
/// for a person's account; the demo's accounts share a known one.
pub fn add_account(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    username: &Username,
    role: sendscope_domain::access::Role,
    links: sendscope_domain::event::AccountLinks,
    password: &str,
    actor: &str,
) -> Result<sendscope_domain::ids::AccountId, sendscope_store::StoreError> {
    use sendscope_domain::event::{AccountCreated, DatedOnly};
    use sendscope_domain::{Actor, EventBody, NewEvent, PreparedEvent};
    sendscope_domain::access::check_links(role, &links)?;
    let account = sendscope_domain::ids::AccountId::new_random();
    // A version-4 UUID's bytes are 122 random bits from the operating system: a fine salt.
    let hash =
        sendscope_domain::account::hash_password(password, uuid::Uuid::new_v4().into_bytes())?;
    let today = sendscope_domain::calendar::england_today();
    let actor = Actor::parse(actor)?;
    let event = |body| NewEvent {
        stream: StreamRef::account(account),
        area,
        body,
        actor: actor.clone(),
        effective_date: today,
        reason: None,
        recorded_at: None,
    };
    let created = EventBody::AccountCreated(AccountCreated {
        username: username.clone(),
        role,
        links,
    });
    let events = [
        created,
        EventBody::AccountPasswordSet(DatedOnly { on: today }),
    ]
    .into_iter()
    .map(|b| PreparedEvent::new(event(b)))
    .collect::<Result<Vec<_>, _>>()?;
    let credentials = sendscope_store::NewCredentials {
        username: username.clone(),
        account,
        area,
        password_hash: hash,
    };
    store.create_account(&events, &credentials)?;
    Ok(account)
}

/// One account as `user list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    pub username: String,
    pub role: sendscope_domain::access::Role,
    /// Disabled on this day, if it has been.
    pub disabled_on: Option<chrono::NaiveDate>,
}

/// Every account of an area, by username.
pub fn list(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
) -> Result<Vec<AccountRow>, sendscope_store::StoreError> {
    use sendscope_domain::projection::StreamState;
    let mut rows: Vec<AccountRow> = store
        .area_projections(area, sendscope_domain::StreamKind::Account)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Account(a) => a.created.map(|c| AccountRow {
                username: c.username.to_string(),
                role: c.role,
                disabled_on: a.disabled_on,
            }),
            _ => None,
        })
        .collect();
    rows.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(rows)
}

/// The account event an administrator records, on the named account's own record.
fn named_account_event(
    store: &dyn Store,
    username: &Username,
    body: sendscope_domain::EventBody,
    actor: &str,
) -> Result<Vec<sendscope_domain::PreparedEvent>, sendscope_store::StoreError> {
    let creds = store.credentials(username)?.ok_or_else(|| {
        sendscope_store::StoreError::NotFound(format!(
            "there is no account \"{username}\"; `sendscope user list` shows the accounts"
        ))
    })?;
    Ok(vec![account_event(&creds, body, actor)?])
}

/// Disables an account: it can no longer sign in or use its API tokens; its history stays.
pub fn disable(
    store: &dyn Store,
    username: &Username,
    actor: &str,
) -> Result<(), sendscope_store::StoreError> {
    let on = sendscope_domain::calendar::england_today();
    let events = named_account_event(
        store,
        username,
        sendscope_domain::EventBody::AccountDisabled(sendscope_domain::event::DatedOnly { on }),
        actor,
    )?;
    store.append_prepared(&events)?;
    Ok(())
}

/// Sets a new password (checked for strength first): the failed sign-ins are forgotten
/// and every session of the account ends.
pub fn reset_password(
    store: &dyn Store,
    username: &Username,
    password: &str,
    actor: &str,
) -> Result<(), sendscope_store::StoreError> {
    sendscope_domain::account::check_password_strength(password)?;
    let on = sendscope_domain::calendar::england_today();
    let events = named_account_event(
        store,
        username,
        sendscope_domain::EventBody::AccountPasswordSet(sendscope_domain::event::DatedOnly { on }),
        actor,
    )?;
    // A version-4 UUID's bytes are 122 random bits from the operating system: a fine salt.
    let hash =
        sendscope_domain::account::hash_password(password, uuid::Uuid::new_v4().into_bytes())?;
    store.set_password(&events, username, &hash)?;
    Ok(())
}

/// What an account is for, as a person names it: a member of staff and a team by name, a
/// school by URN, a child by their record's reference or UPN, and a parent or carer by
/// their name as recorded on that child's record. Identifiers are accepted too.
#[derive(Debug, Clone, Default)]
pub struct LinkNames {
    pub staff: Option<String>,
    pub team: Option<String>,
    pub setting: Option<String>,
    pub child: Option<String>,
    pub person: Option<String>,
}

/// The links `names` point to in the area, or what is not found and how to find it. A
/// caseworker's team is their own unless another is named.
pub fn links_by_name(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    names: &LinkNames,
) -> Result<sendscope_domain::event::AccountLinks, crate::setup::SetupError> {
    use crate::setup::{SetupError, find_staff, find_team};
    use sendscope_domain::ids::{PersonId, SettingId};
    let given = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let staff = given(&names.staff)
        .map(|s| find_staff(store, area, &s))
        .transpose()?;
    let team = match given(&names.team) {
        Some(t) => Some(find_team(store, area, &t)?),
        None => staff
            .as_ref()
            .and_then(|(_, s)| s.added.as_ref().and_then(|a| a.team)),
    };
    let setting = match given(&names.setting) {
        Some(s) if s.chars().all(|c| c.is_ascii_digit()) => {
            let urn = sendscope_domain::codes::Urn::parse(&s)?;
            let known = crate::registers::settings_by_urn(store, area)?;
            let (stream, _) = known.get(&urn).ok_or_else(|| {
                SetupError::NotFound(format!(
                    "no setting with URN {urn} is registered in this area: import the schools from GIAS first"
                ))
            })?;
            Some(SettingId(stream.id))
        }
        Some(s) => Some(SettingId(uuid::Uuid::parse_str(&s).map_err(|_| {
            SetupError::Invalid(format!("{s:?} is neither a URN nor a setting's identifier"))
        })?)),
        None => None,
    };
    let case = match given(&names.child) {
        Some(c) => Some(find_child(store, area, &c)?),
        None => None,
    };
    let person = match (given(&names.person), case) {
        (None, _) => None,
        (Some(p), case) if let Ok(id) = uuid::Uuid::parse_str(&p) => {
            let _ = case;
            Some(PersonId(id))
        }
        (Some(p), Some(case)) => Some(find_related(store, case, &p)?),
        (Some(p), None) => {
            return Err(SetupError::Invalid(format!(
                "give the child's record (its reference or UPN) to find {p:?} on it"
            )));
        }
    };
    Ok(sendscope_domain::event::AccountLinks {
        staff: staff.map(|(id, _)| id),
        team,
        setting,
        person,
        case,
    })
}

/// A child's record in the area by its reference or the child's UPN.
pub fn find_child(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    text: &str,
) -> Result<sendscope_domain::ids::CaseId, crate::setup::SetupError> {
    use crate::setup::SetupError;
    if let Ok(c) = sendscope_domain::ids::CaseId::parse(text) {
        return Ok(c);
    }
    let upn = sendscope_domain::codes::Upn::parse(text).map_err(|_| {
        SetupError::Invalid(format!(
            "{text:?} is neither a record's reference nor a UPN: copy the reference from the child's record"
        ))
    })?;
    let page = store.list_cases(&sendscope_store::CaseQuery {
        area: Some(area),
        upn: Some(upn.to_string()),
        limit: 2,
        ..Default::default()
    })?;
    page.rows
        .iter()
        .find(|r| r.stage != sendscope_domain::Stage::Merged)
        .map(|r| r.case)
        .ok_or_else(|| {
            SetupError::NotFound(format!("no child with UPN {upn} has a record in this area"))
        })
}

/// A parent or carer recorded on a child's record, by name (any case, accents ignored).
fn find_related(
    store: &dyn Store,
    case: sendscope_domain::ids::CaseId,
    name: &str,
) -> Result<sendscope_domain::ids::PersonId, crate::setup::SetupError> {
    use crate::setup::SetupError;
    use sendscope_domain::projection::fold;
    let p = store.projection(StreamRef::case(case))?;
    let related = p
        .as_ref()
        .and_then(|p| p.case())
        .map(|c| c.related.clone())
        .unwrap_or_default();
    related
        .iter()
        .find(|r| fold(&r.name) == fold(name))
        .map(|r| r.person)
        .ok_or_else(|| {
            let names: Vec<&str> = related.iter().map(|r| r.name.as_str()).collect();
            SetupError::NotFound(if names.is_empty() {
                format!("the child's record names no parent or carer called {name:?}: record them on it first")
            } else {
                format!(
                    "the child's record names no parent or carer called {name:?}; it names {}",
                    names.join(", ")
                )
            })
        })
}

/// A mover: the account's new role and links (checked as at creation), recorded as an
/// event; from the next request its sessions and tokens act with the new role.
pub fn change_role(
    store: &dyn Store,
    username: &Username,
    role: sendscope_domain::access::Role,
    links: sendscope_domain::event::AccountLinks,
    actor: &str,
) -> Result<(), sendscope_store::StoreError> {
    sendscope_domain::access::check_links(role, &links)?;
    let on = sendscope_domain::calendar::england_today();
    let events = named_account_event(
        store,
        username,
        sendscope_domain::EventBody::AccountRoleChanged(sendscope_domain::event::RoleChanged {
            role,
            links,
            on,
        }),
        actor,
    )?;
    store.append_prepared(&events)?;
    Ok(())
}

/// Whether a role is staff for the area's two-factor policy: everyone but families,
/// young people and board members.
pub fn is_staff(role: sendscope_domain::access::Role) -> bool {
    use sendscope_domain::access::Role;
    !matches!(
        role,
        Role::ParentCarer | Role::YoungPerson | Role::BoardMember
    )
}

/// The area's sign-in policy in force today.
pub fn sign_in_policy(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
) -> Result<sendscope_domain::event::SignInPolicy, sendscope_store::StoreError> {
    use sendscope_domain::projection::StreamState;
    let today = sendscope_domain::calendar::england_today();
    Ok(match store.projection(StreamRef::area(area))? {
        Some(p) => match p.state {
            StreamState::Area(a) => a.sign_in_policy_on(today),
            _ => sendscope_domain::event::SignInPolicy::standard(),
        },
        None => sendscope_domain::event::SignInPolicy::standard(),
    })
}

/// Sets up (`Some`) or removes (`None`, a lost phone) an account's second factor: the
/// event on the account, the secret beside the password; its other sessions end.
pub fn set_two_factor(
    store: &dyn Store,
    username: &Username,
    secret: Option<&sendscope_domain::totp::TotpSecret>,
    keep_session: &[u8; 32],
    actor: &str,
) -> Result<(), sendscope_store::StoreError> {
    use sendscope_domain::EventBody;
    use sendscope_domain::event::DatedOnly;
    let on = sendscope_domain::calendar::england_today();
    let body = match secret {
        Some(_) => EventBody::TwoFactorEnrolled(DatedOnly { on }),
        None => EventBody::TwoFactorRemoved(DatedOnly { on }),
    };
    let events = named_account_event(store, username, body, actor)?;
    store.set_two_factor(
        &events,
        username,
        secret.map(|s| s.as_bytes()),
        keep_session,
    )
}

/// A fresh two-factor secret: 20 random bytes from the operating system (two version-4
/// UUIDs give 244 random bits; 160 are used).
pub fn new_totp_secret() -> sendscope_domain::totp::TotpSecret {
    let bytes = [
        uuid::Uuid::new_v4().into_bytes(),
        uuid::Uuid::new_v4().into_bytes(),
    ]
    .concat();
    let mut out = [0u8; 20];
    // Skip each UUID's version and variant nibbles' bytes (6 and 8): all 20 are random.
    for (o, b) in out.iter_mut().zip(
        bytes
            .iter()
            .enumerate()
            .filter(|(i, _)| !matches!(i % 16, 6 | 8))
            .map(|(_, b)| *b),
    ) {
        *o = b;
    }
    sendscope_domain::totp::TotpSecret::from_bytes(out)
}

/// Every area's single sign-on in force today: its LA code, identifier and rules.
pub fn single_sign_ons(
    store: &dyn Store,
) -> Result<
    Vec<(
        String,
        sendscope_domain::ids::AreaId,
        sendscope_domain::sso::SingleSignOn,
    )>,
    sendscope_store::StoreError,
> {
    use sendscope_domain::projection::StreamState;
    let today = sendscope_domain::calendar::england_today();
    let mut out = Vec::new();
    for a in store.headline()?.areas {
        let area = sendscope_domain::ids::AreaId::parse(&a.area_id)?;
        if let Some(p) = store.projection(StreamRef::area(area))?
            && let StreamState::Area(s) = &p.state
            && let Some(sso) = s.single_sign_on_on(today)
        {
            out.push((a.la_code.clone(), area, sso.clone()));
        }
    }
    Ok(out)
}

/// Who a single sign-on names: the area's rules applied to the claims the provider vouched
/// for, to an enabled account of that area. When the area maps groups to roles and the
/// person's groups now give another role, the move is recorded (`account.role_changed`,
/// by the provider) before they are let in. The inner error is for the person.
pub fn single_sign_on(
    store: &dyn Store,
    area: sendscope_domain::ids::AreaId,
    sso: &sendscope_domain::sso::SingleSignOn,
    claims: &sendscope_domain::sso::VerifiedClaims,
) -> Result<Result<Username, String>, sendscope_store::StoreError> {
    use sendscope_domain::projection::StreamState;
    let id = match sso.identify(claims) {
        Ok(id) => id,
        Err(why) => return Ok(Err(why)),
    };
    let no_account = || {
        Ok(Err(format!(
            "there is no sendscope account {} in this area: ask your administrator to add one",
            id.username
        )))
    };
    let Some(creds) = store.credentials(&id.username)? else {
        return no_account();
    };
    if creds.area != area {
        return no_account();
    }
    let Some(account) = store.projection(StreamRef::account(creds.account))? else {
        return no_account();
    };
    let StreamState::Account(state) = &account.state else {
        return no_account();
    };
    let Some(created) = state.created.as_ref() else {
        return no_account();
    };
    if state.disabled_on.is_some() {
        return Ok(Err(format!(
            "the sendscope account {} is disabled: ask your administrator",
            id.username
        )));
    }
    if let Some(role) = id.role.filter(|r| *r != created.role) {
        if sendscope_domain::access::check_links(role, &created.links).is_err() {
            return Ok(Err(format!(
                "your organisation's groups make you a {}, but your sendscope account is not set up for that role: ask your administrator",
                role.as_str().replace('_', " ")
            )));
        }
        change_role(
            store,
            &id.username,
            role,
            created.links.clone(),
            "system:single-sign-on",
        )?;
    }
    Ok(Ok(id.username))
}
