// What the pipeline needs from a keyword model: int8 feature window in,
// one probability per label out.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws {

class Classifier {
 public:
  // features: window_frames * feature_dim int8 values, oldest frame first.
  // probs: num_labels outputs in 0..1 (posteriors), in label order.
  // Must not allocate; called once per classifier step.
  virtual Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) = 0;

  // Forgets streaming state (a stateful model's variables) so the next
  // classify() starts as after init. Pipeline::reset() calls it.
  virtual void reset_state() {}

 protected:
  Classifier() = default;
  Classifier(const Classifier&) = default;
  Classifier& operator=(const Classifier&) = default;
  ~Classifier() = default;  // never deleted through the interface
};

}  // namespace kws
