#!/bin/sh
# Makes models/sample.wav, the clip a default run of kwsd replays when the
# machine has no capture device: "computer", a pause, "jarvis", over light
# synthetic pink noise. 16 kHz mono 16-bit, about 4.5 s (< 200 KB).
# Everything in it is synthesised here (espeak-ng voice, sox noise), so the
# clip is ours to ship. sox -R makes the noise repeatable.
# Usage: models/make_sample.sh [OUT.wav]   (needs espeak-ng and sox)
set -eu
out=${1:-$(dirname "$0")/sample.wav}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

say() {  # say VOICE WORD FILE: espeak-ng, then 16 kHz mono, trimmed, peak at -3 dBFS
  espeak-ng -v "$1" -s 150 -w "$tmp/raw.wav" "$2"
  sox -R "$tmp/raw.wav" -r 16000 -c 1 -b 16 "$3" silence 1 0.01 1% reverse silence 1 0.01 1% \
    reverse norm -3
}
# Voices picked so the shipped model (models/kwsd_default.tflite) detects both
# words; it was trained mostly on human recordings, and not every synthetic
# voice is recognised (its "computer" in en-us, en-us+f3 or en-us+m3 is missed
# in this mix).
say en-gb-x-rp computer "$tmp/w1.wav"
say en-us+f2 jarvis "$tmp/w2.wav"

sox -R -n -r 16000 -c 1 -b 16 "$tmp/gap0.wav" trim 0 0.8
sox -R -n -r 16000 -c 1 -b 16 "$tmp/gap1.wav" trim 0 1.6
sox -R -n -r 16000 -c 1 -b 16 "$tmp/gap2.wav" trim 0 0.9
sox -R "$tmp/gap0.wav" "$tmp/w1.wav" "$tmp/gap1.wav" "$tmp/w2.wav" "$tmp/gap2.wav" "$tmp/speech.wav"
len=$(soxi -D "$tmp/speech.wav")
sox -R -n -r 16000 -c 1 -b 16 "$tmp/noise.wav" synth "$len" pinknoise vol 0.015
sox -R -m "$tmp/speech.wav" "$tmp/noise.wav" -b 16 "$out"
soxi "$out" | grep -E "Duration|Sample Rate|Channels"
