//! The national registers as published (GIAS establishments and links, Ofsted) and the
//! DfE's statistics, applied to the store in one transaction each.

use super::*;

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

/// An area's settings by their current URN, as the imports match rows to them.
pub(crate) fn settings_by_urn(
    store: &dyn Store,
    area: AreaId,
) -> anyhow::Result<
    std::collections::HashMap<
        sendscope_domain::codes::Urn,
        (
            sendscope_domain::StreamRef,
            sendscope_domain::projection::SettingState,
        ),
    >,
> {
    let mut known = std::collections::HashMap::new();
    for p in store.area_projections(area, sendscope_domain::StreamKind::Setting)? {
        if let sendscope_domain::projection::StreamState::Setting(s) = p.state
            && let Some(urn) = s.details.as_ref().and_then(|d| d.urn)
        {
            known.insert(urn, (p.stream, s));
        }
    }
    Ok(known)
}

/// Imports a GIAS file into an area's settings; returns the summary line.
pub(crate) fn import_gias(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::{DatedOnly, EventBody};
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::gias::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    report_rejections(file, &parsed.rejected, parsed.rows, strict)?;
    let known = settings_by_urn(store, area)?;
    let today = sendscope_domain::calendar::england_today();
    let actor = sendscope_domain::Actor::parse("system:import-gias")?;
    let (mut added, mut changed, mut unchanged, mut closed_not_added) = (0u64, 0u64, 0u64, 0u64);
    let mut events = Vec::new();
    let event = |stream, body, on| sendscope_domain::NewEvent {
        stream,
        area,
        body,
        actor: actor.clone(),
        effective_date: on,
        reason: Some("GIAS import".into()),
        recorded_at: None,
    };
    for (i, e) in parsed.establishments.iter().enumerate() {
        if i > 0 && i % 10_000 == 0 {
            eprintln!(
                "{}: {i} of {} establishments checked",
                file.display(),
                parsed.establishments.len()
            );
        }
        let urn = e
            .details
            .urn
            .context("establishments are read with their URN")?;
        match known.get(&urn) {
            None if !e.open => closed_not_added += 1,
            None => {
                let stream = sendscope_domain::StreamRef::setting(
                    sendscope_domain::ids::SettingId::new_random(),
                );
                events.push(event(
                    stream,
                    EventBody::SettingRegistered(e.details.clone()),
                    e.opened_on.unwrap_or(today),
                ));
                added += 1;
            }
            Some((stream, setting)) => {
                let (details, was_closed) = (&setting.details, setting.closed_on.is_some());
                let mut any = false;
                if details.as_ref() != Some(&e.details) && !was_closed {
                    events.push(event(
                        *stream,
                        EventBody::SettingDetailsChanged(e.details.clone()),
                        today,
                    ));
                    any = true;
                }
                if !e.open && !was_closed {
                    let on = e.closed_on.unwrap_or(today);
                    events.push(event(
                        *stream,
                        EventBody::SettingClosed(DatedOnly { on }),
                        on,
                    ));
                    any = true;
                }
                if any {
                    changed += 1;
                } else {
                    unchanged += 1;
                }
            }
        }
    }
    // One transaction: the good rows are imported together or not at all.
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: added {added}, changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (not schools, colleges or early years) and {closed_not_added} closed establishments not already known",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        parsed.rejected.len(),
        parsed.skipped,
    ))
}

