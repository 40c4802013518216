//! Names for the identifiers a record points at (staff, teams, settings), read from
//! their records: what pages show instead of internal ids.

use sendscope_domain::event::SettingRef;
use sendscope_domain::ids::{OrganisationId, StaffId, TeamId};
use sendscope_domain::projection::StreamState;
use sendscope_domain::{Projection, StreamRef};
use sendscope_store::{Store, StoreError};
use serde::Serialize;

/// Something named: a member of staff, a team, a setting.
#[derive(Debug, Serialize)]
pub struct Named {
    pub id: Option<String>,
    pub name: String,
}

/// Names for the identifiers a record points at, read once per view.
pub(crate) struct Names<'a> {
    pub(crate) store: &'a dyn Store,
}

impl Names<'_> {
    pub(crate) fn staff(
        &self,
        id: StaffId,
    ) -> Result<(String, Option<OrganisationId>), StoreError> {
        Ok(match self.store.projection(StreamRef::staff(id))? {
            Some(Projection {
                state: StreamState::Staff(s),
                ..
            }) => match s.added {
                Some(a) => (a.name, Some(a.organisation)),
                None => ("a member of staff".into(), None),
            },
            _ => ("a member of staff".into(), None),
        })
    }
    pub(crate) fn team(
        &self,
        org: Option<OrganisationId>,
        id: TeamId,
    ) -> Result<String, StoreError> {
        if let Some(org) = org
            && let Some(Projection {
                state: StreamState::Organisation(o),
                ..
            }) = self.store.projection(StreamRef::organisation(org))?
            && let Some(t) = o.teams.iter().find(|t| t.team == id)
        {
            return Ok(t.name.clone());
        }
        Ok("the SEND team".into())
    }
    pub(crate) fn setting(&self, r: &SettingRef) -> Result<Named, StoreError> {
        Ok(match r {
            SettingRef::Setting(id) => {
                let name = match self.store.projection(StreamRef::setting(*id))? {
                    Some(Projection {
                        state: StreamState::Setting(s),
                        ..
                    }) => s.details.map(|d| d.name),
                    _ => None,
                };
                Named {
                    id: Some(id.to_string()),
                    name: name.unwrap_or_else(|| "a setting".into()),
                }
            }
            SettingRef::Code(c) => Named {
                id: None,
                name: format!("{c:?}"),
            },
            // Brought in from another record, not (yet) in the area's register.
            SettingRef::Urn(u) => Named {
                id: None,
                name: format!("the setting with URN {u}"),
            },
            SettingRef::Ukprn(u) => Named {
                id: None,
                name: format!("the provider with UKPRN {u}"),
            },
        })
    }
}
