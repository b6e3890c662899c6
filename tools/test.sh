#!/usr/bin/env bash
# Runs every check CI runs:
#   1. clang-format is applied;
#   2. the dev preset (-Wall -Wextra -Wconversion -Wshadow -Werror) builds and ctest passes;
#   3. the ASan+UBSan preset builds and ctest passes;
#   4. the tests labelled `threads` pass under ThreadSanitizer;
#   5. the libFuzzer targets run on their seed corpora (KWS_FUZZ_SECONDS, default 60).
# KWS_TEST_PRESETS="dev" limits the presets (for a quick local run).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
presets=${KWS_TEST_PRESETS:-"dev ci-sanitize ci-tsan"}

./tools/format.sh --check

passed=0
summary=""
ctest_log=$(mktemp)
trap 'rm -f "$ctest_log"' EXIT
for preset in $presets; do
  echo "== preset $preset"
  cmake --preset "$preset" >/dev/null
  targets=()
  # ThreadSanitizer runs only the `threads` tests: build just those.
  if [[ $preset == ci-tsan ]]; then targets=(--target kws_threads_tests); fi
  cmake --build --preset "$preset" -j "$jobs" "${targets[@]}"
  ctest --preset "$preset" -j "$jobs" | tee "$ctest_log"
  n=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\).*/\1/p' "$ctest_log" | tail -n 1)
  passed=$((passed + ${n:-0}))
  summary+=" $preset=${n:-0}"
done

if [[ -x tools/fuzz.sh && " $presets " == *" ci-sanitize "* ]]; then
  echo "== fuzz"
  ./tools/fuzz.sh "${KWS_FUZZ_SECONDS:-60}"
  summary+=" (fuzzers: no crash)"
fi
# ctest stops the script on a failure (set -e, pipefail), so reaching here means
# every test passed.
echo "tests by preset:$summary"
echo "kwsd: $passed passed, 0 failed"
