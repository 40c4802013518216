//! The demo local area: generated on one thread, written on another, then given its
//! trajectory, programme and one account per role.

use super::*;

pub(crate) fn demo(store: &dyn Store, args: &DemoArgs) -> anyhow::Result<()> {
    let existing = store.headline()?.events;
    if existing > 0 {
        bail!(
            "the database already holds {existing} events; the demo needs an empty database: give another --database-url"
        );
    }
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
    // Generation runs on its own thread, one batch ahead of the writer.
    // Encoding and digesting payloads happens there too, so the writer only chains,
    // checks and stores.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<PreparedEvent>>(2);
    let gen_spec = spec.clone();
    let generator = std::thread::spawn(move || -> anyhow::Result<DemoSummary> {
        sendscope_demo::generate::<anyhow::Error>(&gen_spec, &mut |batch| {
            let prepared = batch
                .into_iter()
                .map(PreparedEvent::new)
                .collect::<Result<Vec<_>, _>>()?;
            tx.send(prepared)
                .map_err(|_| anyhow::anyhow!("the writer stopped"))
        })
    });
    let mut written = 0u64;
    let mut last_report = Clock::now();
    let mut result = Ok(());
    for batch in rx {
        match store.append_prepared(&batch) {
            Ok(seqs) => {
                written += batch.len() as u64;
                if report_commits {
                    eprintln!(
                        "committed through event {}",
                        seqs.last().copied().unwrap_or(0)
                    );
                }
                if last_report.elapsed().as_secs() >= 5 {
                    let secs = started.elapsed().as_secs_f64();
                    eprintln!(
                        "demo: {written} events written ({:.0} a second)",
                        written as f64 / secs
                    );
                    last_report = Clock::now();
                }
            }
            Err(e) => {
                result = Err(anyhow::Error::new(e).context("the demo could not be written"));
                break;
            }
        }
    }
    if result.is_ok() {
        result = store
            .refresh_statistics()
            .context("the demo was written but statistics could not be refreshed");
    }
    let generated = generator
        .join()
        .map_err(|_| anyhow::anyhow!("the demo generator stopped unexpectedly"))?;
    result?;
    let summary = generated?;
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "Demo built: {} area(s), {} EHC plans in place, {} cases, {} settings, as of {}.",
        summary.areas,
        summary.plans_in_place,
        summary.cases,
        summary.settings,
        spec.as_of
    );
    outln!(
        "events written: {written}; time: {secs:.1} s ({:.0} events a second); peak memory: {}",
        written as f64 / secs.max(1e-9),
        peak_memory_mib()
            .map(|m| format!("{m:.0} MiB"))
            .unwrap_or_else(|| "unknown".into())
    );
    let accounts = add_demo_accounts(store)
        .context("the demo was written but its accounts could not be made")?;
    outln!(
        "Demo accounts, each with the password demo: {}",
        accounts.join(", ")
    );
    demo_programme(store, spec.as_of)
        .context("the demo was written but its programme could not be defined")?;
    demo_trajectory(store, spec.as_of)
        .context("the demo was written but its trajectory could not be defined")?;
    Ok(())
}

/// The demo's trajectory: plans issued within 20 weeks to reach 60% fifteen months after
/// a start six months before the demo's last day (like "60% by March 2027").
pub(crate) fn demo_trajectory(store: &dyn Store, as_of: NaiveDate) -> anyhow::Result<()> {
    let area = largest_area(store)?;
    let first = |d: NaiveDate| chrono::Datelike::with_day(&d, 1).unwrap_or(d);
    let start = first(
        as_of
            .checked_sub_months(chrono::Months::new(6))
            .context("date")?,
    );
    let deadline = first(
        as_of
            .checked_add_months(chrono::Months::new(9))
            .context("date")?,
    );
    append_area_event(
        store,
        area,
        sendscope_domain::EventBody::TrajectoryDefined(
            sendscope_domain::trajectories::TrajectoryDefined {
                trajectory: 1,
                name: "Improvement plan: 20-week timeliness".into(),
                measure: sendscope_domain::trajectories::TrajectoryMeasure::WithinTwentyWeeks,
                target: 60.0,
                start,
                deadline,
            },
        ),
        "system:demo",
        start,
    )
}

