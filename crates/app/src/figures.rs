//! The KPI engine kept up to date for the pages and the command line: every record read
//! into it once, then the events recorded since it last looked (from any page, the API
//! or the command line) applied by re-reading each record they touch; what a figures
//! query asks for; how an area publishes its figures; counts and shares as shown.

use chrono::Datelike;
use sendscope_domain::StreamKind;
use sendscope_domain::calendar::england_today;
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::projection::StreamState;
use sendscope_kpi::{AgeGroup, Engine, Filter, Period, Share};
use sendscope_store::{Store, StoreError};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Every record of every area read into a new engine (staff teams, then cases; `each`
/// sees every case as it goes in), and the number of events the store held when it
/// began: events after it are read again by `Kpi::with`, which is harmless.
pub fn load(
    store: &dyn Store,
    each: &mut dyn FnMut(CaseId, AreaId, &sendscope_domain::projection::CaseState),
) -> Result<(Engine, u64), StoreError> {
    let headline = store.headline()?;
    let mut engine = Engine::new();
    for a in headline.areas {
        let Ok(area) = AreaId::parse(&a.area_id) else {
            continue;
        };
        for kind in [
            StreamKind::Staff,
            StreamKind::Setting,
            StreamKind::Provision,
        ] {
            for p in store.area_projections(area, kind)? {
                register(&mut engine, p.stream, &p.state);
            }
        }
        sendscope_store::for_each_case(store, area, &mut |id, c| {
            engine.upsert_case(id, area, c);
            each(id, area, c);
        })?;
    }
    Ok((engine, headline.events))
}

/// What the engine keeps of a record other than a case: a member of staff's team, a
/// setting's type, a provision's costs.
fn register(engine: &mut Engine, stream: sendscope_domain::StreamRef, state: &StreamState) {
    match state {
        StreamState::Staff(x) => engine.set_staff_team(
            sendscope_domain::ids::StaffId(stream.id),
            x.added.as_ref().and_then(|a| a.team),
        ),
        StreamState::Setting(x) => engine.set_setting_type(
            sendscope_domain::ids::SettingId(stream.id),
            x.details.as_ref().map(|d| d.setting_type),
        ),
        StreamState::Provision(x) => engine.set_provision_costs(
            sendscope_domain::ids::ProvisionId(stream.id),
            x.costs
                .iter()
                .map(|(y, c)| (y.start_year(), c.total().0))
                .collect(),
        ),
        _ => {}
    }
}

/// The engine and the last event it has seen.
#[derive(Default)]
pub struct Kpi {
    inner: Mutex<Option<(Engine, u64)>>,
    /// Areas by LA code, for the public pages, and when they were last read (read again
    /// for a code not known, at most once a minute, so unknown codes cost little).
    codes: Mutex<(HashMap<String, AreaId>, Option<std::time::Instant>)>,
    /// Where the engine's columns are saved, to start from instead of every record.
    snapshot: Option<PathBuf>,
    /// What became of the snapshot at the first load, and the event last saved.
    restored: Mutex<(Option<Restored>, u64)>,
}

/// What the first load made of the snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Restored {
    /// Read, covering the log up to this event; the events after it were applied.
    Loaded { covers: u64 },
    /// There was none: every record was read (and a snapshot saved).
    Missing,
    /// There was one, but it was not used, and why: every record was read instead.
    Ignored(String),
}

/// The chain hash at event `seq` (zeros before the first), to tie a snapshot to its log.
fn chain_at(store: &dyn Store, seq: u64) -> Result<Option<[u8; 32]>, StoreError> {
    if seq == 0 {
        return Ok(Some([0; 32]));
    }
    Ok(store
        .events_after(seq - 1, 1)?
        .first()
        .filter(|e| e.seq == seq)
        .map(|e| e.hash))
}

/// The engine a snapshot file holds if it belongs to this database's log (the event it
/// covers is there, with the same chain hash), or why not.
pub fn restore(
    store: &dyn Store,
    path: &Path,
) -> Result<Result<(Engine, u64), Restored>, StoreError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Err(Restored::Missing)),
        Err(e) => return Ok(Err(Restored::Ignored(format!("it cannot be read: {e}")))),
    };
    let (engine, covers) = match Engine::from_snapshot(&bytes) {
        Ok(x) => x,
        Err(e) => return Ok(Err(Restored::Ignored(e.to_string()))),
    };
    match chain_at(store, covers.seq)? {
        Some(h) if h == covers.hash => Ok(Ok((engine, covers.seq))),
        Some(_) => Ok(Err(Restored::Ignored(format!(
            "its event {} is not this database's",
            covers.seq
        )))),
        None => Ok(Err(Restored::Ignored(format!(
            "it covers event {}, which this database does not hold",
            covers.seq
        )))),
    }
}

