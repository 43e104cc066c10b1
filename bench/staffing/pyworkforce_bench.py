#!/usr/bin/env python3
"""Time pyworkforce on the same intervals as porten-erlang's bench.

Usage: pyworkforce_bench.py FILE.csv MODEL [--runs N] [--every K] [--agents-out FILE]

MODEL is `erlang_c` (pyworkforce.queuing.ErlangC, 0.5.1+) or `erlang_a`
(pyworkforce.queuing.ErlangA, 0.5.4+). Every interval is staffed for 80 %
answered within 20 s, 30 % shrinkage (Erlang A: mean patience 120 s), one
interval after the other in this process (single-threaded). pyworkforce
takes times in minutes. Prints the median/min/max wall time of the runs.
`--every K` staffs only every K-th interval (a sample spread over the whole
year, for models too slow to run on all 35,040 intervals); the time per
interval is then extrapolated to the full file and labelled as such.
"""

import argparse
import csv
import statistics
import time

import pyworkforce
from pyworkforce.queuing import ErlangC

INTERVAL_MINUTES = 15
TARGET_MINUTES = 20 / 60
PATIENCE_MINUTES = 120 / 60


def main():
    p = argparse.ArgumentParser()
    p.add_argument("file")
    p.add_argument("model", choices=["erlang_c", "erlang_a"])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--every", type=int, default=1)
    p.add_argument("--agents-out")
    args = p.parse_args()
    with open(args.file, newline="") as f:
        rows = [(float(r["offered"]), float(r["aht_seconds"]) / 60) for r in csv.DictReader(f)]
    total_rows = len(rows)
    rows = rows[:: args.every]

    if args.model == "erlang_c":
        def staff(offered, aht):
            e = ErlangC(transactions=offered, aht=aht, asa=TARGET_MINUTES,
                        interval=INTERVAL_MINUTES, shrinkage=0.3)
            return e.required_positions(service_level=0.8)["raw_positions"]
    else:
        from pyworkforce.queuing import ErlangA

        def staff(offered, aht):
            e = ErlangA(transactions=offered, aht=aht, asa=TARGET_MINUTES,
                        interval=INTERVAL_MINUTES, patience=PATIENCE_MINUTES, shrinkage=0.3)
            return e.required_positions(service_level=0.8)["raw_positions"]

    times = []
    agents = []
    for _ in range(args.runs):
        start = time.perf_counter()
        agents = [staff(o, a) for o, a in rows]
        times.append(time.perf_counter() - start)
    med = statistics.median(times)
    line = (f"pyworkforce {pyworkforce.__version__} {args.model}: {len(rows)} intervals, "
            f"median {med * 1e3:.1f} ms (min {min(times) * 1e3:.1f}, max {max(times) * 1e3:.1f}) "
            f"over {args.runs} runs, {med * 1e9 / len(rows):.0f} ns per interval, sum of agents {sum(agents)}")
    if args.every > 1:
        line += (f"; every {args.every}-th interval only, extrapolated to {total_rows} intervals: "
                 f"{med / len(rows) * total_rows * 1e3:.0f} ms")
    print(line)
    if args.agents_out:
        with open(args.agents_out, "w") as f:
            f.writelines(f"{a}\n" for a in agents)


if __name__ == "__main__":
    main()
