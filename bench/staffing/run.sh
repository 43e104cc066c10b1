#!/usr/bin/env bash
# Staffing benchmark: one year of 15-minute intervals (35,040), staffed one
# after the other on one thread, porten-erlang against pyworkforce on the
# same input in the same run.
#
#   bench/staffing/run.sh
#
# Environment (all optional):
#   BENCH_DIR    work dir for input, venvs and results (default target/bench-staffing)
#   PYTHON       Python for the venvs (default python3; 3.11 and 3.12 work)
#   RUNS         repeated runs of the Rust bench (default 21)
#   PY_RUNS      repeated runs of pyworkforce Erlang C over the full year (default 3)
#   PY_A_EVERY   pyworkforce Erlang A staffs every K-th interval only (default 73,
#                480 intervals; a full year would take minutes)
#   PORTEN_BIN   porten binary for the end-to-end CLI timing (default
#                target/release/porten; skipped if it does not exist)
#
# pyworkforce is installed into venvs under BENCH_DIR, never into the project:
# 0.5.1 (Erlang C) and 0.5.4 (Erlang A; it declares Python >= 3.12, so on 3.11
# it is installed with --ignore-requires-python and numpy/pandas pinned to
# versions that still support 3.11).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${BENCH_DIR:-$root/target/bench-staffing}
py=${PYTHON:-python3}
runs=${RUNS:-21}
py_runs=${PY_RUNS:-3}
every=${PY_A_EVERY:-73}
porten_bin=${PORTEN_BIN:-$root/target/release/porten}
mkdir -p "$out"

echo "== machine"
echo "nproc: $(nproc)"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
echo "rustc: $(rustc --version)"
echo "python: $($py --version 2>&1)"

echo "== input"
$py bench/staffing/gen_intervals.py "$out/year.csv"
echo "$(($(wc -l <"$out/year.csv") - 1)) intervals in $out/year.csv, sha256 $(sha256sum "$out/year.csv" | cut -c1-16)"

if [ ! -x "$out/venv-c/bin/python" ]; then
  $py -m venv "$out/venv-c"
  "$out/venv-c/bin/pip" install -q pyworkforce==0.5.1
fi
if [ ! -x "$out/venv-a/bin/python" ]; then
  $py -m venv "$out/venv-a"
  "$out/venv-a/bin/pip" install -q --ignore-requires-python pyworkforce==0.5.4 "numpy<2.3" "pandas<3"
fi

echo "== porten-erlang (cargo bench, release, single thread)"
cargo bench -q -p porten-erlang --bench staffing -- "$out/year.csv" --runs "$runs" --agents-out "$out/porten" |
  tee "$out/porten.txt"

if [ -x "$porten_bin" ]; then
  echo "== porten staffing --input (end to end: read CSV, staff, write CSV)"
  "$py" - "$porten_bin" "$out/year.csv" <<'PY' | tee "$out/cli.txt"
import statistics, subprocess, sys, time
binary, csv = sys.argv[1], sys.argv[2]
cmd = [binary, "staffing", "--input", csv, "--interval-minutes", "15", "--target-seconds", "20",
       "--service-level", "0.8", "--shrinkage", "0.3", "--format", "csv"]
for model, extra in [("erlang_c", []), ("erlang_a", ["--patience-seconds", "120"])]:
    times = []
    for _ in range(11):
        start = time.perf_counter()
        subprocess.run(cmd + extra, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print(f"cli {model}: median {statistics.median(times) * 1e3:.1f} ms (min {min(times) * 1e3:.1f}) "
          f"over 11 runs, process start and CSV in/out included: {' '.join(cmd[1:] + extra)}")
PY
else
  echo "== porten staffing CLI: skipped ($porten_bin not built; cargo build --release -p porten)"
fi

echo "== pyworkforce Erlang C (full year)"
"$out/venv-c/bin/python" bench/staffing/pyworkforce_bench.py "$out/year.csv" erlang_c \
  --runs "$py_runs" --agents-out "$out/pyworkforce.erlang_c.txt" | tee "$out/pyworkforce_c.txt"

echo "== pyworkforce Erlang A (every ${every}-th interval)"
"$out/venv-a/bin/python" bench/staffing/pyworkforce_bench.py "$out/year.csv" erlang_a \
  --runs 1 --every "$every" --agents-out "$out/pyworkforce.erlang_a.txt" | tee "$out/pyworkforce_a.txt"

echo "== summary"
"$py" - "$out" "$every" <<'PY'
import re, sys
out, every = sys.argv[1], int(sys.argv[2])
def median(path, pattern):
    text = open(path).read()
    return float(re.search(pattern, text).group(1))
rust_c = median(f"{out}/porten.txt", r"erlang_c: median ([\d.]+) ms")
rust_a = median(f"{out}/porten.txt", r"erlang_a: median ([\d.]+) ms")
py_c = median(f"{out}/pyworkforce_c.txt", r"median ([\d.]+) ms")
py_a = median(f"{out}/pyworkforce_a.txt", r"extrapolated to \d+ intervals: ([\d.]+) ms")
def agents(path):
    return [int(x) for x in open(path).read().split()]
pc, rc = agents(f"{out}/pyworkforce.erlang_c.txt"), agents(f"{out}/porten.erlang_c.txt")
pa, ra = agents(f"{out}/pyworkforce.erlang_a.txt"), agents(f"{out}/porten.erlang_a.txt")[::every]
diff_c = sum(a != b for a, b in zip(pc, rc))
diff_a = [i for i, (a, b) in enumerate(zip(pa, ra)) if a != b]
# pyworkforce's Erlang A search starts at ceil(offered load) and only goes up,
# so it cannot return fewer agents than the load even when they suffice.
import csv, math
rows = list(csv.DictReader(open(f"{out}/year.csv")))[::every]
load = [float(r["offered"]) * float(r["aht_seconds"]) / 900 for r in rows]
below = sum(ra[i] < math.ceil(load[i]) == pa[i] for i in diff_a)
print(f"Erlang C, full year: porten-erlang {rust_c:.2f} ms, pyworkforce 0.5.1 {py_c:.0f} ms, "
      f"ratio {py_c / rust_c:.0f}x; agent counts differ in {diff_c} of {len(rc)} intervals")
print(f"Erlang A, full year: porten-erlang {rust_a:.2f} ms, pyworkforce 0.5.4 ~{py_a:.0f} ms "
      f"(extrapolated from every {every}-th interval), ratio ~{py_a / rust_a:.0f}x; "
      f"agent counts differ in {len(diff_a)} of {len(pa)} sampled intervals, {below} of them where "
      f"porten-erlang staffs below ceil(load), where pyworkforce's search starts")
PY
