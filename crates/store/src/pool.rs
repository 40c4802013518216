//! A minimal connection pool: connections are taken, used and returned; a new one is
//! opened when none is idle. Enough for a web server's handful of blocking workers.

use std::sync::Mutex;

pub(crate) struct Pool<C> {
    idle: Mutex<Vec<C>>,
    max_idle: usize,
}

impl<C> Pool<C> {
    pub fn new(max_idle: usize) -> Self {
        Pool {
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// Runs `f` with a pooled connection, opening one with `open` if none is idle.
    pub fn with<T, E>(
        &self,
        open: impl FnOnce() -> Result<C, E>,
        f: impl FnOnce(&mut C) -> Result<T, E>,
    ) -> Result<T, E> {
        let taken = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let mut conn = match taken {
            Some(c) => c,
            None => open()?,
        };
        let r = f(&mut conn);
        // A connection whose work failed is dropped rather than reused: it may be mid-transaction.
        if r.is_ok()
            && let Ok(mut v) = self.idle.lock()
            && v.len() < self.max_idle
        {
            v.push(conn);
        }
        r
    }
}
