//! Placement: a child's options, the area-wide optimum, scenarios, and solving an
//! instance given as a file.

use super::*;

pub(crate) fn placement_command(url: &str, what: PlacementCommand) -> anyhow::Result<()> {
    match what {
        PlacementCommand::Solve { file } => {
            let text = if file.as_os_str() == "-" {
                std::io::read_to_string(std::io::stdin()).context("cannot read standard input")?
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?
            };
            let outcome = sendscope_placement::Instance::from_json(&text)
                .and_then(|i| i.solve())
                .with_context(|| {
                    format!(
                        "{} is not a placement instance that can be solved",
                        file.display()
                    )
                })?;
            outln!("{}", serde_json::to_string(&outcome)?);
            Ok(())
        }
        PlacementCommand::AdoptSettings { area, file } => {
            let from = adopt(
                url,
                &area,
                &file,
                "placement costing",
                "sendscope placement show-settings",
                |settings: sendscope_domain::costs::PlacementSettings| {
                    let from = settings.effective_from;
                    Ok((
                        sendscope_domain::EventBody::PlacementSettingsAdopted(settings),
                        from,
                    ))
                },
            )?;
            eprintln!("Placement costing adopted from {from}.");
            Ok(())
        }
        PlacementCommand::ShowSettings { area, on } => show(url, &area, on, |store, area, on| {
            Ok(sendscope_app::placement::settings_on(store, area, on)?)
        }),
        PlacementCommand::Options { case, on } => {
            let store = open(url)?;
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let id = sendscope_domain::ids::CaseId::parse(&case)
                .with_context(|| format!("{case:?} is not a case reference"))?;
            let p = store
                .projection(sendscope_domain::StreamRef::case(id))?
                .with_context(|| format!("there is no case {case}"))?;
            let child = p
                .case()
                .and_then(|c| sendscope_placement::area::Child::from_case(id, c))
                .with_context(|| format!("case {case} has no child recorded"))?;
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), p.area, on)?;
            let o = sendscope_placement::area::options_for(
                &child,
                &data.provisions,
                &data.settings,
                on,
            );
            outln!("{}", serde_json::to_string(&o)?);
            Ok(())
        }
        PlacementCommand::Optimise {
            area,
            cohort,
            on,
            format,
            write_instance,
        } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let cohort = cohort_of(cohort);
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), area, on)?;
            if let Some(path) = &write_instance {
                let (instance, _, _) = sendscope_placement::area::instance(
                    &data.cohort(cohort),
                    &data.provisions,
                    &data.settings,
                    on,
                    cohort,
                );
                std::fs::write(path, serde_json::to_vec(&instance)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            let plan = data.optimise(on, cohort)?;
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&plan)?),
                TableFormat::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record([
                        "case",
                        "provision",
                        "name",
                        "annual_cost_pence",
                        "distance_km",
                        "preference_kept",
                        "unplaced_because",
                    ])?;
                    for a in &plan.allocations {
                        w.write_record([
                            a.case.to_string(),
                            a.provision.map(|p| p.to_string()).unwrap_or_default(),
                            sendscope_domain::spreadsheet_safe(
                                a.name.as_deref().unwrap_or_default(),
                            )
                            .into_owned(),
                            a.annual_cost.map(|c| c.0.to_string()).unwrap_or_default(),
                            a.distance_km.map(|d| format!("{d:.1}")).unwrap_or_default(),
                            a.preference_kept.to_string(),
                            a.unplaced_because.clone().unwrap_or_default(),
                        ])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
        PlacementCommand::Scenario {
            file,
            area,
            cohort,
            on,
            format,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let scenario: sendscope_placement::area::Scenario = serde_json::from_str(&text)
                .with_context(|| {
                    format!(
                        "{} is not a scenario (see sendscope placement scenario --help)",
                        file.display()
                    )
                })?;
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let data = sendscope_app::placement::AreaData::load(store.as_ref(), area, on)?;
            let c = data.compare(on, cohort_of(cohort), &scenario)?;
            match format {
                TableFormat::Json => outln!("{}", serde_json::to_string(&c)?),
                TableFormat::Csv => {
                    let mut w = csv::Writer::from_writer(std::io::stdout());
                    w.write_record(["measure", "baseline", "scenario"])?;
                    let (b, s) = (&c.baseline, &c.with_changes);
                    let km = |x: Option<f64>| x.map(|k| format!("{k:.1}")).unwrap_or_default();
                    for (m, x, y) in [
                        ("children", b.children.to_string(), s.children.to_string()),
                        ("placed", b.placed.to_string(), s.placed.to_string()),
                        ("unplaced", b.unplaced.to_string(), s.unplaced.to_string()),
                        (
                            "annual_cost_pence",
                            b.annual_cost.0.to_string(),
                            s.annual_cost.0.to_string(),
                        ),
                        (
                            "independent_placements",
                            b.independent_placements.to_string(),
                            s.independent_placements.to_string(),
                        ),
                        (
                            "preferences_kept",
                            b.preferences_kept.to_string(),
                            s.preferences_kept.to_string(),
                        ),
                        (
                            "average_journey_km",
                            km(b.average_journey_km),
                            km(s.average_journey_km),
                        ),
                        (
                            "worst_journey_km",
                            km(b.worst_journey_km),
                            km(s.worst_journey_km),
                        ),
                        (
                            "objective_pence",
                            b.objective.0.to_string(),
                            s.objective.0.to_string(),
                        ),
                    ] {
                        w.write_record([m, &x, &y])?;
                    }
                    w.write_record(["capital_cost_pence", "", &c.capital_cost.0.to_string()])?;
                    w.write_record(["annual_saving_pence", "", &c.annual_saving.0.to_string()])?;
                    w.write_record([
                        "payback_years",
                        "",
                        &c.payback_years
                            .map(|y| format!("{y:.1}"))
                            .unwrap_or_default(),
                    ])?;
                    for a in &c.approvals_needed {
                        w.write_record(["approval_needed", "", a])?;
                    }
                    for p in &c.problems {
                        w.write_record(["not_applied", "", p])?;
                    }
                    w.flush()?;
                }
            }
            Ok(())
        }
    }
}

pub(crate) fn cohort_of(c: CohortArg) -> sendscope_placement::area::Cohort {
    match c {
        CohortArg::Awaiting => sendscope_placement::area::Cohort::Awaiting,
        CohortArg::All => sendscope_placement::area::Cohort::All,
    }
}
