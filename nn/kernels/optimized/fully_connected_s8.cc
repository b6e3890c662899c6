// Optimized int8 fully connected: each input row is widened once to int16 with its
// offset; (w + filter_offset) * x is split as w * x + filter_offset * sum(x), so the
// SIMD dot products see raw int8 weights. Exact integer identities: bit-identical.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/optimized/simd.h"

namespace kws::nn::opt {
namespace {

size_t row_bytes(const FullyConnectedDims& dims) {
  return (static_cast<size_t>(dims.accum_depth) * sizeof(int16_t) + 15) & ~size_t{15};
}

}  // namespace

Status fully_connected_s8_buffer_size(const FullyConnectedParams&, const FullyConnectedDims& dims,
                                      size_t* bytes) {
  if (bytes == nullptr || dims.accum_depth < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "fully_connected_s8_buffer_size: null bytes or accum_depth < 1");
  }
  *bytes = row_bytes(dims);
  return Status::Ok();
}

Status fully_connected_s8(const Scratch& scratch, const FullyConnectedParams& params,
                          const FullyConnectedDims& dims, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output) {
  KWS_RETURN_IF_ERROR(internal::validate_fully_connected(params, dims, input, filter, output));
  KWS_RETURN_IF_ERROR(internal::check_scratch("fully_connected_s8", scratch, row_bytes(dims)));
  const arch::Simd& simd = arch::simd();
  int16_t* row = static_cast<int16_t*>(scratch.data);
  const bool per_channel = params.per_channel_multiplier != nullptr;
  const int32_t depth = dims.accum_depth;

  for (int32_t b = 0; b < dims.batches; ++b) {
    const int32_t row_sum = arch::widen_with_offset(input + static_cast<int64_t>(b) * depth,
                                                    params.input_offset, depth, row);
    const int32_t offset_term = params.filter_offset * row_sum;
    int8_t* out = output + static_cast<int64_t>(b) * dims.output_depth;
    auto finish = [&](int32_t oc, int32_t acc) {
      acc += offset_term;
      if (bias != nullptr) acc += bias[oc];
      acc = per_channel ? multiply_by_quantized_multiplier(acc, params.per_channel_multiplier[oc],
                                                           params.per_channel_shift[oc])
                        : multiply_by_quantized_multiplier(acc, params.multiplier, params.shift);
      acc += params.output_offset;
      out[oc] = static_cast<int8_t>(
          internal::clamp_i32(acc, params.activation_min, params.activation_max));
    };
    int32_t oc = 0;
    int32_t acc[4];
    for (; oc + 4 <= dims.output_depth; oc += 4) {
      simd.dot4(row, filter + static_cast<int64_t>(oc) * depth, depth, depth, acc);
      for (int j = 0; j < 4; ++j) finish(oc + j, acc[j]);
    }
    for (; oc < dims.output_depth; ++oc) {
      finish(oc, simd.dot1(row, filter + static_cast<int64_t>(oc) * depth, depth));
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::opt
