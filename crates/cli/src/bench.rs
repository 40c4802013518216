//! Benchmarks that print figures: the KPI engine, placement, the case list, work queues
//! and imports (never timed asserts).

use super::*;
use crate::figures::load_kpi;
use crate::imports::import_gias;

pub(crate) fn bench_command(url: &str, what: BenchCommand) -> anyhow::Result<()> {
    match what {
        BenchCommand::Sen2 { people, census } => crate::bench_sen2::bench_sen2(url, people, census),
        BenchCommand::Writers { clients, seconds } => {
            crate::bench_writers::bench_writers(url, clients.max(1), seconds.max(1))
        }
        BenchCommand::Queue {
            repeat,
            caseworkers,
        } => {
            let store = open(url)?;
            bench_queue(store.as_ref(), repeat.max(1), caseworkers.max(1))
        }
        BenchCommand::Kpi { plans } => {
            let store = open(url)?;
            demo_if_empty(store.as_ref(), plans, None)?;
            bench_kpi(store.as_ref())
        }
        BenchCommand::Placement {
            children,
            settings,
            seed,
            dense,
            individual,
            write_instance,
        } => bench_placement(
            children,
            settings,
            seed,
            (dense, individual),
            write_instance,
        ),
        BenchCommand::Import { rows } => {
            let store = open(url)?;
            bench_import(store.as_ref(), rows)
        }
        BenchCommand::CaseList { repeat } => {
            let store = open(url)?;
            bench_case_list(store.as_ref(), repeat.max(1))
        }
    }
}

/// Builds a demo of `plans` plans (as of `as_of`, default today) when the database is
/// empty, so a benchmark has something to measure.
pub(crate) fn demo_if_empty(
    store: &dyn Store,
    plans: u32,
    as_of: Option<NaiveDate>,
) -> anyhow::Result<()> {
    if store.headline()?.events == 0 {
        eprintln!("The database is empty: building a demo of {plans} plans first.");
        crate::demo::demo(
            store,
            &DemoArgs {
                plans,
                seed: 1,
                as_of,
                batch_events: 400_000,
            },
        )?;
    }
    Ok(())
}

pub(crate) fn bench_kpi(store: &dyn Store) -> anyhow::Result<()> {
    let t = Clock::now();
    let (mut engine, sample) = load_kpi(store, 20_000)?;
    let load = t.elapsed();
    let (requests, plans) = engine.rows();
    let (deadlines, disputes, placements) = engine.other_rows();
    outln!(
        "load: {} cases ({} request rows, {} plan rows, {} review rows, {} deadline rows, {} dispute rows, {} placement rows) read into columns in {:.1} s (not counted below)",
        engine.cases(),
        requests,
        plans,
        engine.review_rows(),
        deadlines,
        disputes,
        placements,
        load.as_secs_f64()
    );
    // Start-up from a snapshot instead: saved once, then read back and checked against
    // the log (the covered event's chain hash), beside the full load above.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("bench.kpi");
    let seen = store.headline()?.events;
    let t = Clock::now();
    let bytes = sendscope_app::figures::save(store, &engine, seen, &path)?;
    let saved = t.elapsed();
    let t = Clock::now();
    let restored = sendscope_app::figures::restore(store, &path)?;
    let read = t.elapsed();
    match restored {
        Ok((_, covers)) => outln!(
            "start from a snapshot: {:.0} MiB saved in {:.2} s, read back and checked in {:.2} s covering event {} ({:.1}x faster than the full load)",
            bytes as f64 / 1_048_576.0,
            saved.as_secs_f64(),
            read.as_secs_f64(),
            covers,
            load.as_secs_f64() / read.as_secs_f64().max(1e-9)
        ),
        Err(why) => outln!("start from a snapshot: not used ({why:?})"),
    }
    let areas: Vec<AreaId> = engine.areas().to_vec();
    let years = [2022, 2023, 2024, 2025];
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Clock::now();
        let mut n = 0u64;
        // The four years in one pass over the columns, every area and all together.
        let periods: Vec<sendscope_kpi::Period> = years
            .iter()
            .filter_map(|y| sendscope_kpi::Period::calendar_year(*y))
            .collect();
        for (each, total) in engine.compute_all_series(&periods, &sendscope_kpi::Filter::default())
        {
            n += total.new_plans + each.len() as u64;
        }
        std::hint::black_box(n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    outln!(
        "full recompute: every measure for {} areas and England together, {} years: {:.3} s (best of 5, one thread)",
        areas.len(),
        years.len(),
        best
    );
    // How close to the memory's limit: the columns' bytes over the time, against one
    // thread summing a 512 MiB buffer here and now (best of 3).
    let scanned = engine.bytes_scanned() as f64;
    let buffer: Vec<u64> = (0..(512u64 << 20) / 8).collect();
    let mut read_best = f64::MAX;
    for _ in 0..3 {
        let t = Clock::now();
        std::hint::black_box(buffer.iter().fold(0u64, |a, x| a.wrapping_add(*x)));
        read_best = read_best.min(t.elapsed().as_secs_f64());
    }
    let limit = (buffer.len() * 8) as f64 / read_best;
    outln!(
        "memory: the recompute reads {:.0} MiB of columns, {:.1} GB/s; one thread reads {:.1} GB/s here, so the recompute runs at {:.0}% of it",
        scanned / 1_048_576.0,
        scanned / best / 1e9,
        limit / 1e9,
        100.0 * scanned / best / limit
    );
    drop(buffer);
    let t = Clock::now();
    let rounds = 5;
    for _ in 0..rounds {
        for (id, area, c) in &sample {
            engine.upsert_case(*id, *area, c);
        }
    }
    let per = t.elapsed().as_secs_f64() * 1e6 / (rounds * sample.len().max(1)) as f64;
    outln!(
        "incremental: {:.2} µs a case update after an event ({} updates)",
        per,
        rounds * sample.len()
    );
    let k = engine.compute(None, 2024);
    outln!(
        "2024, every area: {} requests, {} new plans, {}/{} within 20 weeks, {} plans in place at the end; peak memory {}",
        k.requests,
        k.new_plans,
        k.within_20_weeks.numerator,
        k.within_20_weeks.denominator,
        k.plans_in_place_at_end,
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "not measured".into())
    );
    Ok(())
}

