//! # porten-erlang
//!
//! Queueing mathematics for contact-center dimensioning (*bemanning,
//! dimensionering*): Erlang B, Erlang C and Erlang A, plus staffing searches
//! and shrinkage. The crate is pure and has no dependencies.
//!
//! ## Notation
//!
//! | symbol | meaning | unit |
//! |---|---|---|
//! | λ | arrival rate of calls | calls per second |
//! | AHT = 1/μ | average handling time | seconds |
//! | a = λ·AHT | offered load | Erlang |
//! | n | number of agents (servers) | — |
//! | 1/θ | mean patience (Erlang A only) | seconds |
//! | t | answer-time target ("80 % within **20 s**") | seconds |
//!
//! ## Models
//!
//! * **Erlang B** (M/M/n/n, blocked calls are lost): [`erlang_b`].
//! * **Erlang C** (M/M/n, callers wait forever): module [`erlang_c`].
//! * **Erlang A** (M/M/n+M, callers abandon after an exponentially
//!   distributed patience): module [`erlang_a`].
//!
//! [`Queue`] bundles the traffic parameters and offers
//! [`Queue::evaluate`] (all figures for a given number of agents) and
//! [`Queue::staff`] (the smallest number of agents that meets a
//! [`StaffingTarget`]). [`scheduled_agents`] then adds shrinkage.
//!
//! ## Numerical method
//!
//! Nothing here evaluates `a^n / n!` or a factorial. Erlang B is computed by
//! the classical forward recursion `B(k) = a·B(k−1) / (k + a·B(k−1))`, which is
//! forward stable, with a scaled mantissa/exponent representation once `B`
//! becomes tiny, so `ln B` stays exact far below the `f64` range (no
//! underflow for 50 000 agents and more). Erlang A needs the series
//! `Σ_k y^k / ((x+1)(x+2)…(x+k))` (a scaled lower incomplete gamma function);
//! it is summed in positive terms only (no cancellation) with rescaling, so
//! it neither overflows for heavily overloaded systems (hundreds of
//! thousands of Erlangs times patience) nor loses precision. Results are
//! combined in log space.
//!
//! ## References
//!
//! * A. K. Erlang (1917), *Solution of some problems in the theory of
//!   probabilities of significance in automatic telephone exchanges*.
//! * R. B. Cooper (1981), *Introduction to Queueing Theory*, 2nd ed., ch. 3.
//! * O. Garnett, A. Mandelbaum, M. Reiman (2002), *Designing a call center
//!   with impatient customers*, Manufacturing & Service Operations
//!   Management 4(3):208–227.
//! * A. Mandelbaum, S. Zeltyn, *The M/M/n+G queue: summary of
//!   performance measures* (technical note, Technion), section on exponential
//!   patience.
//! * G. Koole (2013), *Call Center Optimization* (Erlang C/A and staffing).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::f64::consts::LN_10;
use std::fmt;

/// The largest number of agents that [`Queue::evaluate`] accepts and
/// [`Queue::staff`] searches up to.
///
/// All algorithms are linear in the number of agents; this bound keeps a
/// single evaluation well under a second.
pub const MAX_AGENTS: u32 = 10_000_000;

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Everything that can be wrong with the input to this crate.
///
/// No function of this crate panics on bad input; it returns one of these.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErlangError {
    /// The arrival rate (or the number of calls) is zero, negative, NaN or
    /// infinite.
    InvalidArrivalRate(f64),
    /// The interval length is zero, negative, NaN or infinite.
    InvalidInterval(f64),
    /// The average handling time is zero, negative, NaN or infinite.
    InvalidHandlingTime(f64),
    /// The offered load `a = λ·AHT` is zero, negative, NaN or infinite.
    InvalidOfferedLoad(f64),
    /// The mean patience is zero, negative, NaN or infinite (use no patience
    /// at all, i.e. Erlang C, for callers who never abandon).
    InvalidPatience(f64),
    /// The answer-time target `t` is negative, NaN or infinite.
    InvalidTargetTime(f64),
    /// The service-level target is not strictly between 0 and 1.
    InvalidServiceLevel(f64),
    /// The ASA target is zero, negative, NaN or infinite.
    InvalidAsaTarget(f64),
    /// The abandonment cap is not in (0, 1].
    InvalidAbandonCap(f64),
    /// An abandonment cap was given for a model without abandonment
    /// (Erlang C); give a patience to use Erlang A.
    AbandonCapWithoutPatience,
    /// The occupancy cap is NaN or above 1.
    InvalidOccupancyCap(f64),
    /// The occupancy cap is zero or negative: no number of agents can get
    /// occupancy that low while calls are being answered.
    UnreachableOccupancyCap(f64),
    /// The shrinkage is not in [0, 1).
    InvalidShrinkage(f64),
    /// Zero agents were given where at least one is needed.
    NoAgents,
    /// More agents than this crate handles ([`MAX_AGENTS`] for queueing
    /// figures, `u32::MAX` for scheduled staff).
    TooManyAgents {
        /// The number asked for (or computed).
        agents: f64,
        /// The limit.
        limit: u32,
    },
    /// No number of agents up to `limit` meets all the targets.
    NoFeasibleStaffing {
        /// The largest number of agents that was tried.
        limit: u32,
    },
}

