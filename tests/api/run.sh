#!/usr/bin/env bash
# The API contract check: Schemathesis (versions pinned in requirements.txt)
# against the OpenAPI document of a fresh `porten serve --demo`, with the
# checks issue 8 asks for, then an existing Open311 client (PyPI `georeport`)
# against /open311/v2 (issue 21). Any finding fails. Run from the repository root
# after `cargo build -p porten`:  bash tests/api/run.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
WORK="$(mktemp -d)"
VENV="target/schemathesis-venv"
KEY="porten_contractcheck_000000000000000000000"

if [ ! -x "$VENV/bin/schemathesis" ] || ! "$VENV/bin/python" -c "import georeport" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/api/requirements.txt
fi

PORTEN_DEMO_API_KEY="$KEY" PORTEN_LOG=warn target/debug/porten serve --demo --listen 127.0.0.1:0 \
  --database-url "sqlite://$WORK/porten.db" > "$WORK/out" 2> "$WORK/err" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

# The server prints its address once it listens.
BASE=""
for _ in $(seq 1 120); do
  BASE=$(sed -n 's/^porten listening on //p' "$WORK/out")
  [ -n "$BASE" ] && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/err"; echo "porten exited" >&2; exit 1; }
  sleep 1
done
[ -n "$BASE" ] || { echo "porten did not start listening" >&2; exit 1; }

"$VENV/bin/schemathesis" run "$BASE/api/v1/openapi.json" --url "$BASE" \
  -H "Authorization: Bearer $KEY" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection \
  --max-examples 50 --generation-deterministic --no-color

"$VENV/bin/python" tests/api/open311_client.py "$BASE" "$KEY"
