//! The demo local area, built through the same commands a council uses: generated on one
//! thread, written on another (`Store::append_prepared`, batch by batch), then given its
//! accounts (one per role, password `demo`), its programme and its trajectory. Only on
//! an empty database.

use crate::accounts::add_account;
use chrono::NaiveDate;
use sendscope_demo::{DemoSpec, DemoSummary};
use sendscope_domain::access::{Role, over_compulsory_school_age};
use sendscope_domain::account::Username;
use sendscope_domain::event::AccountLinks;
use sendscope_domain::ids::{AreaId, CaseId};
use sendscope_domain::{Actor, DomainError, EventBody, NewEvent, PreparedEvent, StreamRef};
use sendscope_store::{CaseQuery, Store, StoreError};

/// Why the demo was not built, or not finished.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds {0} events; the demo needs an empty database: give another --database-url"
    )]
    NotEmpty(u64),
    #[error("the demo could not be written: {0}")]
    Write(StoreError),
    #[error("the demo generator stopped unexpectedly")]
    Generator,
    #[error(transparent)]
    Refused(#[from] sendscope_demo::Refused),
    /// Written, but a later part failed: which part, and why.
    #[error("the demo was written but {part}: {cause}")]
    Unfinished { part: &'static str, cause: String },
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// What the demo built.
#[derive(Debug, Clone)]
pub struct Built {
    pub summary: DemoSummary,
    /// Events written.
    pub written: u64,
    /// How long generating and writing them took (with the statistics refreshed after),
    /// before the accounts, programme and trajectory were added.
    pub write_time: std::time::Duration,
    /// The demo's accounts' usernames (each with the password `demo`).
    pub accounts: Vec<String>,
}

/// Builds the demo on an empty database. `committed(written, last_seq)` is called after
/// every batch is committed, so a caller can report progress.
pub fn build(
    store: &dyn Store,
    spec: &DemoSpec,
    committed: &mut dyn FnMut(u64, u64),
) -> Result<Built, DemoError> {
    let started = std::time::Instant::now();
    let existing = store.headline().map_err(DemoError::Write)?.events;
    if existing > 0 {
        return Err(DemoError::NotEmpty(existing));
    }
    // Generation runs on its own thread, one batch ahead of the writer. Encoding and
    // digesting payloads happens there too, so the writer only chains, checks and stores.
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<PreparedEvent>>(2);
    let gen_spec = spec.clone();
    let generator = std::thread::spawn(move || -> Result<DemoSummary, DemoError> {
        sendscope_demo::generate::<DemoError>(&gen_spec, &mut |batch| {
            let prepared = batch
                .into_iter()
                .map(PreparedEvent::new)
                .collect::<Result<Vec<_>, _>>()?;
            // The writer has stopped (it failed): the generator stops too.
            tx.send(prepared).map_err(|_| DemoError::Generator)
        })
    });
    let mut written = 0u64;
    let mut result = Ok(());
    for batch in rx {
        match store.append_prepared(&batch) {
            Ok(seqs) => {
                written += batch.len() as u64;
                committed(written, seqs.last().copied().unwrap_or(0));
            }
            Err(e) => {
                result = Err(DemoError::Write(e));
                break;
            }
        }
    }
    if result.is_ok() {
        result = store
            .refresh_statistics()
            .map_err(|e| unfinished("statistics could not be refreshed", e));
    }
    let generated = generator.join().map_err(|_| DemoError::Generator)?;
    let write_time = started.elapsed();
    // The writer's error first: the generator's is then only that the writer stopped.
    result?;
    let summary = generated?;
    let accounts =
        add_demo_accounts(store).map_err(|e| unfinished("its accounts could not be made", e))?;
    demo_programme(store, spec.as_of)
        .map_err(|e| unfinished("its programme could not be defined", e))?;
    demo_trajectory(store, spec.as_of)
        .map_err(|e| unfinished("its trajectory could not be defined", e))?;
    let area = largest_area(store).map_err(|e| unfinished("its area could not be read", e))?;
    let name = match store.projection(StreamRef::area(area)) {
        Ok(Some(p)) => p.display_name(),
        _ => String::new(),
    };
    crate::partnership_demo::demo(store, area, &name, spec.as_of).map_err(|e| {
        unfinished(
            "its partnership could not be recorded",
            StoreError::NotFound(format!("{e:?}")),
        )
    })?;
    crate::capital::demo(store, area, spec.as_of).map_err(|e| {
        unfinished(
            "its capital project could not be recorded",
            StoreError::NotFound(format!("{e:?}")),
        )
    })?;
    waits_and_education(store, area, spec).map_err(|e| {
        unfinished(
            "its waiting lists and education registers could not be recorded",
            e.message(),
        )
    })?;
    Ok(Built {
        summary,
        written,
        write_time,
        accounts,
    })
}

fn unfinished(part: &'static str, cause: impl std::fmt::Display) -> DemoError {
    DemoError::Unfinished {
        part,
        cause: cause.to_string(),
    }
}

/// The area with the most cases: the demo's first.
fn largest_area(store: &dyn Store) -> Result<AreaId, StoreError> {
    let h = store.headline()?;
    let a = h
        .areas
        .iter()
        .max_by_key(|a| a.cases)
        .ok_or_else(|| StoreError::NotFound("the demo has no area".into()))?;
    Ok(AreaId::parse(&a.area_id)?)
}

/// Records one event on an area's own record.
fn append_area_event(
    store: &dyn Store,
    area: AreaId,
    body: EventBody,
    effective_date: NaiveDate,
) -> Result<(), StoreError> {
    store.append(&[NewEvent {
        stream: StreamRef::area(area),
        area,
        body,
        actor: Actor::parse("system:demo")?,
        effective_date,
        reason: None,
        recorded_at: None,
    }])?;
    Ok(())
}

/// `months` months before (negative) or after `d`.
fn months_from(d: NaiveDate, months: i32) -> Result<NaiveDate, StoreError> {
    let m = chrono::Months::new(months.unsigned_abs());
    let moved = if months < 0 {
        d.checked_sub_months(m)
    } else {
        d.checked_add_months(m)
    };
    moved.ok_or_else(|| StoreError::NotFound(format!("a date {months} months from {d}")))
}

/// The demo's trajectory: plans issued within 20 weeks to reach 60% fifteen months after
/// a start six months before the demo's last day (like "60% by March 2027").
fn demo_trajectory(store: &dyn Store, as_of: NaiveDate) -> Result<(), StoreError> {
    let area = largest_area(store)?;
    let first = |d: NaiveDate| chrono::Datelike::with_day(&d, 1).unwrap_or(d);
    let start = first(months_from(as_of, -6)?);
    let deadline = first(months_from(as_of, 9)?);
    append_area_event(
        store,
        area,
        EventBody::TrajectoryDefined(sendscope_domain::trajectories::TrajectoryDefined {
            trajectory: 1,
            name: "Improvement plan: 20-week timeliness".into(),
            measure: sendscope_domain::trajectories::TrajectoryMeasure::WithinTwentyWeeks,
            target: 60.0,
            start,
            deadline,
        }),
        start,
    )
}

/// The demo's programme: a recovery plan for the requests received between 9 and 3
/// months before the demo's last day, each to have its final plan within 3 months after it.
fn demo_programme(store: &dyn Store, as_of: NaiveDate) -> Result<(), StoreError> {
    let area = largest_area(store)?;
    let from = months_from(as_of, -9)?;
    let to = months_from(as_of, -3)?;
    let mut cases = Vec::new();
    sendscope_store::for_each_case(store, area, &mut |case, c| {
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
    let deadline = months_from(as_of, 3)?;
    append_area_event(
        store,
        area,
        EventBody::ProgrammeDefined(sendscope_domain::event::ProgrammeDefined {
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
        from,
    )
}

/// The demo's accounts, one per role, each with password `demo` (demo databases only),
/// linked to records in the first area that give each role something to see.
fn add_demo_accounts(store: &dyn Store) -> Result<Vec<String>, StoreError> {
    let h = store.headline()?;
    let area = h
        .areas
        .first()
        .ok_or_else(|| StoreError::NotFound("the demo has no area".into()))?;
    let area_id = AreaId::parse(&area.area_id)?;
    let today = sendscope_domain::calendar::england_today();
    let (mut worker, mut setting, mut parent, mut young) = (None, None, None, None::<CaseId>);
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
    let (staff, team) = worker
        .ok_or_else(|| StoreError::NotFound("the demo has no caseworker with cases".into()))?;
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
        ("ep", Role::EducationalPsychologist, AccountLinks::default()),
        ("social", Role::SocialWorker, AccountLinks::default()),
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
        add_account(
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

/// The demo area's waiting lists (the trust's export, imported as a council would) and
/// its children out of full-time education (steps on their records), at the rates in
/// `sendscope_demo::waits`.
fn waits_and_education(
    store: &dyn Store,
    area: AreaId,
    spec: &DemoSpec,
) -> Result<(), crate::steps::StepError> {
    use sendscope_demo::waits::{Known, Pupil, education_steps, trust_csv};
    use sendscope_domain::Stage;
    let internal = |e: StoreError| crate::steps::StepError::Internal(e.to_string());
    let from = spec
        .as_of
        .checked_sub_months(chrono::Months::new(60))
        .unwrap_or(spec.as_of);
    crate::waits::adopt(
        store,
        area,
        sendscope_domain::waits::WaitingLists::standard(from),
        "user:commissioner",
    )?;
    let (mut known, mut pupils, mut taken, mut plans) = (
        Vec::new(),
        Vec::new(),
        std::collections::HashSet::new(),
        0u64,
    );
    sendscope_store::for_each_case(store, area, &mut |case, c| {
        let Some(ch) = &c.child else { return };
        if let Some(n) = ch.nhs_number {
            taken.insert(n.to_string());
        }
        let stage = c.stage(false);
        if !matches!(
            stage,
            Stage::RequestReceived | Stage::Assessing | Stage::DraftPlan | Stage::PlanInPlace
        ) {
            return;
        }
        plans += u64::from(stage == Stage::PlanInPlace);
        known.push(Known {
            case,
            nhs_number: ch.nhs_number.map(|n| n.to_string()),
            given_names: ch.given_names.clone(),
            family_name: ch.family_name.clone(),
            birth_date: ch.birth_date,
        });
        let age = spec.as_of.years_since(ch.birth_date).unwrap_or(0);
        if (5..=15).contains(&age) {
            pupils.push(Pupil {
                case,
                has_plan: stage == Stage::PlanInPlace,
                placed_since: c.current_placement().map(|p| p.start),
            });
        }
    })
    .map_err(internal)?;
    // About 19 children for each plan (see sendscope_demo::waits).
    let csv = trust_csv(spec.seed, spec.as_of, plans * 19, &known, &taken);
    let imported = crate::waits::import(store, area, &csv, "system:import")?;
    if let Some(p) = imported.problems.first() {
        return Err(crate::steps::StepError::Internal(format!(
            "the demo's waiting-list export was refused: {p}"
        )));
    }
    let actor = Actor::parse("user:caseworker")
        .map_err(|e| crate::steps::StepError::Internal(e.to_string()))?;
    let events: Vec<NewEvent> = education_steps(spec.seed, spec.as_of, &pupils)
        .into_iter()
        .map(|(case, body)| NewEvent {
            stream: StreamRef::case(case),
            area,
            effective_date: body.effective_on().unwrap_or(spec.as_of),
            body,
            actor: actor.clone(),
            reason: None,
            recorded_at: None,
        })
        .collect();
    store.append(&events).map_err(crate::provisions::refusal)?;
    Ok(())
}
