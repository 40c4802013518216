//! `sendscope retention`, `sendscope erasure` and `sendscope complaints`: the area's
//! retention schedule carried out, a person's erasure request recorded, decided and
//! carried out, and the council's complaints policy adopted.

use super::*;
use crate::args::{ComplaintsCommand, ErasureCommand, RetentionCommand};
use sendscope_app::setup;

pub(crate) fn retention_command(url: &str, what: RetentionCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    let today = sendscope_domain::calendar::england_today();
    match what {
        RetentionCommand::Adopt {
            area,
            trigger,
            years,
            from,
        } => {
            use sendscope_domain::event::{RetentionSchedule, RetentionTrigger};
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let trigger = match trigger.trim() {
                "date-of-birth" => RetentionTrigger::DateOfBirth,
                "closed" => RetentionTrigger::Closed,
                other => bail!("--trigger {other:?}: use date-of-birth or closed"),
            };
            let from = from.unwrap_or(today);
            let s = RetentionSchedule {
                from,
                trigger,
                years,
            };
            crate::append_area_event(
                store.as_ref(),
                area,
                sendscope_domain::EventBody::RetentionScheduleAdopted(s),
                "user:admin-cli",
                from,
            )?;
            outln!(
                "From {from}, children's records are kept until {}.",
                s.describe()
            );
        }
        RetentionCommand::Run { area, on, dry_run } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let on = on.unwrap_or(today);
            let (s, done) = sendscope_app::retention::run(
                store.as_ref(),
                area,
                on,
                dry_run,
                "system:retention",
            )?;
            for (d, n) in &done {
                if dry_run {
                    outln!("{}\tdue since {}", d.case, d.since);
                } else {
                    outln!("{}\tdue since {}\t{n} events erased", d.case, d.since);
                }
            }
            let erased: usize = done.iter().map(|(_, n)| n).sum();
            eprintln!(
                "{} records past the schedule ({}) on {on}{}",
                done.len(),
                s.describe(),
                if dry_run {
                    ": nothing changed (--dry-run)".to_string()
                } else {
                    format!("; {erased} events' personal data erased, the chain kept verifiable")
                }
            );
        }
    }
    Ok(())
}

pub(crate) fn erasure_command(url: &str, what: ErasureCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        ErasureCommand::Request {
            area,
            case,
            received,
            requested_by,
        } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let case = sendscope_app::accounts::find_child(store.as_ref(), area, case.trim())?;
            sendscope_app::retention::request(
                store.as_ref(),
                case,
                received,
                &requested_by,
                "user:admin-cli",
            )?;
            outln!(
                "The erasure request for record {case} is recorded; decide it with `sendscope erasure decide`."
            );
        }
        ErasureCommand::Decide {
            area,
            case,
            erase,
            reasons,
            on,
        } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let case = sendscope_app::accounts::find_child(store.as_ref(), area, case.trim())?;
            let erase = match erase.trim().to_lowercase().as_str() {
                "yes" | "y" => true,
                "no" | "n" => false,
                other => bail!("--erase {other:?}: write yes to erase, no to refuse"),
            };
            let on = on.unwrap_or_else(sendscope_domain::calendar::england_today);
            let n = sendscope_app::retention::decide(
                store.as_ref(),
                case,
                on,
                erase,
                &reasons,
                "user:admin-cli",
            )?;
            if erase {
                outln!(
                    "Erasure granted for record {case}: {n} events' personal data erased; the decision and its reasons are kept."
                );
            } else {
                outln!("Erasure refused for record {case}; the reasons are kept on the record.");
            }
        }
    }
    Ok(())
}

pub(crate) fn complaints_command(url: &str, what: ComplaintsCommand) -> anyhow::Result<()> {
    let store = open(url)?;
    match what {
        ComplaintsCommand::Policy {
            area,
            working_days,
            from,
        } => {
            let area = setup::find_area(store.as_ref(), area.as_deref())?;
            let policy = sendscope_domain::event::ComplaintsPolicy {
                from: from.unwrap_or_else(sendscope_domain::calendar::england_today),
                respond_within_working_days: working_days,
            };
            sendscope_app::complaints::adopt_policy(store.as_ref(), area, policy, "user:admin-cli")
                .map_err(|e| match e {
                    sendscope_app::steps::StepError::Invalid(m)
                    | sendscope_app::steps::StepError::Refused(m)
                    | sendscope_app::steps::StepError::Internal(m) => anyhow::anyhow!(m),
                    other => anyhow::anyhow!("{other:?}"),
                })?;
            outln!(
                "From {}, complaints are answered with {}.",
                policy.from,
                policy.describe()
            );
        }
    }
    Ok(())
}
