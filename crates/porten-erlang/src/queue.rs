//! A queue's traffic, all its figures for a number of agents, and the
//! search for the smallest staffing that meets a target.

use crate::erlang_a::erlang_a_metrics;
use crate::erlang_b::{ErlangBRecursion, INV_B_LIMIT, check_agents, inverse_erlang_b, ln_erlang_b};
use crate::erlang_c::erlang_c_metrics;
use crate::target::check_target_time;
use crate::{ErlangError, MAX_AGENTS, StaffingTarget, positive_finite};

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
