// Reads openWakeWord's reference clips and outputs in
// shared/data/models/openwakeword/reference/ (formats in its README.md: WAVs
// with a 44-byte header, .npy float32 files with a 128-byte header).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace kws::testing {

inline const char* const kOwwClips[] = {"alexa_0", "jarvis_first", "librispeech_10s"};

inline std::vector<char> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The WAV's int16 samples (plain PCM, data from byte 44).
inline std::vector<int16_t> read_reference_wav(const std::string& path) {
  const std::vector<char> b = read_bytes(path);
  std::vector<int16_t> s(b.size() > 44 ? (b.size() - 44) / 2 : 0);
  if (!s.empty()) std::memcpy(s.data(), b.data() + 44, s.size() * 2);
  return s;
}

// A float32 .npy: values and shape (rows, cols; cols 1 for a vector).
struct Npy {
  std::vector<float> values;
  size_t rows = 0;
  size_t cols = 0;
};

inline Npy read_npy(const std::string& path) {
  Npy n;
  const std::vector<char> b = read_bytes(path);
  if (b.size() < 128) return n;
  const std::string header(b.data(), 128);
  const size_t open = header.find("'shape': (");
  if (open == std::string::npos) return n;
  size_t rows = 0, cols = 1;
  const char* p = header.c_str() + open + 10;
  rows = std::strtoul(p, const_cast<char**>(&p), 10);
  if (*p == ',' && p[1] == ' ' && p[2] != ')') cols = std::strtoul(p + 2, nullptr, 10);
  n.values.resize((b.size() - 128) / 4);
  std::memcpy(n.values.data(), b.data() + 128, n.values.size() * 4);
  n.rows = rows;
  n.cols = cols;
  return n;
}

}  // namespace kws::testing
