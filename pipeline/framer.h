// Cuts a pushed int16 sample stream into overlapping frames.
//
// Frame k covers samples [k*hop, k*hop + window). Input may arrive in chunks of
// any size; the frames are the same for every chunking. feed() stops as soon
// as a frame is complete so the caller processes it before feeding more:
//
//   while (n > 0) {
//     size_t used = framer.feed(p, n); p += used; n -= used;
//     if (framer.frame_ready()) { process(framer.frame()); framer.pop_frame(); }
//   }
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws {

struct FramerConfig {
  uint32_t window_samples = 480;
  uint32_t hop_samples = 320;  // may exceed window_samples (samples in between are skipped)
};

class Framer {
 public:
  static Status needed_bytes(const FramerConfig& cfg, size_t* bytes);
  Status init(const FramerConfig& cfg, void* mem, size_t len);

  // Consumes up to n samples; returns how many. Consumes nothing while a frame is ready.
  size_t feed(const int16_t* samples, size_t n);
  bool frame_ready() const { return fill_ == window_; }
  // window_samples samples, oldest first. Valid while frame_ready().
  const int16_t* frame() const { return buf_; }
  // Drops the oldest hop_samples samples (frame_ready() must be true).
  void pop_frame();
  void reset();

 private:
  static Status check(const FramerConfig& cfg);

  int16_t* buf_ = nullptr;
  uint32_t window_ = 0;
  uint32_t hop_ = 0;
  uint32_t fill_ = 0;
  uint32_t skip_ = 0;  // samples still to discard when hop > window
};

}  // namespace kws
