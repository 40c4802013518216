//! The area's figures: the KPI engine's measures (`sendscope kpi`), how they are
//! published (comparators, small-number suppression) and improvement trajectories.

use super::*;

pub(crate) fn trajectory_command(url: &str, what: TrajectoryCommand) -> anyhow::Result<()> {
    match what {
        TrajectoryCommand::Define {
            area,
            name,
            measure,
            target,
            start,
            deadline,
        } => {
            use sendscope_domain::trajectories::{TrajectoryDefined, TrajectoryMeasure as M};
            let store = open(url)?;
            let area = find_area(store.as_ref(), &area)?;
            let next = match store
                .projection(sendscope_domain::StreamRef::area(area))?
                .map(|p| p.state)
            {
                Some(sendscope_domain::projection::StreamState::Area(a)) => {
                    a.trajectories.len() as u32 + 1
                }
                _ => 1,
            };
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::TrajectoryDefined(TrajectoryDefined {
                    trajectory: next,
                    name,
                    measure: match measure {
                        MeasureArg::Within20Weeks => M::WithinTwentyWeeks,
                        MeasureArg::Within20WeeksExcludingExceptions => {
                            M::WithinTwentyWeeksExcludingExceptions
                        }
                        MeasureArg::DecisionsWithin6Weeks => M::DecisionsWithinSixWeeks,
                        MeasureArg::PlansInPlace => M::PlansInPlace,
                        MeasureArg::ReviewDecisionsWithin4Weeks => {
                            M::ReviewDecisionsWithinFourWeeks
                        }
                        MeasureArg::AnnualReviewsOnTime => M::AnnualReviewsOnTime,
                        MeasureArg::PhaseTransfersOnTime => M::PhaseTransfersOnTime,
                    },
                    target,
                    start,
                    deadline,
                }),
                "system:cli",
                sendscope_domain::calendar::england_today(),
            )?;
            eprintln!("Trajectory {next} defined.");
            Ok(())
        }
        TrajectoryCommand::Show { area } => {
            let store = open(url)?;
            let area = find_area(store.as_ref(), &area)?;
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let list = sendscope_app::trajectories::progress_all(
                store.as_ref(),
                &engine,
                area,
                sendscope_domain::calendar::england_today(),
            )?;
            outln!("{}", serde_json::to_string(&list)?);
            Ok(())
        }
    }
}

pub(crate) fn figures_command(url: &str, what: FiguresCommand) -> anyhow::Result<()> {
    match what {
        FiguresCommand::AdoptSettings {
            area,
            comparators,
            suppress_below,
        } => {
            let store = open(url)?;
            let area = find_area(store.as_ref(), &area)?;
            let mut codes = Vec::new();
            for c in comparators
                .iter()
                .map(|c| c.trim())
                .filter(|c| !c.is_empty())
            {
                codes.push(sendscope_domain::codes::LaCode::parse(c).map_err(|e| {
                    anyhow::anyhow!(
                        "comparator {c:?}: {e}; give old three-digit LA codes such as 830"
                    )
                })?);
            }
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::FiguresSettingsAdopted(
                    sendscope_domain::benchmarks::FiguresSettings {
                        comparators: codes,
                        suppress_below,
                    },
                ),
                "system:cli",
                sendscope_domain::calendar::england_today(),
            )?;
            eprintln!("Figures settings adopted.");
            Ok(())
        }
        FiguresCommand::ShowSettings { area } => {
            let store = open(url)?;
            let area = find_area(store.as_ref(), &area)?;
            let (_, settings) = sendscope_app::figures::publishing(store.as_ref(), area)?;
            outln!("{}", serde_json::to_string(&settings)?);
            Ok(())
        }
    }
}

/// The KPI figures as CSV rows `[measure, value or numerator, denominator, percent]`:
/// numbers by their path (`clocks.annual_review.due`), shares as one row, text left out
/// (the period and the steps' names).
pub(crate) fn kpi_rows(path: &str, v: &serde_json::Value, out: &mut Vec<[String; 4]>) {
    use serde_json::Value;
    let name = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        Value::Object(m)
            if m.len() == 2 && m.contains_key("numerator") && m.contains_key("denominator") =>
        {
            let n = m["numerator"].as_u64().unwrap_or(0);
            let d = m["denominator"].as_u64().unwrap_or(0);
            let pc = sendscope_kpi::Share {
                numerator: n,
                denominator: d,
            }
            .percent()
            .map(|p| format!("{p:.1}"))
            .unwrap_or_default();
            out.push([path.to_string(), n.to_string(), d.to_string(), pc]);
        }
        Value::Object(m) => {
            for (k, x) in m {
                kpi_rows(&name(k), x, out);
            }
        }
        Value::Number(n) => out.push([
            path.to_string(),
            n.to_string(),
            String::new(),
            String::new(),
        ]),
        Value::Null => out.push([
            path.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]),
        Value::Bool(_) | Value::String(_) | Value::Array(_) => {}
    }
}

pub(crate) fn load_kpi(
    store: &dyn Store,
    sample: usize,
) -> anyhow::Result<(sendscope_kpi::Engine, Sample)> {
    let mut kept = Vec::new();
    let mut seen = 0usize;
    let (engine, _) = sendscope_app::figures::load(store, &mut |id, area, c| {
        seen += 1;
        if kept.len() < sample && seen.is_multiple_of(7) {
            kept.push((id, area, c.clone()));
        }
    })?;
    Ok((engine, kept))
}
