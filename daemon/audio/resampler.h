// Streaming conversion of interleaved float audio (any rate, 1..8 channels)
// to mono int16 at a target rate: channels are averaged, then resampled with
// libsamplerate's SRC_SINC_MEDIUM_QUALITY converter (band-limited sinc,
// 97 dB SNR, 90 % bandwidth), then rounded and clamped to int16.
//
// When the input rate equals the target rate no resampler is used at all, so
// 16 kHz int16 input comes out bit-exact (features identical to a direct read).
//
// Reused by file reading (daemon/audio/audio_file.h) and live capture. Output
// buffers grow to the largest block seen and are then reused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"

typedef struct SRC_STATE_tag SRC_STATE;

namespace kws::audio {

inline constexpr uint32_t kMaxChannels = 8;

class Resampler {
 public:
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  // in_rate, out_rate in [1000, 384000]; channels in [1, kMaxChannels].
  static Result<std::unique_ptr<Resampler>> create(uint32_t in_rate, uint32_t channels,
                                                   uint32_t out_rate);

  // Converts `frames` interleaved frames (samples nominally in [-1, 1]) and
  // appends the produced mono int16 samples to *out. Returns "" or an error.
  std::string process(const float* interleaved, size_t frames, std::vector<int16_t>* out);

  // End of input: appends what the resampler still holds. Then reset() to reuse.
  std::string flush(std::vector<int16_t>* out);

  // Forgets all history (e.g. between files or after an overrun).
  void reset();

  uint32_t in_rate() const { return in_rate_; }
  uint32_t out_rate() const { return out_rate_; }
  uint32_t channels() const { return channels_; }
  bool passthrough() const { return src_ == nullptr; }

 private:
  Resampler(uint32_t in_rate, uint32_t channels, uint32_t out_rate)
      : in_rate_(in_rate), channels_(channels), out_rate_(out_rate) {}
  std::string run(const float* mono, size_t frames, bool end, std::vector<int16_t>* out);

  uint32_t in_rate_;
  uint32_t channels_;
  uint32_t out_rate_;
  SRC_STATE* src_ = nullptr;
  std::vector<float> mono_;
  std::vector<float> resampled_;
};

// Float sample in [-1, 1] -> int16 (x * 32768, rounded, clamped).
int16_t float_to_int16(float x);

}  // namespace kws::audio
