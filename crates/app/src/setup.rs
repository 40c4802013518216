//! Setting up a real local area on an empty database: the area (its LA code checked
//! against England's local authorities), its council, the council's teams and staff.
//! Everything is found as a person names it (an LA code, a team's name, a member of
//! staff's name), never by an internal identifier; each change is an event.

use sendscope_domain::event::{OrganisationKind, StaffJob, TeamAdded};
use sendscope_domain::ids::{AreaId, OrganisationId, StaffId, TeamId};
use sendscope_domain::projection::{StaffState, StreamState};
use sendscope_domain::setup::{SetupProblem, same_name};
use sendscope_domain::{Actor, EventBody, NewEvent, StreamKind, StreamRef};
use sendscope_store::{Store, StoreError};

/// Why a set-up step changed nothing: what is wrong and how to put it right.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    AlreadyThere(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] sendscope_domain::DomainError),
}

impl From<SetupProblem> for SetupError {
    fn from(p: SetupProblem) -> Self {
        match p {
            SetupProblem::Invalid(m) => SetupError::Invalid(m),
            SetupProblem::AlreadyThere(m) => SetupError::AlreadyThere(m),
        }
    }
}

fn event(area: AreaId, stream: StreamRef, body: EventBody, actor: &Actor) -> NewEvent {
    NewEvent {
        stream,
        area,
        body,
        actor: actor.clone(),
        effective_date: sendscope_domain::calendar::england_today(),
        reason: None,
        recorded_at: None,
    }
}

/// A new local area: `la_code` must be an English local authority's, not already set
/// up here; its name is the authority's unless given. Its council is registered with it,
/// in the same transaction.
pub fn add_area(
    store: &dyn Store,
    la_code: &str,
    name: Option<&str>,
    actor: &str,
) -> Result<(AreaId, String), SetupError> {
    let h = store.headline()?;
    let (created, council_registered) = sendscope_domain::setup::new_area(
        la_code,
        name,
        h.areas
            .iter()
            .map(|a| (a.la_code.as_str(), a.name.as_str())),
    )?;
    let name = created.name.clone();
    let actor = Actor::parse(actor)?;
    let area = AreaId::new_random();
    let council = OrganisationId::new_random();
    store.append(&[
        event(
            area,
            StreamRef::area(area),
            EventBody::AreaCreated(created),
            &actor,
        ),
        event(
            area,
            StreamRef::organisation(council),
            EventBody::OrganisationRegistered(council_registered),
            &actor,
        ),
    ])?;
    Ok((area, name))
}

/// An area by its LA code or identifier; with no text, the only area there is.
pub fn find_area(store: &dyn Store, text: Option<&str>) -> Result<AreaId, SetupError> {
    let h = store.headline()?;
    let text = text.map(str::trim).filter(|t| !t.is_empty());
    let found: Vec<_> = h
        .areas
        .iter()
        .filter(|a| text.is_none_or(|t| a.la_code == t || a.area_id == t))
        .collect();
    match (found.as_slice(), text) {
        ([a], _) => Ok(AreaId::parse(&a.area_id)?),
        ([], None) => Err(SetupError::NotFound(
            "the database holds no local area yet: add one with `sendscope area add --la-code CODE`"
                .into(),
        )),
        ([], Some(t)) => Err(SetupError::NotFound(format!(
            "no local area {t:?} in this database; give its LA code or identifier (`sendscope area list`)"
        ))),
        (many, _) => Err(SetupError::Invalid(format!(
            "this database holds {} local areas: say which with --area LA-CODE",
            many.len()
        ))),
    }
}

/// The area's council: the organisation its teams and staff belong to.
fn council(store: &dyn Store, area: AreaId) -> Result<(StreamRef, Vec<TeamAdded>), SetupError> {
    store
        .area_projections(area, StreamKind::Organisation)?
        .into_iter()
        .find_map(|p| match p.state {
            StreamState::Organisation(o)
                if o.registered
                    .as_ref()
                    .is_some_and(|r| r.kind == OrganisationKind::Council) =>
            {
                Some((p.stream, o.teams))
            }
            _ => None,
        })
        .ok_or_else(|| {
            SetupError::NotFound(
                "this area has no council registered: add the area with `sendscope area add`"
                    .into(),
            )
        })
}

