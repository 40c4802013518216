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
        // Until the connection is back in the pool, its slot is released if anything
        // (an error, or a panic unwinding through here) loses it.
        let slot = Slot(self);
        let mut conn = match taken {
            Some(c) => c,
            None => open()?,
        };
        let r = f(&mut conn);
        if r.is_ok() {
            std::mem::forget(slot);
            let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
            s.idle.push(conn);
            drop(s);
            self.returned.notify_one();
        }
        // Otherwise the connection is closed rather than reused (it may be mid-transaction)
        // and `slot` frees its place as it goes out of scope.
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

/// A taken place in the pool, given back on drop unless the connection was returned.
struct Slot<'a, C>(&'a Pool<C>);

impl<C> Drop for Slot<'_, C> {
    fn drop(&mut self) {
        self.0.forget();
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

    #[test]
    fn a_panic_while_holding_a_connection_frees_its_place() {
        let pool = Pool::<u8>::new(1);
        for _ in 0..3 {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = pool.with(|| Ok::<u8, ()>(1), |_| -> Result<(), ()> { panic!("boom") });
            }));
            assert!(r.is_err());
        }
        // With one place and three panics, this would wait for ever had a place leaked.
        assert_eq!(pool.with(|| Ok::<u8, ()>(2), |c| Ok::<u8, ()>(*c)), Ok(2));
    }
}
