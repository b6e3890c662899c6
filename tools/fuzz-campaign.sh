#!/usr/bin/env bash
# The long fuzz campaign (not CI): every libFuzzer target of the `fuzz` preset
# (clang-14, ASan + UBSan) for RUNS executions (default 1,000,000) or at most
# MAX_SECONDS per target (default 3600), one target at a time under
# `nice -n 10`, each on its own persistent corpus in build/fuzz-campaign/
# (seeded from tools/fuzz.sh's corpora; kept between campaigns, never committed).
# Prints per target: executions, exec/s, coverage (cov: edges, ft: features),
# corpus size (units and bytes), and whether it found a crash.
#   tools/fuzz-campaign.sh [RUNS] [MAX_SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
max_s=${2:-3600}
shift $(($# > 2 ? 2 : $#))
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_tflite_reader fuzz_model_metadata fuzz_config_yaml fuzz_config_settings
           fuzz_wyoming_protocol fuzz_audio_file)
fi
declare -A max_len=([fuzz_tflite_reader]=400000 [fuzz_audio_file]=65536)
KWS_FUZZ_SEEDS_ONLY=1 tools/fuzz.sh >/dev/null
out=build/fuzz-campaign
mkdir -p "$out"
summary=$out/summary.tsv
printf 'target\texecutions\texec_per_s\tcov\tft\tcorpus_units\tcorpus_bytes\tseconds\tresult\n' >"$summary"
status=0
for t in "${targets[@]}"; do
  corpus=$out/$t
  mkdir -p "$corpus"
  seeds=build/fuzz-corpus/${t#fuzz_}
  log=$out/$t.log
  echo "== $t: up to $runs runs or ${max_s} s" >&2
  start=$(date +%s)
  set +e
  nice -n 10 build/fuzz/bin/$t -runs="$runs" -max_total_time="$max_s" -rss_limit_mb=2048 \
    -max_len="${max_len[$t]:-8192}" -print_final_stats=1 -artifact_prefix="$out/$t-" \
    "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  set -e
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  units=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  result=ok
  if ((rc != 0)); then
    result="CRASH (exit $rc, see $log)"
    status=1
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" \
    "${ft:-?}" "$units" "$bytes" "$secs" "$result" >>"$summary"
  tail -1 "$summary" >&2
done
column -t -s $'\t' "$summary"
exit $status
