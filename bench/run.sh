#!/bin/sh
# Builds the release preset and runs every kwsd benchmark, then prints one
# Markdown report (the tables docs/benchmarks.md and the README quote).
#
#   bench/run.sh [--quick] [--no-peer]
#     --quick    shorter runs (60 s pipeline audio, 0.1 s per micro-benchmark)
#     --no-peer  skip the PocketSphinx comparison (bench/peer_pocketsphinx.py)
#
# Needs (Debian): cmake ninja-build g++ libbenchmark-dev valgrind sox
# pocketsphinx pocketsphinx-en-us, and the shared data ($KWS_SHARED_DATA or
# ../shared/data beside the checkout). Outputs land in build/release/bench/
# ($KWS_BENCH_BUILD instead of build/release when set).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
build="${KWS_BENCH_BUILD:-$root/build/release}"
out="$build/bench"
seconds=600
min_time=0.5
peer=1
for arg in "$@"; do
  case "$arg" in
    --quick) seconds=60; min_time=0.1 ;;
    --no-peer) peer=0 ;;
    *) echo "usage: bench/run.sh [--quick] [--no-peer]" >&2; exit 2 ;;
  esac
done

cd "$root"
cmake --preset release -B "$build" -DBUILD_TESTING=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target kws-bench-micro kws-bench-pipeline kwsd >/dev/null
mkdir -p "$out"
bin="$build/bin"
# The commit these binaries come from, for the report (HEAD may move while the
# benchmarks run; report.py would otherwise read it at the end).
commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
if [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  commit="$commit (work tree has uncommitted changes)"
fi
echo "$commit" >"$out/build_commit.txt"

echo "running micro-benchmarks..." >&2
"$bin/kws-bench-micro" --benchmark_min_time="$min_time" --benchmark_format=json \
  --benchmark_out="$out/micro.json" --benchmark_out_format=json >/dev/null

echo "running the whole pipeline on ${seconds} s of speech..." >&2
"$bin/kws-bench-pipeline" --seconds "$seconds" >"$out/pipeline.txt"

# Instructions inside Pipeline::push only (init and FLAC decoding excluded).
echo "running callgrind on 60 s of speech..." >&2
valgrind --tool=callgrind --collect-atstart=no --toggle-collect='kws::Pipeline::push*' \
  --callgrind-out-file="$out/callgrind.out" \
  "$bin/kws-bench-pipeline" --seconds 60 >"$out/pipeline_callgrind.txt" 2>"$out/callgrind.log"
callgrind_annotate --inclusive=yes "$out/callgrind.out" >"$out/callgrind_inclusive.txt" 2>/dev/null

if [ "$peer" = 1 ]; then
  echo "running the PocketSphinx comparison..." >&2
  /usr/bin/python3 "$root/bench/peer_pocketsphinx.py" --kwsd "$bin/kwsd" \
    --work "$out/peer" >"$out/peer.md"
fi

/usr/bin/python3 "$root/bench/report.py" "$out" "$root"