/// The demo's programme: a recovery plan for the requests received between 9 and 3
/// months before the demo's last day, each to have its final plan within 3 months after it.
pub(crate) fn demo_programme(store: &dyn Store, as_of: NaiveDate) -> anyhow::Result<()> {
    let area = largest_area(store)?;
    let from = as_of
        .checked_sub_months(chrono::Months::new(9))
        .context("date")?;
    let to = as_of
        .checked_sub_months(chrono::Months::new(3))
        .context("date")?;
    let mut cases = Vec::new();
    for_each_case(store, area, &mut |case, c| {
        let chosen = c.requests.last().is_some_and(|r| {
            r.received_on >= from
                && r.received_on < to
                && r.decision == Some(sendscope_domain::event::AssessDecision::Assess)
                && r.withdrawn_on.is_none()
                && r.plan_not_issued_on.is_none()
        });
        if chosen {
            cases.push(case);
        }
    })?;
    if cases.is_empty() {
        return Ok(());
    }
    let deadline = as_of
        .checked_add_months(chrono::Months::new(3))
        .context("date")?;
    append_area_event(
        store,
        area,
        sendscope_domain::EventBody::ProgrammeDefined(sendscope_domain::event::ProgrammeDefined {
            programme: 1,
            name: format!(
                "Recovery plan: final plans for requests received {} to {}",
                sendscope_domain::calendar::long_date(from),
                sendscope_domain::calendar::long_date(to.pred_opt().unwrap_or(to))
            ),
            milestone: sendscope_domain::programmes::Milestone::FinalPlanIssued,
            start: from,
            deadline,
            flag_factor: 1.2,
            cases,
        }),
        "system:demo",
        from,
    )?;
    Ok(())
}

/// The demo's accounts, one per role, each with password `demo` (demo databases only),
/// linked to records in the first area that give each role something to see.
pub(crate) fn add_demo_accounts(store: &dyn Store) -> anyhow::Result<Vec<String>> {
    use sendscope_store::CaseQuery;
    let h = store.headline()?;
    let area = h.areas.first().context("the demo has no area")?;
    let area_id = AreaId::parse(&area.area_id)?;
    let today = sendscope_domain::calendar::england_today();
    let (mut worker, mut setting, mut parent, mut young) = (None, None, None, None);
    let mut q = CaseQuery {
        area: Some(area_id),
        stage: Some(sendscope_domain::Stage::PlanInPlace),
        limit: 200,
        ..Default::default()
    };
    while worker.is_none() || setting.is_none() || parent.is_none() || young.is_none() {
        let page = store.list_cases(&q)?;
        for row in &page.rows {
            if worker.is_none() {
                worker = row.caseworker.zip(row.team);
            }
            if setting.is_none() {
                setting = row.setting;
            }
            if parent.is_none() || young.is_none() {
                let Some(p) = store.projection(StreamRef::case(row.case))? else {
                    continue;
                };
                let Some(c) = p.case() else { continue };
                if parent.is_none() && c.court_restriction.is_none() {
                    parent = c
                        .related
                        .iter()
                        .find(|r| r.parental_responsibility)
                        .map(|r| r.person);
                }
                if young.is_none()
                    && c.child
                        .as_ref()
                        .is_some_and(|ch| over_compulsory_school_age(ch.birth_date, today))
                {
                    young = Some(row.case);
                }
            }
        }
        match page.next {
            Some(n) => q.after = Some(n),
            None => break,
        }
    }
    let (staff, team) = worker.context("the demo has no caseworker with cases")?;
    let accounts = [
        (
            "caseworker",
            Role::Caseworker,
            AccountLinks {
                staff: Some(staff),
                team: Some(team),
                ..Default::default()
            },
        ),
        (
            "manager",
            Role::TeamManager,
            AccountLinks {
                team: Some(team),
                ..Default::default()
            },
        ),
        ("commissioner", Role::Commissioner, AccountLinks::default()),
        ("health", Role::HealthProfessional, AccountLinks::default()),
        (
            "school",
            Role::School,
            AccountLinks {
                setting,
                ..Default::default()
            },
        ),
        (
            "parent",
            Role::ParentCarer,
            AccountLinks {
                person: parent,
                ..Default::default()
            },
        ),
        (
            "young-person",
            Role::YoungPerson,
            AccountLinks {
                case: young,
                ..Default::default()
            },
        ),
        ("board", Role::BoardMember, AccountLinks::default()),
        ("admin", Role::Admin, AccountLinks::default()),
    ];
    let mut made = Vec::new();
    for (name, role, links) in accounts {
        sendscope_app::accounts::add_account(
            store,
            area_id,
            &Username::parse(name)?,
            role,
            links,
            "demo",
            "system:demo",
        )?;
        made.push(name.to_string());
    }
    Ok(made)
}
