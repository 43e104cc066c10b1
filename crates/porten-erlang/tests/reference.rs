//! Agreement with published textbook examples and with an independent
//! high-precision reference.
//!
//! "Reference" values come from `bench/staffing/reference.py` (mpmath, 40
//! digits): Erlang B by its defining sum, Erlang C from it, Erlang A from the
//! birth–death stationary distribution with an incomplete-beta waiting-time
//! CDF, staffing by evaluating n and n−1 — a different route from the
//! crate's recursion and incomplete-gamma series. Probabilities must agree
//! within 1e-6 (most agree to ~1e-12), agent counts exactly.

// Reference values are pasted verbatim (17 significant digits) from the script.
#![allow(clippy::excessive_precision)]

use porten_erlang::{ErlangError, Queue, StaffingTarget, erlang_a, erlang_b, erlang_c, scheduled_agents};

const TOL: f64 = 1e-6;

#[track_caller]
fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "got {got}, want {want} (diff {:e})", (got - want).abs());
}

/// ASA and other times in seconds: relative tolerance 1e-6.
#[track_caller]
fn close_rel(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-6 * want.abs().max(1.0), "got {got}, want {want}");
}

fn per_second(calls: f64, interval_seconds: f64) -> f64 {
    calls / interval_seconds
}

// ---------------------------------------------------------------------------
// Erlang B
// ---------------------------------------------------------------------------

#[test]
fn erlang_b_exact_small_cases() {
    // Textbook closed forms (Cooper 1981, ch. 3): B(1, a) = a/(1+a);
    // B(2, 1) = (1/2)/(1 + 1 + 1/2) = 0.2.
    close(erlang_b(1, 1.0).unwrap(), 0.5, 1e-15);
    close(erlang_b(2, 1.0).unwrap(), 0.2, 1e-15);
    close(erlang_b(1, 3.0).unwrap(), 0.75, 1e-15);
    // Zero trunks block everything.
    close(erlang_b(0, 3.0).unwrap(), 1.0, 0.0);
    // reference.py: B(3, 2.5).
    close(erlang_b(3, 2.5).unwrap(), 0.28216704288939052, 1e-12);
}

#[test]
fn erlang_b_table_one_percent_grade_of_service() {
    // The classic Erlang B table (appendix of queueing texts such as Cooper 1981; any
    // telephone-traffic handbook) lists the offered load at 1 % blocking:
    // N=5: 1.361 E, N=10: 4.461 E, N=20: 12.031 E, N=50: 37.901 E,
    // N=100: 84.064 E. At those (rounded) loads B is 1 % to within the
    // table's rounding; the exact values are from reference.py.
    let cases = [
        (5, 1.361, 0.010005724143017587),
        (10, 4.461, 0.0099977866879027662),
        (20, 12.031, 0.010002591800192999),
        (50, 37.901, 0.0099986895035243403),
        (100, 84.064, 0.009999682902650257),
    ];
    for (n, a, exact) in cases {
        let b = erlang_b(n, a).unwrap();
        close(b, 0.01, 1e-5); // the table
        close(b, exact, 1e-12); // reference.py
    }
}

#[test]
fn erlang_b_very_large_systems() {
    // reference.py (defining sum at 40 digits).
    let b = erlang_b(10_000, 9_500.0).unwrap();
    assert!((b - 9.642737926005891e-9).abs() <= 1e-9 * 9.642737926005891e-9);
    close(erlang_b(50_000, 50_000.0).unwrap(), 0.003559774201536094, 1e-12);
    // 1.9e-411 is below the smallest f64: no overflow, no NaN, just 0.
    assert_eq!(erlang_b(60_000, 50_000.0).unwrap(), 0.0);
}

// ---------------------------------------------------------------------------
// Erlang C
// ---------------------------------------------------------------------------

