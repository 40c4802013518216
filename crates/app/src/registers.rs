//! The national registers applied to an area's settings: GIAS establishments, GIAS links
//! (a school's new URN after an academy conversion, say) and Ofsted inspections. Each
//! takes the file's bytes, reads it with `sendscope_import`, and appends what changed in
//! one transaction: every good row or none. Bad rows come back with the file's row,
//! column, value and reason; with `strict`, any bad row means nothing is imported.

use sendscope_domain::codes::{Ukprn, Urn};
use sendscope_domain::event::{DatedOnly, EventBody, SettingIdentifierChanged};
use sendscope_domain::ids::{AreaId, SettingId};
use sendscope_domain::projection::{SettingState, StreamState};
use sendscope_domain::{Actor, NewEvent, StreamKind, StreamRef};
use sendscope_import::Rejection;
use sendscope_store::{Store, StoreError};
use std::collections::HashMap;

/// What an import did, row by row.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Data rows read from the file.
    pub rows: u64,
    /// Settings registered, links followed, or inspections recorded for the first time.
    pub added: u64,
    pub changed: u64,
    pub unchanged: u64,
    /// Rows the register holds that sendscope does not take: establishments that are
    /// not schools, colleges or early years; other kinds of link; inspections without
    /// judgements.
    pub skipped: u64,
    /// Rows about settings this area does not have: closed establishments not already
    /// known (GIAS), links or inspections of schools registered elsewhere.
    pub not_here: u64,
    /// The bad rows, each with where it is and why.
    pub rejected: Vec<Rejection>,
}

impl Imported {
    /// What the parser made of the file, before any row is applied.
    fn read(rows: u64, skipped: u64, rejected: Vec<Rejection>) -> Self {
        Imported {
            rows,
            skipped,
            rejected,
            ..Default::default()
        }
    }
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read as that register at all (no header it knows, say).
    #[error("{0}")]
    Unreadable(String),
    /// `strict`, and some rows are bad: they are in `rejected`.
    #[error("{} of {rows} rows are bad; nothing was imported (strict)", .rejected.len())]
    BadRows { rows: u64, rejected: Vec<Rejection> },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Domain(#[from] sendscope_domain::DomainError),
}

/// Which register an import reads: the actor and reason its events carry.
struct Source {
    actor: Actor,
    reason: &'static str,
}

impl Source {
    fn new(actor: &str, reason: &'static str) -> Result<Self, ImportError> {
        Ok(Source {
            actor: Actor::parse(actor)?,
            reason,
        })
    }

