// Reference int8 split: TFLite's reference_ops::Split (SPLIT / SPLIT_V), a pure copy.
#include <cstring>

#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status split_s8(const int8_t* input, int32_t outer_size, int32_t inner_size, int32_t num_outputs,
                int8_t* const* outputs, const int32_t* axis_sizes) {
  if (input == nullptr || outputs == nullptr || axis_sizes == nullptr || num_outputs < 1 ||
      outer_size < 1 || inner_size < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "split_s8: need >= 1 output, non-null arrays, sizes >= 1");
  }
  int64_t total_axis = 0;
  for (int32_t i = 0; i < num_outputs; ++i) {
    if (outputs[i] == nullptr || axis_sizes[i] < 0) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "split_s8: output %d is null or has a negative axis size",
                           static_cast<int>(i));
    }
    total_axis += axis_sizes[i];
  }
  if (total_axis * outer_size * inner_size >= (int64_t{1} << 31)) {
    return Status::Error(StatusCode::kInvalidArgument, "split_s8: input reaches 2^31 elements");
  }
  const int8_t* in = input;
  for (int32_t o = 0; o < outer_size; ++o) {
    for (int32_t i = 0; i < num_outputs; ++i) {
      const size_t chunk = static_cast<size_t>(axis_sizes[i]) * static_cast<size_t>(inner_size);
      std::memcpy(outputs[i] + static_cast<size_t>(o) * chunk, in, chunk);
      in += chunk;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
