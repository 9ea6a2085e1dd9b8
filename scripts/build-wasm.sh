#!/usr/bin/env bash
# Builds the WebAssembly engine and its npm package into build/wasm/pkg (make wasm).
# Incremental: a second run with nothing changed only asks CMake to check.
# PQL_WASM_EXCEPTIONS=js|wasm|off picks how C++ exceptions are compiled (see docs/wasm.md).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs   # Emscripten 3.1.6's JS optimizer needs Debian's acorn
JOBS=${JOBS:-$(nproc)}
out=build/wasm
build=build/wasm-cmake
pkg=$PWD/$out/pkg

command -v emcmake >/dev/null || { echo "build-wasm: emscripten is missing (make deps)" >&2; exit 1; }

# nlohmann/json without the rest of /usr/include: glibc's headers break a wasm build.
mkdir -p build/wasm-include
ln -sfn /usr/include/nlohmann build/wasm-include/nlohmann

args=(-DCMAKE_BUILD_TYPE=Release "-DPQL_JSON_INCLUDE=$PWD/build/wasm-include" "-DPQL_WASM_PKG_DIR=$pkg"
      "-DPQL_WASM_EXCEPTIONS=${PQL_WASM_EXCEPTIONS:-wasm}")
# Configure only when the arguments changed (emcmake's checks cost seconds); a changed
# CMakeLists.txt is picked up by the build step itself.
stamp="$build/.pql-configure-args"
if [ ! -f "$build/CMakeCache.txt" ] || [ "$(cat "$stamp" 2>/dev/null)" != "${args[*]}" ]; then
  emcmake cmake -S . -B "$build" "${args[@]}" >/dev/null
  echo "${args[*]}" >"$stamp"
fi
cmake --build "$build" -j "$JOBS"
echo "build-wasm: $(du -b "$pkg/pql_core.wasm" | cut -f1) bytes wasm -> $out/pkg"
