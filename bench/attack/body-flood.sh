#!/usr/bin/env bash
# Issue 17, finding 1: 48 clients at once post a 24 MB "photo" with a wrong
# form token to an e-service step of `porten serve --demo`, without signing
# in, as the attack did with curl. Prints the server's resident memory
# before, at its peak during the flood (VmHWM, reset just before it) and ten
# seconds after the last answer.
#
#   bench/attack/body-flood.sh [PORTEN_BINARY]   (default target/release/porten)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
BIN="${1:-target/release/porten}"
WORK="$(mktemp -d)"
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$WORK"' EXIT

{ printf '\x89PNG\r\n\x1a\n'; head -c $((24 * 1024 * 1024 - 8)) /dev/urandom; } >"$WORK/24MB.bin"

"$BIN" serve --demo --listen 127.0.0.1:0 --database-url "sqlite://$WORK/porten.db" >"$WORK/out" 2>"$WORK/err" &
PID=$!
for _ in $(seq 600); do
  grep -q "porten listening on" "$WORK/out" 2>/dev/null && break
  sleep 0.1
done
BASE=$(sed -n 's/^porten listening on //p' "$WORK/out")
curl -s -o /dev/null "$BASE/healthz"
kb() { awk -v f="$1" '$1 == f {print $2}' "/proc/$PID/status"; }

flood() { # $1: label; the rest: curl arguments before the URL
  local label="$1"; shift
  echo 5 >"/proc/$PID/clear_refs"
  local before; before=$(kb VmRSS:)
  : >"$WORK/codes"
  for i in $(seq 48); do
    curl -s -o /dev/null -w '%{http_code}\n' "$@" >>"$WORK/codes" &
  done
  wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
  local peak after0 settled
  peak=$(kb VmHWM:); after0=$(kb VmRSS:)
  sleep 10
  settled=$(kb VmRSS:)
  echo "== $label"
  echo "answers: $(sort "$WORK/codes" | uniq -c | tr '\n' ' ')"
  echo "resident before:        $((before / 1024)) MB"
  echo "peak (VmHWM):           $((peak / 1024)) MB (+$(((peak - before) / 1024)) MB)"
  echo "right after the flood:  $((after0 / 1024)) MB"
  echo "ten seconds later:      $((settled / 1024)) MB (+$(((settled - before) / 1024)) MB)"
}

flood "48 x 24 MB, wrong form token, no draft (the attack)" \
  -F csrf=x -F "photo=@$WORK/24MB.bin;filename=a.png" "$BASE/e/pothole/x/step/what"

# The same with a good form token to a real draft: the body budget bounds it.
JAR="$WORK/jar"
TOKEN=$(curl -s -c "$JAR" -b "$JAR" "$BASE/e/pothole" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
STEP=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$JAR" -b "$JAR" -d "csrf=$TOKEN" "$BASE/e/pothole/start")
WHAT="${STEP%/step/*}/step/what"
flood "48 x 24 MB, good form token, a real draft" -b "$JAR" \
  -F csrf="$TOKEN" -F action=save -F "photo=@$WORK/24MB.bin;filename=a.png" "$WHAT"
