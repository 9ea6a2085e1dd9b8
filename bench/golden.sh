#!/usr/bin/env bash
# Writes `pql score --format json` (and a few explanations) for every conformance case, the
# sample and the 100k bench set into DIR, so that a core optimisation can be checked to keep
# outputs byte-identical:  bench/golden.sh /tmp/before; (change); bench/golden.sh /tmp/after;
# diff -r /tmp/before /tmp/after
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: bench/golden.sh DIR}
pql=${PQL:-build/native/pql}
mkdir -p "$out"
run() {  # name dir
  local name=$1 dir=$2 args=()
  for f in "$dir"/events.*; do args+=(--events "$f"); done
  [ -f "$dir/accounts.jsonl" ] && args+=(--accounts "$dir/accounts.jsonl")
  [ -f "$dir/model.json" ] && args+=(--model "$dir/model.json")
  "$pql" score --format json "${args[@]}" >"$out/$name.json" || true
  "$pql" score --format csv "${args[@]}" >"$out/$name.csv" || true
  # The first three and the last ranked ids, explained.
  local ids
  ids=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")).results||[];
    const p=[...r.slice(0,3),...r.slice(-1)];console.log(p.map(x=>x.id).join("\n"))' "$out/$name.json")
  local i=0
  while IFS= read -r id; do
    [ -n "$id" ] || continue
    "$pql" explain --format json --id "$id" "${args[@]}" >"$out/$name.explain$i.json" || true
    i=$((i + 1))
  done <<<"$ids"
}
for d in tests/conformance/*/; do run "$(basename "$d")" "$d"; done
[ -d build/sample ] && run sample build/sample
[ -d build/bench-data/100k ] && run bench-100k build/bench-data/100k
echo "golden: $(ls "$out" | wc -l) files in $out"
