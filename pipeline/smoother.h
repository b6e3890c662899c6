// Per-class moving average of the classifier posteriors over the last
// `smoothing_frames` classifier steps. Until that many steps have been seen
// (after init/reset) the average is over the steps seen so far, so the first
// step's smoothed score equals its raw score.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws {

struct SmootherConfig {
  uint32_t num_labels = 1;
  uint32_t smoothing_frames = 1;
};

class PosteriorSmoother {
 public:
  static Status needed_bytes(const SmootherConfig& cfg, size_t* bytes);
  Status init(const SmootherConfig& cfg, void* mem, size_t len);

  // raw, smoothed: num_labels values each.
  void update(const float* raw, float* smoothed);
  void reset();

 private:
  static Status check(const SmootherConfig& cfg);

  float* history_ = nullptr;  // smoothing_frames rows of num_labels
  uint32_t num_labels_ = 0;
  uint32_t length_ = 0;
  uint32_t next_ = 0;
  uint32_t seen_ = 0;
};

}  // namespace kws
