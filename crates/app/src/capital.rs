//! Capital projects as the council's commissioners keep them and the board checks them:
//! one record per project, funding places in one or more provisions, with its
//! decision-making trail (domain::capital). Recording a step is for those who may change
//! the area's settings; a share must name an open provision in the area; a project's
//! reference is the area's own and unique in it.

use crate::steps::StepError;
use sendscope_domain::access::{Action, Principal, Resource, authorise};
use sendscope_domain::capital::{CapitalProjectState, step_of};
use sendscope_domain::compliance::Funding;
use sendscope_domain::event::{EventBody, StreamRef};
use sendscope_domain::ids::{AreaId, ProvisionId};
use sendscope_domain::projection::StreamState;
use sendscope_domain::{RecordedEvent, StreamKind};
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;
use uuid::Uuid;

/// One project with its identifier.
#[derive(Debug, Clone)]
pub struct Project {
    pub id: Uuid,
    pub state: CapitalProjectState,
}

impl Project {
    pub fn reference(&self) -> &str {
        self.state
            .proposed
            .as_ref()
            .map(|p| p.reference.as_str())
            .unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.state
            .proposed
            .as_ref()
            .map(|p| p.name.as_str())
            .unwrap_or("")
    }
}

pub fn stream(id: Uuid) -> StreamRef {
    StreamRef {
        kind: StreamKind::CapitalProject,
        id,
    }
}

/// The area's capital projects, by reference.
pub fn projects(store: &dyn Store, area: AreaId) -> Result<Vec<Project>, StoreError> {
    let mut out: Vec<Project> = store
        .area_projections(area, StreamKind::CapitalProject)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::CapitalProject(s) if p.merged_into.is_none() => Some(Project {
                id: p.stream.id,
                state: *s,
            }),
            _ => None,
        })
        .collect();
    out.sort_by(|a, b| a.reference().cmp(b.reference()));
    Ok(out)
}

/// One project in the area, with its events (the trail, each with who and why).
pub fn project(
    store: &dyn Store,
    area: AreaId,
    id: Uuid,
) -> Result<Option<(Project, Vec<RecordedEvent>)>, StoreError> {
    let Some(p) = store.projection(stream(id))?.filter(|p| p.area == area) else {
        return Ok(None);
    };
    let StreamState::CapitalProject(s) = p.state else {
        return Ok(None);
    };
    let events = store.stream_events(stream(id))?;
    Ok(Some((Project { id, state: *s }, events)))
}

/// Each provision's shares of the area's capital projects, as the gates read them.
pub fn funding_by_provision(projects: &[Project]) -> HashMap<ProvisionId, Vec<(Uuid, Funding)>> {
    let mut out: HashMap<ProvisionId, Vec<(Uuid, Funding)>> = HashMap::new();
    for p in projects {
        for share in &p.state.shares {
            out.entry(share.provision)
                .or_default()
                .push((p.id, Funding::of(&p.state, share)));
        }
    }
    out
}

/// Records one step on a capital project (a proposal starts a new one, whose identifier
/// is returned): only commissioners and team managers; a share names an open provision
/// in the area; the domain's rules refuse the rest out of order.
pub fn record(
    store: &dyn Store,
    who: &Principal,
    username: &str,
    project: Option<Uuid>,
    body: EventBody,
    reason: Option<String>,
) -> Result<Uuid, StepError> {
    if !authorise(who, Action::Change, Resource::Settings { area: who.area }).allowed() {
        return Err(StepError::Forbidden);
    }
    record_by(
        store,
        who.area,
        &format!("user:{username}"),
        project,
        body,
        reason,
    )
}

