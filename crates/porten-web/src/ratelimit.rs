//! A small fixed-window rate limiter for sign-ins and submissions.
//!
//! Limits are per node: with several nodes behind a load balancer an
//! attacker gets at most `nodes ×` the budget, which still stops brute force.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self { windows: Mutex::new(HashMap::new()) }
    }
}

impl RateLimiter {
    /// Counts one attempt for `key`; false once more than `max` attempts fall in `window`.
    pub fn allow(&self, key: &str, max: u32, window: Duration) -> bool {
        let now = Instant::now();
        let mut map = self.windows.lock().expect("rate limiter lock");
        if map.len() > 100_000 {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_budget_and_keys_are_independent() {
        let l = RateLimiter::default();
        let w = Duration::from_secs(3600);
        assert!((0..5).all(|_| l.allow("login:a", 5, w)));
        assert!(!l.allow("login:a", 5, w));
        assert!(l.allow("login:b", 5, w));
        assert!(l.allow("login:c", 1, Duration::ZERO));
        assert!(l.allow("login:c", 1, Duration::ZERO), "an expired window starts over");
    }
}
