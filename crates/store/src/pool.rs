//! A small bounded connection pool: at most `max` connections exist; a caller takes an
//! idle one, opens a new one while fewer than `max` exist, or waits for one to be
//! returned. Connections are kept open, so their page caches and prepared statements
//! stay warm. Callers must not take a second connection while holding one.

use std::sync::{Condvar, Mutex};

pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    returned: Condvar,
    max: usize,
}

struct State<C> {
    idle: Vec<C>,
    /// Connections that exist: idle plus in use.
    open: usize,
}

impl<C> Pool<C> {
    pub fn new(max: usize) -> Self {
        Pool {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
            max: max.max(1),
        }
    }

    /// Runs `f` with a pooled connection, opening one with `open` if none is idle and
    /// the pool is not full, else waiting for one.
    pub fn with<T, E>(
        &self,
        open: impl FnOnce() -> Result<C, E>,
        f: impl FnOnce(&mut C) -> Result<T, E>,
    ) -> Result<T, E> {
        let taken = {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                if let Some(c) = s.idle.pop() {
                    break Some(c);
                }
                if s.open < self.max {
                    s.open += 1;
                    break None;
                }
                s = self.returned.wait(s).unwrap_or_else(|p| p.into_inner());
            }
        };
        let mut conn = match taken {
            Some(c) => c,
            None => match open() {
                Ok(c) => c,
                Err(e) => {
                    self.forget();
                    return Err(e);
                }
            },
        };
        let r = f(&mut conn);
        if r.is_ok() {
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.idle.push(conn);
            drop(s);
            self.returned.notify_one();
        } else {
            // A connection whose work failed is closed rather than reused: it may be
            // mid-transaction.
            drop(conn);
            self.forget();
        }
        r
    }

    /// One connection fewer exists; let a waiter open another.
    fn forget(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.open = s.open.saturating_sub(1);
        drop(s);
        self.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn never_more_than_max_connections_and_failures_free_their_slot() {
        let pool = Arc::new(Pool::<usize>::new(3));
        let opened = Arc::new(AtomicUsize::new(0));
        let busy = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..12)
            .map(|i| {
                let (pool, opened, busy, most) =
                    (pool.clone(), opened.clone(), busy.clone(), most.clone());
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        let _ = pool.with(
                            || Ok::<usize, ()>(opened.fetch_add(1, Ordering::SeqCst)),
                            |_| {
                                let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                                most.fetch_max(now, Ordering::SeqCst);
                                std::thread::yield_now();
                                busy.fetch_sub(1, Ordering::SeqCst);
                                if i == 0 { Err(()) } else { Ok(()) }
                            },
                        );
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("joined");
        }
        assert!(most.load(Ordering::SeqCst) <= 3);
        // Thread 0's 50 failures each closed a connection and later opened another.
        assert!(opened.load(Ordering::SeqCst) >= 50);
        let s = pool.state.lock().expect("lock");
        assert!(s.open <= 3 && s.idle.len() == s.open);
    }
}