pub(crate) fn bench_placement(
    children: usize,
    settings: usize,
    seed: u64,
    (dense, individual): (bool, bool),
    write_instance: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    use sendscope_domain::codes::{Pence, group_thousands};
    let whole = Clock::now();
    let g = sendscope_placement::generate::generate(children, settings, seed, dense, individual);
    let generated = whole.elapsed();
    if let Some(path) = &write_instance {
        std::fs::write(path, serde_json::to_vec(&g.instance)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let (outcome, timing) = g.instance.solve_timed()?;
    if outcome.placed + outcome.unplaced != g.children {
        bail!(
            "{} children generated but {} placed and {} unplaced",
            g.children,
            outcome.placed,
            outcome.unplaced
        );
    }
    let n = |x: usize| group_thousands(x as u64);
    outln!(
        "instance: {} children as {} supplies ({}), {} settings, {} arcs{}; generated in {:.2} s",
        n(children),
        n(g.instance.supplies.len()),
        if individual {
            "one a child"
        } else {
            "children with the same home area, need and phase grouped"
        },
        n(settings),
        n(g.instance.arcs.len()),
        if dense { " (dense)" } else { "" },
        generated.as_secs_f64()
    );
    outln!(
        "solve: {:.3} s ({} pivots on {} nodes and {} arcs, excluding generation and parsing)",
        timing.solve.as_secs_f64(),
        group_thousands(timing.pivots),
        n(timing.nodes),
        n(timing.arcs)
    );
    outln!(
        "whole process: {:.2} s; peak memory {}",
        whole.elapsed().as_secs_f64(),
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "not measured".into())
    );
    outln!(
        "total cost (objective): {}; placed {}, unplaced {}",
        Pence(outcome.total_cost),
        n(outcome.placed as usize),
        n(outcome.unplaced as usize)
    );
    Ok(())
}

/// Runs each kind of case-list query `repeat` times and prints p50 and p99 in milliseconds.
pub(crate) fn bench_case_list(store: &dyn Store, repeat: usize) -> anyhow::Result<()> {
    use sendscope_store::CaseQuery;
    let h = store.headline()?;
    let Some(area) = h.areas.iter().max_by_key(|a| a.cases) else {
        bail!("the database holds no area; build one first with `sendscope demo`");
    };
    let area_id = sendscope_domain::ids::AreaId::parse(&area.area_id)?;
    let base = CaseQuery {
        area: Some(area_id),
        limit: 25,
        ..Default::default()
    };
    let first = store.list_cases(&base)?;
    let sample = first
        .rows
        .get(first.rows.len() / 2)
        .cloned()
        .context("the area has no cases")?;
    // A cursor deep into the list: walk 40 pages once.
    let mut deep = base.clone();
    for _ in 0..40 {
        match store.list_cases(&deep)?.next {
            Some(n) => deep.after = Some(n),
            None => break,
        }
    }
    let kinds: Vec<(&str, CaseQuery)> = vec![
        ("first page, no filter", base.clone()),
        ("page 41 by cursor", deep),
        (
            "name search",
            CaseQuery {
                name: Some(sample.family_name.clone()),
                ..base.clone()
            },
        ),
        (
            "stage = plan in place",
            CaseQuery {
                stage: Some(sendscope_domain::Stage::PlanInPlace),
                ..base.clone()
            },
        ),
        (
            "stage + primary need",
            CaseQuery {
                stage: Some(sendscope_domain::Stage::PlanInPlace),
                need: sample.primary_need,
                ..base.clone()
            },
        ),
        (
            "caseworker",
            CaseQuery {
                caseworker: sample.caseworker,
                ..base.clone()
            },
        ),
        (
            "setting",
            CaseQuery {
                setting: sample.setting,
                ..base.clone()
            },
        ),
        (
            "UPN",
            CaseQuery {
                upn: sample.upn.clone(),
                ..base.clone()
            },
        ),
    ];
    outln!(
        "case list, area {} ({} cases, {} events in the database), {repeat} runs each:",
        area.name,
        area.cases,
        h.events
    );
    for (label, q) in kinds {
        let mut ms: Vec<f64> = Vec::with_capacity(repeat);
        let mut rows = 0;
        for _ in 0..repeat {
            let t = Clock::now();
            rows = store.list_cases(&q)?.rows.len();
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        ms.sort_by(f64::total_cmp);
        let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
        outln!(
            "  {label:<24} {rows:>3} rows  p50 {:>7.3} ms  p99 {:>7.3} ms",
            pct(0.50),
            pct(0.99)
        );
    }
    Ok(())
}

/// p50 and p99 of timings in milliseconds (nearest rank).
pub(crate) fn percentiles(mut ms: Vec<f64>) -> (f64, f64) {
    ms.sort_by(f64::total_cmp);
    let pct = |p: f64| ms[((ms.len() as f64 * p).ceil() as usize).clamp(1, ms.len()) - 1];
    (pct(0.50), pct(0.99))
}

/// Builds work queues as the page does and prints how long they take.
pub(crate) fn bench_queue(store: &dyn Store, repeat: usize, sample: usize) -> anyhow::Result<()> {
    use sendscope_domain::access::{Principal, Role};
    use sendscope_domain::projection::StreamState;
    let area = largest_area(store)?;
    let options = sendscope_app::filter_options::FilterOptions::default();
    let all = options.get(store, area, None)?;
    if all.caseworkers.is_empty() {
        bail!("the area has no caseworkers");
    }
    let step = (all.caseworkers.len() / sample).max(1);
    outln!(
        "work queues, area {area}, {} caseworkers, {repeat} runs each (the page's own code: case list, records, clocks, HTML):",
        all.caseworkers.len()
    );
    let mut team_of_one = None;
    for (id, _) in all.caseworkers.iter().step_by(step).take(sample) {
        let staff = sendscope_domain::ids::StaffId::parse(id)?;
        let team = match store
            .projection(sendscope_domain::StreamRef::staff(staff))?
            .map(|p| p.state)
        {
            Some(StreamState::Staff(s)) => s.added.and_then(|a| a.team),
            _ => None,
        };
        team_of_one = team_of_one.or(team);
        let who = Principal {
            role: Role::Caseworker,
            area,
            staff: Some(staff),
            team,
            setting: None,
            person: None,
            case: None,
        };
        let (cases, ms, lines) = time_queue(store, &who, repeat)?;
        let (p50, p99) = percentiles(ms);
        outln!(
            "  caseworker  {cases:>5} cases  {lines:>4} deadlines listed  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
        );
    }
    let manager = Principal {
        role: Role::TeamManager,
        area,
        staff: None,
        team: team_of_one,
        setting: None,
        person: None,
        case: None,
    };
    let (cases, ms, lines) = time_queue(store, &manager, repeat)?;
    let (p50, p99) = percentiles(ms);
    outln!(
        "  team manager {cases:>4} cases  {lines:>4} deadlines listed  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms"
    );
    Ok(())
}

/// (cases in scope, timings in ms, deadlines listed) for one user's queue.
pub(crate) fn time_queue(
    store: &dyn Store,
    who: &sendscope_domain::access::Principal,
    repeat: usize,
) -> anyhow::Result<(usize, Vec<f64>, usize)> {
    let mut q = sendscope_app::queue::scope(who).context("a role with a queue")?;
    q.limit = 500;
    let mut cases = 0;
    loop {
        let page = store.list_cases(&q)?;
        cases += page.rows.len();
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let mut ms = Vec::with_capacity(repeat);
    let mut lines = 0;
    for _ in 0..repeat {
        let t = Clock::now();
        let scope = sendscope_app::queue::scope(who).context("a role with a queue")?;
        lines = sendscope_app::queue::items(store, scope, who, 14)?.len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    Ok((cases, ms, lines))
}

/// A GIAS-layout file of `rows` establishments, written as GIAS publishes (Windows-1252).
pub(crate) fn gias_sample(rows: u32) -> Vec<u8> {
    let kinds = [
        (
            "Community school",
            "Local authority maintained schools",
            "Primary",
            4,
            11,
        ),
        ("Academy converter", "Academies", "Secondary", 11, 18),
        (
            "Academy special converter",
            "Special schools",
            "Not applicable",
            2,
            19,
        ),
        (
            "Other independent special school",
            "Independent schools",
            "Not applicable",
            5,
            19,
        ),
        (
            "Pupil referral unit",
            "Local authority maintained schools",
            "Not applicable",
            5,
            16,
        ),
        ("Further education", "Colleges", "16 plus", 16, 99),
    ];
    let mut out = format!("{}\r\n", sendscope_import::gias::SAMPLE_HEADER).into_bytes();
    for i in 0..rows {
        let (kind, group, phase, low, high) = kinds[(i % 6) as usize];
        let high = high.min(25);
        let line = format!(
            "{},{},Area {},{},St Caf\u{e9} {} School,{kind},{group},Open,01-09-{},,{phase},{low},{high},{},{},Trust {},{},{} High Street,Town,DE{} {}AB,{},{},,,,,,\r\n",
            100_000 + i,
            800 + i % 150,
            i % 150,
            2000 + i % 7000,
            i,
            2000 + i % 25,
            200 + i % 1500,
            150 + i % 1400,
            i % 900,
            10_000_000 + i,
            i % 300,
            1 + i % 99,
            i % 10,
            400_000 + i % 90_000,
            300_000 + i % 90_000,
        );
        // Windows-1252: é is one byte, 0xE9.
        out.extend(
            line.chars()
                .map(|c| if c == '\u{e9}' { 0xE9 } else { c as u8 }),
        );
    }
    out
}

/// Times a GIAS import of a generated file.
pub(crate) fn bench_import(store: &dyn Store, rows: u32) -> anyhow::Result<()> {
    let area = match largest_area(store) {
        Ok(a) => a,
        Err(_) => {
            let id = AreaId::new_random();
            append_area_event(
                store,
                id,
                sendscope_domain::EventBody::AreaCreated(sendscope_domain::event::AreaCreated {
                    la_code: sendscope_domain::codes::LaCode::parse("999")?,
                    name: "Benchmark area".into(),
                }),
                "system:bench",
                sendscope_domain::calendar::england_today(),
            )?;
            id
        }
    };
    let dir = tempfile_dir()?;
    let path = dir.join("edubasealldata-bench.csv");
    let t = Clock::now();
    std::fs::write(&path, gias_sample(rows))?;
    let generated = t.elapsed().as_secs_f64();
    let t = Clock::now();
    let first = import_gias(store, area, &path, true)?;
    let first_s = t.elapsed().as_secs_f64();
    let t = Clock::now();
    let again = import_gias(store, area, &path, true)?;
    let again_s = t.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    outln!("GIAS import, {rows} rows (file generated in {generated:.2} s, not counted):");
    outln!("  first import (every row added):  {first_s:.2} s  — {first}");
    outln!("  second import (nothing changed): {again_s:.2} s  — {again}");
    Ok(())
}

/// A fresh directory under the system's temporary directory.
pub(crate) fn tempfile_dir() -> anyhow::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("sendscope-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
