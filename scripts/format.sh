#!/usr/bin/env bash
# clang-format (version 14, Debian's clang-format-14) over every tracked C++ file, with the
# repository's .clang-format.
#   scripts/format.sh           reformat in place
#   scripts/format.sh --check   change nothing; list the files that differ and fail if any do
set -euo pipefail
cd "$(dirname "$0")/.."
formatter="${CLANG_FORMAT:-clang-format-14}"
mapfile -t files < <(git ls-files '*.hpp' '*.ipp' '*.cpp' '*.h')
if [[ "${1:-}" == "--check" ]]; then
  bad=()
  for f in "${files[@]}"; do
    "$formatter" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
  done
  if ((${#bad[@]} > 0)); then
    printf 'not clang-formatted (run scripts/format.sh): %s\n' "${bad[@]}" >&2
    exit 1
  fi
  echo "clang-format: ${#files[@]} files formatted"
else
  "$formatter" -i "${files[@]}"
fi
