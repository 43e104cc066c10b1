//! What the benchmarks share: their knobs, and latencies summed up as
//! throughput with the median and the 99th percentile.

use std::time::Duration;

/// A knob from the environment (`BENCH_ERRANDS`, `BENCH_CONCURRENCY`).
pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// One measured run.
pub struct Run {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Sums up the latencies of the requests of a run that took `wall`.
pub fn summarize(mut latencies: Vec<Duration>, wall: Duration) -> Run {
    latencies.sort();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    Run { per_second: latencies.len() as f64 / wall.as_secs_f64(), p50: at(0.5), p99: at(0.99) }
}

/// Milliseconds with two decimals, for the tables.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}
