//! What the benchmarks share: their knobs, and latencies summed up as
//! throughput with the median and the 99th percentile.

use std::future::Future;
use std::time::{Duration, Instant};

use serde_json::json;

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

/// Runs `n` requests from `concurrency` clients at once; `request(i)` sends
/// the i-th and checks its answer.
pub async fn measure<F, Fut>(n: usize, concurrency: usize, request: F) -> Run
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    let start = Instant::now();
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let request = request.clone();
        workers.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for i in (w..n).step_by(concurrency) {
                let t = Instant::now();
                request(i).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    summarize(all, start.elapsed())
}

/// The i-th errand the API benchmarks register: a pothole report with a reporter.
pub fn errand_body(i: usize) -> serde_json::Value {
    json!({
        "service_code": "pothole",
        "title": format!("Potthål nummer {i} på Sjögatan"),
        "description": "Djupt hål i körbanan utanför nummer 14, cirka 30 cm brett. Farligt för cyklister.",
        "channel": "web",
        "stakeholders": [{"role": "reporter", "name": "Test Testsson", "email": "test@example.com"}]
    })
}

/// Registers the i-th errand through `POST /api/v1/errands` and checks the 201.
pub async fn register(client: reqwest::Client, base: String, key: String, i: usize) {
    let res =
        client.post(format!("{base}/api/v1/errands")).bearer_auth(&key).json(&errand_body(i)).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let _ = res.bytes().await.unwrap();
}
