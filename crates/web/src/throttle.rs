//! Failed sign-ins, by where they came from: a device that keeps guessing one username's
//! password waits (1 minute after the 5th failure, doubling, at most a day), and one that
//! guesses across many usernames waits too; the same whether the username exists or not,
//! so waiting tells nobody which accounts there are. A stranger's guesses never make the
//! account's owner wait on their own device. Kept in memory: a restart forgets it, and
//! the store keeps every failure on the account's record.

use sendscope_domain::Instant;
use sendscope_domain::account::locked_until;
use std::collections::HashMap;

/// Failures from one device, across usernames, before it waits on every one.
const SOURCE_FREE: u32 = 50;
/// Forgotten a day after the last failure.
const KEEP_MICROS: i64 = 24 * 3_600_000_000;

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Debug, Default)]
pub struct Throttle {
    by_pair: HashMap<(String, String), Failures>,
    by_source: HashMap<String, Failures>,
}

impl Throttle {
    /// Until when this device must wait before trying this username again, if it must.
    pub fn wait(&self, source: &str, username: &str, now: Instant) -> Option<Instant> {
        let pair = self
            .by_pair
            .get(&(source.to_string(), username.to_string()))
            .and_then(|f| locked_until(f.count, f.last));
        let all = self.by_source.get(source).and_then(|f| {
            (f.count >= SOURCE_FREE)
                .then(|| locked_until(f.count - SOURCE_FREE + 5, f.last))
                .flatten()
        });
        [pair, all].into_iter().flatten().filter(|t| *t > now).max()
    }

    /// Whether this device has failed to sign in as this username lately.
    pub fn has_failed(&self, source: &str, username: &str) -> bool {
        self.by_pair
            .contains_key(&(source.to_string(), username.to_string()))
    }

    pub fn failed(&mut self, source: &str, username: &str, now: Instant) {
        if self.by_pair.len() > 100_000 {
            self.forget_old(now);
        }
        for f in [
            self.by_pair
                .entry((source.to_string(), username.to_string()))
                .or_insert(Failures {
                    count: 0,
                    last: now,
                }),
            self.by_source
                .entry(source.to_string())
                .or_insert(Failures {
                    count: 0,
                    last: now,
                }),
        ] {
            f.count += 1;
            f.last = now;
        }
    }

    /// A right password from this device clears its failures for the username.
    pub fn succeeded(&mut self, source: &str, username: &str) {
        self.by_pair
            .remove(&(source.to_string(), username.to_string()));
    }

    fn forget_old(&mut self, now: Instant) {
        let fresh = |f: &Failures| now.micros() - f.last.micros() < KEEP_MICROS;
        self.by_pair.retain(|_, f| fresh(f));
        self.by_source.retain(|_, f| fresh(f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guessing_device_waits_and_the_owner_does_not() {
        let now = Instant::now();
        let mut t = Throttle::default();
        for _ in 0..5 {
            t.failed("203.0.113.9", "caseworker", now);
        }
        assert!(t.wait("203.0.113.9", "caseworker", now).is_some());
        assert!(t.wait("198.51.100.4", "caseworker", now).is_none());
        // The same for a username nobody has.
        for _ in 0..5 {
            t.failed("203.0.113.9", "nobody-here", now);
        }
        assert!(t.wait("203.0.113.9", "nobody-here", now).is_some());
        // Guessing across many usernames from one device: it waits on all of them.
        for i in 0..50 {
            t.failed("192.0.2.1", &format!("user{i}"), now);
        }
        assert!(t.wait("192.0.2.1", "someone-else", now).is_some());
        t.succeeded("203.0.113.9", "caseworker");
        assert!(!t.has_failed("203.0.113.9", "caseworker"));
    }
}
