#!/usr/bin/env python3
"""Independent high-precision reference values for porten-erlang's tests.

Run:  python3 bench/staffing/reference.py        (needs `pip install mpmath`)

Everything here is computed with mpmath at 40 significant digits and by a
*different route* than the Rust crate:

* Erlang B by the defining sum  B(n,a) = (a^n/n!) / sum_k a^k/k!
  (the crate uses the forward recursion);
* Erlang C from that B;
* Erlang A (M/M/n+M) from the stationary distribution of the birth-death
  chain (pi_j ~ a^j/j! for j <= n, pi_{n+k} = pi_n prod_i lambda/(n mu + i theta)),
  with P(Ab) = theta E[Q] / lambda (Little's law) and, for the service level,
  the tagged caller with k ahead: answered with probability x/(x+k+1)
  (x = n mu/theta) after a hypoexponential time whose CDF is the regularised
  incomplete beta I_p(k+1, x+1), p = 1 - exp(-theta t)
  (the crate uses Mandelbaum & Zeltyn's incomplete-gamma closed form and a
  scaled series);
* staffing by evaluating candidate n and n-1 at full precision.

The printed values are pasted into crates/porten-erlang/tests/reference.rs.
"""

import json
import sys

import mpmath as mp

mp.mp.dps = 40


def erlang_b(n, a):
    a = mp.mpf(a)
    term = mp.mpf(1)
    total = mp.mpf(1)
    for k in range(1, n + 1):
        term = term * a / k
        total += term
    return term / total


def erlang_c_metrics(n, a, aht, t):
    a = mp.mpf(a)
    if n <= a:
        return dict(p_wait=1, service_level=0, asa=mp.inf, occupancy=1)
    b = erlang_b(n, a)
    c = n * b / (n - a * (1 - b))
    sl = 1 - c * mp.exp(-(n - a) * mp.mpf(t) / aht)
    return dict(p_wait=c, service_level=sl, asa=c * aht / (n - a), occupancy=a / n,
                abandon_rate=mp.mpf(0), service_level_answered=sl)


def erlang_a_metrics(n, lam, aht, patience, t):
    lam = mp.mpf(lam)
    mu = 1 / mp.mpf(aht)
    theta = 1 / mp.mpf(patience)
    a = lam / mu
    x = n * mu / theta
    # Unnormalised stationary distribution: below n (Poisson terms) ...
    term = mp.mpf(1)
    below = mp.mpf(1)  # sum_{j<n}
    for j in range(1, n):
        term = term * a / j
        below += term
    pi_n = term * a / n
    # ... and the queue states n+k, k >= 0.
    queue = []
    q = pi_n
    k = 0
    total_q = mp.mpf(0)
    while True:
        queue.append(q)
        total_q += q
        k += 1
        q = q * lam / (n * mu + k * theta)
        if k > 10 and q < total_q * mp.mpf(10) ** -35 and lam < n * mu + k * theta:
            break
    norm = below + total_q
    p_wait = total_q / norm
    mean_queue = sum(k * qk for k, qk in enumerate(queue)) / norm
    p_ab = theta * mean_queue / lam
    answered = 1 - p_ab
    p = -mp.expm1(-theta * t)
    in_time = below / norm
    served_wait = mp.mpf(0)
    harmonic = mp.mpf(0)
    for k, qk in enumerate(queue):
        w = qk / norm
        served = x / (x + k + 1)
        harmonic += 1 / (theta * (x + 1 + k))
        served_wait += w * served * harmonic
        if t > 0:
            in_time += w * served * mp.betainc(k + 1, x + 1, 0, p, regularized=True)
    return dict(p_wait=p_wait, abandon_rate=p_ab, service_level=in_time,
                service_level_answered=in_time / answered, asa=served_wait / answered,
                occupancy=a * answered / n)


def meets(m, sl, max_asa=None, max_ab=None, max_occ=None):
    return (m["service_level"] >= sl
            and (max_asa is None or m["asa"] <= max_asa)
            and (max_ab is None or m["abandon_rate"] <= max_ab)
            and (max_occ is None or m["occupancy"] <= max_occ))


def staff(evaluate, start, sl, **caps):
    """Smallest n >= 1 meeting the targets; `start` is a guess. Monotone
    figures make a bracket + bisection exact; n and n-1 are both verified."""
    lo, hi = 0, None
    n = max(1, start)
    if meets(evaluate(n), sl, **caps):
        hi = n
        step = 1
        while True:
            probe = hi - step
            if probe <= 0:
                break
            if meets(evaluate(probe), sl, **caps):
                hi = probe
                step *= 2
            else:
                lo = probe
                break
    else:
        lo = n
        step = 1
        while True:
            probe = lo + step
            if meets(evaluate(probe), sl, **caps):
                hi = probe
                break
            lo = probe
            step *= 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if meets(evaluate(mid), sl, **caps):
            hi = mid
        else:
            lo = mid
    assert hi == 1 or not meets(evaluate(hi - 1), sl, **caps)
    return hi


