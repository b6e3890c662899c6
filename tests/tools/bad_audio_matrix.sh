#!/usr/bin/env bash
# The bad-input matrix: every tool that reads audio, on every file of
# tools/make-bad-audio.sh, with one defined outcome per tool and file:
#   processed  - read, with the right length (checked through kws-features);
#   skipped    - left out with a one-line reason, counted in the tool's summary;
#   refused    - a one-line error naming the file and a non-zero exit code;
# never an abort, a hang, or a silent wrong length.
#   tests/tools/bad_audio_matrix.sh BIN_DIR [--markdown]
# BIN_DIR holds kwsd, kws-eval, kws-tune, kws-features, kws-wyoming. Exit 77
# (ctest: skipped) without sox/flac/opusenc. --markdown prints the outcome
# table (docs/reliability.md).
set -uo pipefail
bin=$(cd "${1:?usage: bad_audio_matrix.sh BIN_DIR [--markdown]}" && pwd)
markdown=${2:-}
repo=$(cd "$(dirname "$0")/../.." && pwd)
model=$repo/models/kwsd_default.tflite
work=$(mktemp -d /tmp/kws-bad-audio.XXXXXX)
wy_pid=""
trap '[[ -n $wy_pid ]] && kill "$wy_pid" 2>/dev/null; rm -rf "$work"' EXIT
"$repo/tools/make-bad-audio.sh" "$work/bad" || exit $?
cd "$work"
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# Bounded: a tool that blocks (e.g. on the FIFO) fails the matrix, not CI's clock.
run() {
  local t0=$SECONDS
  timeout 60 "$@"
  local rc=$?
  [[ -n ${KWS_MATRIX_TIMES:-} ]] && echo "time: $((SECONDS - t0)) s: ${1##*/} ${2:-}" >&2
  return $rc
}

# What reading each file gives (AudioFileReader, shared by every C++ tool):
# "ok <samples at 16 kHz>" ("~": lossy, +-1600: an MP3 without gapless
# information keeps its encoder delay and padding, 1344 samples here) or
# "bad <reason>".
declare -A expect=(
  [good.wav]="ok 24000" [streamed.flac]="ok 24000" [streamed.wav]="ok 24000"
  [one-sample.wav]="ok 1" [8k.wav]="ok 24000" [96k.wav]="ok 24000" [6ch.wav]="ok 24000"
  [float.wav]="ok 24000" [24bit.wav]="ok 24000" [alaw.wav]="ok 24000"
  [mp3.mp3]="ok ~24000" [opus.opus]="ok ~24000"
  [empty.wav]="bad empty file (0 bytes)"
  [zero-samples.flac]="bad contains no audio (0 frames)"
  [unfinished-header.wav]="bad contains no audio (its header says 0 frames, but the file has"
  [truncated.wav]="bad truncated: the header says 48000 bytes of audio, the file holds 23978"
  [truncated.flac]="bad damaged FLAC"
  [damaged-frames.flac]="bad damaged FLAC"
  [damaged-header.wav]="bad not a readable audio file"
  [text.wav]="bad not a readable audio file (libsndfile: Format not recognised.)"
  [folder.wav]="bad is a directory, not an audio file"
  [fifo.wav]="bad not a regular file (a FIFO)"
)
files=$(printf '%s\n' "${!expect[@]}" | sort)
nbad=0
for f in $files; do [[ ${expect[$f]} == bad* ]] && nbad=$((nbad + 1)); done
nall=$(wc -w <<<"$files")
declare -A outcome  # "<tool>|<file>" -> text for the table

# 1. kwsd replay: one run over every file; a bad file is an error line, the
#    others are replayed; exit 1; the summary counts the failures.
run "$bin/kwsd" replay --model "$model" --quiet $(for f in $files; do echo "bad/$f"; done) \
  >replay.out 2>replay.err
rc=$?
[[ $rc == 1 ]] || fail "kwsd replay: exit $rc, want 1"
grep -q "summary: files=$nall failed=$nbad " replay.err || fail "kwsd replay summary: $(tail -1 replay.err)"
for f in $files; do
  line=$(grep -F "error: bad/$f: " replay.err)
  if [[ ${expect[$f]} == bad* ]]; then
    [[ $line == *"${expect[$f]#bad }"* ]] || fail "kwsd replay $f: '$line'"
    outcome["replay|$f"]="refused (error line, counted)"
  else
    [[ -z $line ]] || fail "kwsd replay $f: $line"
    outcome["replay|$f"]="processed"
  fi
done

