// Binds kws::nn::<op>_s8 to the variant chosen at configure time (KWS_NN_KERNELS).
// Ops without an optimized form use the reference kernel in both builds.
#include <type_traits>

#include "nn/kernels/kernels.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/reference.h"

#if !defined(KWS_NN_USE_OPTIMIZED)
#error "KWS_NN_USE_OPTIMIZED must be defined by nn/kernels/sources.cmake"
#endif

namespace kws::nn {

// Same signatures by construction for ref (ops.inc); checked here for opt.
static_assert(std::is_same_v<decltype(&ref::conv_s8), decltype(&opt::conv_s8)>);
static_assert(std::is_same_v<decltype(&ref::depthwise_conv_s8), decltype(&opt::depthwise_conv_s8)>);
static_assert(
    std::is_same_v<decltype(&ref::fully_connected_s8), decltype(&opt::fully_connected_s8)>);
static_assert(
    std::is_same_v<decltype(&ref::conv_s8_buffer_size), decltype(&opt::conv_s8_buffer_size)>);
static_assert(std::is_same_v<decltype(&ref::depthwise_conv_s8_buffer_size),
                             decltype(&opt::depthwise_conv_s8_buffer_size)>);
static_assert(std::is_same_v<decltype(&ref::fully_connected_s8_buffer_size),
                             decltype(&opt::fully_connected_s8_buffer_size)>);

static_assert(std::is_same_v<decltype(&ref::conv_f32), decltype(&opt::conv_f32)>);
static_assert(
    std::is_same_v<decltype(&ref::fully_connected_f32), decltype(&opt::fully_connected_f32)>);
static_assert(std::is_same_v<decltype(&ref::unary_f32), decltype(&opt::unary_f32)>);
static_assert(std::is_same_v<decltype(&ref::binary_f32), decltype(&opt::binary_f32)>);
static_assert(
    std::is_same_v<decltype(&ref::conv_f32_buffer_size), decltype(&opt::conv_f32_buffer_size)>);

#if KWS_NN_USE_OPTIMIZED
namespace fast = opt;
#else
namespace fast = ref;
#endif

Status conv_f32_buffer_size(const ConvF32Params& params, const Dims4& input, const Dims4& filter,
                            const Dims4& output, size_t* bytes) {
  return fast::conv_f32_buffer_size(params, input, filter, output, bytes);
}
Status conv_f32(const Scratch& scratch, const ConvF32Params& params, const Dims4& input_dims,
                const float* input, const Dims4& filter_dims, const float* filter,
                const float* bias, const Dims4& output_dims, float* output) {
  return fast::conv_f32(scratch, params, input_dims, input, filter_dims, filter, bias, output_dims,
                        output);
}
Status fully_connected_f32(const FullyConnectedDims& dims, float activation_min,
                           float activation_max, const float* input, const float* filter,
                           const float* bias, float* output) {
  return fast::fully_connected_f32(dims, activation_min, activation_max, input, filter, bias,
                                   output);
}
Status unary_f32(UnaryF32Op op, float alpha, int32_t size, const float* input, float* output) {
  return fast::unary_f32(op, alpha, size, input, output);
}
Status binary_f32(BinaryF32Op op, float activation_min, float activation_max,
                  const Dims4& input1_dims, const float* input1, const Dims4& input2_dims,
                  const float* input2, const Dims4& output_dims, float* output) {
  return fast::binary_f32(op, activation_min, activation_max, input1_dims, input1, input2_dims,
                          input2, output_dims, output);
}

const char* kernels_variant() { return KWS_NN_USE_OPTIMIZED ? "optimized" : "reference"; }
const char* kernels_isa() { return KWS_NN_USE_OPTIMIZED ? opt::isa() : "scalar"; }

Status conv_s8_buffer_size(const ConvParams& params, const Dims4& input, const Dims4& filter,
                           const Dims4& output, size_t* bytes) {
  return fast::conv_s8_buffer_size(params, input, filter, output, bytes);
}
Status conv_s8(const Scratch& scratch, const ConvParams& params, const PerChannelQuant& quant,
               const Dims4& input_dims, const int8_t* input, const Dims4& filter_dims,
               const int8_t* filter, const int32_t* bias, const Dims4& output_dims,
               int8_t* output) {
  return fast::conv_s8(scratch, params, quant, input_dims, input, filter_dims, filter, bias,
                       output_dims, output);
}

Status depthwise_conv_s8_buffer_size(const DepthwiseConvParams& params, const Dims4& input,
                                     const Dims4& filter, const Dims4& output, size_t* bytes) {
  return fast::depthwise_conv_s8_buffer_size(params, input, filter, output, bytes);
}
Status depthwise_conv_s8(const Scratch& scratch, const DepthwiseConvParams& params,
                         const PerChannelQuant& quant, const Dims4& input_dims, const int8_t* input,
                         const Dims4& filter_dims, const int8_t* filter, const int32_t* bias,
                         const Dims4& output_dims, int8_t* output) {
  return fast::depthwise_conv_s8(scratch, params, quant, input_dims, input, filter_dims, filter,
                                 bias, output_dims, output);
}

Status fully_connected_s8_buffer_size(const FullyConnectedParams& params,
                                      const FullyConnectedDims& dims, size_t* bytes) {
  return fast::fully_connected_s8_buffer_size(params, dims, bytes);
}
Status fully_connected_s8(const Scratch& scratch, const FullyConnectedParams& params,
                          const FullyConnectedDims& dims, const int8_t* input, const int8_t* filter,
                          const int32_t* bias, int8_t* output) {
  return fast::fully_connected_s8(scratch, params, dims, input, filter, bias, output);
}

Status avg_pool_s8(const PoolParams& params, const Dims4& input_dims, const int8_t* input,
                   const Dims4& output_dims, int8_t* output) {
  return ref::avg_pool_s8(params, input_dims, input, output_dims, output);
}
Status max_pool_s8(const PoolParams& params, const Dims4& input_dims, const int8_t* input,
                   const Dims4& output_dims, int8_t* output) {
  return ref::max_pool_s8(params, input_dims, input, output_dims, output);
}

Status softmax_s8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                  int8_t* output) {
  return ref::softmax_s8(params, rows, depth, input, output);
}
Status softmax_s8_u8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                     uint8_t* output) {
  return ref::softmax_s8_u8(params, rows, depth, input, output);
}
Status logistic_s8(const LogisticParams& params, int32_t size, const int8_t* input,
                   int8_t* output) {
  return ref::logistic_s8(params, size, input, output);
}

