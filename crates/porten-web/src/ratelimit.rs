//! A fixed-window failure counter for sign-ins, with bounded memory.
//!
//! Keys are hashed (SipHash with a per-process random key) to 64 bits, so an
//! entry takes the same few bytes however long the username an attacker
//! sends; the table holds at most [`CAPACITY`] entries, evicting expired
//! windows first and then the oldest. Limits are per node: with several
//! nodes behind a load balancer an attacker gets at most `nodes ×` the
//! budget, which still stops brute force.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, Hash, RandomState};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys remembered at once (about 4 MB).
pub const CAPACITY: usize = 100_000;

pub struct RateLimiter {
    hasher: RandomState,
    table: Mutex<Table>,
    capacity: usize,
}

#[derive(Default)]
struct Table {
    /// Key hash → (window start, count).
    windows: HashMap<u64, (Instant, u32)>,
    /// Keys in the order their windows started, for eviction.
    order: VecDeque<(u64, Instant)>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::with_capacity(CAPACITY)
    }
}

impl RateLimiter {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { hasher: RandomState::new(), table: Mutex::new(Table::default()), capacity: capacity.max(1) }
    }

    /// The fixed-size key of a tuple of parts, e.g. `("login-pair", user, ip)`.
    pub fn key(&self, parts: impl Hash) -> u64 {
        self.hasher.hash_one(parts)
    }

    /// How many hits `key` has in its current window.
    pub fn count(&self, key: u64, window: Duration) -> u32 {
        let table = self.table.lock().expect("rate limiter lock");
        match table.windows.get(&key) {
            Some((start, n)) if start.elapsed() < window => *n,
            _ => 0,
        }
    }

    /// Counts one hit for `key` unless it already has `limit` in its
    /// current window; false when the caller is over the limit.
    pub fn allow(&self, key: u64, window: Duration, limit: u32) -> bool {
        if self.count(key, window) >= limit {
            return false;
        }
        self.hit(key, window);
        true
    }

    /// Counts one hit for `key` (a new window when the last has passed).
    pub fn hit(&self, key: u64, window: Duration) {
        self.add(key, window, 1);
    }

    /// Counts `amount` for `key`, e.g. bytes stored (a new window when the last has passed).
    pub fn add(&self, key: u64, window: Duration, amount: u32) {
        let now = Instant::now();
        let mut table = self.table.lock().expect("rate limiter lock");
        let Table { windows, order } = &mut *table;
        match windows.get_mut(&key) {
            Some((start, n)) if now.duration_since(*start) < window => *n = n.saturating_add(amount),
            _ => {
                windows.insert(key, (now, amount));
                order.push_back((key, now));
            }
        }
        while windows.len() > self.capacity {
            let Some((oldest, started)) = order.pop_front() else { break };
            // Skip order entries of windows that have since started again.
            if windows.get(&oldest).is_some_and(|(s, _)| *s == started) {
                windows.remove(&oldest);
            }
        }
        // Order entries of restarted windows are dropped as they reach the front.
        while order.len() > 2 * self.capacity {
            order.pop_front();
        }
    }

    /// How many keys are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.lock().expect("rate limiter lock").windows.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_within_the_window() {
        let l = RateLimiter::default();
        let w = Duration::from_secs(3600);
        let (a, b) = (l.key(("login", "a")), l.key(("login", "b")));
        (0..5).for_each(|_| l.hit(a, w));
        assert_eq!((l.count(a, w), l.count(b, w)), (5, 0));
        let c = l.key(("login", "c"));
        l.hit(c, Duration::ZERO);
        assert_eq!(l.count(c, Duration::ZERO), 0, "an expired window starts over");
    }

    #[test]
    fn memory_stays_bounded_however_many_and_however_long_the_keys() {
        let l = RateLimiter::with_capacity(1000);
        let w = Duration::from_secs(3600);
        let long = "x".repeat(200_000);
        for i in 0..20_000 {
            l.hit(l.key(("login-pair", &long, i)), w);
        }
        assert_eq!(l.len(), 1000);
        let newest = l.key(("login-pair", &long, 19_999));
        assert_eq!(l.count(newest, w), 1, "the newest windows are kept, the oldest evicted");
        assert_eq!(l.count(l.key(("login-pair", &long, 0)), w), 0);
    }
}
