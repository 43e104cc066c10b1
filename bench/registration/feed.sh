#!/usr/bin/env bash
# Registration throughput through `POST /api/v1/errands`, driven by wrk
# (16 connections, 2 threads), for two builds of `porten` in the same run,
# alternating, each round on a fresh database: issue 18's check that the
# errand change feed (one more row per write, and the node's errand index
# following it) costs at most 10 %.
#
#   bench/registration/feed.sh BEFORE_BINARY AFTER_BINARY [ROUNDS] [SECONDS]
#
# With PORTEN_BENCH_PG=postgres://postgres@127.0.0.1:5432 each round gets a
# fresh PostgreSQL database on that server instead of a SQLite file.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
BEFORE="$1"; AFTER="$2"; ROUNDS="${3:-3}"; SECONDS_PER_RUN="${4:-10}"
WORK="$(mktemp -d)"
PID=""
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$WORK"' EXIT

run() { # $1: label, $2: binary, $3: round
  local label="$1" bin="$2" round="$3" url
  if [ -n "${PORTEN_BENCH_PG:-}" ]; then
    local name="porten_bench_${label}_${round}_$$"
    psql -q "$PORTEN_BENCH_PG/postgres" -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name"
    url="$PORTEN_BENCH_PG/$name"
  else
    mkdir -p "$WORK/$label-$round"
    url="sqlite://$WORK/$label-$round/porten.db"
  fi
  "$bin" serve --demo --listen 127.0.0.1:0 --database-url "$url" >"$WORK/out" 2>"$WORK/err" &
  PID=$!
  for _ in $(seq 1200); do
    grep -q "porten listening on" "$WORK/out" 2>/dev/null && break
    sleep 0.1
  done
  local base; base=$(sed -n 's/^porten listening on //p' "$WORK/out")
  PORTEN_BENCH_KEY=$("$bin" apikey-create --database-url "$url" --name bench --scope errands:write --scope errands:read 2>/dev/null | tail -1 | awk '{print $NF}')
  export PORTEN_BENCH_KEY
  # Warm up (connections, caches, the demo's index), then measure.
  wrk -t2 -c16 -d2s -s register.lua "$base" >/dev/null
  local result; result=$(wrk -t2 -c16 -d"${SECONDS_PER_RUN}s" -s register.lua "$base" | grep '^RESULT')
  echo "$label round $round: ${result#RESULT }"
  kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), backend: ${PORTEN_BENCH_PG:+PostgreSQL}${PORTEN_BENCH_PG:-SQLite}"
for round in $(seq "$ROUNDS"); do
  run before "$BEFORE" "$round"
  run after "$AFTER" "$round"
done
