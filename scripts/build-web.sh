#!/usr/bin/env bash
# Builds the browser playground into build/web/: a static site (HTML, JS, CSS, the engine's
# .wasm and the sample data) that any static file server can serve.
set -euo pipefail
cd "$(dirname "$0")/.."

pkg=build/wasm/pkg
[ -f "$pkg/index.js" ] || { echo "build-web: $pkg/index.js is missing (run make wasm)" >&2; exit 1; }
ls "$pkg"/*.wasm >/dev/null 2>&1 || { echo "build-web: no .wasm in $pkg (run make wasm)" >&2; exit 1; }

npx --no-install tsc -p web/tsconfig.json
npx --no-install vite build --config web/vite.config.ts --logLevel warn

mkdir -p build/web/sample
if [ -d build/sample ] && ls build/sample/* >/dev/null 2>&1; then
  cp build/sample/* build/web/sample/
  # The page opens on the CSV copy: half the bytes of the JSON Lines, and it loads faster.
  node examples/sample/to-csv.mjs build/web/sample
else
  echo "build-web: warning: build/sample is empty (run make sample); the site opens without data" >&2
fi

js=$(find build/web/assets -name '*.js' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
css=$(find build/web/assets -name '*.css' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
wasm=$(find build/web/assets -name '*.wasm' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
gz=$(cat build/web/assets/*.js | gzip -9 | wc -c)
printf 'build-web: build/web ready: JS %d kB (%d kB gzipped), CSS %d kB, wasm %d kB\n' \
  $((js / 1024)) $((gz / 1024)) $((css / 1024)) $((wasm / 1024))
