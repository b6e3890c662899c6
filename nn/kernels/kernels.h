// Public int8 kernel API: the functions the interpreter's op glue calls.
//
// `kws::nn::<op>_s8` is the variant this build selected with the CMake cache variable
// KWS_NN_KERNELS (reference | optimized); `kws::nn::ref::` (reference.h) and
// `kws::nn::opt::` (optimized.h) are always built, for tests and benchmarks. All
// variants are bit-identical: the choice changes speed, never outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/quantization.h"
#include "nn/kernels/reference.h"
#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn {

#include "nn/kernels/ops.inc"

// float32: the variant chosen like the int8 one for the kernels that have an
// optimized form (dispatch.cc), the reference kernel for the others.
Status conv_f32_buffer_size(const ConvF32Params& params, const Dims4& input, const Dims4& filter,
                            const Dims4& output, size_t* bytes);
Status conv_f32(const Scratch& scratch, const ConvF32Params& params, const Dims4& input_dims,
                const float* input, const Dims4& filter_dims, const float* filter,
                const float* bias, const Dims4& output_dims, float* output);
Status fully_connected_f32(const FullyConnectedDims& dims, float activation_min,
                           float activation_max, const float* input, const float* filter,
                           const float* bias, float* output);
using ref::batch_matmul_f32;
using ref::greater_equal_f32;
using ref::max_pool_f32;
using ref::mean_f32;
using ref::pad_f32;
using ref::reduce_max_f32;
using ref::softmax_f32;
using ref::transpose_f32;
Status unary_f32(UnaryF32Op op, float alpha, int32_t size, const float* input, float* output);
Status binary_f32(BinaryF32Op op, float activation_min, float activation_max,
                  const Dims4& input1_dims, const float* input1, const Dims4& input2_dims,
                  const float* input2, const Dims4& output_dims, float* output);

// "reference" or "optimized": what KWS_NN_KERNELS selected.
const char* kernels_variant();

// Which ISA path the optimized kernels take on this CPU ("avx2", "sse4.1", "neon",
// "scalar"), decided once at first use.
const char* kernels_isa();

}  // namespace kws::nn