/// Applies a GIAS links file to an area's settings; returns the summary line.
pub(crate) fn import_gias_links(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::{EventBody, SettingIdentifierChanged};
    use sendscope_domain::projection::StreamState;
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::links::parse(&bytes)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    let mut rejected = parsed.rejected.clone();
    // Settings by their current URN, and every URN each has had.
    let mut current: std::collections::HashMap<
        sendscope_domain::codes::Urn,
        (
            sendscope_domain::StreamRef,
            Option<sendscope_domain::codes::Ukprn>,
        ),
    > = std::collections::HashMap::new();
    let mut ever: std::collections::HashMap<
        sendscope_domain::codes::Urn,
        sendscope_domain::StreamRef,
    > = std::collections::HashMap::new();
    for p in store.area_projections(area, sendscope_domain::StreamKind::Setting)? {
        if let StreamState::Setting(s) = &p.state {
            if let Some(d) = &s.details
                && let Some(urn) = d.urn
            {
                current.insert(urn, (p.stream, d.ukprn));
            }
            for i in &s.identifiers {
                if let Some(u) = i.urn {
                    ever.insert(u, p.stream);
                }
            }
        }
    }
    let today = sendscope_domain::calendar::england_today();
    let (mut changed, mut unchanged, mut elsewhere) = (0u64, 0u64, 0u64);
    let mut events = Vec::new();
    // Oldest first, so a chain of conversions is followed to its end.
    let mut successions = parsed.successions.clone();
    successions.sort_by_key(|s| (s.on, s.row));
    for s in &successions {
        let old = current.get(&s.old).copied();
        let new = current.get(&s.new).copied();
        match (old, new) {
            (Some((a, _)), Some((b, _))) if a != b => rejected.push(sendscope_import::Rejection {
                row: s.row,
                column: "LinkURN".into(),
                value: s.new.to_string(),
                reason: format!(
                    "URN {} and URN {} are separate settings here: the later one was registered before this link was known; merge them (stream.merged_into) or correct the registration",
                    s.old, s.new
                ),
            }),
            (Some((stream, ukprn)), None) => {
                let on = s.on.unwrap_or(today);
                events.push(sendscope_domain::NewEvent {
                    stream,
                    area,
                    body: EventBody::SettingIdentifierChanged(SettingIdentifierChanged {
                        urn: Some(s.new),
                        ukprn,
                        on,
                        cause: format!("GIAS link: URN {} followed by URN {} (e.g. academy conversion)", s.old, s.new),
                    }),
                    actor: sendscope_domain::Actor::parse("system:import-gias-links")?,
                    effective_date: on,
                    reason: Some("GIAS links import".into()),
                    recorded_at: None,
                });
                current.remove(&s.old);
                current.insert(s.new, (stream, ukprn));
                changed += 1;
            }
            (None, Some(_)) if ever.contains_key(&s.old) => unchanged += 1,
            (Some(_), Some(_)) => unchanged += 1,
            _ => elsewhere += 1,
        }
    }
    report_rejections(file, &rejected, parsed.rows, strict)?;
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (other kinds of link, or listed twice) and {elsewhere} for settings not in this area",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        rejected.len(),
        parsed.skipped
    ))
}

/// Records Ofsted inspections on an area's settings; returns the summary line.
pub(crate) fn import_ofsted(
    store: &dyn Store,
    area: AreaId,
    file: &std::path::Path,
    mapping: &sendscope_import::ofsted::Mapping,
    strict: bool,
) -> anyhow::Result<String> {
    use sendscope_domain::event::EventBody;
    let started = Clock::now();
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let parsed = sendscope_import::ofsted::parse(&bytes, mapping)
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    report_rejections(file, &parsed.rejected, parsed.rows, strict)?;
    let known = settings_by_urn(store, area)?;
    let actor = sendscope_domain::Actor::parse("system:import-ofsted")?;
    let (mut added, mut changed, mut unchanged, mut elsewhere) = (0u64, 0u64, 0u64, 0u64);
    let mut events = Vec::new();
    for i in &parsed.inspections {
        let Some((stream, setting)) = known.get(&i.urn) else {
            elsewhere += 1;
            continue;
        };
        match setting
            .inspections
            .iter()
            .find(|x| x.inspection_start == i.inspection.inspection_start)
        {
            Some(x) if *x == i.inspection => {
                unchanged += 1;
                continue;
            }
            Some(_) => changed += 1,
            None => added += 1,
        }
        events.push(sendscope_domain::NewEvent {
            stream: *stream,
            area,
            body: EventBody::SettingInspected(i.inspection.clone()),
            actor: actor.clone(),
            effective_date: i
                .inspection
                .published
                .unwrap_or(i.inspection.inspection_start),
            reason: Some("Ofsted import".into()),
            recorded_at: None,
        });
    }
    if !events.is_empty() {
        store.append(&events)?;
    }
    Ok(format!(
        "{}: {} rows read in {:.2} s: inspections added {added}, changed {changed}, unchanged {unchanged}, rejected {}; skipped {} (no judgements) and {elsewhere} for schools not registered in this area",
        file.display(),
        parsed.rows,
        started.elapsed().as_secs_f64(),
        parsed.rejected.len(),
        parsed.skipped
    ))
}

/// Prints every rejected row; under `--strict`, any makes the import fail whole.
pub(crate) fn report_rejections(
    file: &std::path::Path,
    rejected: &[sendscope_import::Rejection],
    rows: u64,
    strict: bool,
) -> anyhow::Result<()> {
    for r in rejected {
        eprintln!("{}: {r}", file.display());
    }
    if strict && !rejected.is_empty() {
        bail!(
            "{}: {} of {rows} rows are bad (listed above); nothing was imported (--strict)",
            file.display(),
            rejected.len()
        );
    }
    Ok(())
}
