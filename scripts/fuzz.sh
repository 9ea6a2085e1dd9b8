#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ (clang, ASan + UBSan) into build/fuzz/, seeds their
# corpora from tests/conformance, and runs each target in turn for a set time.
#
#   scripts/fuzz.sh [--seconds N] [--build-only] [--fresh] [--list] [target...]
#
# --fresh starts the targets' corpora again from the seeds (they grow in build/fuzz/corpus from
# run to run, and so does the time to replay them on start).
# Per target it prints "fuzz <target>: <execs> execs in <s> s, <corpus> corpus, OK|CRASH", then
# "ℹ pass N" and "ℹ fail M" (targets). Exits non-zero on any crash, leak, timeout or
# out-of-memory; the input that failed is kept in build/fuzz/artifacts/ and its log in
# build/fuzz/logs/. Reproduce one with: build/fuzz/<target> build/fuzz/artifacts/<file>
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=60
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
    -h|--help) sed -n "2,12p" "$0"; exit 0 ;;
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

CXX=${CXX:-clang++}
command -v "$CXX" >/dev/null || fail_all "$CXX not found (make deps installs clang and libclang-rt-14-dev)"
OUT=build/fuzz
OBJ=$OUT/obj
mkdir -p "$OBJ/core" "$OBJ/fuzz" "$OUT/logs" "$OUT/artifacts" "$OUT/corpus"
JOBS=${JOBS:-$(nproc)}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
BASEFLAGS="-std=c++17 -O1 -g -fno-omit-frame-pointer -ffp-contract=off $SAN -Icore/include -Icore/src -Ifuzz"
# The core and the targets get coverage instrumentation; the shared checkers (fuzz/common) do
# not: the fuzzer should explore the engine, not the JSON parser that checks its output.
CXXFLAGS="$BASEFLAGS -fsanitize=fuzzer-no-link"
LDFLAGS="-fsanitize=fuzzer $SAN"
# The flags are part of every object's key: a change of flags rebuilds everything.
FLAGS_STAMP=$OBJ/flags
if [ ! -f "$FLAGS_STAMP" ] || [ "$(cat "$FLAGS_STAMP")" != "$CXX $CXXFLAGS $LDFLAGS" ]; then
  rm -f "$OBJ"/core/*.o "$OBJ"/fuzz/*.o
  echo "$CXX $CXXFLAGS $LDFLAGS" >"$FLAGS_STAMP"
fi

# True when the object is missing or older than its source or any header it included last time.
stale() {
  local obj=$1 src=$2 dep=${1%.o}.d f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  [ "$src" -nt "$obj" ] && return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ -e "$f" ] || return 0
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}

# Compiles the stale sources, JOBS at a time. Arguments: pairs "src obj".
compile() {
  local pids=() failed=0 src obj flags
  while [ $# -gt 0 ]; do
    src=$1 obj=$2; shift 2
    stale "$obj" "$src" || continue
    echo "fuzz: compiling $src"
    flags=$CXXFLAGS
    [[ $src == fuzz/common/* ]] && flags=$BASEFLAGS
    $CXX $flags -MMD -MF "${obj%.o}.d" -c "$src" -o "$obj" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$JOBS" ]; then
      wait "${pids[0]}" || failed=1
      pids=("${pids[@]:1}")
    fi
  done
  for p in "${pids[@]}"; do wait "$p" || failed=1; done
  return $failed
}

build_start=$(date +%s)
pairs=()
core_objs=()
for src in core/src/*.cpp fuzz/common/*.cpp; do
  dir=core; [[ $src == fuzz/* ]] && dir=fuzz
  obj=$OBJ/$dir/$(basename "$src" .cpp).o
  pairs+=("$src" "$obj")
  core_objs+=("$obj")
done
for t in "${TARGETS[@]}"; do pairs+=("fuzz/$t.cpp" "$OBJ/fuzz/target_$t.o"); done
compile "${pairs[@]}" || fail_all "compilation failed"
for t in "${TARGETS[@]}"; do
  bin=$OUT/$t
  need=0
  [ -f "$bin" ] || need=1
  for o in "$OBJ/fuzz/target_$t.o" "${core_objs[@]}"; do [ "$o" -nt "$bin" ] && need=1; done
  if [ $need = 1 ]; then
    echo "fuzz: linking $bin"
    $CXX $LDFLAGS "$OBJ/fuzz/target_$t.o" "${core_objs[@]}" -o "$bin" || fail_all "link of $t failed"
  fi
done
echo "fuzz: build done in $(( $(date +%s) - build_start )) s"

# Seed corpora from the conformance cases (and fuzz/regressions/<target>/).
if [ $FRESH = 1 ]; then for t in "${TARGETS[@]}"; do rm -rf "${OUT:?}/corpus/$t"; done; fi
node fuzz/seeds.mjs --out "$OUT/corpus" "${TARGETS[@]}" || fail_all "seed corpus failed"
[ $BUILD_ONLY = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
pass=0; fail=0; failed=()
for t in "${TARGETS[@]}"; do
  log=$OUT/logs/$t.log
  mkdir -p "$OUT/dict"
  for part in $(dict_parts "$t"); do cat "fuzz/dict/$part.dict"; done >"$OUT/dict/$t.dict"
  start=$(date +%s.%N)
  "$OUT/$t" "$OUT/corpus/$t" -dict="$OUT/dict/$t.dict" \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len "$t")" \
    -artifact_prefix="$OUT/artifacts/$t-" -print_final_stats=1 -close_fd_mask=1 >"$log" 2>&1
  rc=$?
  end=$(date +%s.%N)
  execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  if [ -z "$execs" ]; then  # a crash prints no final stats: the last status line's count
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  fi
  corpus=$(find "$OUT/corpus/$t" -type f | wc -l)
  secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", b - a }')
  if [ $rc -eq 0 ] && ! grep -q -e '^==[0-9]*==ERROR' -e 'runtime error:' "$log"; then
    status=OK; pass=$((pass + 1))
  else
    status=CRASH; fail=$((fail + 1)); failed+=("$t")
  fi
  echo "fuzz $t: ${execs:-0} execs in $secs s, $corpus corpus, $status"
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
