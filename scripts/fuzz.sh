#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (CMake tree build/fuzz: clang++, -DPQL_FUZZ=ON, ASan +
# UBSan), seeds their corpora from tests/conformance and fuzz/regressions, and runs each target
# in turn for a set time.
#
#   scripts/fuzz.sh [--seconds N] [--build-only] [--fresh] [--list] [target...]
#
# --seconds defaults to $FUZZ_SECONDS, else 60. --fresh starts the targets' corpora again from
# the seeds (they grow in build/fuzz/corpus from run to run, and so does the replay on start).
# Per target it prints "fuzz <target>: <execs> execs in <s> s, <n>/s (cpu <c> s, <m>/s), <corpus>
# corpus, OK|CRASH", then "ℹ pass N" and "ℹ fail M" (targets). Exits non-zero on any crash, leak,
# timeout or out-of-memory; the input that failed is kept in build/fuzz/artifacts/ and its log in
# build/fuzz/logs/. Reproduce one with: build/fuzz/<target> build/fuzz/artifacts/<file>
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
BUILD_ONLY=0
FRESH=0
LIST=0
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET=${2:?--seconds needs a number}; shift 2 ;;
    --seconds=*) SECONDS_PER_TARGET=${1#*=}; shift ;;
    --build-only) BUILD_ONLY=1; shift ;;
    --fresh) FRESH=1; shift ;;
    --list) LIST=1; shift ;;
    -h|--help) sed -n "2,14p" "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done

ALL_TARGETS=()
for f in fuzz/*.cpp; do ALL_TARGETS+=("$(basename "$f" .cpp)"); done
if [ $LIST = 1 ]; then printf '%s\n' "${ALL_TARGETS[@]}"; exit 0; fi
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  [ -f "fuzz/$t.cpp" ] || { echo "fuzz: no target $t (have: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# Per-target input size limits (bytes).
max_len() {
  case "$1" in
    timestamp) echo 64 ;;
    rule) echo 2048 ;;
    model) echo 4096 ;;
    engine|backtest) echo 12288 ;;
    *) echo 8192 ;;
  esac
}

# Dictionary parts (fuzz/dict/<part>.dict) per target, joined into build/fuzz/dict/<target>.dict.
dict_parts() {
  case "$1" in
    events_jsonl|events_json) echo json events time ;;
    events_csv) echo csv events time ;;
    events_segment) echo json events segment csv time ;;
    accounts) echo json csv accounts ;;
    model) echo json model rule time ;;
    rule) echo json rule ;;
    timestamp) echo time ;;
    engine) echo engine json events segment csv accounts model rule time ;;
    backtest) echo engine json events model time ;;
    *) echo json ;;
  esac
}

fail_all() {  # a build failure fails every target
  echo "fuzz: $*" >&2
  echo "ℹ pass 0"
  echo "ℹ fail ${#TARGETS[@]}"
  exit 1
}

# The build: CMake does the dependency tracking (fuzz/CMakeLists.txt has the flags).
CXX=${CXX:-clang++}
command -v "$CXX" >/dev/null || fail_all "$CXX not found (make deps installs clang and libclang-rt-14-dev)"
OUT=build/fuzz
JOBS=${JOBS:-$(nproc)}
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
build_start=$(date +%s)
mkdir -p "$OUT/logs" "$OUT/artifacts" "$OUT/corpus" "$OUT/dict"
if ! cmake -S . -B "$OUT" -DPQL_FUZZ=ON -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=Fuzz "${launcher[@]}" \
    >"$OUT/logs/build.log" 2>&1 ||
   ! cmake --build "$OUT" -j "$JOBS" --target "${TARGETS[@]}" >>"$OUT/logs/build.log" 2>&1; then
  tail -n 40 "$OUT/logs/build.log" >&2
  fail_all "build failed (log: $OUT/logs/build.log)"
fi
echo "fuzz: build done in $(( $(date +%s) - build_start )) s"

# Seed corpora from the conformance cases and fuzz/regressions/<target>/ (replayed on start).
if [ $FRESH = 1 ]; then for t in "${TARGETS[@]}"; do rm -rf "${OUT:?}/corpus/$t"; done; fi
node fuzz/seeds.mjs --out "$OUT/corpus" "${TARGETS[@]}" || fail_all "seed corpus failed"
[ $BUILD_ONLY = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
TIMEFORMAT='%R %U %S'  # bash's `time`: wall, user and system seconds
pass=0; fail=0; failed=()
for t in "${TARGETS[@]}"; do
  log=$OUT/logs/$t.log
  for part in $(dict_parts "$t"); do cat "fuzz/dict/$part.dict"; done >"$OUT/dict/$t.dict"
  { time "$OUT/$t" "$OUT/corpus/$t" -dict="$OUT/dict/$t.dict" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
      -artifact_prefix="$OUT/artifacts/$t-" -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1; } 2>"$log.time"
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  if [ -z "$execs" ]; then  # a crash prints no final stats: the last status line's count
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  fi
  execs=${execs:-0}
  corpus=$(find "$OUT/corpus/$t" -type f | wc -l)
  rates=$(awk -v n="$execs" '{ c = $2 + $3; printf "%.0f s, %.0f/s (cpu %.0f s, %.0f/s)", $1, ($1 > 0 ? n / $1 : 0), c, (c > 0 ? n / c : 0) }' "$log.time")
  if [ $rc -eq 0 ] && ! grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' "$log"; then
    status=OK; pass=$((pass + 1))
  else
    status=CRASH; fail=$((fail + 1)); failed+=("$t")
  fi
  echo "fuzz $t: $execs execs in $rates, $corpus corpus, $status"
  if [ $status = CRASH ]; then
    echo "---- $log (tail) ----"
    grep -v '^#[0-9]' "$log" | tail -n 40
    ls -t "$OUT/artifacts/$t-"* 2>/dev/null | head -1 | sed 's/^/input: /'
    echo "----"
  fi
done
echo "ℹ pass $pass"
echo "ℹ fail $fail"
[ $fail -eq 0 ] || { echo "fuzz: failed: ${failed[*]}"; exit 1; }
