//! Erlang C (M/M/n, callers never abandon): the textbook formulas.
//!
//! With `n` agents, offered load `a` Erlangs and `C = C(n, a)`, for `n > a`
//! (Cooper 1981, ch. 3; Koole 2013):
//!
//! * probability of wait `C(n, a) = n·B(n,a) / (n − a·(1 − B(n,a)))`;
//! * service level `P(W ≤ t) = 1 − C·e^{−(n−a)·t/AHT}`;
//! * average speed of answer `ASA = E[W] = C·AHT / (n − a)` (over all calls,
//!   which in Erlang C are all answered);
//! * occupancy `a / n`.
//!
//! For `n ≤ a` the system is unstable: `C = 1`, service level 0, ASA
//! infinite and occupancy 1.

use crate::erlang_b::{check_agents, ln_erlang_b};
use crate::{ErlangError, Metrics, positive_finite};

fn check(agents: u32, load: f64) -> Result<(), ErlangError> {
    if !positive_finite(load) {
        return Err(ErlangError::InvalidOfferedLoad(load));
    }
    check_agents(agents, false)
}

fn check_time(aht: f64, target_time: f64) -> Result<(), ErlangError> {
    if !positive_finite(aht) {
        return Err(ErlangError::InvalidHandlingTime(aht));
    }
    if !(target_time.is_finite() && target_time >= 0.0) {
        return Err(ErlangError::InvalidTargetTime(target_time));
    }
    Ok(())
}

/// The probability that a call has to wait, `C(n, a)`.
pub fn probability_of_wait(agents: u32, load: f64) -> Result<f64, ErlangError> {
    check(agents, load)?;
    Ok(erlang_c_from_ln_b(f64::from(agents), load, ln_erlang_b(agents, load)))
}

/// The service level `P(W ≤ t) = 1 − C·e^{−(n−a)·t/AHT}` (0 when unstable).
pub fn service_level(agents: u32, load: f64, aht_seconds: f64, target_seconds: f64) -> Result<f64, ErlangError> {
    check(agents, load)?;
    check_time(aht_seconds, target_seconds)?;
    let ln_b = ln_erlang_b(agents, load);
    Ok(erlang_c_metrics(agents, load, aht_seconds, target_seconds, ln_b).service_level)
}

/// The average speed of answer `C·AHT / (n − a)` in seconds (infinite when
/// unstable).
pub fn asa(agents: u32, load: f64, aht_seconds: f64) -> Result<f64, ErlangError> {
    check(agents, load)?;
    check_time(aht_seconds, 0.0)?;
    let ln_b = ln_erlang_b(agents, load);
    Ok(erlang_c_metrics(agents, load, aht_seconds, 0.0, ln_b).asa)
}

/// Occupancy `a / n`, capped at 1 (an unstable system is always busy).
pub fn occupancy(agents: u32, load: f64) -> Result<f64, ErlangError> {
    check(agents, load)?;
    Ok((load / f64::from(agents)).min(1.0))
}

/// `C(n, a)` from `ln B(n, a)`: `C = n·B / (n − a·(1 − B))` for `n > a`, else 1.
pub(crate) fn erlang_c_from_ln_b(n: f64, a: f64, ln_b: f64) -> f64 {
    if n <= a {
        return 1.0;
    }
    let b = ln_b.exp();
    let denominator = n - a * (1.0 - b); // ≥ n − a > 0
    (ln_b + (n / denominator).ln()).exp().min(1.0)
}

pub(crate) fn erlang_c_metrics(agents: u32, load: f64, aht: f64, target_time: f64, ln_b: f64) -> Metrics {
    let n = f64::from(agents);
    if n <= load {
        // Unstable: the queue grows without bound, every caller waits
        // forever in the long run and every agent is always busy.
        return Metrics {
            agents,
            offered_load: load,
            p_wait: 1.0,
            service_level: 0.0,
            service_level_answered: 0.0,
            abandon_rate: 0.0,
            asa: f64::INFINITY,
            occupancy: 1.0,
        };
    }
    let c = erlang_c_from_ln_b(n, load, ln_b);
    let service_level = (1.0 - c * (-(n - load) * target_time / aht).exp()).clamp(0.0, 1.0);
    Metrics {
        agents,
        offered_load: load,
        p_wait: c,
        service_level,
        service_level_answered: service_level,
        abandon_rate: 0.0,
        asa: c * aht / (n - load),
        occupancy: load / n,
    }
}
