//! Programmes with deadlines: each one's progress from its cases' records.

use chrono::NaiveDate;
use sendscope_domain::StreamRef;
use sendscope_domain::ids::AreaId;
use sendscope_domain::programmes::{Progress, progress};
use sendscope_domain::projection::StreamState;
use sendscope_store::{Store, StoreError};

/// Every programme in an area, with its progress on `today`.
pub fn progress_all(
    store: &dyn Store,
    area: AreaId,
    today: NaiveDate,
) -> Result<Vec<Progress>, StoreError> {
    let Some(StreamState::Area(a)) = store.projection(StreamRef::area(area))?.map(|p| p.state)
    else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for def in &a.programmes {
        let mut states = Vec::with_capacity(def.cases.len());
        for chunk in def.cases.chunks(500) {
            let refs: Vec<StreamRef> = chunk.iter().map(|c| StreamRef::case(*c)).collect();
            states.extend(store.projections(&refs)?);
        }
        let cases: Vec<_> = states
            .iter()
            .map(|p| p.as_ref().and_then(|p| p.case()))
            .collect();
        out.push(progress(def, &cases, today));
    }
    Ok(out)
}
