//! `sendscope bench writers`: N clients recording valid steps at once, as a council's
//! busiest morning would: each opens a new child's record with its request, then records
//! the decision to assess, again and again, every step checked by the rules in the
//! store's transaction as in real use. Prints each step's latency (p50, p99, max), steps
//! a second, and that nothing acknowledged was lost (the events counted after).
//! The clients share one store, so their appends are combined as a server's are
//! (group commit, `store/src/combine.rs`).

use super::*;
use sendscope_domain::event::{
    AssessDecision, AssessmentDecided, CaseOpened, CaseworkerAssigned, Child, RequestReceived,
};
use sendscope_domain::ids::{CaseId, RequestId, StaffId};
use sendscope_domain::{Actor, EventBody, NewEvent, StreamKind, StreamRef};
use std::sync::atomic::{AtomicBool, Ordering};

/// A caseworker of the area (staff and team), for the records the clients open.
fn a_caseworker(store: &dyn Store, area: AreaId) -> anyhow::Result<CaseworkerAssigned> {
    use sendscope_domain::projection::StreamState;
    for p in store.area_projections(area, StreamKind::Staff)? {
        if let StreamState::Staff(s) = &p.state
            && let Some(added) = &s.added
            && let Some(team) = added.team
        {
            return Ok(CaseworkerAssigned {
                staff: StaffId(p.stream.id),
                team,
            });
        }
    }
    bail!("the area has no member of staff in a team: add one (`sendscope staff add`) first")
}

pub(crate) fn bench_writers(url: &str, clients: usize, seconds: u64) -> anyhow::Result<()> {
    let store: Arc<dyn Store> = Arc::from(open(url)?);
    crate::bench::demo_if_empty(store.as_ref(), 2_000, None)?;
    let area = AreaId::parse(&store.headline()?.areas.first().context("no area")?.area_id)?;
    let caseworker = a_caseworker(store.as_ref(), area)?;
    let before = store.headline()?.events;
    let today = sendscope_domain::calendar::england_today();
    let stop = Arc::new(AtomicBool::new(false));
    let start = std::time::Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let (store, stop) = (store.clone(), stop.clone());
            let caseworker = caseworker.clone();
            std::thread::spawn(move || -> anyhow::Result<(Vec<f64>, u64)> {
                let actor = Actor::parse(&format!("user:bench-writer-{c}"))?;
                let mut latencies = Vec::new();
                let mut events = 0u64;
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let case = CaseId::new_random();
                    let ev = |body| NewEvent {
                        stream: StreamRef::case(case),
                        area,
                        body,
                        actor: actor.clone(),
                        effective_date: today,
                        reason: None,
                        recorded_at: None,
                    };
                    let child = Child::named(
                        &format!("Bench{c}"),
                        &format!("Writer{n}"),
                        today - chrono::Days::new(3000),
                        sendscope_domain::sen::Sex::Female,
                        "WBRI",
                    );
                    let opening = [
                        ev(EventBody::CaseOpened(CaseOpened {
                            child,
                            people: vec![],
                            caseworker: Some(caseworker.clone()),
                        })),
                        ev(EventBody::RequestReceived(RequestReceived {
                            request: RequestId(1),
                            received_on: today,
                            requested_by: sendscope_domain::sen::Requester::Parent,
                        })),
                    ];
                    let decision = [ev(EventBody::AssessmentDecided(AssessmentDecided {
                        request: RequestId(1),
                        decision: AssessDecision::Assess,
                        on: today,
                        reasons: None,
                    }))];
                    for step in [&opening[..], &decision[..]] {
                        let t = std::time::Instant::now();
                        store.append(step)?;
                        latencies.push(t.elapsed().as_secs_f64() * 1e3);
                        events += step.len() as u64;
                    }
                    n += 1;
                }
                Ok((latencies, events))
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut acknowledged = 0u64;
    for t in threads {
        let (l, e) = t
            .join()
            .map_err(|_| anyhow::anyhow!("a writer panicked"))??;
        latencies.extend(l);
        acknowledged += e;
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    let after = store.headline()?.events;
    outln!(
        "{} ({}): {clients} clients recording steps for {seconds} s: {} steps ({:.0} a second), latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; {} events acknowledged, {} more in the store{}",
        store.backend(),
        url.split('@').next_back().unwrap_or(url),
        latencies.len(),
        latencies.len() as f64 / elapsed,
        at(0.5),
        at(0.99),
        latencies.last().copied().unwrap_or(0.0),
        acknowledged,
        after - before,
        if after - before == acknowledged {
            " (none lost)"
        } else {
            " (MISMATCH)"
        }
    );
    Ok(())
}
