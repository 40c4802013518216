//! Casework commands: programmes with deadlines, plan-quality rubrics, the outbox of
//! letters, and the timeliness and board reports.

use super::*;

pub(crate) fn programme_command(url: &str, what: ProgrammeCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        ProgrammeCommand::Define {
            area,
            name,
            milestone,
            start,
            deadline,
            flag_factor,
            select,
        } => {
            let area = find_area(store.as_ref(), &area)?;
            let milestone: sendscope_domain::programmes::Milestone =
                        serde_json::from_value(serde_json::Value::String(milestone.clone()))
                            .map_err(|_| {
                                anyhow::anyhow!(
                                    "--milestone {milestone:?} is not one of final_plan_issued, assessment_decided, phase_transfer_amended, review_held, plan_amended"
                                )
                            })?;
            let cases = select_cases(store.as_ref(), area, &select)?;
            if cases.is_empty() {
                bail!("--select {select:?} chose no cases: nothing to define");
            }
            let number = match store
                .projection(sendscope_domain::StreamRef::area(area))?
                .map(|p| p.state)
            {
                Some(sendscope_domain::projection::StreamState::Area(a)) => {
                    a.programmes.len() as u32 + 1
                }
                _ => 1,
            };
            let n = cases.len();
            append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::ProgrammeDefined(
                    sendscope_domain::event::ProgrammeDefined {
                        programme: number,
                        name,
                        milestone,
                        start,
                        deadline,
                        flag_factor,
                        cases,
                    },
                ),
                "system:cli",
                start,
            )?;
            eprintln!("Programme {number} defined over {n} cases.");
            Ok(())
        }
        ProgrammeCommand::Show {
            area,
            programme,
            format,
        } => {
            let area = find_area(store.as_ref(), &area)?;
            let all = sendscope_app::programmes::progress_all(
                store.as_ref(),
                area,
                sendscope_domain::calendar::england_today(),
            )?;
            let chosen: Vec<_> = all
                .into_iter()
                .filter(|p| programme.is_none_or(|n| n == p.programme))
                .collect();
            if format == ReportFormat::Json {
                outln!("{}", serde_json::to_string(&chosen)?);
            } else {
                for p in &chosen {
                    outln!(
                        "{} {}: {} of {} done ({}), {} to go by {}; {:.1} a month achieved, {} needed; {}{}",
                        p.programme,
                        p.name,
                        p.completed,
                        p.total,
                        p.milestone.label(),
                        p.remaining,
                        p.deadline,
                        p.actual_rate,
                        p.required_rate
                            .map(|r| format!("{r:.1} a month"))
                            .unwrap_or_else(|| "none".into()),
                        p.projected_completion
                            .map(|d| format!("projected to finish {d}"))
                            .unwrap_or_else(|| "no projection".into()),
                        p.flag_reason
                            .as_ref()
                            .map(|r| format!("; FLAGGED: {r}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(())
        }
    }
}

pub(crate) fn qa_command(url: &str, what: QaCommand) -> anyhow::Result<()> {
    match what {
        QaCommand::AdoptRubric { area, from, file } => {
            adopt(
                url,
                &area,
                &file,
                "a rubric",
                "sendscope qa show-rubric",
                |rubric: sendscope_domain::qa::Rubric| {
                    rubric
                        .check()
                        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
                    Ok((
                        sendscope_domain::EventBody::QaRubricAdopted(
                            sendscope_domain::event::QaRubricAdopted {
                                effective_from: from,
                                rubric,
                            },
                        ),
                        from,
                    ))
                },
            )?;
            eprintln!("Rubric adopted for audits from {from}.");
            Ok(())
        }
        QaCommand::ShowRubric { area, on } => show(url, &area, on, |store, area, on| {
            let record = store.projection(sendscope_domain::StreamRef::area(area))?;
            Ok(sendscope_domain::projection::rubric_in_force(
                record.as_ref(),
                on,
            ))
        }),
    }
}

pub(crate) fn outbox_command(url: &str, what: OutboxCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    let waiting = outbox(store.as_ref())?;
    match what {
        OutboxCommand::List => {
            for (case, l) in &waiting {
                outln!(
                    "{case}\tletter {}\t{}\t{}\t{}",
                    l.letter,
                    l.on,
                    l.email.as_deref().unwrap_or("post"),
                    l.subject
                );
            }
            eprintln!("{} letters waiting.", waiting.len());
            Ok(())
        }
        OutboxCommand::Send {
            smtp_host,
            smtp_port,
            from,
        } => send_outbox(store.as_ref(), &waiting, &smtp_host, smtp_port, &from),
    }
}

pub(crate) fn report_command(url: &str, web: &dyn Web, what: ReportCommand) -> anyhow::Result<()> {
    match what {
        ReportCommand::Board { area, format } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let r = sendscope_app::board::report(
                store.as_ref(),
                &engine,
                area,
                sendscope_domain::calendar::england_today(),
            )?;
            match format {
                BoardFormat::Html => outln!("{}", web.board_page(&r)),
                BoardFormat::Csv => out!("{}", sendscope_app::board::csv(&r)),
            }
            Ok(())
        }
        ReportCommand::Stocktake {
            from,
            to,
            area,
            format,
            output,
        } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let pdf = format == StocktakeFormat::Pdf;
            if pdf && output.is_none() {
                bail!("a PDF is written to a file: give --output FILE");
            }
            let (engine, _) = load_kpi(store.as_ref(), 0)?;
            let pack = sendscope_app::partnership::stocktake(
                store.as_ref(),
                &engine,
                area,
                from,
                to,
            )
            .map_err(|e| match e {
                sendscope_app::steps::StepError::NotFound => anyhow::anyhow!(
                    "the area's partnership record is not started: there is nothing to report"
                ),
                sendscope_app::steps::StepError::Invalid(m)
                | sendscope_app::steps::StepError::Refused(m)
                | sendscope_app::steps::StepError::Internal(m) => anyhow::anyhow!(m),
                other => anyhow::anyhow!("{other:?}"),
            })?;
            let bytes = web.stocktake(&pack, pdf).map_err(|e| anyhow::anyhow!(e))?;
            match output {
                Some(path) => {
                    std::fs::write(&path, &bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    outln!(
                        "The stocktake pack from {from} to {to} is in {}.",
                        path.display()
                    );
                }
                None => outln!("{}", String::from_utf8_lossy(&bytes)),
            }
            Ok(())
        }
        ReportCommand::Timeliness { year, area, format } => {
            let store = open(url)?;
            let area = match area {
                Some(a) => find_area(store.as_ref(), &a)?,
                None => largest_area(store.as_ref())?,
            };
            let t = twenty_weeks(store.as_ref(), area, year)?;
            let pct = |s: Option<f64>| {
                s.map(|v| format!("{:.1}%", v * 100.0))
                    .unwrap_or_else(|| "no plans issued".into())
            };
            if format == ReportFormat::Json {
                outln!("{}", serde_json::to_string(&t)?);
            } else {
                let q = &t.quality;
                let grades: Vec<String> = sendscope_domain::qa::QaGrade::ALL
                    .iter()
                    .map(|g| format!("{} {}", g.label(), q.by_grade.get(g).copied().unwrap_or(0)))
                    .collect();
                outln!(
                    "EHC plans issued in {year}: {}\n\
                     within 20 weeks: {} ({})\n\
                     excluding the {} exception cases: {} of {} ({})\n\
                     quality of the same plans: {} audited, {} good or better ({}); {}",
                    t.issued,
                    t.within_20_weeks,
                    pct(t.share()),
                    t.exception_cases,
                    t.within_20_weeks_excluding_exceptions,
                    t.issued_excluding_exceptions,
                    pct(t.share_excluding_exceptions()),
                    q.audited,
                    q.good_or_better,
                    pct((q.audited > 0).then(|| q.good_or_better as f64 / q.audited as f64)),
                    grades.join(", ")
                );
            }
            Ok(())
        }
    }
}

/// The cases a programme is defined over.
pub(crate) fn select_cases(
    store: &dyn Store,
    area: AreaId,
    select: &str,
) -> anyhow::Result<Vec<sendscope_domain::ids::CaseId>> {
    use sendscope_domain::event::AssessDecision;
    if let Some(path) = select.strip_prefix("file:") {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?;
        return text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
            .map(|(i, l)| {
                sendscope_domain::ids::CaseId::parse(l).map_err(|_| {
                    anyhow::anyhow!("{path} line {}: {l:?} is not a case reference", i + 1)
                })
            })
            .collect();
    }
    let today = sendscope_domain::calendar::england_today();
    let transfer_on = match select.strip_prefix("phase-transfer:") {
        Some(d) => Some(sendscope_domain::calendar::parse_date(d)?),
        None if matches!(select, "awaiting-final-plan" | "review-overdue") => None,
        None => bail!(
            "--select {select:?} is not understood: use awaiting-final-plan, review-overdue, phase-transfer:YYYY-MM-DD or file:PATH"
        ),
    };
    let mut out = Vec::new();
    let mut failed = None;
    for_each_case(store, area, &mut |case, c| {
        let keep = match (select, transfer_on) {
            (_, Some(d)) => c.phase_transfers.iter().any(|t| t.transfer_on == d),
            ("awaiting-final-plan", _) => c.requests.last().is_some_and(|r| {
                r.withdrawn_on.is_none()
                    && r.final_issued_on.is_none()
                    && r.plan_not_issued_on.is_none()
                    && r.decision != Some(AssessDecision::DoNotAssess)
            }),
            _ => match sendscope_domain::clocks::case_deadlines(c, today) {
                Ok(all) => all.iter().any(|d| {
                    d.key == "annual_review"
                        && matches!(d.status, sendscope_domain::clocks::Status::Overdue { .. })
                }),
                Err(e) => {
                    failed.get_or_insert(e.to_string());
                    false
                }
            },
        };
        if keep {
            out.push(case);
        }
    })?;
    if let Some(e) = failed {
        bail!("{e}");
    }
    Ok(out)
}

/// Every letter issued and not yet sent, in every area: (case, letter).
pub(crate) fn outbox(
    store: &dyn Store,
) -> anyhow::Result<
    Vec<(
        sendscope_domain::ids::CaseId,
        sendscope_domain::projection::LetterState,
    )>,
> {
    let mut out = Vec::new();
    for a in store.headline()?.areas {
        for_each_case(store, AreaId::parse(&a.area_id)?, &mut |case, c| {
            for l in c.letters.iter().filter(|l| l.sent_on.is_none()) {
                out.push((case, l.clone()));
            }
        })?;
    }
    Ok(out)
}

/// Emails the waiting letters that have an address; each one sent is recorded at once.
pub(crate) fn send_outbox(
    store: &dyn Store,
    waiting: &[(
        sendscope_domain::ids::CaseId,
        sendscope_domain::projection::LetterState,
    )],
    host: &str,
    port: u16,
    from: &str,
) -> anyhow::Result<()> {
    use lettre::{Message, SmtpTransport, Transport};
    use sendscope_domain::event::{EventBody, LetterSent};
    let from: lettre::message::Mailbox = from.parse().map_err(|e| {
        anyhow::anyhow!(
            "--from {from:?} is not an email address ({e}): write it as \"Name <name@example.org>\""
        )
    })?;
    let mailer = SmtpTransport::builder_dangerous(host).port(port).build();
    let (mut sent, mut failed, mut post) = (0, 0, 0);
    for (case, l) in waiting {
        let Some(to) = &l.email else {
            post += 1;
            continue;
        };
        let stream = sendscope_domain::StreamRef::case(*case);
        let Some((area, issued)) =
            store
                .stream_events(stream)?
                .iter()
                .find_map(|e| match e.body().ok()? {
                    Some(EventBody::LetterIssued(x)) if x.letter == l.letter => Some((e.area, x)),
                    _ => None,
                })
        else {
            eprintln!(
                "case {case} letter {}: its text was not found; skipped",
                l.letter
            );
            failed += 1;
            continue;
        };
        let mut text = format!("Dear {}\n\n", issued.to);
        for s in &issued.sections {
            text.push_str(&format!("{}\n\n", s.heading));
            for p in &s.paragraphs {
                text.push_str(&format!("{p}\n\n"));
            }
        }
        text.push_str("Yours sincerely,\nSEND team\n");
        let message = to
            .parse::<lettre::message::Mailbox>()
            .map_err(|e| e.to_string())
            .and_then(|to| {
                Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(issued.subject.clone())
                    .body(text)
                    .map_err(|e| e.to_string())
            });
        let result = message.and_then(|m| mailer.send(&m).map(|_| ()).map_err(|e| e.to_string()));
        match result {
            Ok(()) => {
                store.append(&[sendscope_domain::NewEvent {
                    stream,
                    area,
                    body: EventBody::LetterSent(LetterSent {
                        letter: l.letter,
                        on: sendscope_domain::calendar::england_today(),
                        via: format!("email via {host}"),
                    }),
                    actor: sendscope_domain::Actor::parse("system:outbox")?,
                    effective_date: sendscope_domain::calendar::england_today(),
                    reason: None,
                    recorded_at: None,
                }])?;
                sent += 1;
            }
            Err(e) => {
                eprintln!("case {case} letter {} to {to}: not sent: {e}", l.letter);
                failed += 1;
            }
        }
    }
    eprintln!("{sent} letters emailed, {failed} not sent, {post} waiting to be posted.");
    if failed > 0 {
        bail!("{failed} letters could not be emailed; they stay in the outbox (see above)");
    }
    Ok(())
}

/// DfE's 20-week timeliness for an area's plans issued in `year`, from every case record.
pub(crate) fn twenty_weeks(
    store: &dyn Store,
    area: AreaId,
    year: i32,
) -> anyhow::Result<sendscope_domain::measures::TwentyWeeks> {
    let mut t = sendscope_domain::measures::TwentyWeeks::new(year);
    for_each_case(store, area, &mut |_, c| t.add(c))?;
    Ok(t)
}
