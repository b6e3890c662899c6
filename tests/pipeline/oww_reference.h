// openWakeWord's reference clips and outputs in
// shared/data/models/openwakeword/reference/ (formats in its README.md: WAVs
// with a plain 44-byte header; .npy float32, read by tests/support/npy.h).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/npy.h"

namespace kws::testing {

inline const char* const kOwwClips[] = {"alexa_0", "jarvis_first", "librispeech_10s"};

// KWS_OWW_FULL=1: every step of every clip (as nn's oWW tests); else the
// cheap subset CI runs.
inline bool oww_full_check() {
  const char* v = std::getenv("KWS_OWW_FULL");
  return v != nullptr && v[0] == '1';
}

// The WAV's int16 samples (plain PCM, data from byte 44).
inline std::vector<int16_t> read_reference_wav(const std::string& path) {
  std::vector<uint8_t> b;
  if (!read_file_bytes(path, &b)) return {};
  std::vector<int16_t> s(b.size() > 44 ? (b.size() - 44) / 2 : 0);
  if (!s.empty()) std::memcpy(s.data(), b.data() + 44, s.size() * 2);
  return s;
}

// A 1-D or 2-D float32 .npy as rows x cols (empty on error).
struct Npy {
  std::vector<float> values;
  size_t rows = 0;
  size_t cols = 0;
};

inline Npy read_npy(const std::string& path) {
  Npy n;
  NpyArray a;
  std::string error;
  if (!read_npy_f32(path, &a, &error) || a.shape.empty()) return n;
  n.rows = static_cast<size_t>(a.shape[0]);
  n.cols = a.shape.size() > 1 ? static_cast<size_t>(a.shape[1]) : 1;
  n.values = std::move(a.data);
  return n;
}

}  // namespace kws::testing
