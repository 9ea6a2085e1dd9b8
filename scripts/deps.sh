#!/usr/bin/env bash
# Installs what the build and the tests need, from Debian and npm only. Idempotent, quiet when all is there.
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=(cmake make g++ clang libclang-rt-14-dev nlohmann-json3-dev catch2 libbenchmark-dev
      emscripten chromium postgresql zlib1g-dev libzip-dev pkg-config clang-format)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# npm packages from the committed lock file; reinstall only when the lock changed.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.pql-lock-stamp; then
  echo "deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.pql-lock-stamp
fi