/// A new team of the area's council; its name must be new there.
pub fn add_team(
    store: &dyn Store,
    area: AreaId,
    name: &str,
    actor: &str,
) -> Result<TeamId, SetupError> {
    let (stream, teams) = council(store, area)?;
    let team = TeamId::new_random();
    let added = sendscope_domain::setup::new_team(&teams, name, team)?;
    store.append(&[event(
        area,
        stream,
        EventBody::TeamAdded(added),
        &Actor::parse(actor)?,
    )])?;
    Ok(team)
}

/// A team of the area's council by its name (or identifier).
pub fn find_team(store: &dyn Store, area: AreaId, name: &str) -> Result<TeamId, SetupError> {
    let (_, teams) = council(store, area)?;
    teams
        .iter()
        .find(|t| same_name(&t.name, name) || t.team.to_string() == name.trim())
        .map(|t| t.team)
        .ok_or_else(|| {
            let names: Vec<&str> = teams.iter().map(|t| t.name.as_str()).collect();
            SetupError::NotFound(if names.is_empty() {
                format!("the council has no team {name:?}: add one with `sendscope team add`")
            } else {
                format!(
                    "the council has no team {name:?}; its teams are: {}",
                    names.join(", ")
                )
            })
        })
}

/// A new member of the council's staff, in a team.
pub fn add_staff(
    store: &dyn Store,
    area: AreaId,
    team: &str,
    name: &str,
    job: StaffJob,
    actor: &str,
) -> Result<StaffId, SetupError> {
    let team = find_team(store, area, team)?;
    let (council, _) = council(store, area)?;
    let added =
        sendscope_domain::setup::new_staff(name, OrganisationId(council.id), Some(team), job)?;
    let staff = StaffId::new_random();
    store.append(&[event(
        area,
        StreamRef::staff(staff),
        EventBody::StaffAdded(added),
        &Actor::parse(actor)?,
    )])?;
    Ok(staff)
}

/// Records how a member of staff (by name) is reached: their email address and telephone
/// number, as letters give them. Replaces what was recorded before.
pub fn record_staff_contact(
    store: &dyn Store,
    area: AreaId,
    name: &str,
    contact: sendscope_domain::event::StaffContact,
    actor: &str,
) -> Result<(), SetupError> {
    contact.check().map_err(SetupProblem::Invalid)?;
    let (staff, _) = find_staff(store, area, name)?;
    store.append(&[event(
        area,
        StreamRef::staff(staff),
        EventBody::StaffContactRecorded(contact),
        &Actor::parse(actor)?,
    )])?;
    Ok(())
}

