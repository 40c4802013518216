//! Published DfE statistics beside the area's own figures: importing a directory of the
//! DfE's "Education, health and care plans" CSVs (`sendscope import dfe-stats DIR`), one
//! publication record per file, and the figures as the dashboard shows them (latest
//! release winning where releases overlap).

use crate::esc;
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

/// The published figures as tables, one a measure: a row a period (newest first, four at
/// most), a column a place (this area, its region, England, then other areas).
/// The published figures for this area (`own`, its LA code), the regions, England and
/// the comparator areas chosen (every other area imported until some are chosen).
pub fn html(
    figures: &[PublishedFigure],
    own: Option<&str>,
    comparators: &[sendscope_domain::codes::LaCode],
) -> String {
    if figures.is_empty() {
        return "<h2>Published figures</h2><p>No DfE statistics imported yet: <code>sendscope import dfe-stats DIR</code> reads the CSVs of the DfE's \"Education, health and care plans\" releases.</p>".into();
    }
    let mut out = String::from(
        "<h2>Published figures</h2><p>The DfE's published statistics, exactly as printed (c, x and z are the DfE's suppression codes), \
         with numerator and denominator where published. Years are calendar years except plans in place, counted at the January census.</p>",
    );
    let chosen: Vec<String> = comparators.iter().map(|c| c.to_string()).collect();
    out.push_str(&if chosen.is_empty() {
        "<p>No comparator areas have been chosen: every local authority imported is shown.</p>"
            .to_string()
    } else {
        format!(
            "<p>Comparator areas chosen by the area: {}.</p>",
            esc(&chosen.join(", "))
        )
    });
    for m in dfe_stats::Measure::ALL {
        let k = key(m);
        let rows: Vec<&PublishedFigure> = figures.iter().filter(|f| f.measure == k).collect();
        if rows.is_empty() {
            continue;
        }
        // Places: own area, regions, England, then the rest by name.
        let mut places: Vec<(u8, String, String)> = Vec::new();
        for f in &rows {
            let local = f.level != "Regional" && f.level != "National";
            if local
                && Some(f.code.as_str()) != own
                && !chosen.is_empty()
                && !chosen.contains(&f.code)
            {
                continue;
            }
            let rank = if Some(f.code.as_str()) == own {
                0
            } else if f.level == "Regional" {
                1
            } else if f.level == "National" {
                2
            } else {
                3
            };
            let p = (rank, f.name.clone(), f.code.clone());
            if !places.contains(&p) {
                places.push(p);
            }
        }
        places.sort();
        let mut periods: Vec<&str> = rows.iter().map(|f| f.period.as_str()).collect();
        periods.sort_by_key(|p| std::cmp::Reverse(period_order(p)));
        periods.dedup();
        periods.truncate(4);
        let head: String = places
            .iter()
            .map(|(_, name, code)| {
                format!(
                    "<th scope=\"col\" class=\"num\">{} ({})</th>",
                    esc(name),
                    esc(code)
                )
            })
            .collect();
        let body: String = periods
            .iter()
            .map(|period| {
                let cells: String = places
                    .iter()
                    .map(|(_, _, code)| {
                        let f = rows.iter().find(|f| f.code == *code && f.period == *period);
                        let text = match f {
                            None => String::new(),
                            Some(f) => match (&f.numerator, &f.denominator) {
                                (Some(n), Some(d)) => {
                                    format!("{}% ({} of {})", esc(&f.value), esc(n), esc(d))
                                }
                                _ => esc(&f.value),
                            },
                        };
                        format!("<td class=\"num\">{text}</td>")
                    })
                    .collect();
                format!("<tr><th scope=\"row\">{}</th>{cells}</tr>", esc(period))
            })
            .collect();
        out.push_str(&format!(
            "<table><caption>{} ({})</caption><thead><tr><th scope=\"col\">Period</th>{head}</tr></thead><tbody>{body}</tbody></table>",
            esc(m.title()),
            esc(m.definition())
        ));
    }
    out
}

/// Sorts "2024" and "January 2025" by their year.
fn period_order(p: &str) -> i32 {
    p.rsplit(' ')
        .next()
        .and_then(|y| y.parse().ok())
        .unwrap_or(0)
}