impl fmt::Display for ErlangError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidArrivalRate(v) => {
                write!(f, "the arrival rate (number of calls) must be a finite number greater than zero, got {v}")
            }
            Self::InvalidInterval(v) => {
                write!(f, "the interval length must be a finite number greater than zero, got {v}")
            }
            Self::InvalidHandlingTime(v) => {
                write!(f, "the average handling time must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidOfferedLoad(v) => {
                write!(f, "the offered load must be a finite number of Erlangs greater than zero, got {v}")
            }
            Self::InvalidPatience(v) => {
                write!(f, "the mean patience must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidTargetTime(v) => {
                write!(f, "the answer-time target must be a finite number of seconds, zero or more, got {v}")
            }
            Self::InvalidServiceLevel(v) => {
                write!(f, "the service-level target must be strictly between 0 and 1 (e.g. 0.8 for 80 %), got {v}")
            }
            Self::InvalidAsaTarget(v) => {
                write!(f, "the ASA target must be a finite number of seconds greater than zero, got {v}")
            }
            Self::InvalidAbandonCap(v) => {
                write!(f, "the abandonment cap must be greater than 0 and at most 1 (e.g. 0.05 for 5 %), got {v}")
            }
            Self::AbandonCapWithoutPatience => write!(
                f,
                "an abandonment cap needs a mean patience (Erlang A); without patience (Erlang C) nobody abandons"
            ),
            Self::InvalidOccupancyCap(v) => {
                write!(f, "the occupancy cap must be a number greater than 0 and at most 1 (e.g. 0.85), got {v}")
            }
            Self::UnreachableOccupancyCap(v) => write!(
                f,
                "no staffing can meet an occupancy cap of {v}: occupancy is always above zero while calls are answered"
            ),
            Self::InvalidShrinkage(v) => {
                write!(f, "the shrinkage must be at least 0 and below 1 (e.g. 0.3 for 30 %), got {v}")
            }
            Self::NoAgents => write!(f, "the number of agents must be at least 1"),
            Self::TooManyAgents { agents, limit } => {
                write!(f, "{agents} agents is more than the limit of {limit}")
            }
            Self::NoFeasibleStaffing { limit } => write!(f, "no staffing up to {limit} agents meets all the targets"),
        }
    }
}

impl std::error::Error for ErlangError {}

fn positive_finite(v: f64) -> bool {
    v.is_finite() && v > 0.0
}

// ---------------------------------------------------------------------------
// Erlang B
// ---------------------------------------------------------------------------

/// Below this the recursion `B(k) = a·B / (k + a·B)` equals the product
/// `B(k) = B·a/k` to the last bit (a·B/k < 2⁻⁵³ whenever a < k), so the
/// recursion switches to a scaled product.
const PRODUCT_PHASE_BELOW: f64 = 1e-150;
/// Once `ln B` is below this (and `k > a`, so `B` only decreases further) the
/// value is zero in `f64` whatever it exactly is; the recursion stops early.
const NEGLIGIBLE_LN: f64 = -1000.0;

/// The Erlang B recursion with a mantissa/exponent representation:
/// `B(n) = mantissa · e^ln_scale`.
#[derive(Clone, Debug)]
struct ErlangBRecursion {
    load: f64,
    n: u32,
    mantissa: f64,
    ln_scale: f64,
    product_phase: bool,
    negligible: bool,
}

impl ErlangBRecursion {
    fn new(load: f64) -> Self {
        Self { load, n: 0, mantissa: 1.0, ln_scale: 0.0, product_phase: false, negligible: false }
    }

    #[inline]
    fn step(&mut self) {
        self.n += 1;
        if self.negligible {
            return;
        }
        let k = f64::from(self.n);
        if self.product_phase {
            self.mantissa *= self.load / k;
            if self.mantissa < 1e-200 {
                self.mantissa *= 1e200;
                self.ln_scale -= 200.0 * LN_10;
                if self.ln_b() < NEGLIGIBLE_LN {
                    self.negligible = true;
                }
            }
        } else {
            let t = self.load * self.mantissa;
            self.mantissa = t / (k + t);
            if self.mantissa < PRODUCT_PHASE_BELOW && self.load < k {
                self.product_phase = true;
            }
        }
    }

    fn advance_to(&mut self, n: u32) {
        while self.n < n {
            if self.negligible {
                self.n = n;
                return;
            }
            self.step();
        }
    }

    /// `ln B(n)`; an upper bound below `NEGLIGIBLE_LN` (where `B` is 0 in
    /// `f64` anyway).
    fn ln_b(&self) -> f64 {
        self.mantissa.ln() + self.ln_scale
    }

