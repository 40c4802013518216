//! The national registers as published (GIAS establishments and links, Ofsted) and the
//! DfE's statistics, applied to the store in one transaction each.

use super::*;
use sendscope_app::registers::{self, ImportError, Imported};

pub(crate) fn import_command(url: &str, what: ImportCommand) -> anyhow::Result<()> {
    match what {
        ImportCommand::Gias { file, area, strict } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let summary = import_gias(store.as_ref(), area, &file, strict)?;
            outln!("{summary}");
            Ok(())
        }
        ImportCommand::GiasLinks { file, area, strict } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            outln!(
                "{}",
                import_gias_links(store.as_ref(), area, &file, strict)?
            );
            Ok(())
        }
        ImportCommand::Waits { file, area } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {} as UTF-8 text", file.display()))?;
            let r = sendscope_app::waits::import(store.as_ref(), area, &text, "system:import")
                .map_err(|e| anyhow::anyhow!(e.message()))?;
            for p in &r.problems {
                eprintln!("{}: {p}", file.display());
            }
            for m in &r.possible_matches {
                eprintln!("{}: possible match: {m}", file.display());
            }
            outln!(
                "{}: {} rows; {} referrals added ({} matched to a child here by NHS number), {} already here; {} clocks stopped, {} support recorded; {} rows not imported",
                file.display(),
                r.rows,
                r.added,
                r.matched,
                r.unchanged,
                r.stopped,
                r.support,
                r.problems.len()
            );
            Ok(())
        }
        ImportCommand::DfeStats { dir, area } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let r = sendscope_app::benchmarks::import_dir(store.as_ref(), area, &dir)
                .map_err(|e| anyhow::anyhow!(e))?;
            for x in &r.rejected {
                eprintln!("rejected: {x}");
            }
            outln!(
                "{}: {} files recorded, {} revised, {} unchanged ({} figures); {} files are not these statistics{}",
                dir.display(),
                r.recorded,
                r.revised,
                r.unchanged,
                r.figures,
                r.not_recognised.len(),
                if r.not_recognised.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", r.not_recognised.join(", "))
                }
            );
            Ok(())
        }
        ImportCommand::Ofsted {
            file,
            mapping,
            area,
            strict,
        } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let mapping = match mapping.as_str() {
                "graded" => sendscope_import::ofsted::Mapping::graded(),
                "report-card" => sendscope_import::ofsted::Mapping::report_card(),
                path => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("cannot read the mapping {path}"))?;
                    sendscope_import::ofsted::Mapping::parse(&text)
                        .map_err(|e| anyhow::anyhow!("the mapping {path} is not usable: {e}"))?
                }
            };
            outln!(
                "{}",
                import_ofsted(store.as_ref(), area, &file, &mapping, strict)?
            );
            Ok(())
        }
    }
}

/// Reads a register's file and applies it with `apply`; prints every rejected row (on
/// standard error) and returns the summary line, or fails saying why nothing changed.
fn import_file(
    file: &std::path::Path,
    apply: impl FnOnce(&[u8]) -> Result<Imported, ImportError>,
    line: impl FnOnce(&Imported) -> String,
) -> anyhow::Result<String> {
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    match apply(&bytes) {
        Ok(r) => {
            for x in &r.rejected {
                eprintln!("{}: {x}", file.display());
            }
            Ok(format!(
                "{}: {} rows read in {:.2} s: {}",
                file.display(),
                r.rows,
                started.elapsed().as_secs_f64(),
                line(&r)
            ))
        }
        Err(ImportError::BadRows { rows, rejected }) => {
            for x in &rejected {
                eprintln!("{}: {x}", file.display());
            }
            bail!(
                "{}: {} of {rows} rows are bad (listed above); nothing was imported (--strict)",
                file.display(),
                rejected.len()
            )
        }
        Err(ImportError::Unreadable(e)) => bail!("{}: {e}", file.display()),
        Err(e) => Err(e.into()),
    }
}

/// "added 3, changed 1, unchanged 40, rejected 0".
fn tally(r: &Imported, added: &str) -> String {
    format!(
        "{added} {}, changed {}, unchanged {}, rejected {}",
        r.added,
        r.changed,
        r.unchanged,
        r.rejected.len()
    )
}

/// Imports a GIAS file into an area's settings; returns the summary line.
pub(crate) fn import_gias(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    let mut progress = |done: usize, of: usize| {
        eprintln!("{}: {done} of {of} establishments checked", file.display());
    };
    import_file(
        file,
        |bytes| registers::gias(store, area, bytes, strict, &mut progress),
        |r| {
            format!(
                "{}; skipped {} (not schools, colleges or early years) and {} closed establishments not already known",
                tally(r, "added"),
                r.skipped,
                r.not_here
            )
        },
    )
}

/// Applies a GIAS links file to an area's settings; returns the summary line.
pub(crate) fn import_gias_links(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    import_file(
        file,
        |bytes| registers::gias_links(store, area, bytes, strict),
        |r| {
            format!(
                "changed {}, unchanged {}, rejected {}; skipped {} (other kinds of link, or listed twice) and {} for settings not in this area",
                r.changed,
                r.unchanged,
                r.rejected.len(),
                r.skipped,
                r.not_here
            )
        },
    )
}

/// Records Ofsted inspections on an area's settings; returns the summary line.
pub(crate) fn import_ofsted(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    mapping: &sendscope_import::ofsted::Mapping,
    strict: bool,
) -> anyhow::Result<String> {
    import_file(
        file,
        |bytes| registers::ofsted(store, area, bytes, mapping, strict),
        |r| {
            format!(
                "{}; skipped {} (no judgements) and {} for schools not registered in this area",
                tally(r, "inspections added"),
                r.skipped,
                r.not_here
            )
        },
    )
}
