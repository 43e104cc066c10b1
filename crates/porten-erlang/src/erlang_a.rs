//! Erlang A (M/M/n+M, Palm's model): callers abandon after an exponentially
//! distributed patience with mean `1/θ`.
//!
//! Write `x = nμ/θ = n·patience/AHT`, `y = λ/θ = λ·patience`,
//! `ρ = a/n`, `B = B(n, a)` (Erlang B) and
//! `A(x, y) = x·e^y·y^{−x}·γ(x, y) = Σ_{k≥0} y^k / ((x+1)…(x+k))`, where
//! `γ` is the lower incomplete gamma function. With `W` the time an
//! arriving caller spends in queue, `V` the *offered* wait (the time they
//! would wait if infinitely patient) and "answered" meaning `V < patience`,
//! the measures are (Garnett, Mandelbaum & Reiman 2002;
//! Mandelbaum & Zeltyn, *The M/M/n+G queue: summary of performance
//! measures*, section on exponential patience):
//!
//! * **probability of wait** `P(W > 0) = A·B / (1 + (A − 1)·B)`;
//! * **probability of abandonment**
//!   `P(Ab) = P(W>0)·(1/(ρA) + 1 − 1/ρ)`; computed here as
//!   `P(W>0)·Σ_k w_k·(k+1)/(x+k+1) / Σ_k w_k` (a caller with `k` ahead is
//!   answered with probability `x/(x+k+1)`), which is the same value
//!   summed in positive terms only;
//! * **service level among all offered** (answered within `t` / offered):
//!   `P(V ≤ t, answered) = 1 − P(W>0) + P(W>0)·[γ(x+1, y) − γ(x+1, y·e^{−θt})] / (y·γ(x, y))`,
//!   so a caller who abandons counts as *not* answered in time, even if they
//!   hung up before `t`;
//! * **service level among answered**: the above divided by `1 − P(Ab)`;
//! * **ASA**: the mean wait of *answered* callers, `E[W | answered]`
//!   (Mandelbaum & Zeltyn's `E[W | Sr]`), computed by first-step analysis of
//!   the tagged caller's position in queue. (The mean wait over *all*
//!   callers, including those who abandon, is `P(Ab)/θ`; it is not what a
//!   wallboard ASA shows.)
//! * **occupancy**: carried load per agent, `a·(1 − P(Ab)) / n`.
//!
//! The system is stable for every `n ≥ 1`, also with `n < a`.

use crate::{ErlangError, Metrics, Queue};

fn metrics(
    agents: u32,
    arrival_rate: f64,
    aht_seconds: f64,
    patience_seconds: f64,
    target_seconds: f64,
) -> Result<Metrics, ErlangError> {
    Queue::erlang_a(arrival_rate, aht_seconds, patience_seconds)?.evaluate(agents, target_seconds)
}

/// `P(W > 0)`: the probability that a caller has to wait.
pub fn probability_of_wait(
    agents: u32,
    arrival_rate: f64,
    aht_seconds: f64,
    patience_seconds: f64,
) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, 0.0)?.p_wait)
}

/// `P(Ab)`: the probability that a caller abandons.
pub fn probability_of_abandonment(
    agents: u32,
    arrival_rate: f64,
    aht_seconds: f64,
    patience_seconds: f64,
) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, 0.0)?.abandon_rate)
}

/// Answered within `t` divided by offered.
pub fn service_level(
    agents: u32,
    arrival_rate: f64,
    aht_seconds: f64,
    patience_seconds: f64,
    target_seconds: f64,
) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, target_seconds)?.service_level)
}

/// Answered within `t` divided by answered.
pub fn service_level_answered(
    agents: u32,
    arrival_rate: f64,
    aht_seconds: f64,
    patience_seconds: f64,
    target_seconds: f64,
) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, target_seconds)?.service_level_answered)
}

/// Mean wait of answered callers, in seconds.
pub fn asa(agents: u32, arrival_rate: f64, aht_seconds: f64, patience_seconds: f64) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, 0.0)?.asa)
}

/// Carried load per agent, `a·(1 − P(Ab)) / n`.
pub fn occupancy(agents: u32, arrival_rate: f64, aht_seconds: f64, patience_seconds: f64) -> Result<f64, ErlangError> {
    Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, 0.0)?.occupancy)
}

/// Sums of the Erlang A series (see the module documentation).
pub(crate) struct SeriesSums {
    /// `ln Σ_k w_k` with `w_0 = 1`, `w_k = w_{k−1}·z/(x+k)`.
    pub(crate) ln_sum: f64,
    /// `Σ_k w_k·(k+1)/(x+k+1) / Σ_k w_k`.
    pub(crate) abandon_ratio: f64,
    /// `Σ_k w_k·m_k / Σ_k w_k` (seconds).
    pub(crate) served_wait_ratio: f64,
}

/// Which sums [`erlang_a_series`] accumulates besides `Σ w_k`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SeriesTerms {
    /// Only `Σ w_k`.
    Plain,
    /// Also the abandonment sum.
    Abandon,
    /// Also the waiting-time sum.
    Full,
}