def fmt(v):
    if v == mp.inf:
        return "f64::INFINITY"
    return mp.nstr(v, 17, min_fixed=-30, max_fixed=30)


def main():
    out = {}
    # --- Erlang B: (n, a) -------------------------------------------------
    out["erlang_b"] = [(n, a, fmt(erlang_b(n, a))) for n, a in [
        (1, 1.0), (2, 1.0), (3, 2.5), (5, 1.361), (10, 4.461), (20, 12.031),
        (50, 37.901), (100, 84.064), (10_000, 9_500.0), (50_000, 50_000.0),
        (60_000, 50_000.0),
    ]]
    # --- Erlang C evaluation: (n, a, aht, t) -------------------------------
    cases_c = [
        (1, 0.5, 180.0, 20.0), (2, 1.0, 300.0, 30.0), (5, 3.0, 240.0, 20.0),
        (13, 10.0, 180.0, 20.0), (14, 10.0, 180.0, 20.0),
        (10_100, 10_000.0, 300.0, 20.0), (50_100, 50_000.0, 180.0, 20.0),
    ]
    out["erlang_c"] = []
    for n, a, aht, t in cases_c:
        m = erlang_c_metrics(n, a, aht, t)
        out["erlang_c"].append((n, a, aht, t, {k: fmt(v) for k, v in m.items()}))
    # --- Erlang C staffing: (calls, interval_s, aht, t, sl, max_occ) -------
    staff_c = [
        (100, 1800, 180, 20, 0.8, None), (100, 1800, 180, 20, 0.95, None),
        (10, 900, 300, 20, 0.8, None), (3, 900, 240, 30, 0.9, None),
        (400, 900, 300, 20, 0.8, 0.85), (36_000, 1800, 500, 20, 0.8, None),
        (900_000, 3600, 200, 20, 0.8, None),
    ]
    out["staff_c"] = []
    for calls, interval, aht, t, sl, occ in staff_c:
        a = mp.mpf(calls) / interval * aht
        n = staff(lambda n: erlang_c_metrics(n, a, aht, t), int(mp.floor(a)) + 1, sl,
                  max_occ=occ)
        out["staff_c"].append((calls, interval, aht, t, sl, occ, n))
    # --- Erlang A evaluation: (n, calls, interval_s, aht, patience, t) -----
    cases_a = [
        (14, 100, 1800, 180.0, 300.0, 20.0),   # pyworkforce 0.5.4 snapshot
        (1, 10, 3600, 180.0, 60.0, 20.0),
        (2, 40, 3600, 180.0, 120.0, 30.0),
        (3, 100, 1800, 120.0, 90.0, 15.0),     # overloaded: a = 6.67 > 3
        (5, 60, 900, 100.0, 30.0, 10.0),
        (50, 600, 900, 90.0, 200.0, 20.0),
        (10_000, 100_000, 3600, 360.0, 180.0, 20.0),
        (10_000, 120_000, 3600, 330.0, 120.0, 20.0),   # a = 11,000 > n
    ]
    out["erlang_a"] = []
    for n, calls, interval, aht, pat, t in cases_a:
        lam = mp.mpf(calls) / interval
        m = erlang_a_metrics(n, lam, aht, pat, t)
        out["erlang_a"].append((n, calls, interval, aht, pat, t, {k: fmt(v) for k, v in m.items()}))
    # --- Erlang A staffing: (calls, interval_s, aht, patience, t, sl, max_ab)
    staff_a = [
        (100, 1800, 180, 300, 20, 0.8, None),
        (20, 900, 240, 60, 20, 0.8, None),
        (600, 900, 90, 200, 20, 0.9, 0.01),
        (12_000, 900, 300, 120, 20, 0.8, None),
    ]
    out["staff_a"] = []
    for calls, interval, aht, pat, t, sl, ab in staff_a:
        lam = mp.mpf(calls) / interval
        a = lam * aht
        n = staff(lambda n: erlang_a_metrics(n, lam, aht, pat, t), int(mp.ceil(a)), sl,
                  max_ab=ab)
        out["staff_a"].append((calls, interval, aht, pat, t, sl, ab, n))
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
