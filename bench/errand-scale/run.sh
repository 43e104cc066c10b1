#!/usr/bin/env bash
# Issue 19's scale goal: with a million errands, every queue page, the
# errand search and the API list answer with a p99 under 25 ms, measured at
# the client on loopback with sequential requests (wrk, one connection) as
# a contact-center agent, a case officer and an API key.
#
#   bench/errand-scale/run.sh BINARY [COUNT] [SECONDS]
#
# Seeds the demo city on a fresh database (`serve --demo`), adds COUNT
# generated errands (`porten load-errands`, default 1,000,000), starts the
# server again and measures each page for SECONDS (default 10). With
# PORTEN_BENCH_PG=postgres://postgres@127.0.0.1:5432 the database is a
# fresh PostgreSQL one on that server. PORTEN_BENCH_DB=URL measures an
# already loaded database instead (no seeding, no loading).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
command -v wrk >/dev/null || { echo "the benchmark drives HTTP with wrk: apt-get install wrk" >&2; exit 1; }
case "${PORTEN_BENCH_PG:-}${PORTEN_BENCH_DB:-}" in postgres*) ;; *) command -v sqlite3 >/dev/null || { echo "the benchmark reads the job queue with sqlite3: apt-get install sqlite3" >&2; exit 1; } ;; esac
BIN="$(realpath "$1")"; COUNT="${2:-1000000}"; SECS="${3:-10}"
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

start() { # $1: database URL; sets PID and BASE
  "$BIN" serve --demo --listen 127.0.0.1:0 --database-url "$1" >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  for _ in $(seq 3000); do
    grep -q "porten listening on" "$WORK/out" 2>/dev/null && break
    sleep 0.1
  done
  BASE=$(sed -n 's/^porten listening on //p' "$WORK/out")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""; }

if [ -n "${PORTEN_BENCH_DB:-}" ]; then
  URL="$PORTEN_BENCH_DB"
else
  if [ -n "${PORTEN_BENCH_PG:-}" ]; then
    NAME="porten_scale_$$"
    psql -q "$PORTEN_BENCH_PG/postgres" -c "SET client_min_messages = warning" -c "CREATE DATABASE $NAME"
    URL="$PORTEN_BENCH_PG/$NAME"
  else
    URL="sqlite://$WORK/porten.db"
  fi
  start "$URL"; stop
  t0=$(date +%s)
  "$BIN" load-errands --count "$COUNT" --database-url "$URL" 2>&1 | tail -n 2
  echo "loaded in $(( $(date +%s) - t0 )) s"
fi

start "$URL"
jar() { # $1: username; prints the cookie header of a signed-in session
  local j="$WORK/jar-$1" csrf
  csrf=$(curl -s -c "$j" -b "$j" "$BASE/login" | grep -o 'name="csrf" value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
  curl -s -o /dev/null -c "$j" -b "$j" --data-urlencode "csrf=$csrf" --data-urlencode "username=$1" \
    --data-urlencode "password=porten-demo-2026" "$BASE/login"
  awk '$6 ~ /^porten_/ {printf "%s=%s; ", $6, $7}' "$j"
}
KEY=$("$BIN" apikey-create --database-url "$URL" --name scale --scope errands:read 2>/dev/null | tail -1 | awk '{print $NF}')
# The node rebuilds its errand index from the errands table at start; the
# first search waits for it.
t0=$(date +%s)
curl -s -o /dev/null -b "$(jar agent)" "$BASE/staff/errands?q=gatan"
echo "errand index ready after $(( $(date +%s) - t0 )) s"
# Background work due now (a recompute of the loaded errands' clocks left
# by the seeding, and the SLA alerts it raises for overdue errands) runs
# before measuring: the figures are of a node at rest, not of a catch-up.
due_jobs() {
  local sql="SELECT COUNT(*) FROM jobs WHERE kind LIKE 'sla.%' AND state IN ('queued', 'running') AND run_at <= $(date +%s)000000"
  case "$URL" in
    postgres*) psql -tAq "$URL" -c "$sql" ;;
    *) sqlite3 "${URL#sqlite://}" "$sql" ;;
  esac
}
t0=$(date +%s)
while [ "$(due_jobs)" != "0" ]; do sleep 2; done
echo "background jobs done after $(( $(date +%s) - t0 )) s"

measure() { # $1: who, $2: what, $3: path, then wrk header arguments
  local who="$1" what="$2" path="$3"; shift 3
  wrk -t1 -c1 -d2s -s report.lua "$@" "$BASE$path" >/dev/null
  local r; r=$(wrk -t1 -c1 -d"${SECS}s" -s report.lua "$@" "$BASE$path" | grep '^RESULT')
  printf '%-13s %-28s %s  %s\n' "$who" "$what" "${r#RESULT }" "$path"
}

case "$URL" in postgres*) BACKEND=PostgreSQL ;; *) BACKEND=SQLite ;; esac
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); backend: ${BACKEND}${PORTEN_BENCH_DB:+ (given)}"
measure "-" "liveness (floor)" "/healthz"
for user in agent handlaggare; do
  cookie=$(jar "$user")
  # The queues as the page links them, and the plain list.
  mapfile -t queues < <(curl -s -b "$cookie" "$BASE/staff/errands" | grep -o 'href="/staff/errands?[^"]*"' \
    | sed 's/^href="//;s/"$//;s/&#38;/\&/g;s/&amp;/\&/g' | grep -E 'assignee_id|unassigned|waiting|breaching|active=true&sort=oldest' | sort -u)
  measure "$user" "list" "/staff/errands" -H "Cookie: $cookie"
  for q in "${queues[@]}"; do
    measure "$user" "queue" "$q" -H "Cookie: $cookie"
  done
  # The queues' other sorts a user picks most: mine oldest first, and
  # waiting for the citizen by due time.
  for q in "${queues[@]}"; do
    case "$q" in
      *assignee_id=*) measure "$user" "queue, oldest first" "${q/sort=due/sort=oldest}" -H "Cookie: $cookie" ;;
      *waiting*) measure "$user" "queue, by due time" "${q/sort=oldest/sort=due}" -H "Cookie: $cookie" ;;
    esac
  done
  measure "$user" "search: a common word" "/staff/errands?q=gatan" -H "Cookie: $cookie"
  measure "$user" "search: a name" "/staff/errands?q=Lindqvist" -H "Cookie: $cookie"
  measure "$user" "search: a number" "/staff/errands?q=TK%202025%2F00042" -H "Cookie: $cookie"
done
auth=(-H "Authorization: Bearer $KEY")
measure "api key" "list" "/api/v1/errands" "${auth[@]}"
measure "api key" "list: active by due" "/api/v1/errands?active=true&sort=due" "${auth[@]}"
measure "api key" "list: unit TK, oldest" "/api/v1/errands?unit=TK&sort=oldest" "${auth[@]}"
stop
if [ -n "${PORTEN_BENCH_PG:-}" ] && [ -z "${PORTEN_BENCH_DB:-}" ]; then
  psql -q "$PORTEN_BENCH_PG/postgres" -c "DROP DATABASE $NAME"
fi
