// The pipeline's Classifier on top of the int8 interpreter: copies the int8
// feature window into the model input and dequantizes the output,
// prob = (q - zero_point) * scale, so a softmax output gives posteriors.
// Allocates nothing; the interpreter and its arena belong to the caller.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/interpreter.h"
#include "nn/status.h"
#include "pipeline/classifier.h"

namespace kws::fw {

class InterpreterClassifier final : public Classifier {
 public:
  // Checks that input 0 is int8 with `feature_count` elements and output 0 has
  // `num_labels` int8/uint8/float32 elements. `interpreter` must outlive this.
  Status init(nn::Interpreter* interpreter, size_t feature_count, size_t num_labels);

  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override;

 private:
  nn::Interpreter* interpreter_ = nullptr;
  size_t feature_count_ = 0;
  size_t num_labels_ = 0;
};

}  // namespace kws::fw
