#!/usr/bin/env bash
# make format / make format-check: clang-format (.clang-format) over the C++ sources and
# prettier (.prettierrc.json, .prettierignore; from npm) over the JS, TS, CSS, HTML and JSON.
#
#   scripts/format.sh           rewrite the files in place
#   scripts/format.sh --check   change nothing; list what is not formatted, exit 1 if anything
set -uo pipefail
cd "$(dirname "$0")/.."
check=0
[ "${1:-}" = --check ] && check=1
command -v clang-format >/dev/null || { echo "format: clang-format is missing (make deps)" >&2; exit 1; }

# Tracked sources when this is a git checkout, else every source under the project's folders.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t cxx < <(git ls-files -- '*.cpp' '*.hpp' '*.h')
else
  mapfile -t cxx < <(find core cli wasm tests bench fuzz -name '*.cpp' -o -name '*.hpp' -o -name '*.h')
fi

rc=0
if [ $check = 1 ]; then
  bad=()
  for f in "${cxx[@]}"; do clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f"); done
  if [ ${#bad[@]} -gt 0 ]; then
    printf 'format: not clang-formatted: %s\n' "${bad[@]}"
    rc=1
  fi
  npx --no-install prettier --check --log-level warn . || rc=1
  [ $rc -eq 0 ] && echo "format: every file is formatted"
else
  clang-format -i "${cxx[@]}" || rc=1
  npx --no-install prettier --write --log-level warn . || rc=1
  # Prettier settles some comment placements only on a second pass (wasm/js/pieces.js did).
  npx --no-install prettier --check --log-level silent . || npx --no-install prettier --write --log-level warn . || rc=1
fi
exit $rc