    fn event(
        &self,
        area: AreaId,
        stream: StreamRef,
        body: EventBody,
        on: chrono::NaiveDate,
    ) -> NewEvent {
        NewEvent {
            stream,
            area,
            body,
            actor: self.actor.clone(),
            effective_date: on,
            reason: Some(self.reason.into()),
            recorded_at: None,
        }
    }
}

/// Refuses a strict import with bad rows; otherwise appends the events, all or none.
fn finish(
    store: &dyn Store,
    events: &[NewEvent],
    strict: bool,
    imported: Imported,
) -> Result<Imported, ImportError> {
    if strict && !imported.rejected.is_empty() {
        return Err(ImportError::BadRows {
            rows: imported.rows,
            rejected: imported.rejected,
        });
    }
    if !events.is_empty() {
        store.append(events)?;
    }
    Ok(imported)
}

/// An area's settings by their current URN, as the imports match rows to them.
pub fn settings_by_urn(
    store: &dyn Store,
    area: AreaId,
) -> Result<HashMap<Urn, (StreamRef, SettingState)>, StoreError> {
    let mut known = HashMap::new();
    for p in store.area_projections(area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = p.state
            && let Some(urn) = s.details.as_ref().and_then(|d| d.urn)
        {
            known.insert(urn, (p.stream, s));
        }
    }
    Ok(known)
}

/// Applies a GIAS establishments file (`edubasealldata…csv`) to an area's settings:
/// new open establishments are registered, changed details and closures recorded.
/// `progress(done, of)` is called every 10,000 establishments.
pub fn gias(
    store: &dyn Store,
    area: AreaId,
    bytes: &[u8],
    strict: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Imported, ImportError> {
    let parsed =
        sendscope_import::gias::parse(bytes).map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let known = settings_by_urn(store, area)?;
    let today = sendscope_domain::calendar::england_today();
    let source = Source::new("system:import-gias", "GIAS import")?;
    let mut r = Imported::read(parsed.rows, parsed.skipped, parsed.rejected);
    let mut events = Vec::new();
    let of = parsed.establishments.len();
    for (i, e) in parsed.establishments.iter().enumerate() {
        if i > 0 && i % 10_000 == 0 {
            progress(i, of);
        }
        // Establishments are read with their URN; one without is not this area's.
        let Some(urn) = e.details.urn else {
            r.not_here += 1;
            continue;
        };
        match known.get(&urn) {
            None if !e.open => r.not_here += 1,
            None => {
                let stream = StreamRef::setting(SettingId::new_random());
                let body = EventBody::SettingRegistered(e.details.clone());
                events.push(source.event(area, stream, body, e.opened_on.unwrap_or(today)));
                r.added += 1;
            }
            Some((stream, setting)) => {
                let was_closed = setting.closed_on.is_some();
                let mut any = false;
                if setting.details.as_ref() != Some(&e.details) && !was_closed {
                    let body = EventBody::SettingDetailsChanged(e.details.clone());
                    events.push(source.event(area, *stream, body, today));
                    any = true;
                }
                if !e.open && !was_closed {
                    let on = e.closed_on.unwrap_or(today);
                    let body = EventBody::SettingClosed(DatedOnly { on });
                    events.push(source.event(area, *stream, body, on));
                    any = true;
                }
                if any {
                    r.changed += 1;
                } else {
                    r.unchanged += 1;
                }
            }
        }
    }
    finish(store, &events, strict, r)
}

/// Applies a GIAS links file (`links_edubasealldata…csv`): where a setting here is
/// succeeded by a new URN (an academy conversion, say), the setting keeps its history
/// under its new identifier. Oldest links first, so a chain is followed to its end.
pub fn gias_links(
    store: &dyn Store,
    area: AreaId,
    bytes: &[u8],
    strict: bool,
) -> Result<Imported, ImportError> {
    let parsed = sendscope_import::links::parse(bytes)
        .map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let mut r = Imported::read(parsed.rows, parsed.skipped, parsed.rejected.clone());
    // Settings by their current URN, and every URN each has had.
    let mut current: HashMap<Urn, (StreamRef, Option<Ukprn>)> = HashMap::new();
    let mut ever: HashMap<Urn, StreamRef> = HashMap::new();
    for p in store.area_projections(area, StreamKind::Setting)? {
        if let StreamState::Setting(s) = &p.state {
            if let Some(d) = &s.details
                && let Some(urn) = d.urn
            {
                current.insert(urn, (p.stream, d.ukprn));
            }
            for i in &s.identifiers {
                if let Some(u) = i.urn {
                    ever.insert(u, p.stream);
                }
            }
        }
    }
    let today = sendscope_domain::calendar::england_today();
    let source = Source::new("system:import-gias-links", "GIAS links import")?;
    let mut events = Vec::new();
    let mut successions = parsed.successions;
    successions.sort_by_key(|s| (s.on, s.row));
    for s in &successions {
        let old = current.get(&s.old).copied();
        let new = current.get(&s.new).copied();
        match (old, new) {
            (Some((a, _)), Some((b, _))) if a != b => r.rejected.push(Rejection {
                row: s.row,
                column: "LinkURN".into(),
                value: s.new.to_string(),
                reason: format!(
                    "URN {} and URN {} are separate settings here: the later one was registered before this link was known; merge them (stream.merged_into) or correct the registration",
                    s.old, s.new
                ),
            }),
            (Some((stream, ukprn)), None) => {
                let on = s.on.unwrap_or(today);
                let body = EventBody::SettingIdentifierChanged(SettingIdentifierChanged {
                    urn: Some(s.new),
                    ukprn,
                    on,
                    cause: format!(
                        "GIAS link: URN {} followed by URN {} (e.g. academy conversion)",
                        s.old, s.new
                    ),
                });
                events.push(source.event(area, stream, body, on));
                current.remove(&s.old);
                current.insert(s.new, (stream, ukprn));
                r.changed += 1;
            }
            (None, Some(_)) if ever.contains_key(&s.old) => r.unchanged += 1,
            (Some(_), Some(_)) => r.unchanged += 1,
            _ => r.not_here += 1,
        }
    }
    finish(store, &events, strict, r)
}

/// Records Ofsted inspections on an area's settings, read with `mapping` (graded
/// inspections, report cards, or an area's own). An inspection already recorded the
/// same is left alone; one recorded differently is recorded again as it now reads.
pub fn ofsted(
    store: &dyn Store,
    area: AreaId,
    bytes: &[u8],
    mapping: &sendscope_import::ofsted::Mapping,
    strict: bool,
) -> Result<Imported, ImportError> {
    let parsed = sendscope_import::ofsted::parse(bytes, mapping)
        .map_err(|e| ImportError::Unreadable(e.to_string()))?;
    let known = settings_by_urn(store, area)?;
    let source = Source::new("system:import-ofsted", "Ofsted import")?;
    let mut r = Imported::read(parsed.rows, parsed.skipped, parsed.rejected);
    let mut events = Vec::new();
    for i in &parsed.inspections {
        let Some((stream, setting)) = known.get(&i.urn) else {
            r.not_here += 1;
            continue;
        };
        match setting
            .inspections
            .iter()
            .find(|x| x.inspection_start == i.inspection.inspection_start)
        {
            Some(x) if *x == i.inspection => {
                r.unchanged += 1;
                continue;
            }
            Some(_) => r.changed += 1,
            None => r.added += 1,
        }
        let on = i
            .inspection
            .published
            .unwrap_or(i.inspection.inspection_start);
        let body = EventBody::SettingInspected(i.inspection.clone());
        events.push(source.event(area, *stream, body, on));
    }
    finish(store, &events, strict, r)
}
