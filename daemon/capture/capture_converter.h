// Device frames (any rate, channel count, S16/S32/FLOAT) to model-rate int16
// mono: downmix by averaging channels, resample with libsamplerate, round and
// clamp to int16.
//
// Contract: reset() allocates every buffer for the format (called when the
// device is (re)opened); convert() allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/capture/audio_source.h"

typedef struct SRC_STATE_tag SRC_STATE;

namespace kws::daemon {

class CaptureConverter {
 public:
  CaptureConverter() = default;
  ~CaptureConverter();
  CaptureConverter(const CaptureConverter&) = delete;
  CaptureConverter& operator=(const CaptureConverter&) = delete;

  // Prepares for `in` (max_frames per convert() call) to `output_rate`.
  // Returns an empty string on success, else what failed.
  std::string reset(const StreamFormat& in, size_t max_frames, uint32_t output_rate);

  // Converts `frames` interleaved frames; returns a view of the int16 output
  // (valid until the next call) through *out and its length.
  size_t convert(const void* data, size_t frames, const int16_t** out);

  // Upper bound of convert()'s output length for max_frames input.
  size_t max_output() const { return output_.size(); }

 private:
  StreamFormat in_;
  double ratio_ = 1.0;
  SRC_STATE* src_ = nullptr;
  std::vector<float> mono_;
  std::vector<float> resampled_;
  std::vector<int16_t> output_;
};

}  // namespace kws::daemon
