//! Unit tests of the private numerics, against direct formulas.

use crate::erlang_a::{SeriesTerms, erlang_a_series};
use crate::erlang_b::ln_erlang_b;
use crate::*;

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