Status add_s8(const AddParams& params, const Dims4& input1_dims, const int8_t* input1,
              const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
              int8_t* output) {
  return ref::add_s8(params, input1_dims, input1, input2_dims, input2, output_dims, output);
}
Status mul_s8(const MulParams& params, const Dims4& input1_dims, const int8_t* input1,
              const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
              int8_t* output) {
  return ref::mul_s8(params, input1_dims, input1, input2_dims, input2, output_dims, output);
}

Status quantize_f32_s8(float scale, int32_t zero_point, int32_t size, const float* input,
                       int8_t* output) {
  return ref::quantize_f32_s8(scale, zero_point, size, input, output);
}
Status quantize_f32_u8(float scale, int32_t zero_point, int32_t size, const float* input,
                       uint8_t* output) {
  return ref::quantize_f32_u8(scale, zero_point, size, input, output);
}
Status dequantize_s8_f32(float scale, int32_t zero_point, int32_t size, const int8_t* input,
                         float* output) {
  return ref::dequantize_s8_f32(scale, zero_point, size, input, output);
}
Status dequantize_u8_f32(float scale, int32_t zero_point, int32_t size, const uint8_t* input,
                         float* output) {
  return ref::dequantize_u8_f32(scale, zero_point, size, input, output);
}
Status requantize_s8_s8(const RequantizeParams& params, int32_t size, const int8_t* input,
                        int8_t* output) {
  return ref::requantize_s8_s8(params, size, input, output);
}
Status requantize_s8_u8(const RequantizeParams& params, int32_t size, const int8_t* input,
                        uint8_t* output) {
  return ref::requantize_s8_u8(params, size, input, output);
}
Status requantize_u8_s8(const RequantizeParams& params, int32_t size, const uint8_t* input,
                        int8_t* output) {
  return ref::requantize_u8_s8(params, size, input, output);
}

Status concatenation_s8(int32_t num_inputs, const int8_t* const* inputs, const int32_t* axis_sizes,
                        int32_t outer_size, int32_t inner_size, int8_t* output) {
  return ref::concatenation_s8(num_inputs, inputs, axis_sizes, outer_size, inner_size, output);
}
Status split_s8(const int8_t* input, int32_t outer_size, int32_t inner_size, int32_t num_outputs,
                int8_t* const* outputs, const int32_t* axis_sizes) {
  return ref::split_s8(input, outer_size, inner_size, num_outputs, outputs, axis_sizes);
}
Status strided_slice_s8(const StridedSliceParams& params, const Shape& input_shape,
                        const int8_t* input, int8_t* output, int32_t output_capacity) {
  return ref::strided_slice_s8(params, input_shape, input, output, output_capacity);
}
Status pad_s8(const PadParams& params, const Shape& input_shape, const int8_t* input,
              int8_t* output) {
  return ref::pad_s8(params, input_shape, input, output);
}
Status mean_s8(const MeanParams& params, const Shape& input_shape, uint32_t axis_mask,
               const int8_t* input, int8_t* output) {
  return ref::mean_s8(params, input_shape, axis_mask, input, output);
}

}  // namespace kws::nn
