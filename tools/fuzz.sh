#!/usr/bin/env bash
# Builds the `fuzz` preset and runs every libFuzzer target on a seed corpus
# made at run time under build/ (never committed), for CI's short runs:
#   fuzz_tflite_reader    2N/3 seconds (N default 60): the shared .tflite models
#                         plus the small models the nn tests generate;
#   fuzz_model_metadata,  4N/15 seconds each (at least 10): the sidecars, the
#   fuzz_config_yaml,     example config, metadata text, a few Wyoming events,
#   fuzz_config_settings, the bad-input audio corpus (tools/make-bad-audio.sh,
#   fuzz_wyoming_protocol, when sox is there) and small audio files written here.
#   fuzz_audio_file
# Total: 2N seconds, as before the audio and settings targets came.
# KWS_FUZZ_SEEDS_ONLY=1 builds and writes the corpora, runs nothing
# (tools/fuzz-campaign.sh runs the long campaign on them).
# Exits non-zero on the first crash (libFuzzer's own exit status).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
long=$((seconds * 2 / 3))
short=$((seconds * 4 / 15 > 10 ? seconds * 4 / 15 : 10))
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
mkdir -p "$corpora/config_settings" "$corpora/audio_file"
cp -f config/kwsd.yaml "$corpora/config_settings/"
printf 'stage2: {mode: model}\nstage1:\n  keywords:\n    computer: {threshold: 0.5, min_count: 2}\n' \
  >"$corpora/config_settings/stage2-model.yaml"
printf 'model:\n  overrides: {smoothing_frames: 3}\nstage2:\n  mode: external\n  external: {argv: [/bin/true]}\n' \
  >"$corpora/config_settings/external.yaml"
a=$corpora/audio_file
if command -v sox >/dev/null && command -v flac >/dev/null && command -v opusenc >/dev/null; then
  tools/make-bad-audio.sh "$a/bad" >/dev/null
  find "$a/bad" -maxdepth 1 -type f -size +0 -exec cp -f {} "$a/" \;
  rm -rf "$a/bad"
fi
cp -f models/sample.wav "$a/" 2>/dev/null || true
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
[[ ${KWS_FUZZ_SEEDS_ONLY:-} == 1 ]] && exit 0
run fuzz_tflite_reader "$long" -max_len=400000
run fuzz_model_metadata "$short" -max_len=8192
run fuzz_config_yaml "$short" -max_len=8192
run fuzz_config_settings "$short" -max_len=8192
run fuzz_wyoming_protocol "$short" -max_len=8192
run fuzz_audio_file "$short" -max_len=65536
