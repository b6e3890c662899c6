#!/usr/bin/env bash
# Writes the bad-input corpus to DIR: odd and broken audio files every tool
# that reads audio must survive (tests/tools/bad_audio_matrix.sh runs them;
# docs/reliability.md lists each tool's outcome per file). Made with Debian's
# sox, flac and opus-tools (tools/bootstrap.sh installs them); nothing here is
# committed.
#   tools/make-bad-audio.sh DIR
set -euo pipefail
dir=${1:?usage: tools/make-bad-audio.sh DIR}
for t in sox flac opusenc python3; do
  command -v "$t" >/dev/null || { echo "make-bad-audio: needs $t (tools/bootstrap.sh)" >&2; exit 77; }
done
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# 1.5 s at 16 kHz (a rising tone between silences), the material for most files.
sox -n -r 16000 -c 1 -b 16 "$tmp/base.wav" synth 1 sine 300:3000 gain -6 pad 0.25 0.25
sox "$tmp/base.wav" -t raw "$tmp/base.raw"
raw_flac() { flac -s --force-raw-format --endian=little --sign=signed --channels=1 --bps=16 \
  --sample-rate=16000 -c - 2>/dev/null; }

cp "$tmp/base.wav" good.wav
: >empty.wav
raw_flac </dev/null >zero-samples.flac                 # header: 0 samples, no frames
raw_flac <"$tmp/base.raw" >streamed.flac               # written to a pipe: length unknown
python3 - "$tmp/base.wav" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
assert b[36:40] == b"data"
def patched(riff, data):
    c = bytearray(b); struct.pack_into("<I", c, 4, riff); struct.pack_into("<I", c, 40, data); return c
open("streamed.wav", "wb").write(patched(0xFFFFFFFF, 0xFFFFFFFF))     # stream writer: unknown
open("unfinished-header.wav", "wb").write(patched(36, 0))             # header never finished
open("truncated.wav", "wb").write(b[: len(b) // 2])
d = bytearray(b); d[20:22] = b"\x55\x55"                               # format tag 0x5555
open("damaged-header.wav", "wb").write(d)
PY
flac -s -f -o "$tmp/base.flac" "$tmp/base.wav"
head -c "$(($(stat -c %s "$tmp/base.flac") / 2))" "$tmp/base.flac" >truncated.flac
python3 - "$tmp/base.flac" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(b) // 2, len(b) // 2 + 300): b[i] ^= 0x5A
open("damaged-frames.flac", "wb").write(b)
PY
printf 'this is a text file, not audio\n%.0s' {1..20} >text.wav
mkdir folder.wav
mkfifo fifo.wav
sox "$tmp/base.wav" one-sample.wav trim 0 1s
sox "$tmp/base.wav" -r 8000 8k.wav
sox "$tmp/base.wav" -r 96000 96k.wav
sox "$tmp/base.wav" -c 6 6ch.wav
sox "$tmp/base.wav" -e floating-point -b 32 float.wav
sox "$tmp/base.wav" -b 24 24bit.wav
sox "$tmp/base.wav" -e a-law alaw.wav
sox "$tmp/base.wav" -C 128 mp3.mp3
opusenc --quiet "$tmp/base.wav" opus.opus