#[test]
fn erlang_c_mm1_and_mm2_closed_forms() {
    // M/M/1: P(wait) = ρ, ASA = ρ·AHT/(1−ρ); M/M/2 with a = 1: C = a²/(2+a)
    // = 1/3 (Kleinrock 1975, Queueing Systems Vol. I, ch. 3). Service levels
    // from reference.py.
    close(erlang_c::probability_of_wait(1, 0.5).unwrap(), 0.5, 1e-15);
    close_rel(erlang_c::asa(1, 0.5, 180.0).unwrap(), 180.0);
    close(erlang_c::service_level(1, 0.5, 180.0, 20.0).unwrap(), 0.52702026554661727, TOL);
    close(erlang_c::probability_of_wait(2, 1.0).unwrap(), 1.0 / 3.0, 1e-15);
    close_rel(erlang_c::asa(2, 1.0, 300.0).unwrap(), 100.0);
    close(erlang_c::service_level(2, 1.0, 300.0, 30.0).unwrap(), 0.69838752732134681, TOL);
    close(erlang_c::occupancy(2, 1.0).unwrap(), 0.5, 0.0);
}

#[test]
fn erlang_c_five_agents() {
    // reference.py: n = 5, a = 3, AHT 240 s, t = 20 s.
    close(erlang_c::probability_of_wait(5, 3.0).unwrap(), 0.23615160349854227, TOL);
    close(erlang_c::service_level(5, 3.0, 240.0, 20.0).unwrap(), 0.80010198333486956, TOL);
    close_rel(erlang_c::asa(5, 3.0, 240.0).unwrap(), 28.338192419825073);
}

#[test]
fn erlang_c_textbook_100_calls_per_half_hour() {
    // The well-known worked example ("Erlang C formula – made simple",
    // callcentrehelper.com; also pyworkforce's test suite): 100 calls in
    // 30 minutes, AHT 180 s, 80 % within 20 s -> 10 Erlangs, 14 agents,
    // P(wait) 17.4 %, service level 88.8 %, occupancy 71.4 %; with 30 %
    // shrinkage 20 scheduled. 13 agents give only 79.6 %.
    let q = Queue::from_interval(100.0, 1800.0, 180.0, None).unwrap();
    close(q.offered_load(), 10.0, 1e-12);
    let m = q.staff(&StaffingTarget::new(0.8, 20.0)).unwrap();
    assert_eq!(m.agents, 14);
    assert_eq!(scheduled_agents(m.agents, 0.3).unwrap(), 20);
    assert_eq!((m.p_wait * 1000.0).round(), 174.0);
    assert_eq!((m.service_level * 1000.0).round(), 888.0);
    assert_eq!((m.occupancy * 1000.0).round(), 714.0);
    // Exact values, reference.py.
    close(m.p_wait, 0.17413193359504984, TOL);
    close(m.service_level, 0.88835001917946688, TOL);
    close_rel(m.asa, 7.8359370117772429);
    close(m.occupancy, 0.71428571428571429, 1e-12);
    let m13 = q.evaluate(13, 20.0).unwrap();
    close(m13.p_wait, 0.28527045303649294, TOL);
    close(m13.service_level, 0.79559478841778312, TOL);
    close_rel(m13.asa, 17.116227182189576);
    // Same example at 95 % (pyworkforce: 15 agents at 94.1 % is not enough).
    assert_eq!(q.staff(&StaffingTarget::new(0.95, 20.0)).unwrap().agents, 16);
    close(q.evaluate(15, 20.0).unwrap().service_level, 0.941, 5e-4);
}

#[test]
fn erlang_c_very_large_systems() {
    // reference.py: 10,100 agents at 10,000 E (AHT 300 s) and 50,100 agents
    // at 50,000 E (AHT 180 s), t = 20 s.
    let m = Queue::new(10_000.0 / 300.0, 300.0, None).unwrap().evaluate(10_100, 20.0).unwrap();
    close(m.p_wait, 0.22476290646653222, TOL);
    close(m.service_level, 0.99971395912794331, TOL);
    close_rel(m.asa, 0.67428871939959667);
    close(m.occupancy, 0.9900990099009901, 1e-12);
    let m = Queue::new(50_000.0 / 180.0, 180.0, None).unwrap().evaluate(50_100, 20.0).unwrap();
    close(m.p_wait, 0.54593758303974638, TOL);
    close(m.service_level, 0.99999184077800807, TOL);
    close_rel(m.asa, 0.98268764947154349);
}

