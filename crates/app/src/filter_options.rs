//! The choices offered by the case list's filters (settings, caseworkers), per area and
//! team. Reading them means reading every setting and member of staff in the area, so
//! they are kept for a minute: a setting or caseworker added is offered within a minute.
//! Only choices are cached; the list itself is always read afresh.

use sendscope_domain::StreamKind;
use sendscope_domain::event::StaffJob;
use sendscope_domain::ids::{AreaId, TeamId};
use sendscope_domain::projection::StreamState;
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const FRESH_FOR: Duration = Duration::from_secs(60);

/// (identifier, name) pairs, sorted by name.
#[derive(Debug, Default)]
pub struct Choices {
    pub settings: Vec<(String, String)>,
    pub caseworkers: Vec<(String, String)>,
}

/// Choices by (area, team), with when they were read.
type Cache = HashMap<(AreaId, Option<TeamId>), (Instant, Arc<Choices>)>;

#[derive(Default)]
pub struct FilterOptions {
    cache: Mutex<Cache>,
}

impl FilterOptions {
    /// The choices for one area; caseworkers only of `team` when given.
    pub fn get(
        &self,
        store: &dyn Store,
        area: AreaId,
        team: Option<TeamId>,
    ) -> Result<Arc<Choices>, StoreError> {
        let key = (area, team);
        if let Ok(c) = self.cache.lock()
            && let Some((at, choices)) = c.get(&key)
            && at.elapsed() < FRESH_FOR
        {
            return Ok(choices.clone());
        }
        let mut settings: Vec<(String, String)> = store
            .area_projections(area, StreamKind::Setting)?
            .into_iter()
            .filter_map(|p| match &p.state {
                StreamState::Setting(s) if s.closed_on.is_none() => s
                    .details
                    .as_ref()
                    .map(|d| (p.stream.id.to_string(), d.label())),
                _ => None,
            })
            .collect();
        let mut caseworkers: Vec<(String, String)> = store
            .area_projections(area, StreamKind::Staff)?
            .into_iter()
            .filter_map(|p| match &p.state {
                StreamState::Staff(s) if s.left_on.is_none() => s
                    .added
                    .as_ref()
                    .filter(|a| a.job == StaffJob::Caseworker && (team.is_none() || a.team == team))
                    .map(|a| (p.stream.id.to_string(), a.name.clone())),
                _ => None,
            })
            .collect();
        settings.sort_by(|a, b| a.1.cmp(&b.1));
        caseworkers.sort_by(|a, b| a.1.cmp(&b.1));
        let choices = Arc::new(Choices {
            settings,
            caseworkers,
        });
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, (Instant::now(), choices.clone()));
        }
        Ok(choices)
    }
}
