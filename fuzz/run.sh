#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) for SECONDS each, one after the
# other, from the committed corpus in fuzz/corpus/TARGET and the saved
# crashes in fuzz/regressions/TARGET. Works from any directory.
#
#   fuzz/run.sh 15                     # CI's smoke run
#   fuzz/run.sh 600                    # a longer run, by hand
#   fuzz/run.sh 120 search_query       # one target
#
# Exits non-zero when a target fails (a panic, a failed property, a timeout
# or running out of memory), after running the others, and prints where
# each failing input was written (fuzz/artifacts/TARGET/...).
#
# Environment: FUZZ_SANITIZER (default `none`; `address` for ASan, which
# makes the cold build slower), FUZZ_CODEGEN_UNITS (default 16; 1 builds
# slower and runs a little faster), FUZZ_LOG_DIR (default fuzz/target/logs).
set -euo pipefail

usage() {
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
}
[ "$#" -ge 1 ] || usage
SECONDS_EACH="$1"
shift
[[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]] || usage

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$FUZZ_DIR"

CARGO_FUZZ_VERSION=0.13.2
if [ -d "${HOME:-/root}/.cargo/bin" ]; then
  export PATH="${HOME:-/root}/.cargo/bin:$PATH"
fi
# cargo-fuzz passes nightly flags (-Z...); this machine has a stable Rust
# only, and RUSTC_BOOTSTRAP lets the stable compiler accept them.
export RUSTC_BOOTSTRAP=1
# This crate's own target directory, never the workspace's.
export CARGO_TARGET_DIR="$FUZZ_DIR/target"
SANITIZER="${FUZZ_SANITIZER:-none}"
LOG_DIR="${FUZZ_LOG_DIR:-$FUZZ_DIR/target/logs}"

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
  echo "--> cargo install cargo-fuzz ${CARGO_FUZZ_VERSION}"
  cargo install cargo-fuzz --locked --version "$CARGO_FUZZ_VERSION"
fi

if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for f in fuzz_targets/*.rs; do
    targets+=("$(basename "$f" .rs)")
  done
fi

# Release build with debug assertions and overflow checks; see README.md
# for why the default sanitizer is none.
# 16 codegen units: a quicker cold build (tantivy above all), for slightly
# slower runs.
build_flags=(--release --debug-assertions --sanitizer "$SANITIZER" --codegen-units "${FUZZ_CODEGEN_UNITS:-16}")

t0=$(date +%s)
echo "--> cargo fuzz build (sanitizer ${SANITIZER})"
if [ "$#" -gt 0 ]; then
  for t in "${targets[@]}"; do
    cargo fuzz build "${build_flags[@]}" "$t"
  done
else
  cargo fuzz build "${build_flags[@]}"
fi
echo "--> built in $(($(date +%s) - t0)) s"

mkdir -p "$LOG_DIR"
failed=()
for t in "${targets[@]}"; do
  [ -d "corpus/$t" ] || { echo "no corpus/$t: is \"$t\" a target?" >&2; exit 2; }
  # New inputs go to a scratch corpus under target/, so a run never
  # changes the committed one (see README.md to grow it on purpose).
  work="$FUZZ_DIR/target/corpus/$t"
  artifacts="$FUZZ_DIR/artifacts/$t"
  mkdir -p "$work" "$artifacts"
  corpora=("$work" "corpus/$t")
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    corpora+=("regressions/$t")
  fi
  options=("-max_total_time=$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  if [ -f "dicts/$t.dict" ]; then
    options+=("-dict=dicts/$t.dict")
  fi
  marker="$(mktemp)"
  log="$LOG_DIR/$t.log"
  echo "--> ${t}: ${SECONDS_EACH} s (log: ${log})"
  set +e
  cargo fuzz run "${build_flags[@]}" "$t" "${corpora[@]}" -- "${options[@]}" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^(#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)' "$log" |
    sed 's/^/    /' || true
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "!!! ${t} FAILED (exit ${rc}); from its log:"
    # The panic message (up to its backtrace) and libFuzzer's verdict.
    awk '/panicked at/ {p = 1; n = 0} p && /^(stack backtrace:|note: run with)/ {p = 0}
         p && n++ < 30 {print} /ERROR: libFuzzer|SUMMARY: libFuzzer|Test unit written to/ {print}' "$log" |
      cut -c1-2000 | sed 's/^/    /'
    new_inputs=$(find "$artifacts" -type f -newer "$marker" | sort)
    if [ -n "$new_inputs" ]; then
      for input in $new_inputs; do
        echo "!!! failing input: ${input}"
        echo "    hex: $(od -An -tx1 -v "$input" | tr -d ' \n' | cut -c1-400)"
        echo "    reproduce: (cd ${FUZZ_DIR} && RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]} ${t} ${input})"
      done
    else
      echo "!!! no input was written to ${artifacts}; see ${log}"
    fi
  fi
  rm -f "$marker"
done

echo "--> fuzzing took $(($(date +%s) - t0)) s in all"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "!!! failed: ${failed[*]} (save each failing input under fuzz/regressions/TARGET/, see fuzz/README.md)"
  exit 1
fi
echo "--> every target ran ${SECONDS_EACH} s without a failure"
