#!/usr/bin/env bash
# Issue 17, finding 1: 48 clients at once post a 24 MB "photo" with a wrong
# form token to an e-service step of `porten serve --demo`, without signing
# in, as the attack did with curl. Prints the server's resident memory
# before, at its peak (VmHWM) and ten seconds after the last answer.
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
BEFORE=$(kb VmRSS:)

for i in $(seq 48); do
  curl -s -o /dev/null -w '%{http_code}\n' -F csrf=x -F "photo=@$WORK/24MB.bin;filename=a.png" \
    "$BASE/e/pothole/x/step/what" >>"$WORK/codes" &
done
wait $(jobs -p | grep -v "^$PID$") 2>/dev/null || true
PEAK=$(kb VmHWM:)
AFTER0=$(kb VmRSS:)
sleep 10
SETTLED=$(kb VmRSS:)

echo "answers: $(sort "$WORK/codes" | uniq -c | tr '\n' ' ')"
echo "resident before:        $((BEFORE / 1024)) MB"
echo "peak (VmHWM):           $((PEAK / 1024)) MB (+$(((PEAK - BEFORE) / 1024)) MB)"
echo "right after the flood:  $((AFTER0 / 1024)) MB"
echo "ten seconds later:      $((SETTLED / 1024)) MB (+$(((SETTLED - BEFORE) / 1024)) MB)"
