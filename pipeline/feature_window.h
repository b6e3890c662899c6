// The last window_frames feature frames (int8), handed to the classifier
// oldest-first and contiguous every stride_frames frames.
//
// Each frame is stored twice, at slot i and slot i + window_frames, so the
// newest window is always one contiguous run: no copy per classifier step.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws {

struct FeatureWindowConfig {
  uint32_t feature_dim = 10;
  uint32_t window_frames = 49;
  uint32_t stride_frames = 1;
};

class FeatureWindow {
 public:
  static Status needed_bytes(const FeatureWindowConfig& cfg, size_t* bytes);
  Status init(const FeatureWindowConfig& cfg, void* mem, size_t len);

  // Appends one frame of feature_dim values. Returns true when a classifier
  // step is due: the window is full and stride_frames frames arrived since the
  // previous step (the first step comes as soon as the window is full).
  bool push(const int8_t* frame);

  // window_frames * feature_dim values, oldest frame first. Valid until the next push().
  const int8_t* window() const;
  size_t size() const { return size_t{window_frames_} * feature_dim_; }
  void reset();

 private:
  static Status check(const FeatureWindowConfig& cfg);

  int8_t* buf_ = nullptr;  // 2 * window_frames frames
  uint32_t feature_dim_ = 0;
  uint32_t window_frames_ = 0;
  uint32_t stride_frames_ = 0;
  uint32_t next_ = 0;    // slot of the next frame, 0..window_frames-1
  uint32_t filled_ = 0;  // frames held, saturates at window_frames
  uint32_t since_step_ = 0;
};

}  // namespace kws
