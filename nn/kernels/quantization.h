// Quantization helpers an interpreter's Prepare step needs, with TFLite's exact
// arithmetic (tensorflow/lite/kernels/internal/quantization_util.cc and the per-op
// Prepare functions), so the kernels reproduce TFLite's reference outputs bit for bit.
#pragma once

#include <cstdint>

#include "nn/kernels/fixed_point.h"
#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn {

// Splits a real multiplier into a Q31 mantissa and a power-of-two exponent with frexp,
// rounding half away from zero; a positive shift means a left shift. 0 maps to (0, 0);
// multipliers below 2^-32 flush to (0, 0) as TFLite does. Errors on negative, NaN or
// infinite input (TFLite CHECK-fails there; we refuse instead).
Status quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift);

// Output padding for SAME/VALID as TFLite's ComputePaddingHeightWidth: writes the
// output size along this axis and the padding before it (after = the rest).
Status compute_padding(Padding padding, int32_t in_size, int32_t filter_size, int32_t stride,
                       int32_t dilation, int32_t* out_size, int32_t* pad_before);

// Clamps of a fused activation in the quantized output domain (TFLite's
// CalculateActivationRangeQuantized for int8): none, relu, relu_n1_to_1, relu6.
enum class Activation : uint8_t { kNone, kRelu, kReluN1To1, kRelu6 };
Status activation_range_s8(Activation act, float output_scale, int32_t output_zero_point,
                           int32_t* act_min, int32_t* act_max);

// Per-channel conv/depthwise requantization: multiplier_c = in_scale * filter_scale[c] /
// out_scale, computed in double as TFLite's PopulateConvolutionQuantizationParams.
// filter_scales has `channels` entries, or 1 for a per-tensor filter scale.
Status prepare_per_channel(float input_scale, const float* filter_scales, int32_t num_scales,
                           float output_scale, int32_t channels, int32_t* multipliers,
                           int32_t* shifts);

// beta * input_scale folded into a Q(31-5) multiplier plus diff_min, as TFLite's
// PreprocessSoftmaxScaling + CalculateInputRadius (kScaledDiffIntegerBits = 5).
Status prepare_softmax(double beta, float input_scale, SoftmaxParams* params);

// As TFLite's Logistic Prepare for int8 (kInputIntegerBits = 4).
Status prepare_logistic(float input_scale, int32_t input_zero_point, LogisticParams* params);

// As TFLite's PrepareGeneralSubOp/ADD Prepare for int8 (left_shift = 20).
Status prepare_add(float input1_scale, int32_t input1_zero_point, float input2_scale,
                   int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                   int32_t act_min, int32_t act_max, AddParams* params);

// As TFLite's MUL Prepare for int8: multiplier = in1_scale * in2_scale / out_scale.
Status prepare_mul(float input1_scale, int32_t input1_zero_point, float input2_scale,
                   int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                   int32_t act_min, int32_t act_max, MulParams* params);

// QUANTIZE with an integer input: multiplier = input_scale / output_scale (double).
Status prepare_requantize(float input_scale, int32_t input_zero_point, float output_scale,
                          int32_t output_zero_point, RequantizeParams* params);

// MEAN: multiplier = input_scale / output_scale; the 1/count factor is folded in by the
// kernel exactly as TFLite's QuantizedMeanOrSum does.
Status prepare_mean(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, MeanParams* params);

// Resolves TFLite STRIDED_SLICE begin/end/strides with begin/end/shrink masks into
// absolute per-axis start/stop (TFLite's StartForAxis/StopForAxis) and the output shape
// (shrunk axes keep size 1 in *out_shape: memory layout is the same). ellipsis_mask,
// new_axis_mask and offset=true are rejected as kUnsupported.
Status resolve_strided_slice(const Shape& input, const int32_t* begin, const int32_t* end,
                             const int32_t* strides, int32_t begin_mask, int32_t end_mask,
                             int32_t shrink_axis_mask, StridedSliceParams* params,
                             Shape* out_shape);

}  // namespace kws::nn
