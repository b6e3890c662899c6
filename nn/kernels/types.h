// Shapes, parameter structs and scratch descriptors shared by every int8 kernel.
//
// Conventions (TFLite's, so a .tflite model maps onto them one to one):
//   - activations are NHWC, weights of conv are OHWI, depthwise weights are 1HW(C*M),
//     fully connected weights are [output_depth, accum_depth];
//   - "offset" fields are what the kernel adds: input_offset = -input zero point,
//     output_offset = +output zero point, exactly as TFLite's OpData fields;
//   - per-channel requantization uses TFLite's (multiplier, shift) pairs where a positive
//     shift is a left shift (see quantization.h);
//   - fused activations are given as activation_min/max clamps in the output domain.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kws::nn {

// NHWC dimensions of a 4-D tensor (lower-rank tensors are padded with leading 1s).
struct Dims4 {
  int32_t n = 1;
  int32_t h = 1;
  int32_t w = 1;
  int32_t c = 1;
};

inline constexpr int kMaxRank = 5;

// Up-to-5-D shape for the layout ops (pad, strided slice, mean).
struct Shape {
  int32_t rank = 0;
  int32_t dims[kMaxRank] = {};
};

// Caller-owned scratch memory for one kernel call; size it with the op's
// *_buffer_size() query. Kernels that need none accept an empty Scratch.
struct Scratch {
  void* data = nullptr;
  size_t bytes = 0;
};

enum class Padding : uint8_t { kSame, kValid };

// Requantization for convolutions: one (multiplier, shift) per output channel.
struct PerChannelQuant {
  const int32_t* multiplier = nullptr;
  const int32_t* shift = nullptr;
};

struct ConvParams {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t dilation_h = 1;
  int32_t dilation_w = 1;
  int32_t pad_h = 0;  // rows of implicit padding above the input (TFLite padding.height)
  int32_t pad_w = 0;  // columns of implicit padding left of the input (padding.width)
  int32_t input_offset = 0;
  int32_t output_offset = 0;
  int32_t activation_min = -128;
  int32_t activation_max = 127;
};

struct DepthwiseConvParams {
  ConvParams conv;
  int32_t depth_multiplier = 1;  // output channels per input channel
};

// Fully connected: per-tensor quantization (multiplier/shift) unless the per-channel
// arrays are set (TFLite's FullyConnectedPerChannel), in which case they win.
struct FullyConnectedParams {
  int32_t input_offset = 0;
  int32_t filter_offset = 0;  // -filter zero point; 0 for symmetric weights
  int32_t output_offset = 0;
  int32_t activation_min = -128;
  int32_t activation_max = 127;
  int32_t multiplier = 0;
  int32_t shift = 0;
  const int32_t* per_channel_multiplier = nullptr;
  const int32_t* per_channel_shift = nullptr;
};

struct FullyConnectedDims {
  int32_t batches = 1;
  int32_t accum_depth = 0;   // input features per batch
  int32_t output_depth = 0;  // output features per batch
};

// Average and max pooling operate on raw values (input and output share scale and
// zero point, as TFLite requires).
struct PoolParams {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t filter_h = 1;
  int32_t filter_w = 1;
  int32_t pad_h = 0;
  int32_t pad_w = 0;
  int32_t activation_min = -128;
  int32_t activation_max = 127;
};

// TFLite reference integer softmax (gemmlowp fixed point); build with prepare_softmax().
struct SoftmaxParams {
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;
  int32_t diff_min = 0;
};

// TFLite reference integer logistic; build with prepare_logistic().
struct LogisticParams {
  int32_t input_zero_point = 0;
  int32_t input_range_radius = 0;
  int32_t input_multiplier = 0;
  int32_t input_left_shift = 0;
};

// TFLite ArithmeticParams for ADD; build with prepare_add().
struct AddParams {
  int32_t input1_offset = 0;
  int32_t input2_offset = 0;
  int32_t output_offset = 0;
  int32_t left_shift = 20;
  int32_t input1_multiplier = 0;
  int32_t input1_shift = 0;
  int32_t input2_multiplier = 0;
  int32_t input2_shift = 0;
  int32_t output_multiplier = 0;
  int32_t output_shift = 0;
  int32_t activation_min = -128;
  int32_t activation_max = 127;
};

// TFLite ArithmeticParams for MUL; build with prepare_mul().
struct MulParams {
  int32_t input1_offset = 0;
  int32_t input2_offset = 0;
  int32_t output_offset = 0;
  int32_t output_multiplier = 0;
  int32_t output_shift = 0;
  int32_t activation_min = -128;
  int32_t activation_max = 127;
};

// Affine int8/uint8 -> int8/uint8 rescale (TFLite QUANTIZE with an integer input);
// build with prepare_requantize().
struct RequantizeParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;
  int32_t shift = 0;
};

// Integer MEAN over a set of axes (TFLite QuantizedMeanOrSum); build with prepare_mean().
struct MeanParams {
  int32_t input_zero_point = 0;
  int32_t output_zero_point = 0;
  int32_t multiplier = 0;  // input_scale / output_scale, before the 1/count factor
  int32_t shift = 0;
};

// Strided slice with begin/end already resolved to absolute indices for every axis
// (see resolve_strided_slice()); iteration runs while index < stop (stride > 0) or
// index > stop (stride < 0), as TFLite's LoopCondition.
struct StridedSliceParams {
  int32_t rank = 0;
  int32_t start[kMaxRank] = {};
  int32_t stop[kMaxRank] = {};
  int32_t stride[kMaxRank] = {};
};

struct PadParams {
  int32_t rank = 0;
  int32_t before[kMaxRank] = {};
  int32_t after[kMaxRank] = {};
  int8_t pad_value = 0;  // the output zero point for PAD, the given constant for PADV2
};

// --- float32 ------------------------------------------------------------------------
// Float kernels take the same geometry as the int8 ones; a fused activation is a clamp
// [activation_min, activation_max] in the output's own units (+-inf: none).
struct ConvF32Params {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t dilation_h = 1;
  int32_t dilation_w = 1;
  int32_t pad_h = 0;
  int32_t pad_w = 0;
  float activation_min = -3.40282347e38f;
  float activation_max = 3.40282347e38f;
};

struct PoolF32Params {
  int32_t stride_h = 1;
  int32_t stride_w = 1;
  int32_t filter_h = 1;
  int32_t filter_w = 1;
  int32_t pad_h = 0;
  int32_t pad_w = 0;
  float activation_min = -3.40282347e38f;
  float activation_max = 3.40282347e38f;
};

enum class BinaryF32Op : uint8_t { kAdd, kSub, kMul, kMaximum, kMinimum };
enum class UnaryF32Op : uint8_t { kLeakyRelu, kRsqrt, kLog, kLogistic };

}  // namespace kws::nn
