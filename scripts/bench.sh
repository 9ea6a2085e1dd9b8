#!/usr/bin/env bash
# make bench: the performance figures of docs/benchmarks.md, with the peers measured in the
# same run. Needs make native, make wasm and make sample first (the Makefile does them).
#
#   BENCH_SIZES=100k,1M scripts/bench.sh      # sizes to run (default 100k,1M,10M)
#   BENCH_ONLY=native,wasm,browser,page       # parts to run (default all)
#
# Steps: data (sample generator, cached in build/bench-data/<size>/), the native Google
# Benchmark run (build/native/pql_bench), the JSON library's WASM ceiling (bench/sax_ceiling.cpp
# compiled alone with em++), the WASM engine in Node with DuckDB and plain-JS peers
# (bench/wasm.mjs), the WASM engine in headless Chromium and the playground's time to
# interactive (bench/browser.mjs), then the report (bench/report.mjs) into
# build/bench/results.md, which docs/benchmarks.md quotes.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
SIZES=${BENCH_SIZES:-100k,1M,10M}
ONLY=${BENCH_ONLY:-native,wasm,browser,page}
DATA=build/bench-data
OUT=build/bench
mkdir -p "$DATA" "$OUT"
has() { [[ ",$ONLY," == *",$1,"* ]]; }

count_of() {  # 100k -> 100000, 1M -> 1000000
  local s=$1
  case $s in
    *k) echo $(( ${s%k} * 1000 )) ;;
    *M) echo $(( ${s%M} * 1000000 )) ;;
    *) echo "$s" ;;
  esac
}

echo "== bench data: $SIZES (cached in $DATA)"
IFS=, read -ra size_list <<<"$SIZES"
for s in "${size_list[@]}"; do
  d=$DATA/$s
  if [ ! -s "$d/events.jsonl" ] || [ ! -s "$d/model.json" ]; then
    node examples/sample/generate.mjs --out "$d" --events "$(count_of "$s")"
  fi
  if [ ! -s "$d/events.csv" ] || [ "$d/events.csv" -ot "$d/events.jsonl" ]; then
    node examples/sample/to-csv.mjs "$d"
  fi
  if [ "$s" != 10M ] && { [ ! -s "$d/mixpanel.jsonl" ] || [ "$d/mixpanel.jsonl" -ot "$d/events.jsonl" ]; }; then
    node bench/vendor-files.mjs "$d"  # Mixpanel export and gzipped Segment archive (ingest rows)
  fi
done

# The machine, for the report.
{
  echo "cpus=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
  echo "mem_gb=$(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo)"
  echo "load=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "node=$(node --version)"
  echo "emcc=$(em++ --version 2>/dev/null | head -1 | sed 's/.*) //')"
  echo "chromium=$(/usr/bin/chromium --version 2>/dev/null | head -1)"
  echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- core 2>/dev/null || echo '+local')"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUT/machine.txt"

if has native; then
  echo "== native: Google Benchmark (build/native/pql_bench)"
  [ -x build/native/pql_bench ] || { echo "bench: build/native/pql_bench missing (Google Benchmark not found by CMake?)" >&2; exit 1; }
  PQL_BENCH_DATA=$DATA PQL_BENCH_SIZES=$SIZES build/native/pql_bench \
    --benchmark_out="$OUT/native.json" --benchmark_out_format=json
fi

if has wasm || has browser; then
  echo "== the JSON library's WASM ceiling (bench/sax_ceiling.cpp, em++ -O3)"
  # Same exception mode as the engine's build, so that the two are compiled alike.
  exc=$(sed -n 's/^PQL_WASM_EXCEPTIONS:STRING=//p' build/wasm-cmake/CMakeCache.txt 2>/dev/null || true)
  case ${exc:-js} in
    wasm) excflag=-fwasm-exceptions ;;
    off) excflag= ;;
    *) excflag=-fexceptions ;;
  esac
  if [ ! -f "$OUT/sax_ceiling.wasm" ] || [ bench/sax_ceiling.cpp -nt "$OUT/sax_ceiling.wasm" ] ||
     [ "$(cat "$OUT/sax_ceiling.flags" 2>/dev/null)" != "$excflag" ]; then
    em++ -O3 -std=c++17 -ffp-contract=off $excflag -Ibuild/wasm-include bench/sax_ceiling.cpp \
      -o "$OUT/sax_ceiling.mjs" -sMODULARIZE=1 -sEXPORT_ES6=1 -sENVIRONMENT=web \
      -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sFILESYSTEM=0 \
      -sEXPORTED_FUNCTIONS=_sax_ceiling,_malloc,_free
    echo "$excflag" >"$OUT/sax_ceiling.flags"
  fi
fi

if has wasm; then
  echo "== WASM engine in Node, with DuckDB and plain-JS peers (bench/wasm.mjs)"
  node --max-old-space-size=8192 bench/wasm.mjs --sizes "$SIZES" --out "$OUT/wasm.json"
fi

if has browser || has page; then
  echo "== WASM engine in headless Chromium, and the playground (bench/browser.mjs)"
  parts=()
  has browser && parts+=(engine)
  has page && parts+=(page)
  node bench/browser.mjs --sizes "$SIZES" --parts "$(IFS=,; echo "${parts[*]}")" --out "$OUT/browser.json"
fi

echo "== report"
node bench/report.mjs --dir "$OUT" --sizes "$SIZES"