#[test]
fn erlang_c_staffing_agent_counts() {
    // reference.py, staff_c: (calls, interval s, AHT s, t s, SL, max occupancy, agents).
    type Case = (f64, f64, f64, f64, f64, Option<f64>, u32);
    let cases: [Case; 6] = [
        (100.0, 1800.0, 180.0, 20.0, 0.95, None, 16),
        (10.0, 900.0, 300.0, 20.0, 0.8, None, 6),
        (3.0, 900.0, 240.0, 30.0, 0.9, None, 3),
        (400.0, 900.0, 300.0, 20.0, 0.8, Some(0.85), 157),
        (36_000.0, 1800.0, 500.0, 20.0, 0.8, None, 10_031),
        (900_000.0, 3600.0, 200.0, 20.0, 0.8, None, 50_016),
    ];
    for (calls, interval, aht, t, sl, occ, want) in cases {
        let q = Queue::from_interval(calls, interval, aht, None).unwrap();
        let mut target = StaffingTarget::new(sl, t);
        target.max_occupancy = occ;
        let m = q.staff(&target).unwrap();
        assert_eq!(m.agents, want, "{calls} calls");
        // Minimal: one agent fewer fails.
        assert!(!target.is_met_by(&q.evaluate(want - 1, t).unwrap()));
    }
}

// ---------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------

/// (agents, calls, interval s, AHT s, patience s, t s,
///  p_wait, abandon_rate, service_level, service_level_answered, asa, occupancy)
type ACase = (u32, f64, f64, f64, f64, f64, [f64; 6]);

#[track_caller]
fn check_a(case: ACase) {
    let (n, calls, interval, aht, patience, t, want) = case;
    let q = Queue::from_interval(calls, interval, aht, Some(patience)).unwrap();
    let m = q.evaluate(n, t).unwrap();
    close(m.p_wait, want[0], TOL);
    close(m.abandon_rate, want[1], TOL);
    close(m.service_level, want[2], TOL);
    close(m.service_level_answered, want[3], TOL);
    close_rel(m.asa, want[4]);
    close(m.occupancy, want[5], TOL);
}

#[test]
fn erlang_a_matches_pyworkforce_snapshot() {
    // pyworkforce 0.5.4, queuing/tests/test_abandonment.py
    // (test_erlanga_regression_metrics; an independent uniformisation
    // implementation): 100 calls / 30 min, AHT 3 min, patience 5 min,
    // 14 agents: P(wait) 0.14526, P(Ab) 0.013984, occupancy 0.704297,
    // SL(20 s) 0.916792, mean wait of *all* callers 0.069919 min
    // (= P(Ab)/θ). The remaining digits and our ASA (answered callers
    // only) are from reference.py.
    let q = Queue::from_interval(100.0, 1800.0, 180.0, Some(300.0)).unwrap();
    let m = q.evaluate(14, 20.0).unwrap();
    close(m.p_wait, 0.14526, 5e-6);
    close(m.abandon_rate, 0.013984, 5e-7);
    close(m.occupancy, 0.704297, 5e-7);
    close(m.service_level, 0.916792, 5e-7);
    close(m.abandon_rate * 300.0 / 60.0, 0.069919, 5e-7);
    check_a((
        14,
        100.0,
        1800.0,
        180.0,
        300.0,
        20.0,
        [
            0.1452601142963612,
            0.013983744122408938,
            0.91679209186354687,
            0.92979409456851995,
            3.8784800445210219,
            0.70429732562685076,
        ],
    ));
    // The module-level functions give the same numbers.
    let lambda = per_second(100.0, 1800.0);
    close(erlang_a::probability_of_wait(14, lambda, 180.0, 300.0).unwrap(), m.p_wait, 0.0);
    close(erlang_a::probability_of_abandonment(14, lambda, 180.0, 300.0).unwrap(), m.abandon_rate, 0.0);
    close(erlang_a::service_level(14, lambda, 180.0, 300.0, 20.0).unwrap(), m.service_level, 0.0);
    close(erlang_a::service_level_answered(14, lambda, 180.0, 300.0, 20.0).unwrap(), m.service_level_answered, 0.0);
    close(erlang_a::asa(14, lambda, 180.0, 300.0).unwrap(), m.asa, 0.0);
    close(erlang_a::occupancy(14, lambda, 180.0, 300.0).unwrap(), m.occupancy, 0.0);
}

