#!/usr/bin/env bash
# Issue 20: the errand export of a million errands streams in constant
# memory. Seeds the demo city on a fresh SQLite database (`serve --demo`),
# adds COUNT generated errands (`porten load-errands`, default 1,000,000),
# starts the server, signs in as the demo system admin and exports every
# errand of the last ten years as CSV (POST /staff/reports/export), timing
# it at the client and reading the server's memory before and after: its
# anonymous resident memory (RssAnon: the heap, what the export could make
# grow) and all resident memory (VmRSS, which also counts the database
# file's pages SQLite maps into memory, shared and reclaimable), and the
# peak of the process's life (VmHWM).
#
# Baseline, in the same run: sqlite3 writing the same columns of the same
# rows as CSV to /dev/null, with no server, no HTTP and no paging.
#
#   bench/errand-export/run.sh BINARY [COUNT]
#
# PORTEN_BENCH_DB=sqlite://… measures an already loaded database instead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v sqlite3 >/dev/null || { echo "the baseline needs sqlite3: apt-get install sqlite3" >&2; exit 1; }
BIN="$(realpath "$1")"; COUNT="${2:-1000000}"
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

start() {
  "$BIN" serve --demo --listen 127.0.0.1:0 --database-url "$1" >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  for _ in $(seq 3000); do
    grep -q "porten listening on" "$WORK/out" 2>/dev/null && break
    sleep 0.1
  done
  BASE=$(sed -n 's/^porten listening on //p' "$WORK/out")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }
mem() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$PID/status"; }

if [ -n "${PORTEN_BENCH_DB:-}" ]; then
  URL="$PORTEN_BENCH_DB"
else
  URL="sqlite://$WORK/porten.db"
  start "$URL"; stop
  t0=$(date +%s)
  "$BIN" load-errands --count "$COUNT" --database-url "$URL" >/dev/null
  echo "loaded $COUNT errands in $(( $(date +%s) - t0 )) s"
fi
FILE="${URL#sqlite://}"

# The baseline: the same columns of every errand as CSV, straight from SQLite.
t0=$(date +%s.%N)
sqlite3 -csv "$FILE" "SELECT registry_unit || ' ' || registry_year || '/' || registry_serial, service_code, unit_code, \
  channel, priority, lifecycle, confidential, created_at, resolved_at, assignee_id IS NOT NULL FROM errands ORDER BY id" >/dev/null
BASE_S=$(echo "$(date +%s.%N) - $t0" | bc -l)

start "$URL"
JAR="$WORK/jar"
curl -s -c "$JAR" -b "$JAR" "$BASE/login" -o "$WORK/login.html"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$WORK/login.html" | head -1)
curl -s -c "$JAR" -b "$JAR" -o /dev/null --data-urlencode "csrf=$CSRF" --data-urlencode "username=admin" \
  --data-urlencode "password=porten-demo-2026" "$BASE/login"
# Measured at rest: the node rebuilds its errand index at start (the first
# search waits for it), and runs the SLA jobs due now, before the export.
t0=$(date +%s)
curl -s -o /dev/null -b "$JAR" "$BASE/staff/errands?q=gatan"
due="SELECT COUNT(*) FROM jobs WHERE kind LIKE 'sla.%' AND state IN ('queued', 'running') AND run_at <= $(date +%s)000000"
while [ "$(sqlite3 "$FILE" "$due")" != "0" ]; do sleep 2; done
echo "at rest after $(( $(date +%s) - t0 )) s"
curl -s -c "$JAR" -b "$JAR" "$BASE/staff/reports" -o "$WORK/reports.html"
CSRF=$(sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' "$WORK/reports.html" | head -1)
ANON0=$(mem RssAnon); RSS0=$(mem VmRSS); HWM0=$(mem VmHWM)
FROM=$(date -d '-3650 days' +%F)
read -r SECS BYTES < <(curl -s -b "$JAR" -o "$WORK/export.csv" -w '%{time_total} %{size_download}\n' \
  --data-urlencode "csrf=$CSRF" --data-urlencode "from=$FROM" "$BASE/staff/reports/export")
ANON1=$(mem RssAnon); RSS1=$(mem VmRSS); HWM1=$(mem VmHWM)
ROWS=$(( $(wc -l <"$WORK/export.csv") - 1 ))
stop
echo "export: $ROWS rows, $((BYTES / 1048576)) MiB in $SECS s ($(echo "$ROWS / $SECS" | bc) rows/s)"
echo "baseline (sqlite3 -csv, same columns): $(printf '%.2f' "$BASE_S") s; export / baseline: $(echo "$SECS / $BASE_S" | bc -l | xargs printf '%.2f')x"
echo "server memory: RssAnon ${ANON0} kB before, ${ANON1} kB after; VmRSS ${RSS0} kB before, ${RSS1} kB after; peak (VmHWM) ${HWM0} kB before, ${HWM1} kB after"
