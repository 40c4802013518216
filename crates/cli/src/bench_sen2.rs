//! `sendscope bench sen2`: the SEN2 return made and checked for the largest area, and a
//! return of N children brought into an empty database (and brought in again), timed.

use super::*;
use sendscope_app::sen2::{Officers, build};
use sendscope_app::sen2_import::{Options, allocation, import};
use sendscope_sen2::layout::Year;
use sendscope_sen2::rules::validate;
use std::time::Instant as Clock;

/// Builds a demo first when the database is empty (enough areas for `people` children in
/// their returns), then prints: each area's export and validation time (the largest
/// area's first), and the import of a return of `people` children (the areas' returns
/// put together, as one area's) into a fresh SQLite database, and again.
pub(crate) fn bench_sen2(url: &str, people: usize, census: NaiveDate) -> anyhow::Result<()> {
    let year = Year::for_census(census).map_err(anyhow::Error::msg)?;
    let store = open(url)?;
    // About 1.4 children are in a return for each plan in place: one plan a person leaves
    // room to spare.
    crate::bench::demo_if_empty(store.as_ref(), (people as u32).max(2_000), Some(census))?;
    let mut areas = store.headline()?.areas;
    areas.sort_by_key(|a| std::cmp::Reverse(a.cases));
    let officers = Officers {
        dmo: "Y".into(),
        dco: "Y".into(),
        dsco: "N".into(),
        made_at: "2026-01-20T09:00:00".into(),
    };
    let mut all: Option<sendscope_sen2::Return> = None;
    outln!(
        "SEN2 return for {census}, made from the records and checked (release build, one thread):"
    );
    for a in &areas {
        let area = sendscope_app::setup::find_area(store.as_ref(), Some(&a.la_code))?;
        let t = Clock::now();
        let ret = build(store.as_ref(), area, year, &officers)?;
        let made = t.elapsed().as_secs_f64();
        let t = Clock::now();
        let found = validate(&ret);
        let checked = t.elapsed().as_secs_f64();
        let errors = found
            .iter()
            .filter(|f| f.severity == sendscope_sen2::rules::Severity::Error)
            .count();
        let t = Clock::now();
        let xml = sendscope_sen2::write(&ret, year);
        let written = t.elapsed().as_secs_f64();
        outln!(
            "  area {} ({} records): {} people, made {made:.2} s + checked {checked:.2} s + written {written:.2} s = {:.2} s ({errors} errors, {} queries, {:.1} MB)",
            a.la_code,
            a.cases,
            ret.persons.len(),
            made + checked + written,
            found.len() - errors,
            xml.len() as f64 / 1e6
        );
        match &mut all {
            None => all = Some(ret),
            Some(r) if r.persons.len() < people => r.persons.extend(ret.persons),
            Some(_) => {}
        }
    }
    let Some(mut ret) = all else {
        bail!("the database has no area to make a return for");
    };
    ret.persons.truncate(people);
    let ret = ret.sorted();
    let xml = sendscope_sen2::write(&ret, year);
    let la = ret.header.lea.clone();

    let dir = crate::bench::tempfile_dir()?;
    let target = sendscope_store::open(&format!("sqlite://{}", dir.join("import.db").display()))?;
    let (area, _) = sendscope_app::setup::add_area(target.as_ref(), &la, None, "system:bench")?;
    sendscope_app::setup::add_team(target.as_ref(), area, "SEND Team", "system:bench")?;
    sendscope_app::setup::add_staff(
        target.as_ref(),
        area,
        "SEND Team",
        "Sam Hill",
        sendscope_domain::event::StaffJob::TeamManager,
        "system:bench",
    )?;
    let allocate = Some(allocation(target.as_ref(), area, "Sam Hill")?);
    let mut times = Vec::new();
    for _ in 0..2 {
        let t = Clock::now();
        let read = sendscope_sen2::read(xml.as_bytes()).map_err(anyhow::Error::msg)?;
        let done = import(
            target.as_ref(),
            area,
            &read,
            Options {
                contacts: None,
                allocate: allocate.clone(),
                strict: false,
            },
        )?;
        times.push((t.elapsed().as_secs_f64(), done));
    }
    let _ = std::fs::remove_dir_all(&dir);
    outln!(
        "Import of a {}-person return ({:.1} MB; the areas' returns as one area's) into an empty SQLite database:",
        ret.persons.len(),
        xml.len() as f64 / 1e6
    );
    for ((s, d), what) in times.iter().zip(["first import", "the same again"]) {
        outln!(
            "  {what}: {s:.2} s: {} new records, {} already known, {} left out, {} events written, {} item(s) not imported",
            d.new_children,
            d.matched,
            d.left_out,
            d.events,
            d.problems.len()
        );
    }
    Ok(())
}
