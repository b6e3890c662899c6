#!/usr/bin/env bash
# Runs the process and service tests N times in a row (default 50) with both
# cores kept busy by a niced `stress --cpu <nproc>` for the whole run (bounded
# by its --timeout), and stops at the first failure. Not run by CI.
#   tools/repeat-under-load.sh [PRESET] [N]     e.g. tools/repeat-under-load.sh ci-tsan 50
# The preset's build directory must hold the test binaries (built beforehand:
#   cmake --build --preset PRESET --target kws_kwsd_process_test kws_service_test
#         kws_sinks_test kws_capture_test kwsd).
set -euo pipefail
cd "$(dirname "$0")/.."
preset=${1:-dev}
n=${2:-50}
bin=build/$preset/bin
tests=(kws_kwsd_process_test kws_service_test kws_sinks_test kws_capture_test)
for t in "${tests[@]}" kwsd; do
  [[ -x $bin/$t ]] || { echo "repeat-under-load: $bin/$t is not built" >&2; exit 2; }
done
command -v stress >/dev/null || { echo "repeat-under-load: needs stress (apt-get install stress)" >&2; exit 2; }
nice -n 19 stress --cpu "$(nproc)" --timeout 7200 >/dev/null 2>&1 &
load=$!
trap 'kill "$load" 2>/dev/null || true' EXIT
log=$(mktemp)
start=$(date +%s)
for ((i = 1; i <= n; i++)); do
  for t in "${tests[@]}"; do
    if ! "$bin/$t" >"$log" 2>&1; then
      echo "repeat-under-load: $t failed in round $i of $n ($preset); its output:" >&2
      grep -E "Failure|FAILED|error|WARNING: ThreadSanitizer" -A5 "$log" | head -60 >&2
      exit 1
    fi
  done
  echo "round $i/$n passed ($(($(date +%s) - start)) s, load $(cut -d' ' -f1 /proc/loadavg))"
done
echo "repeat-under-load: $preset: ${tests[*]}: $n rounds, 0 failures, $(($(date +%s) - start)) s"
