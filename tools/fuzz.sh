#!/usr/bin/env bash
# Builds the `fuzz` preset and runs fuzz_tflite_reader for N seconds (default 60)
# on a seed corpus made at run time under build/ (never committed): the shared
# .tflite models plus the small models the nn tests generate. Exits non-zero on
# a crash (libFuzzer's own exit status).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shared=${KWS_SHARED_DATA:-$(cd .. && pwd)/shared/data}
build=build/fuzz
corpus=build/fuzz-corpus/tflite_reader
cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc)" --target fuzz_tflite_reader
mkdir -p "$corpus"
if [[ -d "$shared/models" ]]; then
  find "$shared/models" -name '*.tflite' -size -400k -exec cp -f {} "$corpus/" \;
fi
# Generated seeds: the nn tests write their small models to $KWS_FUZZ_SEED_DIR.
for bin in build/dev/bin build/*/bin; do
  if [[ -x "$bin/nn_model_test" && -x "$bin/nn_interpreter_test" ]]; then
    KWS_FUZZ_SEED_DIR="$PWD/$corpus" "$bin/nn_model_test" --gtest_filter='*WritesFuzzSeeds*' \
      >/dev/null || true
    KWS_FUZZ_SEED_DIR="$PWD/$corpus" "$bin/nn_interpreter_test" --gtest_filter='Ops.*' \
      >/dev/null || true
    break
  fi
done
if [[ -d build/fuzz-seeds ]]; then cp -f build/fuzz-seeds/* "$corpus/" 2>/dev/null || true; fi
exec "$build/bin/fuzz_tflite_reader" -max_total_time="$seconds" -rss_limit_mb=2048 \
  -max_len=400000 -print_final_stats=1 "$corpus"