    fn b(&self) -> f64 {
        if self.ln_scale == 0.0 { self.mantissa } else { self.ln_b().exp() }
    }
}

/// `ln B(n, a)`, the natural log of the Erlang B blocking probability.
fn ln_erlang_b(agents: u32, load: f64) -> f64 {
    if let Some(inv_b) = inverse_erlang_b(agents, load) {
        return -inv_b.ln();
    }
    let mut r = ErlangBRecursion::new(load);
    r.advance_to(agents);
    r.ln_b()
}

/// Above this `1/B` the inverse recursion hands over to the scaled one.
const INV_B_LIMIT: f64 = 1e250;

/// `1/B(n, a)` by the inverse recursion `1/B(k) = 1 + (k/a)·1/B(k−1)`:
/// positive terms only (forward stable) and no division, four steps at a
/// time as `1/B(k+3) = s + p·1/B(k−1)` so the coefficients are off the
/// dependency chain. `None` once `1/B` exceeds [`INV_B_LIMIT`].
fn inverse_erlang_b(agents: u32, load: f64) -> Option<f64> {
    let inv_load = 1.0 / load;
    let mut inv_b = 1.0_f64;
    let mut k = 1u32;
    while k + 3 <= agents {
        let c0 = f64::from(k) * inv_load;
        let c1 = f64::from(k + 1) * inv_load;
        let c2 = f64::from(k + 2) * inv_load;
        let c3 = f64::from(k + 3) * inv_load;
        let s = 1.0 + c3 * (1.0 + c2 * (1.0 + c1));
        let p = (c3 * c2) * (c1 * c0);
        inv_b = s + p * inv_b;
        if inv_b > INV_B_LIMIT {
            return None;
        }
        k += 4;
    }
    while k <= agents {
        inv_b = 1.0 + f64::from(k) * inv_load * inv_b;
        k += 1;
    }
    (inv_b <= INV_B_LIMIT).then_some(inv_b)
}

/// Erlang B: the probability that a call is blocked (lost) in an M/M/n/n
/// loss system with `agents` servers and an offered load of `load` Erlangs.
///
/// `B(n, a) = (aⁿ/n!) / Σ_{k=0..n} aᵏ/k!`, computed by the recursion
/// `B(0) = 1`, `B(k) = a·B(k−1) / (k + a·B(k−1))` (Cooper 1981, ch. 3),
/// which is numerically stable, and in scaled form once `B` is tiny.
/// `B(0, a) = 1`. Cost: O(n).
///
/// ```
/// // Two trunks, one Erlang: B = (1/2) / (1 + 1 + 1/2) = 0.2.
/// assert!((porten_erlang::erlang_b(2, 1.0).unwrap() - 0.2).abs() < 1e-15);
/// ```
pub fn erlang_b(agents: u32, load: f64) -> Result<f64, ErlangError> {
    if !positive_finite(load) {
        return Err(ErlangError::InvalidOfferedLoad(load));
    }
    check_agents(agents, true)?;
    let mut r = ErlangBRecursion::new(load);
    r.advance_to(agents);
    Ok(r.b())
}

