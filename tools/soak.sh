#!/usr/bin/env bash
# Soak test of the live daemon (bounded; not in CI):
#   tools/soak.sh [AUDIO_SECONDS (3600)] [SPEED (8, x real time)] [KWSD (build/release/bin/kwsd)]
# kwsd captures through ALSA's file plugin from a FIFO fed with the bundled
# sample (two keywords per 4.6 s) repeated to AUDIO_SECONDS, in whole 20 ms
# periods at SPEED x real time, while:
#   - SIGHUP every 3 s alternates good configs (hooks that fail, that hang past
#     their 300 ms timeout, that flood 20 MB on stdout) with broken ones (an
#     unknown label, an out-of-range threshold, bad YAML);
#   - one socket client never reads; another reads every event;
#   - Wyoming clients connect, stream 0.5 s and vanish (half with a reset).
# Prints JSON: events expected (kwsd replay of the same audio) vs delivered to
# the reading client (must be equal), RSS and fds at start and end, restarts,
# counts of reloads, rejected reloads, dropped clients and timed-out hooks.
# Exit 0 when events match, fds are equal, and kwsd ran throughout and exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3600}
speed=${2:-8}
kwsd=${3:-build/release/bin/kwsd}
dir=$(mktemp -d /tmp/kwsd-soak.XXXXXX)
[[ -n ${KWS_SOAK_KEEP:-} ]] || trap 'rm -rf "$dir"' EXIT
[[ -n ${KWS_SOAK_KEEP:-} ]] && echo "soak: keeping $dir" >&2
python3 tools/soak/soak.py --kwsd "$kwsd" --audio-seconds "$secs" --speed "$speed" --dir "$dir"
