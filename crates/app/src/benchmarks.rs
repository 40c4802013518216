//! The DfE's published statistics: importing a directory of its "Education, health and
//! care plans" CSVs as publication records (one per file), and the figures as printed.

use sendscope_domain::StreamKind;
use sendscope_domain::benchmarks::{FiguresRecorded, PublishedFigure};
use sendscope_domain::event::{Actor, EventBody, NewEvent, StreamRef};
use sendscope_domain::ids::AreaId;
use sendscope_domain::projection::StreamState;
use sendscope_import::dfe_stats::{self, Measure};
use sendscope_store::{Store, StoreError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What an import did.
#[derive(Debug, Default)]
pub struct Imported {
    pub recorded: usize,
    pub revised: usize,
    pub unchanged: usize,
    pub not_recognised: Vec<String>,
    pub figures: usize,
    /// Rows reported, with their file.
    pub rejected: Vec<String>,
}

fn csv_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            csv_files(&p, out)?;
        } else if p.extension().is_some_and(|x| x.eq_ignore_ascii_case("csv")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Imports every CSV under `dir` that is one of the DfE's EHC plan statistics files, in
/// one transaction: each file is a publication record of the area, recorded the first
/// time, revised when its bytes change, left alone when they do not.
pub fn import_dir(store: &dyn Store, area: AreaId, dir: &Path) -> Result<Imported, String> {
    let mut files = Vec::new();
    csv_files(dir, &mut files).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    files.sort();
    let mut out = Imported::default();
    let mut events = Vec::new();
    let actor = Actor::parse("import:dfe-stats").map_err(|e| e.to_string())?;
    for f in files {
        let name = f
            .strip_prefix(dir)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
        let read = match dfe_stats::read(&name, &bytes) {
            Ok(r) if !r.not_recognised => r,
            Ok(_) | Err(_) => {
                out.not_recognised.push(name);
                continue;
            }
        };
        for r in &read.rejected {
            out.rejected.push(format!("{name}: {r}"));
        }
        let digest = hex::encode(Sha256::digest(&bytes));
        let release = read.figures.first().map(|x| x.release).unwrap_or(0);
        let figures: Vec<PublishedFigure> = read
            .figures
            .into_iter()
            .map(|x| PublishedFigure {
                measure: key(x.measure).to_string(),
                period: x.period,
                level: x.geography.level,
                code: x.geography.code,
                name: x.geography.name,
                value: x.value.text,
                numerator: x.numerator.map(|n| n.text),
                denominator: x.denominator.map(|d| d.text),
                release: x.release,
            })
            .collect();
        out.figures += figures.len();
        // One record per file and area: its identity from both.
        let id = {
            let h = Sha256::digest(format!("publication:{area}:{name}").as_bytes());
            let mut b = [0u8; 16];
            b.copy_from_slice(&h[..16]);
            uuid::Uuid::from_bytes(b)
        };
        let stream = StreamRef::publication(id);
        let existing = store.projection(stream).map_err(|e| e.to_string())?;
        let body = FiguresRecorded {
            source: name,
            digest,
            release,
            figures,
        };
        let event = match existing.map(|p| p.state) {
            None => {
                out.recorded += 1;
                EventBody::FiguresRecorded(body)
            }
            Some(StreamState::Publication(p))
                if p.figures.as_ref().is_some_and(|x| x.digest == body.digest) =>
            {
                out.unchanged += 1;
                continue;
            }
            Some(_) => {
                out.revised += 1;
                EventBody::FiguresRevised(body)
            }
        };
        events.push(NewEvent {
            stream,
            area,
            body: event,
            actor: actor.clone(),
            effective_date: sendscope_domain::calendar::england_today(),
            reason: None,
            recorded_at: None,
        });
    }
    if !events.is_empty() {
        store.append(&events).map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// sendscope's name for a DfE measure.
pub fn key(m: Measure) -> &'static str {
    match m {
        Measure::RequestsReceived => "requests_received",
        Measure::RequestDecisionsWithin6Weeks => "request_decisions_within_6_weeks",
        Measure::NewPlans => "new_plans",
        Measure::PlansWithin20Weeks => "plans_within_20_weeks",
        Measure::PlansWithin20WeeksExcludingExceptions => {
            "plans_within_20_weeks_excluding_exceptions"
        }
        Measure::PlansInPlace => "plans_in_place",
        Measure::ReviewDecisionsWithin4Weeks => "review_decisions_within_4_weeks",
        Measure::PlansCeased => "plans_ceased",
    }
}

/// Every published figure the area has imported, the latest release winning for each
/// measure, place and period.
pub fn figures(store: &dyn Store, area: AreaId) -> Result<Vec<PublishedFigure>, StoreError> {
    let mut best: BTreeMap<(String, String, String), PublishedFigure> = BTreeMap::new();
    for p in store.area_projections(area, StreamKind::Publication)? {
        let StreamState::Publication(s) = p.state else {
            continue;
        };
        for f in s.figures.into_iter().flat_map(|x| x.figures) {
            let k = (f.measure.clone(), f.code.clone(), f.period.clone());
            if best.get(&k).is_none_or(|x| x.release <= f.release) {
                best.insert(k, f);
            }
        }
    }
    Ok(best.into_values().collect())
}
