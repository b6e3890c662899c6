#!/usr/bin/env bash
# clang-format over every C/C++ file we own. --check: list unformatted files, exit 1.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.h' '*.cc' '*.c' '*.cpp' '*.hpp')
((${#files[@]})) || exit 0
if [[ "${1:-}" == "--check" ]]; then
  bad=()
  for f in "${files[@]}"; do
    clang-format --style=file "$f" | cmp -s - "$f" || bad+=("$f")
  done
  if ((${#bad[@]})); then
    printf 'not clang-formatted: %s\n' "${bad[@]}"
    exit 1
  fi
  echo "format: ${#files[@]} files clean"
else
  clang-format -i --style=file "${files[@]}"
fi
