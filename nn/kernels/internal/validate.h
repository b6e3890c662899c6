// Argument checks shared by the reference and optimized kernels, so both variants
// accept and reject exactly the same calls with the same messages.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn::internal {

// Element count of a Dims4 or Shape, or -1 if a dim is < 1 or the count exceeds int32.
int64_t element_count(const Dims4& d);
int64_t element_count(const Shape& s);

Status check_dims(const char* op, const char* what, const Dims4& d);
Status check_shape(const char* op, const char* what, const Shape& s);
Status check_activation(const char* op, int32_t act_min, int32_t act_max, int32_t lo, int32_t hi);
Status check_quant(const char* op, const PerChannelQuant& quant, int32_t channels);
Status check_shift(const char* op, const char* what, int32_t shift);
Status check_scratch(const char* op, const Scratch& scratch, size_t needed);

Status validate_conv(const ConvParams& params, const PerChannelQuant& quant,
                     const Dims4& input_dims, const int8_t* input, const Dims4& filter_dims,
                     const int8_t* filter, const Dims4& output_dims, const int8_t* output);
Status validate_depthwise_conv(const DepthwiseConvParams& params, const PerChannelQuant& quant,
                               const Dims4& input_dims, const int8_t* input,
                               const Dims4& filter_dims, const int8_t* filter,
                               const Dims4& output_dims, const int8_t* output);
Status validate_fully_connected(const FullyConnectedParams& params, const FullyConnectedDims& dims,
                                const int8_t* input, const int8_t* filter, const int8_t* output);
Status validate_conv_f32(const ConvF32Params& params, const Dims4& input_dims, const float* input,
                         const Dims4& filter_dims, const float* filter, const Dims4& output_dims,
                         const float* output);
Status validate_pool(const char* op, const PoolParams& params, const Dims4& input_dims,
                     const int8_t* input, const Dims4& output_dims, const int8_t* output);

inline int32_t clamp_i32(int32_t v, int32_t lo, int32_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace kws::nn::internal