# 2. kws-features: bad files are index rows "error:<reason>", counted; the
#    others have their length in samples.
for f in $files; do echo "bad/$f"; done >list.txt
run "$bin/kws-features" --model "$model" --list list.txt --out-dir feat --jobs 2 2>features.err
rc=$?
[[ $rc == 1 ]] || fail "kws-features: exit $rc, want 1"
grep -q "kws-features: $nall files ($nbad failed)" features.err || fail "kws-features: $(tail -1 features.err)"
for f in $files; do
  row=$(grep -F "bad/$f"$'\t' feat/index.tsv)
  status=$(cut -f5 <<<"$row")
  samples=$(cut -f4 <<<"$row")
  want=${expect[$f]}
  if [[ $want == bad* ]]; then
    [[ $status == error:*"${want#bad }"* ]] || fail "kws-features $f: '$status'"
    outcome["features|$f"]="skipped (index.tsv error row, counted)"
  else
    n=${want#ok }
    if [[ $n == "~"* ]]; then
      ((samples > ${n#\~} - 1600 && samples < ${n#\~} + 1600)) || fail "kws-features $f: $samples samples"
    else
      ((samples >= n - 2 && samples <= n + 2)) || fail "kws-features $f: $samples samples, want $n"
    fi
    [[ $status == ok ]] || fail "kws-features $f: $status"
    outcome["features|$f"]="processed ($samples samples)"
    outcome["length|$f"]=$samples
  fi
done

# 3. kws-eval and kws-tune: every regular file as a positive (manifest) and as
#    a negative (@list); bad ones are skipped with their reason and counted.
for f in $files; do
  [[ $f == folder.wav || $f == fifo.wav ]] || printf '%s\tcomputer\n' "$work/bad/$f" >>pos.tsv
  [[ $f == folder.wav ]] || echo "$work/bad/$f" >>neg.txt
done
common=(--model "$model" --positives pos.tsv --negatives @neg.txt --snr clean)
run "$bin/kws-eval" "${common[@]}" --no-plot >eval.out 2>eval.err
rc=$?
[[ $rc == 0 ]] || fail "kws-eval: exit $rc: $(tail -2 eval.err)"
run "$bin/kws-tune" "${common[@]}" --split all --allow-zero-fa --write-config tuned.yaml >tune.out 2>tune.err
rc=$?
[[ $rc == 0 || $rc == 3 ]] || fail "kws-tune: exit $rc: $(tail -2 tune.err)"
skipped_pos=$((nbad - 2 + 1))  # bad regular files, and one-sample.wav (no speech in 1 sample)
skipped_neg=$((nbad - 1))      # every bad file but the folder
grep -q "^## Skipped files: $((skipped_pos + skipped_neg))$" eval.out ||
  fail "kws-eval skip count: $(grep 'Skipped files' eval.out)"
grep -q "^Skipped files: $((skipped_pos + skipped_neg))$" tune.out ||
  fail "kws-tune skip count: $(grep 'Skipped files' tune.out)"
for f in $files; do
  for tool in eval tune; do
    neg=$(grep -F "skipped negative $work/bad/$f: " $tool.out)
    pos=$(grep -F -- "- skipped $work/bad/$f: " $tool.out)
    want=${expect[$f]}
    if [[ $f == folder.wav ]]; then
      outcome["$tool|$f"]="refused (see below)"
    elif [[ $want == bad* ]]; then
      [[ $neg == *"${want#bad }"* ]] || fail "kws-$tool negative $f: '$neg'"
      if [[ $f == fifo.wav ]]; then
        outcome["$tool|$f"]="negative: skipped; positive: refused (see below)"
      else
        [[ $pos == *"${want#bad }"* ]] || fail "kws-$tool positive $f: '$pos'"
        outcome["$tool|$f"]="skipped (reason listed, counted)"
      fi
    elif [[ $f == one-sample.wav ]]; then
      [[ -z $neg && $pos == *"no speech found"* ]] || fail "kws-$tool $f: '$neg' '$pos'"
      outcome["$tool|$f"]="negative: processed; positive: skipped (no speech found)"
    else
      [[ -z $neg && -z $pos ]] || fail "kws-$tool $f: '$neg' '$pos'"
      outcome["$tool|$f"]="processed"
    fi
  done
done
# A folder given as a negatives path is scanned; a manifest must name files.
run "$bin/kws-eval" --model "$model" --positives pos.tsv --negatives bad/folder.wav --snr clean \
  --no-plot >/dev/null 2>folder.err
rc=$?
[[ $rc != 0 ]] && grep -q "negatives folder bad/folder.wav has no audio files" folder.err ||
  fail "kws-eval --negatives folder.wav: exit $rc: $(cat folder.err)"
printf '%s\tcomputer\n' "$work/bad/fifo.wav" "$work/bad/folder.wav" >odd.tsv
run "$bin/kws-eval" --model "$model" --positives odd.tsv --negatives @neg.txt --snr clean \
  --no-plot >/dev/null 2>odd.err
rc=$?
[[ $rc != 0 ]] && grep -q "names 2 missing file(s)" odd.err ||
  fail "kws-eval manifest with fifo/folder: exit $rc: $(cat odd.err)"

# 4. tools/train-keyword --check-inputs: the front end over --positives, as
#    training reads it; bad files would be skipped and are listed. (Folder
#    scans take regular files with audio extensions: no FIFO, no folder.)
if /usr/bin/python3 -c 'import numpy, torch' 2>/dev/null; then
  KWS_FEATURES=$bin/kws-features run "$repo/tools/train-keyword" probe --positives bad \
    --check-inputs >/dev/null 2>train.err
  rc=$?
  nlisted=$(find bad -maxdepth 1 -type f \( -name '*.wav' -o -name '*.flac' -o -name '*.mp3' -o \
    -name '*.ogg' \) | wc -l)
  [[ $rc == 1 ]] || fail "train-keyword --check-inputs: exit $rc: $(tail -2 train.err)"
  grep -q "checked $nlisted files: $((nlisted - nbad + 2)) readable, $((nbad - 2)) would be skipped" \
    train.err || fail "train-keyword: $(tail -1 train.err)"
  for f in $files; do
    line=$(grep -F "features: skipped bad/$f: " train.err)
    want=${expect[$f]}
    if [[ $f == folder.wav || $f == fifo.wav ]]; then
      outcome["train|$f"]="not listed (folder scan: regular files)"
    elif [[ $f == opus.opus ]]; then
      outcome["train|$f"]="not listed (.opus is not among its extensions)"
    elif [[ $want == bad* ]]; then
      [[ $line == *"${want#bad }"* ]] || fail "train-keyword $f: '$line'"
      outcome["train|$f"]="skipped (listed, counted)"
    else
      [[ -z $line ]] || fail "train-keyword $f: $line"
      outcome["train|$f"]="processed"
    fi
  done
else
  for f in $files; do outcome["train|$f"]="n/a (no python3-torch)"; done
fi

# 5. A Wyoming client sends each file's bytes as the stream's audio: every
#    stream gets an answer and the server keeps serving.
"$bin/kws-wyoming" --model "$model" --listen 127.0.0.1:0 >wyoming.log 2>&1 &
wy_pid=$!
port=""
for _ in $(seq 100); do
  port=$(grep -o 'listening on 127.0.0.1:[0-9]*' wyoming.log | head -1 | sed 's/.*://')
  [[ -n $port ]] && break
  sleep 0.1
done
if [[ -z $port ]]; then
  fail "kws-wyoming did not start: $(cat wyoming.log)"
else
  run python3 "$repo/tests/tools/wyoming_bytes_client.py" "$port" \
    $(for f in $files; do echo "bad/$f"; done) >wyoming.out
  rc=$?
  [[ $rc == 0 ]] || fail "Wyoming client: exit $rc: $(tail -3 wyoming.out)"
  grep -q $'^server-alive\tyes$' wyoming.out || fail "kws-wyoming died: $(tail -5 wyoming.log)"
  for f in $files; do
    got=$(grep -F "$f"$'\t' wyoming.out | cut -f2)
    if [[ $f == folder.wav || $f == fifo.wav ]]; then
      outcome["wyoming|$f"]="n/a (no bytes)"
    else
      [[ $got == not-detected || $got == detection ]] || fail "Wyoming $f: '$got'"
      outcome["wyoming|$f"]="processed as PCM ($got)"
    fi
  done
  kill "$wy_pid"
  wait "$wy_pid" 2>/dev/null
  wy_pid=""
fi
if grep -qE "terminate called|Aborted|core dumped|AddressSanitizer|runtime error" \
  ./*.err wyoming.log 2>/dev/null; then
  fail "an abort or sanitizer report: $(grep -lE 'terminate called|Aborted|Sanitizer|runtime error' ./*.err)"
fi

if [[ $markdown == --markdown ]]; then
  echo "| file | kwsd replay | kws-features | kws-eval / kws-tune | train-keyword --check-inputs | Wyoming (bytes as PCM) |"
  echo "|---|---|---|---|---|---|"
  for f in $files; do
    echo "| \`$f\` | ${outcome[replay|$f]} | ${outcome[features|$f]} | ${outcome[eval|$f]} | ${outcome[train|$f]} | ${outcome[wyoming|$f]} |"
  done
fi
if ((failures > 0)); then
  echo "bad-audio matrix: $failures failure(s)" >&2
  exit 1
fi
echo "bad-audio matrix: $nall files x 6 tools, every outcome as expected"
