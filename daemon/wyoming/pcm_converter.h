// Raw PCM as a Wyoming client sends it (any rate, 1-4 byte signed
// little-endian samples, interleaved channels) -> mono int16 at the model's
// rate, through the project's streaming resampler (daemon/audio/resampler.h).
//
// Chunks may split a frame anywhere: the partial frame is kept for the next
// chunk. Width 1 is signed 8-bit, as the Wyoming reference implementation
// (Python's audioop) treats it, not WAV's unsigned 8-bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "daemon/audio/resampler.h"

namespace kws::wyoming {

struct PcmFormat {
  uint32_t rate = 16000;
  uint32_t width = 2;  // bytes per sample
  uint32_t channels = 1;
  bool operator==(const PcmFormat&) const = default;
};

// "" when the format is supported, else why not.
std::string check_pcm_format(const PcmFormat& format);

class PcmConverter {
 public:
  static Result<std::unique_ptr<PcmConverter>> create(const PcmFormat& in, uint32_t out_rate);

  const PcmFormat& format() const { return format_; }

  // Appends the converted samples to *out. Returns "" or an error.
  std::string push(const uint8_t* bytes, size_t n, std::vector<int16_t>* out);
  // End of stream: drains the resampler (a trailing partial frame is dropped).
  std::string flush(std::vector<int16_t>* out);

 private:
  PcmConverter(const PcmFormat& format, std::unique_ptr<audio::Resampler> resampler)
      : format_(format), resampler_(std::move(resampler)) {}

  PcmFormat format_;
  std::unique_ptr<audio::Resampler> resampler_;
  std::vector<uint8_t> partial_;  // bytes of an incomplete frame
  std::vector<float> floats_;
};

}  // namespace kws::wyoming