/// Saves the engine's columns as covering event `seen`, replacing the file whole (a
/// reader never sees half of one). The number of bytes written.
pub fn save(store: &dyn Store, engine: &Engine, seen: u64, path: &Path) -> Result<u64, StoreError> {
    let Some(hash) = chain_at(store, seen)? else {
        return Err(StoreError::NotFound(format!("event {seen}")));
    };
    let bytes = engine.snapshot(sendscope_kpi::Covers { seq: seen, hash });
    write_whole(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Writes a snapshot whole: to a temporary file first, then renamed over the old one. It
/// holds children's identifiers and dates of birth, so only the service's own user may
/// read it, as with the database file.
fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    use std::io::Write;
    let tmp = path.with_extension("kpi-partial");
    let written = (|| {
        // A leftover from an interrupted save would keep its own permissions.
        match std::fs::remove_file(&tmp) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    written.map_err(|e| {
        StoreError::Database(format!(
            "the KPI snapshot cannot be written to {}: {e}",
            path.display()
        ))
    })
}

impl Kpi {
    /// An engine that starts from the snapshot at `path` (when it belongs to this
    /// database) and saves one after loading every record.
    pub fn with_snapshot(path: Option<PathBuf>) -> Kpi {
        Kpi {
            snapshot: path,
            ..Kpi::default()
        }
    }

    /// The last event the engine has applied (0 before it is loaded).
    pub fn seen(&self) -> u64 {
        self.inner
            .lock()
            .ok()
            .and_then(|g| g.as_ref().map(|(_, s)| *s))
            .unwrap_or(0)
    }

    /// What the first load made of the snapshot (none before it, or without one).
    pub fn restored(&self) -> Option<Restored> {
        self.restored.lock().ok().and_then(|r| r.0.clone())
    }

    /// Saves a snapshot if events were applied since the last one: the columns are
    /// copied out under the lock, written outside it. The bytes written, if any.
    pub fn save_snapshot(&self, store: &dyn Store) -> Result<Option<u64>, StoreError> {
        let Some(path) = &self.snapshot else {
            return Ok(None);
        };
        let saved = self.restored.lock().map(|r| r.1).unwrap_or(0);
        let bytes = {
            let guard = self.inner.lock().map_err(|_| {
                StoreError::Database("the KPI engine was poisoned by a panic".into())
            })?;
            let Some((engine, seen)) = guard.as_ref() else {
                return Ok(None);
            };
            if *seen == saved {
                return Ok(None);
            }
            let Some(hash) = chain_at(store, *seen)? else {
                return Ok(None);
            };
            (
                engine.snapshot(sendscope_kpi::Covers { seq: *seen, hash }),
                *seen,
            )
        };
        write_whole(path, &bytes.0)?;
        if let Ok(mut r) = self.restored.lock() {
            r.1 = bytes.1;
        }
        Ok(Some(bytes.0.len() as u64))
    }

    /// The area with an LA code, if there is one.
    pub fn area_by_code(
        &self,
        store: &dyn Store,
        code: &str,
    ) -> Result<Option<AreaId>, StoreError> {
        let mut codes = self
            .codes
            .lock()
            .map_err(|_| StoreError::Database("the area codes were poisoned by a panic".into()))?;
        let (known, read) = &mut *codes;
        let stale = read.is_none_or(|t| t.elapsed() > std::time::Duration::from_secs(60));
        if !known.contains_key(code) && stale {
            *known = store
                .headline()?
                .areas
                .iter()
                .filter_map(|a| Some((a.la_code.clone(), AreaId::parse(&a.area_id).ok()?)))
                .collect();
            *read = Some(std::time::Instant::now());
        }
        Ok(known.get(code).copied())
    }

    /// Runs `f` on an engine that has seen every event recorded so far: loads every
    /// record the first time, then applies the events recorded since.
    pub fn with<T>(
        &self,
        store: &dyn Store,
        f: impl FnOnce(&Engine) -> T,
    ) -> Result<T, StoreError> {
        let mut guard = self
            .inner
            .lock()
            .map_err(|_| StoreError::Database("the KPI engine was poisoned by a panic".into()))?;
        let mut fresh = false;
        if guard.is_none() {
            let restored = match &self.snapshot {
                Some(path) => restore(store, path)?,
                None => Err(Restored::Missing),
            };
            let (engine, seen, how) = match restored {
                Ok((engine, covers)) => (engine, covers, Restored::Loaded { covers }),
                Err(why) => {
                    let (engine, seen) = load(store, &mut |_, _, _| {})?;
                    fresh = true;
                    (engine, seen, why)
                }
            };
            if let Ok(mut r) = self.restored.lock() {
                *r = (
                    self.snapshot.is_some().then_some(how),
                    if fresh { u64::MAX } else { seen },
                );
            }
            *guard = Some((engine, seen));
        }
        let Some((engine, seen)) = guard.as_mut() else {
            return Err(StoreError::Database("the KPI engine is not loaded".into()));
        };
        loop {
            let batch = store.events_after(*seen, 10_000)?;
            let Some(last) = batch.last().map(|e| e.seq) else {
                break;
            };
            let touched: BTreeSet<_> = batch
                .iter()
                .filter(|e| {
                    matches!(
                        e.stream.kind,
                        StreamKind::Case
                            | StreamKind::Staff
                            | StreamKind::Setting
                            | StreamKind::Provision
                    )
                })
                .map(|e| e.stream)
                .collect();
            for s in touched {
                match store
                    .projection(s)?
                    .map(|p| (p.area, p.merged_into.is_some(), p.state))
                {
                    // A duplicate merged into another record counts for nothing.
                    Some((area, true, StreamState::Case(_))) => {
                        engine.upsert_case(CaseId(s.id), area, &Default::default())
                    }
                    Some((area, false, StreamState::Case(c))) => {
                        engine.upsert_case(CaseId(s.id), area, &c)
                    }
                    Some((_, _, state)) => register(engine, s, &state),
                    _ => {}
                }
            }
            *seen = last;
        }
        // Loaded from every record: saved, so the next start need not.
        if fresh && let Some(path) = &self.snapshot {
            match save(store, engine, *seen, path) {
                Ok(_) => {
                    if let Ok(mut r) = self.restored.lock() {
                        r.1 = *seen;
                    }
                }
                Err(e) => eprintln!("{e}"),
            }
        }
        Ok(f(engine))
    }
}

/// What the dashboard was asked for: the kind of period and the year it ends in, and
/// the children to count.
pub struct Ask {
    pub kind: &'static str,
    pub year: i32,
    pub filter: Filter,
}

/// Reads the query, saying what is wrong with it.
pub fn ask(q: &HashMap<String, String>) -> Result<Ask, String> {
    let this_year = england_today().year();
    let get = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let year = match get("year") {
        None => this_year,
        Some(s) => match s.parse::<i32>() {
            Ok(y) if (2014..=this_year).contains(&y) => y,
            _ => {
                return Err(format!(
                    "The year must be a calendar year from 2014 to {this_year}, like 2024"
                ));
            }
        },
    };
    let kind = match get("period").unwrap_or("calendar") {
        "calendar" => "calendar",
        "academic" => "academic",
        "financial" => "financial",
        "quarter" => "quarter",
        "month" => "month",
        other => {
            return Err(format!(
                "The period must be calendar, academic, financial, quarter or month, not {other:?}"
            ));
        }
    };
    let need =
        match get("need") {
            None => None,
            Some(s) => Some(sendscope_domain::sen::NeedType::parse(s).map_err(|_| {
                format!("{s:?} is not a type of need: use a code such as ASD or SEMH")
            })?),
        };
    let age = match get("age") {
        None => None,
        Some(s) => Some(
            AgeGroup::ALL
                .into_iter()
                .find(|g| g.label() == s)
                .ok_or_else(|| format!("{s:?} is not an age group: use under 5, 5 to 10, 11 to 15, 16 to 19 or 20 to 25"))?,
        ),
    };
    let caseworker = match get("caseworker") {
        None => None,
        Some(s) => Some(
            sendscope_domain::ids::StaffId::parse(s)
                .map_err(|_| format!("{s:?} is not a member of staff's identifier"))?,
        ),
    };
    let team = match get("team") {
        None => None,
        Some(s) => Some(
            sendscope_domain::ids::TeamId::parse(s)
                .map_err(|_| format!("{s:?} is not a team's identifier"))?,
        ),
    };
    Ok(Ask {
        kind,
        year,
        filter: Filter {
            need,
            age,
            team,
            caseworker,
        },
    })
}

/// The periods shown: four years of the kind asked for ending with the year asked for
/// (a year starting in it, for academic and financial years), or the quarters or
/// months of that calendar year.
pub fn periods(kind: &str, year: i32) -> Vec<Period> {
    let years = (year - 3).max(2014)..=year;
    match kind {
        "academic" => years.filter_map(Period::academic_year).collect(),
        "financial" => years.filter_map(Period::financial_year).collect(),
        "quarter" => (1..=4).filter_map(|q| Period::quarter(year, q)).collect(),
        "month" => (1..=12).filter_map(|m| Period::month(year, m)).collect(),
        _ => years.filter_map(Period::calendar_year).collect(),
    }
}

/// The area's LA code and how it publishes its figures (the defaults until it adopts
/// its own).
pub fn publishing(
    store: &dyn Store,
    area: AreaId,
) -> Result<
    (
        Option<String>,
        sendscope_domain::benchmarks::FiguresSettings,
    ),
    StoreError,
> {
    let state = store
        .projection(sendscope_domain::StreamRef::area(area))?
        .map(|p| p.state);
    let (own, settings) = match state {
        Some(StreamState::Area(a)) => (a.la_code.map(|c| c.to_string()), a.figures_settings),
        _ => (None, None),
    };
    Ok((
        own,
        settings.unwrap_or(sendscope_domain::benchmarks::FiguresSettings {
            comparators: Vec::new(),
            suppress_below: sendscope_domain::benchmarks::FiguresSettings::DEFAULT_SUPPRESS_BELOW,
        }),
    ))
}

/// A count as shown: "c" from 1 to `suppress` less one (0: nothing suppressed).
pub fn count(v: u64, suppress: u64) -> String {
    if small(v, suppress) {
        "c".into()
    } else {
        sendscope_domain::codes::group_thousands(v)
    }
}

/// Whether a count is suppressed: from 1 to `suppress` less one.
pub fn small(v: u64, suppress: u64) -> bool {
    v > 0 && v < suppress
}

/// Whether a share is suppressed: its numerator or its denominator is (a per cent beside
/// one of them shown would give the other away).
pub fn share_hidden(s: Share, suppress: u64) -> bool {
    small(s.numerator, suppress) || small(s.denominator, suppress)
}

/// A share as shown: (numerator, denominator, per cent), each "c" where suppressed; the
/// per cent whenever either count is.
pub fn share(s: Share, suppress: u64) -> (String, String, String) {
    (
        count(s.numerator, suppress),
        count(s.denominator, suppress),
        if share_hidden(s, suppress) {
            "c".into()
        } else {
            s.percent()
                .map(|p| format!("{p:.1}%"))
                .unwrap_or_else(|| "none".into())
        },
    )
}

/// Counts that add up to a total shown beside them, as shown, with the total: each "c"
/// where small and, where only one would be, the next smallest too (or, if there is no
/// other to hide, the total), so that no suppressed count can be worked back out by
/// subtraction.
pub fn parts(values: &[u64], total: u64, suppress: u64) -> (Vec<String>, String) {
    let mut hidden: Vec<bool> = values.iter().map(|v| small(*v, suppress)).collect();
    let mut total_hidden = small(total, suppress);
    if hidden.iter().filter(|h| **h).count() == 1 && !total_hidden {
        let other = values
            .iter()
            .enumerate()
            .filter(|(i, v)| !hidden[*i] && **v > 0)
            .min_by_key(|(_, v)| **v)
            .map(|(i, _)| i);
        match other {
            Some(i) => hidden[i] = true,
            None => total_hidden = true,
        }
    }
    let shown = |v: u64, h: bool| {
        if h {
            "c".to_string()
        } else {
            sendscope_domain::codes::group_thousands(v)
        }
    };
    (
        values
            .iter()
            .zip(&hidden)
            .map(|(v, h)| shown(*v, *h))
            .collect(),
        shown(total, total_hidden),
    )
}

#[cfg(test)]
mod suppression {
    use super::*;

    #[test]
    fn no_suppressed_count_can_be_worked_back_out() {
        // "13.3% c 15" gave the numerator away: a share with either count small is "c".
        let s = Share {
            numerator: 2,
            denominator: 15,
        };
        assert_eq!(share(s, 5), ("c".into(), "15".into(), "c".into()));
        assert_eq!(
            share(
                Share {
                    numerator: 12,
                    denominator: 15
                },
                5
            ),
            ("12".into(), "15".into(), "80.0%".into())
        );
        // One small part beside its total: the next smallest is hidden too.
        assert_eq!(
            parts(&[20, 2, 7, 0], 29, 5),
            (
                vec!["20".into(), "c".into(), "c".into(), "0".into()],
                "29".into()
            )
        );
        // Nothing else to hide: the total is.
        assert_eq!(
            parts(&[3, 0], 3, 5),
            (vec!["c".into(), "0".into()], "c".into())
        );
        assert_eq!(
            parts(&[2, 0, 0], 12, 5).0,
            vec!["c".to_string(), "0".into(), "0".into()]
        );
        assert_eq!(parts(&[2, 0, 0], 12, 5).1, "c");
        // Nothing small: nothing hidden; nothing suppressed at all with 0.
        assert_eq!(parts(&[20, 9], 29, 5).0, vec!["20".to_string(), "9".into()]);
        assert_eq!(parts(&[2, 1], 3, 0).1, "3");
    }
}
