// Reference float fully connected: TFLite's reference_ops::FullyConnected (float).
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status fully_connected_f32(const FullyConnectedDims& dims, float activation_min,
                           float activation_max, const float* input, const float* filter,
                           const float* bias, float* output) {
  if (input == nullptr || filter == nullptr || output == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "fully_connected_f32: null tensor");
  }
  if (dims.batches < 1 || dims.accum_depth < 1 || dims.output_depth < 1) {
    return Status::Error(StatusCode::kInvalidArgument, "fully_connected_f32: dims must be >= 1");
  }
  for (int32_t b = 0; b < dims.batches; ++b) {
    const float* x = input + static_cast<int64_t>(b) * dims.accum_depth;
    for (int32_t o = 0; o < dims.output_depth; ++o) {
      const float* w = filter + static_cast<int64_t>(o) * dims.accum_depth;
      float acc = 0.0f;
      for (int32_t d = 0; d < dims.accum_depth; ++d) acc += x[d] * w[d];
      if (bias != nullptr) acc += bias[o];
      acc = acc < activation_min ? activation_min : acc;
      acc = acc > activation_max ? activation_max : acc;
      output[static_cast<int64_t>(b) * dims.output_depth + o] = acc;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
