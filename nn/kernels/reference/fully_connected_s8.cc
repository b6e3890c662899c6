// Reference int8 fully connected: TFLite's reference_integer_ops::FullyConnected
// (per-tensor) and FullyConnectedPerChannel.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status fully_connected_s8_buffer_size(const FullyConnectedParams&, const FullyConnectedDims&,
                                      size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "fully_connected_s8_buffer_size: bytes is null");
  }
  *bytes = 0;
  return Status::Ok();
}

Status fully_connected_s8(const Scratch&, const FullyConnectedParams& params,
                          const FullyConnectedDims& dims, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output) {
  KWS_RETURN_IF_ERROR(internal::validate_fully_connected(params, dims, input, filter, output));
  const bool per_channel = params.per_channel_multiplier != nullptr;
  for (int32_t b = 0; b < dims.batches; ++b) {
    const int8_t* in_row = input + static_cast<int64_t>(b) * dims.accum_depth;
    for (int32_t oc = 0; oc < dims.output_depth; ++oc) {
      const int8_t* w_row = filter + static_cast<int64_t>(oc) * dims.accum_depth;
      int32_t acc = 0;
      for (int32_t d = 0; d < dims.accum_depth; ++d) {
        acc += (static_cast<int32_t>(w_row[d]) + params.filter_offset) *
               (static_cast<int32_t>(in_row[d]) + params.input_offset);
      }
      if (bias != nullptr) acc += bias[oc];
      acc = per_channel ? multiply_by_quantized_multiplier(acc, params.per_channel_multiplier[oc],
                                                           params.per_channel_shift[oc])
                        : multiply_by_quantized_multiplier(acc, params.multiplier, params.shift);
      acc += params.output_offset;
      acc = internal::clamp_i32(acc, params.activation_min, params.activation_max);
      output[static_cast<int64_t>(b) * dims.output_depth + oc] = static_cast<int8_t>(acc);
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
