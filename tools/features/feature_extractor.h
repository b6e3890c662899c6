// Audio file -> feature frames with the runtime's own front end (Framer +
// Frontend from pipeline/), so training and serving compute identical
// features (DESIGN invariant 4).
//
// Frames are the ones the streaming pipeline sees when the file is pushed from
// its first sample: frame k covers samples [k*hop, k*hop + window); a partial
// last frame is dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "pipeline/model_info.h"

namespace kws::features {

struct Features {
  uint32_t num_frames = 0;
  uint32_t feature_dim = 0;
  uint64_t num_samples = 0;   // at the front end's rate, after padding/cropping
  std::vector<int8_t> q;      // num_frames * feature_dim
  std::vector<float> values;  // same, before quantisation (only if asked)
};

// One extractor per thread (the front end keeps per-frame state).
class FeatureExtractor {
 public:
  ~FeatureExtractor();
  FeatureExtractor(const FeatureExtractor&) = delete;
  FeatureExtractor& operator=(const FeatureExtractor&) = delete;

  static Result<std::unique_ptr<FeatureExtractor>> create(const FrontendConfig& cfg);

  // Features of samples already at cfg.sample_rate.
  Features compute(const int16_t* samples, size_t n, bool want_values);

  // Reads `path` (read_audio_file, resampled to cfg.sample_rate). If
  // fixed_samples > 0 the audio is zero-padded or cropped to that length first
  // (MLPerf Tiny's 1 s clips).
  Result<Features> compute_file(const std::string& path, bool want_values,
                                size_t fixed_samples = 0);

  const FrontendConfig& config() const { return cfg_; }

 private:
  FeatureExtractor() = default;
  struct Core;
  FrontendConfig cfg_;
  std::unique_ptr<Core> core_;
};

}  // namespace kws::features
