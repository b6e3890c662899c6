// Audio from a host file over semihosting: a RIFF/WAVE file (PCM, 16-bit,
// mono) or, for any other file, raw signed 16-bit little-endian samples.
// The firmware does not resample: the caller checks sample_rate() against the
// model (raw files are taken to be at the rate given to open()).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws::fw {

class WavSource {
 public:
  WavSource() = default;
  WavSource(const WavSource&) = delete;
  WavSource& operator=(const WavSource&) = delete;
  ~WavSource();

  Status open(const char* path, uint32_t raw_sample_rate);

  // Reads up to max_samples; returns how many were read, 0 at the end.
  size_t read(int16_t* samples, size_t max_samples);

  uint32_t sample_rate() const { return sample_rate_; }
  bool is_wav() const { return is_wav_; }

 private:
  Status parse_header(const char* path);

  int32_t handle_ = -1;
  uint32_t sample_rate_ = 0;
  uint32_t remaining_bytes_ = 0;  // of the data chunk (raw: of the file)
  bool is_wav_ = false;
};

}  // namespace kws::fw
