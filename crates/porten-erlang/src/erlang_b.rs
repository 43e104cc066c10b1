//! Erlang B (M/M/n/n) by its stable recursions, in scaled form once the
//! blocking probability is tiny.

use std::f64::consts::LN_10;

use crate::{ErlangError, MAX_AGENTS, positive_finite};

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
pub(crate) struct ErlangBRecursion {
    load: f64,
    n: u32,
    mantissa: f64,
    ln_scale: f64,
    product_phase: bool,
    negligible: bool,
}

impl ErlangBRecursion {
    pub(crate) fn new(load: f64) -> Self {
        Self { load, n: 0, mantissa: 1.0, ln_scale: 0.0, product_phase: false, negligible: false }
    }

    #[inline]
    pub(crate) fn step(&mut self) {
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

    pub(crate) fn advance_to(&mut self, n: u32) {
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
    pub(crate) fn ln_b(&self) -> f64 {
        self.mantissa.ln() + self.ln_scale
    }

    fn b(&self) -> f64 {
        if self.ln_scale == 0.0 { self.mantissa } else { self.ln_b().exp() }
    }
}

/// `ln B(n, a)`, the natural log of the Erlang B blocking probability.
pub(crate) fn ln_erlang_b(agents: u32, load: f64) -> f64 {
    if let Some(inv_b) = inverse_erlang_b(agents, load) {
        return -inv_b.ln();
    }
    let mut r = ErlangBRecursion::new(load);
    r.advance_to(agents);
    r.ln_b()
}

/// Above this `1/B` the inverse recursion hands over to the scaled one.
pub(crate) const INV_B_LIMIT: f64 = 1e250;

/// `1/B(n, a)` by the inverse recursion `1/B(k) = 1 + (k/a)·1/B(k−1)`:
/// positive terms only (forward stable) and no division, four steps at a
/// time as `1/B(k+3) = s + p·1/B(k−1)` so the coefficients are off the
/// dependency chain. `None` once `1/B` exceeds [`INV_B_LIMIT`].
pub(crate) fn inverse_erlang_b(agents: u32, load: f64) -> Option<f64> {
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

pub(crate) fn check_agents(agents: u32, allow_zero: bool) -> Result<(), ErlangError> {
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
