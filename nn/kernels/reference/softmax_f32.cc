// Reference float softmax over the last axis: TFLite's reference_ops::Softmax.
#include <cmath>

#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status softmax_f32(float beta, int32_t rows, int32_t depth, const float* input, float* output) {
  if (input == nullptr || output == nullptr || rows < 1 || depth < 1) {
    return Status::Error(StatusCode::kInvalidArgument, "softmax_f32: null tensor or empty shape");
  }
  for (int32_t r = 0; r < rows; ++r) {
    const float* x = input + static_cast<int64_t>(r) * depth;
    float* y = output + static_cast<int64_t>(r) * depth;
    float max = x[0];
    for (int32_t i = 1; i < depth; ++i) max = x[i] > max ? x[i] : max;
    float sum = 0.0f;
    for (int32_t i = 0; i < depth; ++i) {
      y[i] = std::exp((x[i] - max) * beta);
      sum += y[i];
    }
    for (int32_t i = 0; i < depth; ++i) y[i] /= sum;
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
