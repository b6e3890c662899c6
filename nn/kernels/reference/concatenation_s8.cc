// Reference int8 concatenation: TFLite's reference_ops::Concatenation (same quantization
// on every input, so a pure copy).
#include <cstring>

#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status concatenation_s8(int32_t num_inputs, const int8_t* const* inputs, const int32_t* axis_sizes,
                        int32_t outer_size, int32_t inner_size, int8_t* output) {
  if (num_inputs < 1 || inputs == nullptr || axis_sizes == nullptr || output == nullptr ||
      outer_size < 1 || inner_size < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "concatenation_s8: need >= 1 input, non-null arrays, sizes >= 1");
  }
  int64_t total_axis = 0;
  for (int32_t i = 0; i < num_inputs; ++i) {
    if (inputs[i] == nullptr || axis_sizes[i] < 0) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "concatenation_s8: input %d is null or has a negative axis size",
                           static_cast<int>(i));
    }
    total_axis += axis_sizes[i];
  }
  if (total_axis * outer_size * inner_size >= (int64_t{1} << 31)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "concatenation_s8: output reaches 2^31 elements");
  }
  int8_t* out = output;
  for (int32_t o = 0; o < outer_size; ++o) {
    for (int32_t i = 0; i < num_inputs; ++i) {
      const size_t chunk = static_cast<size_t>(axis_sizes[i]) * static_cast<size_t>(inner_size);
      std::memcpy(out, inputs[i] + static_cast<size_t>(o) * chunk, chunk);
      out += chunk;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
