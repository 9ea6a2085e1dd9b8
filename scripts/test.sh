#!/usr/bin/env bash
# Builds everything from a clean tree and runs every suite; ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
JOBS=${JOBS:-$(nproc)}
pass=0; fail=0; failed_suites=()

step() { echo; echo "== $*"; }
die() { echo "test: $*" >&2; echo "SUMMARY: build failed: $*"; exit 1; }

step "build: native (release), native (ASan+UBSan), sample, wasm, web"
make --no-print-directory native || die "native build"
make --no-print-directory asan || die "sanitizer build"
make --no-print-directory sample || die "sample data"
make --no-print-directory wasm || die "wasm build"
make --no-print-directory web || die "web build"

# ctest: Catch2 unit tests and the CLI conformance run, under the sanitizers.
run_ctest() {
  local dir=$1 name=$2 out
  step "$name"
  out=$(cd "$dir" && ctest --output-on-failure -j "$JOBS" 2>&1); local rc=$?
  echo "$out" | tail -n 25
  local p f
  p=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' | tail -1)
  if [ -n "$p" ]; then set -- $p; pass=$((pass + $1 - $2)); fail=$((fail + $2)); else fail=$((fail + 1)); fi
  [ $rc -eq 0 ] || failed_suites+=("$name")
}
run_ctest build/asan "native suites (Catch2 + CLI conformance, ASan+UBSan)"

# The JS package's wrapper checked against its own types (index.js is // @ts-check + JSDoc).
step "types: tsc -p wasm/js (index.js against index.d.ts)"
if npx --no-install tsc -p wasm/js; then echo "types: ok"; pass=$((pass + 1)); else fail=$((fail + 1)); failed_suites+=("types"); fi

# Node's test runner over each folder of *.test.mjs (wasm, sample, e2e, ...).
for d in tests/*/; do
  ls "$d"*.test.mjs >/dev/null 2>&1 || continue
  name=$(basename "$d")
  step "node --test $d"
  out=$(node --test --test-reporter=spec --test-concurrency=1 "$d"*.test.mjs 2>&1); rc=$?
  echo "$out" | tail -n 40
  p=$(echo "$out" | sed -n 's/^ℹ pass \([0-9]*\)/\1/p' | tail -1)
  f=$(echo "$out" | sed -n 's/^ℹ fail \([0-9]*\)/\1/p' | tail -1)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
  [ $rc -eq 0 ] || failed_suites+=("$name")
done

# Fuzzing: a short run of every libFuzzer target (make fuzz runs them longer).
if [ -x scripts/fuzz.sh ]; then
  step "fuzz (${FUZZ_SECONDS:-15} s per target)"
  out=$(scripts/fuzz.sh --seconds "${FUZZ_SECONDS:-15}" 2>&1); rc=$?
  echo "$out" | grep -E "^fuzz |^ℹ" | tail -n 20
  p=$(echo "$out" | sed -n 's/^ℹ pass \([0-9]*\)/\1/p' | tail -1)
  f=$(echo "$out" | sed -n 's/^ℹ fail \([0-9]*\)/\1/p' | tail -1)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
  [ $rc -eq 0 ] || failed_suites+=("fuzz")
fi

echo
if [ ${#failed_suites[@]} -eq 0 ] && [ $fail -eq 0 ]; then
  echo "SUMMARY: $pass passed, 0 failed"
else
  echo "SUMMARY: $pass passed, $fail failed (suites: ${failed_suites[*]})"
  exit 1
fi
