//! Staffing a year of 15-minute intervals, single-threaded.
//!
//! ```text
//! cargo bench -p porten-erlang --bench staffing -- [FILE.csv] [--runs N] [--only erlang_c|erlang_a] [--agents-out PREFIX]
//! ```
//!
//! `FILE.csv` is an ACD interval export
//! (`interval_start,offered,answered,abandoned,aht_seconds`, e.g. from
//! `bench/staffing/gen_intervals.py`); without it a built-in synthetic year
//! is used. Each run staffs every interval for 80 % answered within 20 s
//! with 30 % shrinkage, with Erlang C and with Erlang A (mean patience
//! 120 s). The median, min and max wall time over the runs are reported
//! (std::time::Instant; parsing excluded). `--agents-out PREFIX` writes the
//! raw agent counts per interval to `PREFIX.erlang_c.txt` and
//! `PREFIX.erlang_a.txt` for comparison with other tools.

use std::hint::black_box;
use std::time::{Duration, Instant};

use porten_erlang::{Queue, StaffingTarget, scheduled_agents};

const INTERVAL_SECONDS: f64 = 900.0;
const PATIENCE_SECONDS: f64 = 120.0;

struct Interval {
    offered: f64,
    aht: f64,
}

fn read_csv(path: &str) -> Vec<Interval> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| h.trim() == name).expect(name);
    let (offered, aht) = (col("offered"), col("aht_seconds"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            Interval {
                offered: f[offered].trim().parse().expect("offered"),
                aht: f[aht].trim().parse().expect("aht_seconds"),
            }
        })
        .collect()
}

/// A synthetic year when no file is given (not identical to
/// gen_intervals.py, but of the same shape and size).
fn synthetic_year() -> Vec<Interval> {
    let mut state: u32 = 20_250_101;
    let mut uniform = move || {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        f64::from(state) / 4_294_967_296.0
    };
    (0..365 * 96)
        .map(|i| {
            let hour = (i % 96) as f64 / 4.0 + 0.125;
            let weekday = [1.15, 1.0, 0.97, 0.95, 0.82, 0.27, 0.22][(i / 96 + 2) % 7];
            let day = (-(hour - 9.75f64).powi(2) / 5.12).exp() + 0.75 * (-(hour - 13.5f64).powi(2) / 6.48).exp();
            let offered = (160.0 * (0.02 + day) * weekday * (0.85 + 0.3 * uniform())).round().max(1.0);
            Interval { offered, aht: (280.0 + 60.0 * uniform()).round() }
        })
        .collect()
}

fn staff_year(intervals: &[Interval], patience: Option<f64>, agents: &mut Vec<u32>) {
    let target = StaffingTarget::new(0.8, 20.0);
    agents.clear();
    for i in intervals {
        let q = Queue::from_interval(i.offered, INTERVAL_SECONDS, i.aht, patience).expect("queue");
        let m = q.staff(black_box(&target)).expect("staffing");
        let scheduled = scheduled_agents(m.agents, 0.3).expect("shrinkage");
        black_box(scheduled);
        agents.push(m.agents);
    }
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut path = None;
    let mut runs = 21usize;
    let mut agents_out = None;
    let mut only: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--bench" => {}
            "--runs" => runs = it.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--agents-out" => agents_out = it.next().cloned(),
            "--only" => only = it.next().cloned(),
            other if !other.starts_with("--") => path = Some(other.to_owned()),
            _ => {}
        }
    }
    let intervals = match &path {
        Some(p) => read_csv(p),
        None => synthetic_year(),
    };
    let source = path.as_deref().unwrap_or("built-in synthetic year");
    println!("staffing {} intervals ({source}), 80 % in 20 s, shrinkage 0.3, {runs} runs", intervals.len());
    for (name, patience) in [("erlang_c", None), ("erlang_a", Some(PATIENCE_SECONDS))] {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let mut agents = Vec::with_capacity(intervals.len());
        staff_year(&intervals, patience, &mut agents); // warm-up
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            staff_year(&intervals, patience, &mut agents);
            times.push(start.elapsed());
        }
        let (med, min, max) = median(times);
        let total: u64 = agents.iter().map(|&a| u64::from(a)).sum();
        println!(
            "{name}: median {:.3} ms (min {:.3}, max {:.3}) per year, {:.0} ns per interval, sum of agents {total}",
            med.as_secs_f64() * 1e3,
            min.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3,
            med.as_secs_f64() * 1e9 / intervals.len() as f64,
        );
        if let Some(prefix) = &agents_out {
            let text: String = agents.iter().map(|a| format!("{a}\n")).collect();
            std::fs::write(format!("{prefix}.{name}.txt"), text).expect("write agents");
        }
    }
}