fn check_agents(agents: u32, allow_zero: bool) -> Result<(), ErlangError> {
    if agents == 0 && !allow_zero {
        return Err(ErlangError::NoAgents);
    }
    if agents > MAX_AGENTS {
        return Err(ErlangError::TooManyAgents { agents: f64::from(agents), limit: MAX_AGENTS });
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Erlang C
// ---------------------------------------------------------------------------

/// `C(n, a)` from `ln B(n, a)`: `C = n·B / (n − a·(1 − B))` for `n > a`, else 1.
fn erlang_c_from_ln_b(n: f64, a: f64, ln_b: f64) -> f64 {
    if n <= a {
        return 1.0;
    }
    let b = ln_b.exp();
    let denominator = n - a * (1.0 - b); // ≥ n − a > 0
    (ln_b + (n / denominator).ln()).exp().min(1.0)
}

fn erlang_c_metrics(agents: u32, load: f64, aht: f64, target_time: f64, ln_b: f64) -> Metrics {
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

/// Erlang C (M/M/n, callers never abandon): the textbook formulas.
///
/// With `n` agents, offered load `a` Erlangs and `C = C(n, a)`, for `n > a`
/// (Cooper 1981, ch. 3; Koole 2013):
///
/// * probability of wait `C(n, a) = n·B(n,a) / (n − a·(1 − B(n,a)))`;
/// * service level `P(W ≤ t) = 1 − C·e^{−(n−a)·t/AHT}`;
/// * average speed of answer `ASA = E[W] = C·AHT / (n − a)` (over all calls,
///   which in Erlang C are all answered);
/// * occupancy `a / n`.
///
/// For `n ≤ a` the system is unstable: `C = 1`, service level 0, ASA
/// infinite and occupancy 1.
pub mod erlang_c {
    use super::{ErlangError, check_agents, positive_finite};

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
        Ok(super::erlang_c_from_ln_b(f64::from(agents), load, super::ln_erlang_b(agents, load)))
    }

    /// The service level `P(W ≤ t) = 1 − C·e^{−(n−a)·t/AHT}` (0 when unstable).
    pub fn service_level(agents: u32, load: f64, aht_seconds: f64, target_seconds: f64) -> Result<f64, ErlangError> {
        check(agents, load)?;
        check_time(aht_seconds, target_seconds)?;
        let ln_b = super::ln_erlang_b(agents, load);
        Ok(super::erlang_c_metrics(agents, load, aht_seconds, target_seconds, ln_b).service_level)
    }

    /// The average speed of answer `C·AHT / (n − a)` in seconds (infinite when
    /// unstable).
    pub fn asa(agents: u32, load: f64, aht_seconds: f64) -> Result<f64, ErlangError> {
        check(agents, load)?;
        check_time(aht_seconds, 0.0)?;
        let ln_b = super::ln_erlang_b(agents, load);
        Ok(super::erlang_c_metrics(agents, load, aht_seconds, 0.0, ln_b).asa)
    }

    /// Occupancy `a / n`, capped at 1 (an unstable system is always busy).
    pub fn occupancy(agents: u32, load: f64) -> Result<f64, ErlangError> {
        check(agents, load)?;
        Ok((load / f64::from(agents)).min(1.0))
    }
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

/// Sums of the Erlang A series (see [`erlang_a`]).
struct SeriesSums {
    /// `ln Σ_k w_k` with `w_0 = 1`, `w_k = w_{k−1}·z/(x+k)`.
    ln_sum: f64,
    /// `Σ_k w_k·(k+1)/(x+k+1) / Σ_k w_k`.
    abandon_ratio: f64,
    /// `Σ_k w_k·m_k / Σ_k w_k` (seconds).
    served_wait_ratio: f64,
}

/// Which sums [`erlang_a_series`] accumulates besides `Σ w_k`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SeriesTerms {
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
fn erlang_a_series(x: f64, z: f64, theta: f64, terms: SeriesTerms) -> SeriesSums {
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
fn erlang_a_metrics(
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

/// Erlang A (M/M/n+M, Palm's model): callers abandon after an exponentially
/// distributed patience with mean `1/θ`.
///
/// Write `x = nμ/θ = n·patience/AHT`, `y = λ/θ = λ·patience`,
/// `ρ = a/n`, `B = B(n, a)` (Erlang B) and
/// `A(x, y) = x·e^y·y^{−x}·γ(x, y) = Σ_{k≥0} y^k / ((x+1)…(x+k))`, where
/// `γ` is the lower incomplete gamma function. With `W` the time an
/// arriving caller spends in queue, `V` the *offered* wait (the time they
/// would wait if infinitely patient) and "answered" meaning `V < patience`,
/// the measures are (Garnett, Mandelbaum & Reiman 2002;
/// Mandelbaum & Zeltyn, *The M/M/n+G queue: summary of performance
/// measures*, section on exponential patience):
///
/// * **probability of wait** `P(W > 0) = A·B / (1 + (A − 1)·B)`;
/// * **probability of abandonment**
///   `P(Ab) = P(W>0)·(1/(ρA) + 1 − 1/ρ)`; computed here as
///   `P(W>0)·Σ_k w_k·(k+1)/(x+k+1) / Σ_k w_k` (a caller with `k` ahead is
///   answered with probability `x/(x+k+1)`), which is the same value
///   summed in positive terms only;
/// * **service level among all offered** (answered within `t` / offered):
///   `P(V ≤ t, answered) = 1 − P(W>0) + P(W>0)·[γ(x+1, y) − γ(x+1, y·e^{−θt})] / (y·γ(x, y))`,
///   so a caller who abandons counts as *not* answered in time, even if they
///   hung up before `t`;
/// * **service level among answered**: the above divided by `1 − P(Ab)`;
/// * **ASA**: the mean wait of *answered* callers, `E[W | answered]`
///   (Mandelbaum & Zeltyn's `E[W | Sr]`), computed by first-step analysis of
///   the tagged caller's position in queue. (The mean wait over *all*
///   callers, including those who abandon, is `P(Ab)/θ`; it is not what a
///   wallboard ASA shows.)
/// * **occupancy**: carried load per agent, `a·(1 − P(Ab)) / n`.
///
/// The system is stable for every `n ≥ 1`, also with `n < a`.
pub mod erlang_a {
    use super::{ErlangError, Metrics, Queue};

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
    pub fn occupancy(
        agents: u32,
        arrival_rate: f64,
        aht_seconds: f64,
        patience_seconds: f64,
    ) -> Result<f64, ErlangError> {
        Ok(metrics(agents, arrival_rate, aht_seconds, patience_seconds, 0.0)?.occupancy)
    }
}

// ---------------------------------------------------------------------------
// Queue, metrics, staffing
// ---------------------------------------------------------------------------

/// All performance figures for one number of agents.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// Number of agents (productive, before shrinkage).
    pub agents: u32,
    /// Offered load `a = λ·AHT` in Erlangs.
    pub offered_load: f64,
    /// Probability that a caller has to wait, `P(W > 0)`.
    pub p_wait: f64,
    /// Calls answered within the target time divided by calls offered. In
    /// Erlang C every call is eventually answered, so this is `P(W ≤ t)`.
    pub service_level: f64,
    /// Calls answered within the target time divided by calls answered
    /// (equal to `service_level` in Erlang C).
    pub service_level_answered: f64,
    /// Probability that a caller abandons, `P(Ab)` (0 in Erlang C).
    pub abandon_rate: f64,
    /// Average speed of answer: mean wait of answered calls, in seconds.
    /// Infinite for an unstable Erlang C system (`n ≤ a`).
    pub asa: f64,
    /// Fraction of time an agent is busy with calls: `a/n` in Erlang C
    /// (capped at 1), `a·(1 − P(Ab))/n` in Erlang A.
    pub occupancy: f64,
}

/// The traffic of one queue in one interval: arrival rate, handling time and
/// (for Erlang A) patience.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Queue {
    arrival_rate: f64,
    aht: f64,
    patience: Option<f64>,
}

impl Queue {
    /// An Erlang C queue: `arrival_rate` calls per second, `aht_seconds`
    /// average handling time, callers never abandon.
    pub fn erlang_c(arrival_rate: f64, aht_seconds: f64) -> Result<Self, ErlangError> {
        Self::new(arrival_rate, aht_seconds, None)
    }

    /// An Erlang A queue: as [`Queue::erlang_c`], plus an exponential
    /// patience with mean `patience_seconds`.
    pub fn erlang_a(arrival_rate: f64, aht_seconds: f64, patience_seconds: f64) -> Result<Self, ErlangError> {
        Self::new(arrival_rate, aht_seconds, Some(patience_seconds))
    }

    /// A queue with `patience_seconds = None` for Erlang C, `Some(_)` for
    /// Erlang A.
    pub fn new(arrival_rate: f64, aht_seconds: f64, patience_seconds: Option<f64>) -> Result<Self, ErlangError> {
        if !positive_finite(arrival_rate) {
            return Err(ErlangError::InvalidArrivalRate(arrival_rate));
        }
        if !positive_finite(aht_seconds) {
            return Err(ErlangError::InvalidHandlingTime(aht_seconds));
        }
        if let Some(p) = patience_seconds
            && !positive_finite(p)
        {
            return Err(ErlangError::InvalidPatience(p));
        }
        let load = arrival_rate * aht_seconds;
        if !positive_finite(load) {
            return Err(ErlangError::InvalidOfferedLoad(load));
        }
        Ok(Self { arrival_rate, aht: aht_seconds, patience: patience_seconds })
    }

    /// A queue from interval data: `calls` offered in an interval of
    /// `interval_seconds`.
    pub fn from_interval(
        calls: f64,
        interval_seconds: f64,
        aht_seconds: f64,
        patience_seconds: Option<f64>,
    ) -> Result<Self, ErlangError> {
        if !positive_finite(calls) {
            return Err(ErlangError::InvalidArrivalRate(calls));
        }
        if !positive_finite(interval_seconds) {
            return Err(ErlangError::InvalidInterval(interval_seconds));
        }
        Self::new(calls / interval_seconds, aht_seconds, patience_seconds)
    }

    /// Calls per second.
    pub fn arrival_rate(&self) -> f64 {
        self.arrival_rate
    }

    /// Average handling time in seconds.
    pub fn aht(&self) -> f64 {
        self.aht
    }

    /// Mean patience in seconds (`None`: Erlang C).
    pub fn patience(&self) -> Option<f64> {
        self.patience
    }

    /// Offered load `λ·AHT` in Erlangs.
    pub fn offered_load(&self) -> f64 {
        self.arrival_rate * self.aht
    }

    /// All figures for exactly `agents` agents with answer-time target
    /// `target_seconds`.
    pub fn evaluate(&self, agents: u32, target_seconds: f64) -> Result<Metrics, ErlangError> {
        check_agents(agents, false)?;
        check_target_time(target_seconds)?;
        let ln_b = ln_erlang_b(agents, self.offered_load());
        Ok(self.metrics_with_ln_b(agents, target_seconds, ln_b))
    }

    fn metrics_with_ln_b(&self, agents: u32, target_seconds: f64, ln_b: f64) -> Metrics {
        match self.patience {
            None => erlang_c_metrics(agents, self.offered_load(), self.aht, target_seconds, ln_b),
            Some(patience) => {
                erlang_a_metrics(agents, self.arrival_rate, self.aht, patience, target_seconds, ln_b, true)
            }
        }
    }

    /// The smallest number of agents meeting every part of `target`, with
    /// its figures.
    ///
    /// Every figure is monotone in the number of agents (service level up,
    /// ASA, abandonment and occupancy down), so the smallest feasible number
    /// is found by a linear scan up from the stability bound `⌊a⌋ + 1`
    /// (Erlang C, O(1) per step thanks to the Erlang B recursion) or by an
    /// exponential-then-binary search (Erlang A, where fewer agents than the
    /// offered load can be enough).
    pub fn staff(&self, target: &StaffingTarget) -> Result<Metrics, ErlangError> {
        target.validate()?;
        if target.max_abandon.is_some() && self.patience.is_none() {
            return Err(ErlangError::AbandonCapWithoutPatience);
        }
        let load = self.offered_load();
        if load >= f64::from(MAX_AGENTS) {
            return Err(ErlangError::NoFeasibleStaffing { limit: MAX_AGENTS });
        }
        match self.patience {
            None => self.staff_erlang_c(target, load),
            Some(_) => self.staff_erlang_a(target, load),
        }
    }

    fn staff_erlang_c(&self, target: &StaffingTarget, load: f64) -> Result<Metrics, ErlangError> {
        // Stability needs n > a.
        let mut n = load.floor() + 1.0;
        if let Some(cap) = target.max_occupancy {
            // Occupancy a/n ≤ cap needs n ≥ a/cap; start one below in case
            // of rounding, the loop checks the exact condition.
            n = n.max((load / cap).ceil() - 1.0).max(1.0);
        }
        if n > f64::from(MAX_AGENTS) {
            return Err(ErlangError::NoFeasibleStaffing { limit: MAX_AGENTS });
        }
        let mut agents = n as u32;
        if let Some(m) = self.staff_erlang_c_fast(target, load, agents) {
            return Ok(m);
        }
        let mut recursion = ErlangBRecursion::new(load);
        recursion.advance_to(agents);
        loop {
            let m = erlang_c_metrics(agents, load, self.aht, target.target_seconds, recursion.ln_b());
            if target.is_met_by(&m) {
                return Ok(m);
            }
            if agents >= MAX_AGENTS {
                return Err(ErlangError::NoFeasibleStaffing { limit: MAX_AGENTS });
            }
            recursion.step();
            agents += 1;
        }
    }

    /// The common case of [`Queue::staff_erlang_c`] without transcendental
    /// functions in the loop: the inverse recursion `1/B(k) = 1 + (k/a)/B(k−1)`
    /// (positive terms only, forward stable, no division), `C = n / ((n − a)/B + a)`
    /// (compared cross-multiplied, so no division in the loop either) and the
    /// service-level decay `e^{−(n−a)t/AHT}` updated by one factor per step. Decisions within 1e-9 (relative) of a threshold are taken with
    /// [`erlang_c_metrics`], like [`Queue::evaluate`]; `None` hands over to
    /// the general path (1/B beyond 1e250).
    fn staff_erlang_c_fast(&self, target: &StaffingTarget, load: f64, start: u32) -> Option<Metrics> {
        let inv_load = 1.0 / load;
        let mut inv_b = inverse_erlang_b(start, load)?;
        let rate = target.target_seconds / self.aht;
        let mut decay = (-(f64::from(start) - load) * rate).exp();
        let step_decay = (-rate).exp();
        let tail = 1.0 - target.service_level;
        // Caps as plain numbers (∞ when absent) keep the loop branch-light.
        let asa_cap = target.max_asa_seconds.unwrap_or(f64::INFINITY);
        let occupancy_cap = target.max_occupancy.unwrap_or(f64::INFINITY);
        let mut n = start;
        loop {
            if inv_b > INV_B_LIMIT {
                return None;
            }
            let nf = f64::from(n);
            if nf > load {
                // C = n / den; every test is cross-multiplied (den > 0), so
                // the loop has no division.
                let excess = nf - load;
                let den = excess * inv_b + load;
                let late_num = nf * decay; // (1 − SL)·den
                let tail_den = tail * den;
                let asa_num = nf * self.aht; // ASA·den·(n − a)
                let asa_limit = asa_cap * den * excess;
                let load_limit = occupancy_cap * nf;
                // With an infinite cap the difference is infinite: never near.
                let near = |x: f64, y: f64| (x - y).abs() < 1e-9 * y;
                let undecided = near(late_num, tail_den) | near(asa_num, asa_limit) | near(load, load_limit);
                if undecided {
                    let m = erlang_c_metrics(n, load, self.aht, target.target_seconds, (1.0 / inv_b).ln());
                    if target.is_met_by(&m) {
                        return Some(m);
                    }
                } else if late_num <= tail_den && asa_num <= asa_limit && load <= load_limit {
                    let c = nf / den;
                    let service_level = 1.0 - c * decay;
                    return Some(Metrics {
                        agents: n,
                        offered_load: load,
                        p_wait: c,
                        service_level,
                        service_level_answered: service_level,
                        abandon_rate: 0.0,
                        asa: c * self.aht / excess,
                        occupancy: load / nf,
                    });
                }
            }
            if n >= MAX_AGENTS {
                return None;
            }
            n += 1;
            inv_b = 1.0 + f64::from(n) * inv_load * inv_b;
            decay *= step_decay;
        }
    }

    fn staff_erlang_a(&self, target: &StaffingTarget, load: f64) -> Result<Metrics, ErlangError> {
        let patience = self.patience.unwrap_or(f64::INFINITY);
        let with_asa = target.max_asa_seconds.is_some();
        let feasible = |agents: u32| -> Option<Metrics> {
            let ln_b = ln_erlang_b(agents, load);
            let m =
                erlang_a_metrics(agents, self.arrival_rate, self.aht, patience, target.target_seconds, ln_b, with_asa);
            target.is_met_by(&m).then_some(m)
        };
        // Bracket: `low` infeasible (0 agents always is), `high` feasible.
        let guess = (load.ceil() as u32).max(1);
        let (mut low, mut high, mut best) = match feasible(guess) {
            Some(m) => {
                let mut high = guess;
                let mut best = m;
                let mut step = 1u32;
                loop {
                    let probe = high.saturating_sub(step);
                    if probe == 0 {
                        break (0, high, best);
                    }
                    match feasible(probe) {
                        Some(m) => {
                            high = probe;
                            best = m;
                            step = step.saturating_mul(2);
                        }
                        None => break (probe, high, best),
                    }
                }
            }
            None => {
                let mut low = guess;
                let mut step = 1u32;
                loop {
                    if low >= MAX_AGENTS {
                        return Err(ErlangError::NoFeasibleStaffing { limit: MAX_AGENTS });
                    }
                    let probe = low.saturating_add(step).min(MAX_AGENTS);
                    match feasible(probe) {
                        Some(m) => break (low, probe, m),
                        None => {
                            low = probe;
                            step = step.saturating_mul(2);
                        }
                    }
                }
            }
        };
        while high - low > 1 {
            let mid = low + (high - low) / 2;
            match feasible(mid) {
                Some(m) => {
                    high = mid;
                    best = m;
                }
                None => low = mid,
            }
        }
        if with_asa {
            Ok(best)
        } else {
            // The probes skipped the ASA; compute it for the answer.
            Ok(self.metrics_with_ln_b(best.agents, target.target_seconds, ln_erlang_b(best.agents, load)))
        }
    }
}

fn check_target_time(t: f64) -> Result<(), ErlangError> {
    if t.is_finite() && t >= 0.0 { Ok(()) } else { Err(ErlangError::InvalidTargetTime(t)) }
}

/// What a staffing must achieve.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StaffingTarget {
    /// Required service level, strictly between 0 and 1: the fraction of
    /// offered calls answered within `target_seconds` (e.g. 0.8).
    pub service_level: f64,
    /// The answer-time target in seconds (e.g. 20).
    pub target_seconds: f64,
    /// Optional cap on the average speed of answer, in seconds.
    pub max_asa_seconds: Option<f64>,
    /// Optional cap on the probability of abandonment (Erlang A only).
    pub max_abandon: Option<f64>,
    /// Optional cap on occupancy, in (0, 1].
    pub max_occupancy: Option<f64>,
}

impl StaffingTarget {
    /// A target of `service_level` answered within `target_seconds`, with no
    /// further caps.
    pub fn new(service_level: f64, target_seconds: f64) -> Self {
        Self { service_level, target_seconds, max_asa_seconds: None, max_abandon: None, max_occupancy: None }
    }

    /// Checks every field, returning the first problem.
    pub fn validate(&self) -> Result<(), ErlangError> {
        let sl = self.service_level;
        if !(sl > 0.0 && sl < 1.0) {
            return Err(ErlangError::InvalidServiceLevel(sl));
        }
        check_target_time(self.target_seconds)?;
        if let Some(asa) = self.max_asa_seconds
            && !positive_finite(asa)
        {
            return Err(ErlangError::InvalidAsaTarget(asa));
        }
        if let Some(cap) = self.max_abandon
            && !(cap > 0.0 && cap <= 1.0)
        {
            return Err(ErlangError::InvalidAbandonCap(cap));
        }
        if let Some(cap) = self.max_occupancy {
            if cap.is_nan() || cap > 1.0 {
                return Err(ErlangError::InvalidOccupancyCap(cap));
            }
            if cap <= 0.0 {
                return Err(ErlangError::UnreachableOccupancyCap(cap));
            }
        }
        Ok(())
    }

    /// Whether `m` meets every part of this target.
    pub fn is_met_by(&self, m: &Metrics) -> bool {
        m.service_level >= self.service_level
            && self.max_asa_seconds.is_none_or(|cap| m.asa <= cap)
            && self.max_abandon.is_none_or(|cap| m.abandon_rate <= cap)
            && self.max_occupancy.is_none_or(|cap| m.occupancy <= cap)
    }
}

/// Scheduled staff after shrinkage: `⌈agents / (1 − shrinkage)⌉`.
///
/// Shrinkage is the fraction of paid time agents are not available for
/// calls (breaks, training, meetings, absence), in [0, 1). A quotient that
/// is an integer up to floating-point rounding (e.g. 14 / (1 − 0.3) = 20) is
/// not rounded up.
///
/// ```
/// assert_eq!(porten_erlang::scheduled_agents(14, 0.3).unwrap(), 20);
/// assert_eq!(porten_erlang::scheduled_agents(15, 0.3).unwrap(), 22);
/// ```
pub fn scheduled_agents(agents: u32, shrinkage: f64) -> Result<u32, ErlangError> {
    if !(0.0..1.0).contains(&shrinkage) {
        return Err(ErlangError::InvalidShrinkage(shrinkage));
    }
    let exact = f64::from(agents) / (1.0 - shrinkage);
    // Up to 1e-9 (relative) above an integer counts as that integer.
    let scheduled = (exact - 1e-9 * exact.max(1.0)).ceil().max(0.0);
    if scheduled > f64::from(u32::MAX) {
        return Err(ErlangError::TooManyAgents { agents: scheduled, limit: u32::MAX });
    }
    Ok(scheduled as u32)
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn recursion_matches_direct_sum_for_small_systems() {
        // B(n, a) = (a^n/n!) / Σ a^k/k!, evaluated directly for small n.
        for &a in &[0.5, 1.0, 3.7, 10.0] {
            for n in 0..20u32 {
                let mut term = 1.0;
                let mut sum = 1.0;
                for k in 1..=n {
                    term *= a / f64::from(k);
                    sum += term;
                }
                let direct = term / sum;
                let ours = erlang_b(n, a).unwrap();
                assert!((ours - direct).abs() <= 1e-14 * direct.max(1e-300), "{n} {a}");
            }
        }
    }

    #[test]
    fn scaled_phase_matches_log_sum() {
        // ln B for n = 900, a = 200 through the scaled product; direct
        // log-space reference: ln B = n ln a − ln n! − ln Σ_k a^k/k!, where
        // the last sum is e^a up to a negligible tail.
        let (n, a) = (900u32, 200.0f64);
        let ln_fact: f64 = (1..=n).map(|k| f64::from(k).ln()).sum();
        let reference = f64::from(n) * a.ln() - ln_fact - a;
        let ours = ln_erlang_b(n, a);
        assert!(((ours - reference) / reference).abs() < 1e-12, "{ours} {reference}");
    }

    #[test]
    fn series_abandonment_equals_closed_form() {
        // P(Ab | W>0) = 1/(ρA) + 1 − 1/ρ (Mandelbaum & Zeltyn) against the
        // positive-term sum used in the code.
        for &(x, y) in &[(3.0, 2.0), (10.0, 12.0), (50.0, 30.0), (2.5, 40.0)] {
            let s = erlang_a_series(x, y, 1.0, SeriesTerms::Full);
            let a = s.ln_sum.exp();
            let rho = y / x;
            let closed = 1.0 / (rho * a) + 1.0 - 1.0 / rho;
            assert!((s.abandon_ratio - closed).abs() < 1e-13, "{x} {y}");
        }
    }

    #[test]
    fn fast_erlang_c_staffing_matches_plain_scan() {
        // The division-free fast path against the obvious algorithm: the
        // first n whose `evaluate` meets the target.
        let mut checked = 0;
        for i in 0..400 {
            let load = 0.05 + f64::from(i) * 0.37 + f64::from(i % 7) * 0.013;
            let aht = 60.0 + f64::from(i % 11) * 40.0;
            let q = Queue::new(load / aht, aht, None).unwrap();
            for (sl, t, asa, occ) in [
                (0.8, 20.0, None, None),
                (0.95, 0.0, None, None),
                (0.5, 60.0, Some(4.0), None),
                (0.9, 15.0, None, Some(0.8)),
                (0.7, 30.0, Some(30.0), Some(0.95)),
            ] {
                let target = StaffingTarget { max_asa_seconds: asa, max_occupancy: occ, ..StaffingTarget::new(sl, t) };
                let fast = q.staff(&target).unwrap();
                let mut n = 1;
                while !target.is_met_by(&q.evaluate(n, t).unwrap()) {
                    n += 1;
                }
                assert_eq!(fast.agents, n, "load {load} aht {aht} target {target:?}");
                let slow = q.evaluate(n, t).unwrap();
                assert!((fast.service_level - slow.service_level).abs() < 1e-12);
                assert!((fast.p_wait - slow.p_wait).abs() < 1e-12);
                assert!((fast.asa - slow.asa).abs() <= 1e-9 * slow.asa.max(1.0));
                checked += 1;
            }
        }
        assert_eq!(checked, 2000);
    }

    #[test]
    fn overloaded_series_does_not_overflow() {
        let s = erlang_a_series(10.0, 1e5, 1.0, SeriesTerms::Full);
        assert!(s.ln_sum.is_finite() && s.ln_sum > 700.0);
        assert!(s.abandon_ratio > 0.0 && s.abandon_ratio < 1.0);
    }
}
