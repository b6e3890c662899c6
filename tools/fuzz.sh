#!/usr/bin/env bash
# Builds the `fuzz` preset and runs every libFuzzer target on a seed corpus
# made at run time under build/ (never committed):
#   fuzz_tflite_reader    N seconds (default 60): the shared .tflite models plus
#                         the small models the nn tests generate;
#   fuzz_model_metadata,  N/3 seconds each (at least 10): the sidecars, the
#   fuzz_config_yaml,     example config, metadata text, and a few Wyoming
#   fuzz_wyoming_protocol events written here.
# Exits non-zero on the first crash (libFuzzer's own exit status).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
short=$((seconds / 3 > 10 ? seconds / 3 : 10))
shared=${KWS_SHARED_DATA:-$(cd .. && pwd)/shared/data}
build=build/fuzz
corpora=build/fuzz-corpus
cmake --preset fuzz -B "$build" >/dev/null
cmake --build "$build" -j "$(nproc)" --target kws_fuzzers

corpus=$corpora/tflite_reader
mkdir -p "$corpus"
if [[ -d "$shared/models" ]]; then
  find "$shared/models" -name '*.tflite' -size -400k -exec cp -f {} "$corpus/" \;
fi
cp -f models/*.tflite "$corpus/"
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

mkdir -p "$corpora/model_metadata" "$corpora/config_yaml" "$corpora/wyoming_protocol"
cp -f tests/firmware/data/*.kwsd.txt "$corpora/model_metadata/"
cp -f config/kwsd.yaml models/sidecars/*.yaml "$corpora/config_yaml/"
w=$corpora/wyoming_protocol
printf '\x05{"type":"describe"}\n' >"$w/describe"
printf '\x10{"type":"detect","data":{"names":["computer"]}}\n' >"$w/detect"
printf '\x03{"type":"audio-start","data":{"rate":16000,"width":2,"channels":1}}\n' >"$w/start"
printf '\x07{"type":"audio-chunk","data_length":13,"payload_length":4}\n{"rate":16000}\x01\x02\x03\x04' \
  >"$w/chunk"

run() {
  local name=$1 secs=$2
  echo "== fuzz $name for ${secs}s"
  "$build/bin/$name" -max_total_time="$secs" -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/$name-" "${@:3}" "$corpora/${name#fuzz_}"
}
run fuzz_tflite_reader "$seconds" -max_len=400000
run fuzz_model_metadata "$short" -max_len=8192
run fuzz_config_yaml "$short" -max_len=8192
run fuzz_wyoming_protocol "$short" -max_len=8192