#[test]
fn erlang_a_small_systems() {
    // reference.py, erlang_a cases with 1, 2, 3 and 5 agents (the 3-agent
    // case is overloaded, a = 6.67).
    check_a((
        1,
        10.0,
        3600.0,
        180.0,
        60.0,
        20.0,
        [
            0.36191786486205769,
            0.27616427027588462,
            0.66737576272097222,
            0.92199892229047265,
            5.5516981662361729,
            0.36191786486205769,
        ],
    ));
    check_a((
        2,
        40.0,
        3600.0,
        180.0,
        120.0,
        30.0,
        [
            0.55783672138101139,
            0.29477551907932574,
            0.52804793632521794,
            0.74876574851152159,
            25.333100346170321,
            0.70522448092067426,
        ],
    ));
    check_a((
        3,
        100.0,
        1800.0,
        120.0,
        90.0,
        15.0,
        [
            0.94041821806592995,
            0.56152874256382285,
            0.1014436014977715,
            0.23135747161839313,
            57.854703017190037,
            0.97438057208039367,
        ],
    ));
    check_a((
        5,
        60.0,
        900.0,
        100.0,
        30.0,
        10.0,
        [
            0.63529675834273506,
            0.34459870587698343,
            0.47515449753103993,
            0.72498254396466764,
            7.9746260853783573,
            0.87386839216402209,
        ],
    ));
}

#[test]
fn erlang_a_medium_and_very_large_systems() {
    // reference.py: 50 agents at 60 E; 10,000 agents at 10,000 E and at
    // 11,000 E (overloaded, stable only through abandonment).
    check_a((
        50,
        600.0,
        900.0,
        90.0,
        200.0,
        20.0,
        [
            0.98070642742841753,
            0.16788382202392613,
            0.16922938090170246,
            0.20337229990325747,
            35.903190162654522,
            0.99853941357128864,
        ],
    ));
    check_a((
        10_000,
        100_000.0,
        3600.0,
        360.0,
        180.0,
        20.0,
        [
            0.41577355447326233,
            0.0046738443982294995,
            0.99532615560176581,
            0.99999999999999529,
            0.83775188273634295,
            0.9953261556017705,
        ],
    ));
    check_a((
        10_000,
        120_000.0,
        3600.0,
        330.0,
        120.0,
        20.0,
        [
            0.9999999974325701,
            0.090909090911607099,
            0.90908176576333972,
            0.99998994234244147,
            11.420722333160869,
            0.99999999999723219,
        ],
    ));
}

#[test]
fn erlang_a_staffing_agent_counts() {
    // reference.py, staff_a: (calls, interval s, AHT s, patience s, t s, SL,
    // abandonment cap, agents). Abandonment lets Erlang A staff below
    // Erlang C's 14 for the textbook example.
    type Case = (f64, f64, f64, f64, f64, f64, Option<f64>, u32);
    let cases: [Case; 4] = [
        (100.0, 1800.0, 180.0, 300.0, 20.0, 0.8, None, 13),
        (20.0, 900.0, 240.0, 60.0, 20.0, 0.8, None, 7),
        (600.0, 900.0, 90.0, 200.0, 20.0, 0.9, Some(0.01), 67),
        (12_000.0, 900.0, 300.0, 120.0, 20.0, 0.8, None, 3_510),
    ];
    for (calls, interval, aht, patience, t, sl, cap, want) in cases {
        let q = Queue::from_interval(calls, interval, aht, Some(patience)).unwrap();
        let mut target = StaffingTarget::new(sl, t);
        target.max_abandon = cap;
        let m = q.staff(&target).unwrap();
        assert_eq!(m.agents, want, "{calls} calls");
        assert!(!target.is_met_by(&q.evaluate(want - 1, t).unwrap()));
    }
}