/// `record` for an actor already entitled to (the demo, an import): the same checks but
/// the role's.
pub fn record_by(
    store: &dyn Store,
    area: AreaId,
    actor: &str,
    project: Option<Uuid>,
    body: EventBody,
    reason: Option<String>,
) -> Result<Uuid, StepError> {
    if step_of(&body).is_none() {
        return Err(StepError::Invalid(format!(
            "{} is not a step of a capital project: use {}",
            body.event_type(),
            EventBody::TYPES
                .iter()
                .filter(|t| t.starts_with("capital_project."))
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let internal = |e: StoreError| StepError::Internal(e.to_string());
    let id = match (&body, project) {
        (EventBody::CapitalProposed(p), None) => {
            let reference = p.reference.trim();
            if projects(store, area)
                .map_err(internal)?
                .iter()
                .any(|x| x.reference().eq_ignore_ascii_case(reference))
            {
                return Err(StepError::Refused(format!(
                    "there is already a capital project {reference} in your area: give this one its own reference"
                )));
            }
            Uuid::new_v4()
        }
        (_, None) => {
            return Err(StepError::Invalid(
                "say which capital project this step is for (its proposal starts it)".into(),
            ));
        }
        (_, Some(id)) => {
            if store
                .projection(stream(id))
                .map_err(internal)?
                .is_none_or(|p| p.area != area || p.stream.kind != StreamKind::CapitalProject)
            {
                return Err(StepError::NotFound);
            }
            id
        }
    };
    if let EventBody::ProvisionFunded(f) = &body {
        let open = store
            .projection(StreamRef::provision(f.provision))
            .map_err(internal)?
            .filter(|p| p.area == area)
            .and_then(|p| match p.state {
                StreamState::Provision(s) => Some(s.closed_on.is_none()),
                _ => None,
            });
        match open {
            Some(true) => {}
            Some(false) => {
                return Err(StepError::Refused(
                    "that provision has closed: a capital project funds open provisions".into(),
                ));
            }
            None => {
                return Err(StepError::Invalid(format!(
                    "there is no provision {} in your area: add it at its school first",
                    f.provision
                )));
            }
        }
    }
    crate::provisions::append_one(store, stream(id), area, body, actor, reason)?;
    Ok(id)
}

/// The demo area's capital project, like the stocktake letter's: £1,671,000 for 70 places
/// across five resourced provisions, approved by the council's capital board, deferred by
/// the DfE pending viable-options evidence, then approved, with spend reported. Recorded
/// through the same steps as a commissioner's (fewer provisions where the area has fewer).
pub fn demo(
    store: &dyn Store,
    area: AreaId,
    as_of: chrono::NaiveDate,
) -> Result<Option<Uuid>, StepError> {
    use sendscope_domain::capital::*;
    use sendscope_domain::codes::Pence;
    use sendscope_domain::event::ProvisionKind;
    let internal = |e: StoreError| StepError::Internal(e.to_string());
    let mut rps: Vec<(String, ProvisionId)> = store
        .area_projections(area, StreamKind::Provision)
        .map_err(internal)?
        .into_iter()
        .filter_map(|p| match p.state {
            StreamState::Provision(s) if s.closed_on.is_none() => {
                let o = s.opened?;
                (o.kind == ProvisionKind::ResourcedProvision)
                    .then_some((o.name, ProvisionId(p.stream.id)))
            }
            _ => None,
        })
        .collect();
    rps.sort();
    rps.truncate(5);
    if rps.is_empty() {
        return Ok(None);
    }
    let at = |months: u32| {
        as_of
            .checked_sub_months(chrono::Months::new(months))
            .unwrap_or(as_of)
    };
    let n = rps.len() as u32;
    let (places, share) = (14 * n, Pence(33_420_000));
    let by = "user:commissioner";
    let id = record_by(
        store,
        area,
        by,
        None,
        EventBody::CapitalProposed(CapitalProposed {
            reference: "CAP-25-003".into(),
            name: "Resourced provision expansion".into(),
            proposed_on: at(11),
            amount: Pence(share.0 * i64::from(n)),
            places,
            summary: "New places for autistic children and children with speech, language and communication needs in local mainstream schools, so fewer travel to independent special schools.".into(),
        }),
        None,
    )?;
    for (_, provision) in &rps {
        record_by(
            store,
            area,
            by,
            Some(id),
            EventBody::ProvisionFunded(ProvisionFunded {
                provision: *provision,
                places: 14,
                amount: share,
                on: at(11),
            }),
            None,
        )?;
    }
    let decided = |on, who: &str, outcome, pending: Option<&str>, reasons: &str| {
        record_by(
            store,
            area,
            by,
            Some(id),
            EventBody::CapitalDecided(CapitalDecided {
                decided_on: on,
                decided_by: who.into(),
                outcome,
                pending: pending.map(String::from),
                reasons: reasons.into(),
            }),
            None,
        )
    };
    decided(
        at(10),
        "Council capital programme board",
        CapitalOutcome::Approved,
        None,
        "Within the high needs capital allocation; each school's approval to be confirmed before places are offered.",
    )?;
    decided(
        at(8),
        "DfE",
        CapitalOutcome::Deferred,
        Some("viable-options evidence"),
        "Two of the schools were not judged good or better: show that no school meeting the standard could take the places.",
    )?;
    decided(
        at(6),
        "DfE",
        CapitalOutcome::Approved,
        None,
        "Viable-options evidence received and accepted.",
    )?;
    record_by(
        store,
        area,
        by,
        Some(id),
        EventBody::CapitalSpendReported(CapitalSpendReported {
            on: at(1),
            spent_to_date: Pence(41_200_000),
        }),
        None,
    )?;
    Ok(Some(id))
}
