//! Improvement trajectories: each one's planned line against the actual months.

use sendscope_domain::ids::AreaId;
use sendscope_domain::projection::StreamState;
use sendscope_kpi::Engine;
use sendscope_kpi::trajectory::{Progress, progress};
use sendscope_store::{Store, StoreError};

/// Every trajectory of an area with its progress on `today`.
pub fn progress_all(
    store: &dyn Store,
    engine: &Engine,
    area: AreaId,
    today: chrono::NaiveDate,
) -> Result<Vec<Progress>, StoreError> {
    let defined = match store
        .projection(sendscope_domain::StreamRef::area(area))?
        .map(|p| p.state)
    {
        Some(StreamState::Area(a)) => a.trajectories,
        _ => Vec::new(),
    };
    Ok(defined
        .iter()
        .map(|t| progress(engine, area, t, today))
        .collect())
}