#[test]
fn erlang_a_tends_to_erlang_c_for_patient_callers() {
    // Garnett, Mandelbaum & Reiman (2002): as θ → 0 Erlang A → Erlang C.
    let c = Queue::from_interval(100.0, 1800.0, 180.0, None).unwrap();
    let a = Queue::from_interval(100.0, 1800.0, 180.0, Some(1e9)).unwrap();
    for n in [11, 14, 20, 40] {
        let mc = c.evaluate(n, 20.0).unwrap();
        let ma = a.evaluate(n, 20.0).unwrap();
        close(ma.p_wait, mc.p_wait, 1e-6);
        close(ma.service_level, mc.service_level, 1e-6);
        close(ma.abandon_rate, 0.0, 1e-6);
        assert!((ma.asa - mc.asa).abs() < 1e-4 * mc.asa.max(1e-9));
    }
}

#[test]
fn erlang_a_with_50000_agents_and_huge_overload() {
    // Numerical robustness: ≥ 50,000 agents and 100,000 E of offered load
    // times patience — no overflow, probabilities in [0, 1], identities hold:
    // P(Ab) = θ·E[Q]/λ ⇒ occupancy = a(1 − P(Ab))/n ≤ 1; SL ≤ 1 − P(Ab).
    for (calls_per_hour, aht, patience, n) in
        [(1_000_000.0, 180.0, 600.0, 50_000u32), (2_000_000.0, 180.0, 600.0, 50_000), (1_000_000.0, 180.0, 1e6, 50_500)]
    {
        let q = Queue::from_interval(calls_per_hour, 3600.0, aht, Some(patience)).unwrap();
        let m = q.evaluate(n, 20.0).unwrap();
        for p in [m.p_wait, m.abandon_rate, m.service_level, m.service_level_answered, m.occupancy] {
            assert!((0.0..=1.0).contains(&p), "{m:?}");
        }
        assert!(m.asa.is_finite() && m.asa >= 0.0);
        assert!(m.service_level <= 1.0 - m.abandon_rate + 1e-12);
    }
    // Overloaded 2x: half the callers must abandon (flow balance).
    let q = Queue::from_interval(2_000_000.0, 3600.0, 180.0, Some(600.0)).unwrap();
    let m = q.evaluate(50_000, 20.0).unwrap();
    close(m.abandon_rate, 0.5, 1e-3);
}

// ---------------------------------------------------------------------------
// Monotonicity, shrinkage, errors
// ---------------------------------------------------------------------------

#[test]
fn figures_are_monotone_in_agents() {
    for patience in [None, Some(120.0)] {
        let q = Queue::from_interval(300.0, 900.0, 240.0, patience).unwrap();
        let mut prev = q.evaluate(1, 20.0).unwrap();
        for n in 2..200 {
            let m = q.evaluate(n, 20.0).unwrap();
            assert!(m.service_level >= prev.service_level - 1e-12, "{n}");
            assert!(m.p_wait <= prev.p_wait + 1e-12, "{n}");
            assert!(m.abandon_rate <= prev.abandon_rate + 1e-12, "{n}");
            assert!(m.asa <= prev.asa + 1e-9 || prev.asa.is_infinite(), "{n}");
            assert!(m.occupancy <= prev.occupancy + 1e-12, "{n}");
            prev = m;
        }
    }
}

#[test]
fn scheduled_agents_rounding() {
    assert_eq!(scheduled_agents(14, 0.0).unwrap(), 14);
    assert_eq!(scheduled_agents(14, 0.3).unwrap(), 20); // 20.000000000000004 in f64
    assert_eq!(scheduled_agents(15, 0.3).unwrap(), 22);
    assert_eq!(scheduled_agents(10, 0.5).unwrap(), 20);
    assert_eq!(scheduled_agents(0, 0.5).unwrap(), 0);
    assert_eq!(scheduled_agents(1, 1.0), Err(ErlangError::InvalidShrinkage(1.0)));
    assert_eq!(scheduled_agents(1, -0.1), Err(ErlangError::InvalidShrinkage(-0.1)));
    assert!(matches!(scheduled_agents(u32::MAX, 0.5), Err(ErlangError::TooManyAgents { .. })));
}

