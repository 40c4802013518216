//! `sendscope sen2`: the return made from the records, and any return checked.

use crate::args::Sen2Command;
use crate::{find_area, open};
use anyhow::{Context, bail};
use sendscope_sen2::layout::Year;
use sendscope_sen2::rules::{Finding, Severity, validate};
use std::io::Write;

pub(crate) fn sen2_command(url: &str, what: Sen2Command) -> anyhow::Result<()> {
    match what {
        Sen2Command::Export {
            census,
            area,
            output,
            dmo,
            dco,
            dsco,
            allow_errors,
        } => {
            let year = Year::for_census(census).map_err(anyhow::Error::msg)?;
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => sendscope_app::setup::find_area(store.as_ref(), None)?,
            };
            let made_at = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string();
            let officers = match (dmo, dco, dsco) {
                (Some(dmo), Some(dco), Some(dsco)) => sendscope_app::sen2::Officers {
                    dmo,
                    dco,
                    dsco,
                    made_at,
                },
                _ => match sendscope_app::sen2::officers_on(store.as_ref(), area, year.census)? {
                    Some(x) => sendscope_app::sen2::Officers::recorded(&x, made_at),
                    None => bail!(
                        "the area has not recorded whether it had designated medical, clinical and social care officers in post on {}: record it with `sendscope area officers --dmo Y|N --dco Y|N --dsco Y|N --from DATE`, or give --dmo, --dco and --dsco",
                        year.census
                    ),
                },
            };
            let ret = sendscope_app::sen2::build(store.as_ref(), area, year, &officers)?;
            let found = validate(&ret);
            let errors = found
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            for f in &found {
                eprintln!("{}", line(f, None));
            }
            if errors > 0 && !allow_errors {
                bail!(
                    "the return has {errors} error(s) (listed above), so it was not written: put them right on the children's records, or write it anyway with --allow-errors"
                );
            }
            let xml = sendscope_sen2::write(&ret, year);
            match output {
                Some(path) => {
                    crate::private_file(&path)?
                        .write_all(xml.as_bytes())
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!(
                        "The {} SEN2 return ({} people, {errors} error(s), {} query/queries) is in {}.",
                        year.year,
                        ret.persons.len(),
                        found.len() - errors,
                        path.display()
                    );
                }
                None => write!(std::io::stdout().lock(), "{xml}")?,
            }
            Ok(())
        }
        Sen2Command::Figures { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let ret = sendscope_sen2::read(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let year = ret.year().with_context(|| {
                format!(
                    "{}: the return's year {:?} is not one sendscope knows the layout for",
                    file.display(),
                    ret.header.year
                )
            })?;
            let f = sendscope_sen2::figures::published(&ret, year);
            let share = |s: sendscope_sen2::figures::Share| serde_json::json!({"numerator": s.numerator, "denominator": s.denominator});
            let v = serde_json::json!({
                "year": f.year,
                "requests": f.requests,
                "within_20_weeks": share(f.within_20_weeks),
                "within_20_weeks_excluding_exceptions": share(f.within_20_weeks_excluding_exceptions),
                "plans_in_place": f.plans_in_place,
                "by_age": f.by_age,
                "by_need": f.by_need,
                "by_setting": f.by_setting,
            });
            outln!("{}", serde_json::to_string_pretty(&v)?);
            Ok(())
        }
        Sen2Command::Import {
            file,
            area,
            contacts,
            caseworker,
            strict,
        } => import(url, &file, (area, caseworker), contacts, strict),
        Sen2Command::Validate { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let ret = sendscope_sen2::read(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let found = validate(&ret);
            for f in &found {
                outln!("{}", line(f, Some(&ret)));
            }
            let errors = found
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count();
            let queries = found.len() - errors;
            if errors > 0 {
                bail!(
                    "{}: {errors} error(s) and {queries} query/queries among {} people: the DfE will not accept the return until the errors are put right",
                    file.display(),
                    ret.persons.len()
                );
            }
            outln!(
                "{}: no errors, {queries} query/queries among {} people.",
                file.display(),
                ret.persons.len()
            );
            Ok(())
        }
    }
}

/// One finding on one line: severity, rule (and the DfE's number), where, who, what.
fn line(f: &Finding, ret: Option<&sendscope_sen2::Return>) -> String {
    let dfe = sendscope_sen2::rules::rule(f.rule)
        .and_then(|r| r.dfe)
        .map(|n| format!(" (DfE {n})"))
        .unwrap_or_default();
    let at = f
        .person
        .and_then(|i| ret.map(|r| r.persons[i].line))
        .filter(|l| *l > 0)
        .map(|l| format!("line {l}, "))
        .unwrap_or_default();
    let value = if f.value.is_empty() {
        String::new()
    } else {
        format!(" {:?}", f.value)
    };
    format!(
        "{} {}{dfe}: {at}{}: {} {}{value}: {}",
        f.severity.label(),
        f.rule,
        f.who,
        f.module,
        f.element,
        f.message
    )
}

fn import(
    url: &str,
    file: &std::path::Path,
    (area, caseworker): (Option<String>, Option<String>),
    contacts: Option<std::path::PathBuf>,
    strict: bool,
) -> anyhow::Result<()> {
    use sendscope_app::sen2_import::{Options, Sen2ImportError, allocation, import};
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let ret =
        sendscope_sen2::read(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let rows = match &contacts {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Some(
                sendscope_sen2::contacts::read(&bytes)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
            )
        }
        None => None,
    };
    let store = open(url)?;
    let area = match area {
        Some(a) => find_area(store.as_ref(), &a)?,
        None => sendscope_app::setup::find_area(store.as_ref(), None)?,
    };
    let allocate = match &caseworker {
        Some(name) => Some(allocation(store.as_ref(), area, name)?),
        None => None,
    };
    let started = std::time::Instant::now();
    let options = Options {
        contacts: rows.as_deref(),
        allocate,
        strict,
    };
    match import(store.as_ref(), area, &ret, options) {
        Ok(done) => {
            for p in &done.problems {
                eprintln!("not imported: {p}");
            }
            outln!(
                "{}: {} people: {} new records, {} already known ({} with nothing new), {} left out; {} requests, {} plans, {} placements recorded ({} events){}; {} item(s) not imported (listed above), {} query/queries; {:.1} s",
                file.display(),
                done.persons,
                done.new_children,
                done.matched,
                done.unchanged,
                done.left_out,
                done.requests,
                done.plans,
                done.placements,
                done.events,
                if contacts.is_some() {
                    format!("; {} contact rows used", done.contacts)
                } else {
                    String::new()
                } + if done.officers {
                    "; the area's designated officers on census day recorded from the header"
                } else {
                    ""
                },
                done.problems.len(),
                done.queries,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Err(Sen2ImportError::Strict { problems }) => {
            for p in &problems {
                eprintln!("bad: {p}");
            }
            bail!(
                "{}: {} item(s) cannot be imported (listed above), so nothing was (--strict): put them right in the return, or import without --strict to bring in the rest",
                file.display(),
                problems.len()
            )
        }
        Err(e) => Err(anyhow::anyhow!("{}: {e}", file.display())),
    }
}
