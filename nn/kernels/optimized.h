// Optimized int8 kernels: same signatures and bit-identical results as kws::nn::ref.
// Each function holds its SIMD arms (x86 AVX2 chosen at run time with a CPU check,
// ARM NEON at compile time) and the portable scalar code as the fallback.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn::opt {

Status conv_s8_buffer_size(const ConvParams& params, const Dims4& input, const Dims4& filter,
                           const Dims4& output, size_t* bytes);
Status conv_s8(const Scratch& scratch, const ConvParams& params, const PerChannelQuant& quant,
               const Dims4& input_dims, const int8_t* input, const Dims4& filter_dims,
               const int8_t* filter, const int32_t* bias, const Dims4& output_dims, int8_t* output);

Status depthwise_conv_s8_buffer_size(const DepthwiseConvParams& params, const Dims4& input,
                                     const Dims4& filter, const Dims4& output, size_t* bytes);
Status depthwise_conv_s8(const Scratch& scratch, const DepthwiseConvParams& params,
                         const PerChannelQuant& quant, const Dims4& input_dims, const int8_t* input,
                         const Dims4& filter_dims, const int8_t* filter, const int32_t* bias,
                         const Dims4& output_dims, int8_t* output);

Status fully_connected_s8_buffer_size(const FullyConnectedParams& params,
                                      const FullyConnectedDims& dims, size_t* bytes);
Status fully_connected_s8(const Scratch& scratch, const FullyConnectedParams& params,
                          const FullyConnectedDims& dims, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output);

// float32; groups > 1 fall back to the reference kernel.
Status conv_f32_buffer_size(const ConvF32Params& params, const Dims4& input, const Dims4& filter,
                            const Dims4& output, size_t* bytes);
Status conv_f32(const Scratch& scratch, const ConvF32Params& params, const Dims4& input_dims,
                const float* input, const Dims4& filter_dims, const float* filter,
                const float* bias, const Dims4& output_dims, float* output);
Status fully_connected_f32(const FullyConnectedDims& dims, float activation_min,
                           float activation_max, const float* input, const float* filter,
                           const float* bias, float* output);
Status unary_f32(UnaryF32Op op, float alpha, int32_t size, const float* input, float* output);
// Same bits as the reference; a fast path for same-shape, scalar and
// per-channel input 2 (nn/kernels/optimized/binary_f32.cc).
Status binary_f32(BinaryF32Op op, float act_min, float act_max, const Dims4& a_d, const float* a,
                  const Dims4& b_d, const float* b, const Dims4& out_d, float* out);

// The ISA path taken on this CPU: "avx2", "neon" or "scalar".
const char* isa();

// Tests pin one arm ("scalar", "sse4.1", "avx2", "neon") to check every arm against the
// reference; false if this CPU lacks it. nullptr restores the CPU's choice. Not for
// production use.
bool force_isa_for_testing(const char* isa);

}  // namespace kws::nn::opt
