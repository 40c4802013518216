//! `sendscope demo`: builds the demo local area (`app::demo`) and says what it built,
//! how fast, and which accounts it made.

use super::*;

pub(crate) fn demo(store: &dyn Store, args: &DemoArgs) -> anyhow::Result<()> {
    let spec = DemoSpec {
        plans: args.plans,
        seed: args.seed,
        as_of: args
            .as_of
            .unwrap_or_else(sendscope_domain::calendar::england_today),
        batch_events: args.batch_events,
    };
    let report_commits = std::env::var_os("SENDSCOPE_TEST_REPORT_COMMITS").is_some();
    let started = Clock::now();
    let mut last_report = Clock::now();
    let built = sendscope_app::demo::build(store, &spec, &mut |written, last_seq| {
        if report_commits {
            eprintln!("committed through event {last_seq}");
        }
        if last_report.elapsed().as_secs() >= 5 {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "demo: {written} events written ({:.0} a second)",
                written as f64 / secs
            );
            last_report = Clock::now();
        }
    })?;
    let secs = built.write_time.as_secs_f64();
    let summary: &DemoSummary = &built.summary;
    outln!(
        "Demo built: {} area(s), {} EHC plans in place, {} cases, {} settings, as of {}.",
        summary.areas,
        summary.plans_in_place,
        summary.cases,
        summary.settings,
        spec.as_of
    );
    outln!(
        "events written: {}; time: {secs:.1} s ({:.0} events a second); peak memory: {}",
        built.written,
        built.written as f64 / secs.max(1e-9),
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "unknown".into())
    );
    outln!(
        "Demo accounts, each with the password demo: {}",
        built.accounts.join(", ")
    );
    Ok(())
}