/// A member of the area's staff still in post, by name (or identifier); two with the same
/// name are told apart by their identifier.
pub fn find_staff(
    store: &dyn Store,
    area: AreaId,
    name: &str,
) -> Result<(StaffId, StaffState), SetupError> {
    let staff = store.area_projections(area, StreamKind::Staff)?;
    let matches: Vec<(StaffId, StaffState)> = staff
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Staff(s) if s.left_on.is_none() => {
                let id = StaffId(p.stream.id);
                let named = s.added.as_ref().is_some_and(|a| same_name(&a.name, name));
                (named || id.to_string() == name.trim()).then_some((id, s))
            }
            _ => None,
        })
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one")),
        0 => Err(SetupError::NotFound(format!(
            "no member of staff called {name:?} is in post in this area: add them with `sendscope staff add`"
        ))),
        n => Err(SetupError::Invalid(format!(
            "{n} members of staff are called {name:?}: give the identifier of the one you mean ({})",
            matches
                .iter()
                .map(|(id, _)| id.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The council's teams, by name: (team, name).
pub fn teams(store: &dyn Store, area: AreaId) -> Result<Vec<(TeamId, String)>, SetupError> {
    let (_, teams) = council(store, area)?;
    let mut out: Vec<(TeamId, String)> = teams.into_iter().map(|t| (t.team, t.name)).collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// One member of staff as the set-up pages list them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRow {
    pub staff: StaffId,
    pub name: String,
    pub team: Option<String>,
    pub job: StaffJob,
    pub left_on: Option<chrono::NaiveDate>,
}

/// Every member of the area's staff, by name, with their team's name.
pub fn staff(store: &dyn Store, area: AreaId) -> Result<Vec<StaffRow>, SetupError> {
    let team_names: std::collections::HashMap<TeamId, String> = match council(store, area) {
        Ok((_, t)) => t.into_iter().map(|t| (t.team, t.name)).collect(),
        Err(_) => Default::default(),
    };
    let mut out: Vec<StaffRow> = store
        .area_projections(area, StreamKind::Staff)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Staff(s) => s.added.map(|a| StaffRow {
                staff: StaffId(p.stream.id),
                name: a.name,
                team: a.team.and_then(|t| team_names.get(&t).cloned()),
                job: a.job,
                left_on: s.left_on,
            }),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The first set-up of an empty database, from the one-time set-up page: the local area
/// (and its council) and its first administrator's account, as `sendscope area add` and
/// `sendscope user add --role admin` make them. Refused once the database holds an area.
pub fn first_area_and_admin(
    store: &dyn Store,
    la_code: &str,
    name: Option<&str>,
    username: &sendscope_domain::account::Username,
    password: &str,
) -> Result<(AreaId, String), SetupError> {
    if !store.headline()?.areas.is_empty() {
        return Err(SetupError::AlreadyThere(
            "this database already holds a local area: sign in, or ask its administrator for an account".into(),
        ));
    }
    sendscope_domain::account::check_password_strength(password)?;
    let actor = format!("user:{username}");
    let (area, area_name) = add_area(store, la_code, name, &actor)?;
    crate::accounts::add_account(
        store,
        area,
        username,
        sendscope_domain::access::Role::Admin,
        Default::default(),
        password,
        &actor,
    )?;
    Ok((area, area_name))
}

/// Moves a member of staff (by name) to another of the council's teams. Their children
/// stay with them until a manager moves them (`caseload::reassign`).
pub fn move_staff(
    store: &dyn Store,
    area: AreaId,
    name: &str,
    team: &str,
    actor: &str,
) -> Result<(), SetupError> {
    let (staff, state) = find_staff(store, area, name)?;
    let team = find_team(store, area, team)?;
    if state.added.as_ref().and_then(|a| a.team) == Some(team) {
        return Err(SetupError::AlreadyThere(format!(
            "{} is already in that team",
            name.trim()
        )));
    }
    store.append(&[event(
        area,
        StreamRef::staff(staff),
        EventBody::StaffMovedTeam(sendscope_domain::event::StaffMovedTeam { team }),
        &Actor::parse(actor)?,
    )])?;
    Ok(())
}

/// Records that a member of staff (by name) has left, today: they are no longer offered
/// for allocation; their record and history stay.
pub fn staff_left(
    store: &dyn Store,
    area: AreaId,
    name: &str,
    actor: &str,
) -> Result<(), SetupError> {
    let (staff, _) = find_staff(store, area, name)?;
    let on = sendscope_domain::calendar::england_today();
    store.append(&[event(
        area,
        StreamRef::staff(staff),
        EventBody::StaffLeft(sendscope_domain::event::DatedOnly { on }),
        &Actor::parse(actor)?,
    )])?;
    Ok(())
}

/// The area's organisations other than schools, by name: (kind, name).
pub fn organisations(
    store: &dyn Store,
    area: AreaId,
) -> Result<Vec<(OrganisationKind, String)>, SetupError> {
    let mut out: Vec<(OrganisationKind, String)> = store
        .area_projections(area, StreamKind::Organisation)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Organisation(o) => o
                .registered
                .filter(|r| r.kind != OrganisationKind::School)
                .map(|r| (r.kind, r.name)),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    Ok(out)
}

/// Registers an organisation that works with the area's children: the NHS integrated
/// care board, an NHS trust or other health service, or another provider (schools and
/// colleges come from GIAS). Its name must be new in the area.
pub fn add_organisation(
    store: &dyn Store,
    area: AreaId,
    kind: OrganisationKind,
    name: &str,
    actor: &str,
) -> Result<OrganisationId, SetupError> {
    let known = organisations(store, area)?;
    let registered = sendscope_domain::setup::new_organisation(
        kind,
        name,
        known.iter().map(|(_, n)| n.as_str()),
    )?;
    let id = OrganisationId::new_random();
    store.append(&[event(
        area,
        StreamRef::organisation(id),
        EventBody::OrganisationRegistered(registered),
        &Actor::parse(actor)?,
    )])?;
    Ok(id)
}