/// Sums `Σ_{k≥0} w_k` with `w_k = z^k / ((x+1)…(x+k))`, i.e.
/// `A(x, z) = x·e^z·z^{−x}·γ(x, z)` (Mandelbaum & Zeltyn's `A(x, y)`), and
/// the weighted sums used for abandonment and waiting times. Only positive
/// terms are added; terms are rescaled before they could overflow. One
/// division per term (`1/(x+k+1)` is carried to the next term).
pub(crate) fn erlang_a_series(x: f64, z: f64, theta: f64, terms: SeriesTerms) -> SeriesSums {
    const RESCALE_ABOVE: f64 = 1e280;
    const TOLERANCE: f64 = 1e-18;
    let abandon_terms = terms != SeriesTerms::Plain;
    let wait_terms = terms == SeriesTerms::Full;
    let inv_theta = 1.0 / theta;
    let mut term = 1.0_f64;
    let mut sum = 1.0_f64;
    let mut ln_scale = 0.0_f64;
    let mut inv_xk = 1.0 / (x + 1.0); // 1/(x+k) for the next k
    // k = 0: the tagged caller is first in line. P(served) = x/(x+1),
    // E[wait; served] = x/(x+1) · 1/(θ(x+1)).
    let mut p_prev = x * inv_xk; // p_k = x/(x+k+1)
    let mut m_prev = p_prev * inv_xk * inv_theta;
    let mut abandon = inv_xk;
    let mut served_wait = m_prev;
    let mut k = 0.0_f64;
    loop {
        k += 1.0;
        term *= z * inv_xk;
        sum += term;
        let inv_xk1 = 1.0 / (x + k + 1.0);
        if abandon_terms {
            abandon += term * (k + 1.0) * inv_xk1;
        }
        if wait_terms {
            let m = (x + k) * inv_xk1 * (p_prev * inv_xk1 * inv_theta + m_prev);
            served_wait += term * m;
            m_prev = m;
            p_prev = x * inv_xk1;
        }
        if term > RESCALE_ABOVE {
            let s = 1.0 / RESCALE_ABOVE;
            term *= s;
            sum *= s;
            abandon *= s;
            served_wait *= s;
            ln_scale += RESCALE_ABOVE.ln();
        }
        let next = z * inv_xk1;
        // Past the peak, the tail is below a geometric series with ratio
        // `next`; the extra factor covers the linearly growing weights m_k.
        if next < 1.0 && term * next * (k + 2.0) <= TOLERANCE * sum * (1.0 - next) {
            break;
        }
        if term == 0.0 {
            break;
        }
        inv_xk = inv_xk1;
    }
    SeriesSums {
        ln_sum: sum.ln() + ln_scale,
        abandon_ratio: if abandon_terms { abandon / sum } else { f64::NAN },
        served_wait_ratio: if wait_terms { served_wait / sum } else { f64::NAN },
    }
}

/// Erlang A figures; `with_asa = false` skips the waiting-time sum (ASA is
/// then NaN), which the staffing search does not need without an ASA cap.
pub(crate) fn erlang_a_metrics(
    agents: u32,
    arrival_rate: f64,
    aht: f64,
    patience: f64,
    target_time: f64,
    ln_b: f64,
    with_asa: bool,
) -> Metrics {
    let n = f64::from(agents);
    let load = arrival_rate * aht;
    let theta = 1.0 / patience;
    let x = n * patience / aht; // nμ/θ
    let y = arrival_rate * patience; // λ/θ
    let terms = if with_asa { SeriesTerms::Full } else { SeriesTerms::Abandon };
    let s = erlang_a_series(x, y, theta, terms);
    let b = ln_b.exp();
    // P(W>0) = A·B / (1 + (A−1)·B) = 1 / (1 + (1−B)/(A·B)).
    let p_wait = 1.0 / (1.0 + (1.0 - b) * (-(s.ln_sum + ln_b)).exp());
    let abandon_given_wait = s.abandon_ratio;
    let served_given_wait = 1.0 - abandon_given_wait;
    let abandon_rate = p_wait * abandon_given_wait;
    // P(served and wait > t | W > 0) = γ(x+1, y·e^{−θt}) / (y·γ(x, y)).
    let served_late_given_wait = if target_time == 0.0 {
        served_given_wait
    } else {
        let ln_q = -theta * target_time;
        let z = y * ln_q.exp();
        let s2 = erlang_a_series(x + 1.0, z, theta, SeriesTerms::Plain);
        let ln = -(1.0 / x).ln_1p() + s2.ln_sum + (x + 1.0) * ln_q - y * ln_q.exp_m1() - s.ln_sum;
        ln.exp()
    };
    let served_in_time_given_wait = (served_given_wait - served_late_given_wait).max(0.0);
    let service_level = ((1.0 - p_wait) + p_wait * served_in_time_given_wait).clamp(0.0, 1.0);
    let answered = 1.0 - abandon_rate;
    Metrics {
        agents,
        offered_load: load,
        p_wait,
        service_level,
        service_level_answered: (service_level / answered).min(1.0),
        abandon_rate,
        asa: p_wait * s.served_wait_ratio / answered,
        occupancy: (load * answered / n).min(1.0),
    }
}