#[test]
fn bad_input_gives_typed_errors() {
    use ErlangError::*;
    assert_eq!(Queue::erlang_c(0.0, 180.0), Err(InvalidArrivalRate(0.0)));
    assert_eq!(Queue::erlang_c(-1.0, 180.0), Err(InvalidArrivalRate(-1.0)));
    assert!(matches!(Queue::erlang_c(f64::NAN, 180.0), Err(InvalidArrivalRate(_))));
    assert_eq!(Queue::erlang_c(1.0, 0.0), Err(InvalidHandlingTime(0.0)));
    assert_eq!(Queue::erlang_c(1.0, f64::INFINITY), Err(InvalidHandlingTime(f64::INFINITY)));
    assert_eq!(Queue::erlang_a(1.0, 180.0, 0.0), Err(InvalidPatience(0.0)));
    assert_eq!(Queue::from_interval(10.0, 0.0, 180.0, None), Err(InvalidInterval(0.0)));
    assert_eq!(Queue::from_interval(0.0, 900.0, 180.0, None), Err(InvalidArrivalRate(0.0)));
    assert_eq!(erlang_b(3, 0.0), Err(InvalidOfferedLoad(0.0)));
    assert_eq!(erlang_c::probability_of_wait(0, 1.0), Err(NoAgents));
    assert_eq!(erlang_c::service_level(2, 1.0, 180.0, -1.0), Err(InvalidTargetTime(-1.0)));
    assert!(matches!(erlang_b(u32::MAX, 1.0), Err(TooManyAgents { .. })));

    let q = Queue::erlang_c(0.1, 180.0).unwrap();
    assert_eq!(q.evaluate(0, 20.0), Err(NoAgents));
    for sl in [0.0, 1.0, 1.5, -0.2, f64::NAN] {
        assert!(matches!(q.staff(&StaffingTarget::new(sl, 20.0)), Err(InvalidServiceLevel(_))));
    }
    let mut t = StaffingTarget::new(0.8, 20.0);
    t.max_occupancy = Some(0.0);
    assert_eq!(q.staff(&t), Err(UnreachableOccupancyCap(0.0)));
    t.max_occupancy = Some(-0.5);
    assert_eq!(q.staff(&t), Err(UnreachableOccupancyCap(-0.5)));
    t.max_occupancy = Some(1.2);
    assert_eq!(q.staff(&t), Err(InvalidOccupancyCap(1.2)));
    let mut t = StaffingTarget::new(0.8, 20.0);
    t.max_abandon = Some(0.05);
    assert_eq!(q.staff(&t), Err(AbandonCapWithoutPatience));
    t.max_abandon = Some(0.0);
    assert_eq!(q.staff(&t), Err(InvalidAbandonCap(0.0)));
    let mut t = StaffingTarget::new(0.8, 20.0);
    t.max_asa_seconds = Some(0.0);
    assert_eq!(q.staff(&t), Err(InvalidAsaTarget(0.0)));
    // A load beyond the agent limit cannot be staffed.
    let huge = Queue::erlang_c(1e6, 1e3).unwrap();
    assert!(matches!(huge.staff(&StaffingTarget::new(0.8, 20.0)), Err(NoFeasibleStaffing { .. })));
    // Errors are std errors with a readable message.
    let e: Box<dyn std::error::Error> = Box::new(InvalidServiceLevel(1.5));
    assert!(e.to_string().contains("strictly between 0 and 1"));
}

#[test]
fn caps_are_honoured() {
    // ASA cap and occupancy cap on the textbook example (reference figures
    // above: 14 agents give ASA 7.84 s and occupancy 71.4 %).
    let q = Queue::from_interval(100.0, 1800.0, 180.0, None).unwrap();
    let mut t = StaffingTarget::new(0.8, 20.0);
    t.max_asa_seconds = Some(5.0);
    let m = q.staff(&t).unwrap();
    assert!(m.asa <= 5.0 && m.agents == 15, "{m:?}");
    let mut t = StaffingTarget::new(0.8, 20.0);
    t.max_occupancy = Some(0.5);
    assert_eq!(q.staff(&t).unwrap().agents, 20);
    // Abandonment cap forces more agents than the service level alone.
    let qa = Queue::from_interval(100.0, 1800.0, 180.0, Some(300.0)).unwrap();
    let mut t = StaffingTarget::new(0.8, 20.0);
    let plain = qa.staff(&t).unwrap();
    t.max_abandon = Some(0.005);
    let capped = qa.staff(&t).unwrap();
    assert!(capped.agents > plain.agents && capped.abandon_rate <= 0.005);
}
