// The last window_frames feature frames (int8), handed to the classifier
// oldest-first and contiguous every stride_frames frames.
//
// Frames are appended to a linear buffer kSlackFrames frames longer than the
// window, so the newest window is always one contiguous run; when the end is
// reached, the window's newest window_frames - 1 frames move to the front (one
// copy per kSlackFrames + 1 frames instead of a second copy of the window).
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
  static constexpr uint32_t kSlackFrames = 8;

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

  int8_t* buf_ = nullptr;  // window_frames + kSlackFrames frames
  uint32_t feature_dim_ = 0;
  uint32_t window_frames_ = 0;
  uint32_t stride_frames_ = 0;
  uint32_t head_ = 0;    // frame index of the window's oldest frame, 0..kSlackFrames
  uint32_t filled_ = 0;  // frames held, saturates at window_frames
  uint32_t since_step_ = 0;
};

}  // namespace kws
