// Classifier over the int8 interpreter (nn/interpreter.h).
//
// init() checks that the model fits the front end: one int8 input of exactly
// window_frames * feature_dim elements whose scale and zero point equal the
// front end's quantisation (scale within 1e-5 relative, zero point exact), and
// one output of num_labels int8, uint8 or float32 elements. A mismatch is an
// error, never a silent reinterpretation (DESIGN invariant 3).
//
// Outputs are dequantised, (q - zero_point) * scale, and reported as the
// probabilities. No softmax is applied here: KWS models end in an int8 SOFTMAX
// whose dequantised output already is a probability (scale 1/256, zero point
// -128). A model that outputs logits must be given a softmax in the graph.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/interpreter.h"
#include "nn/status.h"
#include "nn/tflite_model.h"
#include "pipeline/classifier.h"
#include "pipeline/model_info.h"

namespace kws {

class ModelClassifier final : public Classifier {
 public:
  // Arena bytes for the interpreter of `model`. `sliding_stride_frames` > 0
  // says consecutive classify() calls see the window moved by that many frames
  // (the pipeline's stage 1: info.stride_frames): the interpreter then streams
  // (nn/interpreter.h), computing only what the new frames change, with
  // results identical to 0 (every window computed in full; stage 2).
  static Status needed_bytes(const nn::TfliteModel& model, size_t* bytes,
                             uint32_t sliding_stride_frames = 0);
  // `model` and `info` must outlive the classifier; `sliding_stride_frames` as
  // given to needed_bytes().
  Status init(const nn::TfliteModel& model, const ModelInfo& info, void* arena, size_t len,
              uint32_t sliding_stride_frames = 0);

  // Defined inline so this class has no key function in the no-RTTI core:
  // its vtable and typeinfo are emitted where it is used (host code may run
  // under UBSan's vptr check, which needs the typeinfo).
  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override {
    return run(features, n, probs, num_labels);
  }

  // Streaming models (microWakeWord) keep state in resource variables.
  void reset_state() override {
    if (ready_) interpreter_.reset_state();
  }

  const nn::Interpreter& interpreter() const { return interpreter_; }

 private:
  Status run(const int8_t* features, size_t n, float* probs, size_t num_labels);

  nn::Interpreter interpreter_;
  size_t input_elements_ = 0;
  size_t num_labels_ = 0;
  bool ready_ = false;
};

// Reads the "kwsd" metadata entry of `model` (model_info.h format) into *out.
// A model without it is kInvalidArgument naming the missing entry: such
// third-party models need a sidecar file (config/).
Status model_info_from_tflite(const nn::TfliteModel& model, ModelInfo* out);

}  // namespace kws
