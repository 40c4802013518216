//! Group commit: writers that arrive while another's transaction is running are written
//! together in the next one. Each caller queues its events and waits for its turn; the
//! caller whose turn it is takes everything queued (its own included) and appends it as
//! one batch ([`crate::tx::append_batch`]), then answers each caller. Nobody is answered
//! before the batch holding their events has committed, so an acknowledged write is a
//! durable one, as before.
//!
//! Why: one append on PostgreSQL is about 1.2 ms, most of it round trips and the commit,
//! and every append holds the chain lock throughout; 50 writers queued behind one another
//! waited up to 110 ms. A batch of twenty costs little more than one.

use crate::tx::Submission;
use crate::{Guard, Result, StoreError};
use sendscope_domain::PreparedEvent;
use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};

/// The most callers written in one transaction: a batch's work grows with its size, and
/// those late in a huge one would wait for all before them.
const MAX_BATCH: usize = 64;

/// A caller's events waiting to be written.
struct Waiting {
    ticket: u64,
    events: Vec<PreparedEvent>,
    guard: Option<Box<Guard>>,
}

#[derive(Default)]
struct State {
    next_ticket: u64,
    queue: Vec<Waiting>,
    /// Someone is writing a batch now.
    leading: bool,
    /// Answers not yet collected, by ticket.
    answers: HashMap<u64, Result<Vec<u64>>>,
}

/// Waiters sleep on `changed` (never on a lock they would have to win in a scramble: an
/// answered caller wakes and leaves at once).
#[derive(Default)]
pub(crate) struct Combiner {
    state: Mutex<State>,
    changed: Condvar,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Hands a batch's answers back and the turn on, even if the batch's work panicked (each
/// caller is then told nothing of theirs was written), so nobody waits for ever.
struct Handback<'a> {
    combiner: &'a Combiner,
    tickets: Vec<u64>,
    answers: Option<Vec<Result<Vec<u64>>>>,
}

impl Drop for Handback<'_> {
    fn drop(&mut self) {
        let mut answers = self.answers.take().unwrap_or_default().into_iter();
        let mut s = lock(&self.combiner.state);
        for t in &self.tickets {
            let a = answers.next().unwrap_or_else(|| {
                Err(StoreError::Database(
                    "the write could not be completed: nothing of it was recorded; try again"
                        .into(),
                ))
            });
            s.answers.insert(*t, a);
        }
        s.leading = false;
        self.combiner.changed.notify_all();
    }
}

impl Combiner {
    /// Appends one caller's events: combined with others' if small (see [`combinable`]),
    /// else in a transaction of their own. `run` writes a batch in one transaction.
    pub(crate) fn append(
        &self,
        events: &[PreparedEvent],
        guard: Option<Box<Guard>>,
        run: impl Fn(&[Submission<'_>]) -> Result<Vec<Result<Vec<u64>>>>,
    ) -> Result<Vec<u64>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        if combinable(events) {
            return self.submit(events.to_vec(), guard, run);
        }
        let alone = Submission {
            events,
            guard: guard.as_deref(),
        };
        run(&[alone])?.pop().unwrap_or_else(|| Ok(Vec::new()))
    }

    /// Writes `events` (with `guard` decided first inside the transaction) in the next
    /// batch, `run` writing each batch in one transaction. Returns the sequence numbers
    /// assigned, or why this caller's events were refused. Batches are taken oldest first.
    fn submit(
        &self,
        events: Vec<PreparedEvent>,
        guard: Option<Box<Guard>>,
        run: impl Fn(&[Submission<'_>]) -> Result<Vec<Result<Vec<u64>>>>,
    ) -> Result<Vec<u64>> {
        let mut s = lock(&self.state);
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        s.queue.push(Waiting {
            ticket,
            events,
            guard,
        });
        loop {
            if let Some(a) = s.answers.remove(&ticket) {
                return a;
            }
            if s.leading {
                s = self.changed.wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.leading = true;
            let n = s.queue.len().min(MAX_BATCH);
            let batch: Vec<Waiting> = s.queue.drain(..n).collect();
            drop(s);
            let mut handback = Handback {
                combiner: self,
                tickets: batch.iter().map(|w| w.ticket).collect(),
                answers: None,
            };
            let submissions: Vec<Submission<'_>> = batch
                .iter()
                .map(|w| Submission {
                    events: &w.events,
                    guard: w.guard.as_deref(),
                })
                .collect();
            handback.answers = Some(match run(&submissions) {
                Ok(results) => results,
                // The transaction was rolled back: nobody in it was written.
                Err(e) => {
                    let message = e.to_string();
                    let mut first = Some(e);
                    (0..batch.len())
                        .map(|_| {
                            Err(first
                                .take()
                                .filter(|_| batch.len() == 1)
                                .unwrap_or_else(|| StoreError::Database(message.clone())))
                        })
                        .collect()
                }
            });
            drop(handback);
            s = lock(&self.state);
        }
    }
}

/// Whether a caller's events may join a batch: not a bulk load (it is a batch already),
/// and nothing that reads a stream's whole history (see [`crate::tx::needs_history`]).
pub(crate) fn combinable(events: &[PreparedEvent]) -> bool {
    events.len() <= 16 && !crate::tx::needs_history(events)
}

/// A write ready to go: its place in the answers, its events, its guard.
type Ready = (usize, Vec<PreparedEvent>, Option<Box<Guard>>);

/// [`crate::Store::append_together`], over a backend's way of writing one batch in one
/// transaction.
pub(crate) fn together(
    writes: Vec<crate::GuardedWrite>,
    run: impl Fn(&[Submission<'_>]) -> Result<Vec<Result<Vec<u64>>>>,
) -> Vec<Result<Vec<u64>>> {
    let mut results: Vec<Option<Result<Vec<u64>>>> = Vec::with_capacity(writes.len());
    let mut ready: Vec<Ready> = Vec::new();
    for (i, w) in writes.into_iter().enumerate() {
        match crate::prepare(&w.events) {
            Ok(p) if p.is_empty() => results.push(Some(Ok(Vec::new()))),
            Ok(p) => {
                results.push(None);
                ready.push((i, p, w.guard));
            }
            Err(e) => results.push(Some(Err(e))),
        }
    }
    // Runs of writes that may share a transaction; one that reads a stream's whole
    // history goes alone.
    let mut runs: Vec<&[Ready]> = Vec::new();
    let mut rest = &ready[..];
    while !rest.is_empty() {
        let alone = crate::tx::needs_history(&rest[0].1);
        let n = if alone {
            1
        } else {
            rest.iter()
                .take_while(|r| !crate::tx::needs_history(&r.1))
                .count()
        };
        let (run, tail) = rest.split_at(n);
        runs.push(run);
        rest = tail;
    }
    for run_of in runs {
        let submissions: Vec<Submission<'_>> = run_of
            .iter()
            .map(|(_, events, guard)| Submission {
                events,
                guard: guard.as_deref(),
            })
            .collect();
        match run(&submissions) {
            Ok(answers) => {
                for ((i, _, _), a) in run_of.iter().zip(answers) {
                    results[*i] = Some(a);
                }
            }
            Err(e) => {
                let message = e.to_string();
                let mut first = Some(e);
                for (i, _, _) in run_of {
                    let e = first
                        .take()
                        .filter(|_| run_of.len() == 1)
                        .unwrap_or_else(|| StoreError::Database(message.clone()));
                    results[*i] = Some(Err(e));
                }
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Ok(Vec::new())))
        .collect()
}
