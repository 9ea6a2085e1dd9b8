#!/usr/bin/env bash
# make check: the fast inner loop. The native release build (through ccache when it is
# installed) and its ctest suites (Catch2 unit tests + the CLI conformance run), then the WASM
# module and its Node suites (tests/wasm). No sanitizer build, no browser, no fuzzing, no SQL
# engines: `make test` runs those. Ends with "check: N passed, M failed in S s".
set -uo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
JOBS=${JOBS:-$(nproc)}
start=$(date +%s)
pass=0; fail=0; failed=()
die() { echo "check: $* failed after $(( $(date +%s) - start )) s" >&2; exit 1; }

# ccache when installed; an empty launcher otherwise (also clears one cached earlier).
launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=
command -v ccache >/dev/null && launcher=-DCMAKE_CXX_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
echo "== native build (release)"
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release "$launcher" >/dev/null || die "cmake configure"
cmake --build build/native -j "$JOBS" || die "native build"

echo "== ctest (build/native)"
out=$(cd build/native && ctest --output-on-failure -j "$JOBS" 2>&1); rc=$?
echo "$out" | tail -n 15
counts=$(echo "$out" | sed -n 's/.*tests passed, \([0-9]*\) tests failed out of \([0-9]*\).*/\2 \1/p' | tail -1)
if [ -n "$counts" ]; then set -- $counts; pass=$((pass + $1 - $2)); fail=$((fail + $2)); else fail=$((fail + 1)); fi
[ $rc -eq 0 ] || failed+=(ctest)

echo "== sample data, wasm build"
make --no-print-directory sample >/dev/null || die "sample data"
make --no-print-directory wasm || die "wasm build"

echo "== node --test tests/wasm"
out=$(node --test --test-reporter=spec --test-concurrency=1 tests/wasm/*.test.mjs 2>&1); rc=$?
echo "$out" | tail -n 12
p=$(echo "$out" | sed -n 's/^ℹ pass \([0-9]*\)/\1/p' | tail -1)
f=$(echo "$out" | sed -n 's/^ℹ fail \([0-9]*\)/\1/p' | tail -1)
pass=$((pass + ${p:-0})); fail=$((fail + ${f:-1}))
[ $rc -eq 0 ] || failed+=(wasm)

echo
echo "check: $pass passed, $fail failed in $(( $(date +%s) - start )) s${failed[*]:+ (suites: ${failed[*]})}"
[ $fail -eq 0 ] && [ ${#failed[@]} -eq 0 ]
