#include "nn/kernels/quantization.h"

#include <cmath>
#include <cstdint>
#include <limits>

namespace kws::nn {
namespace {

Status invalid(const char* what, double value) {
  return Status::Error(StatusCode::kInvalidArgument, "%s: %g is not valid", what, value);
}

bool positive_finite(double v) { return v > 0.0 && std::isfinite(v); }

// TFLite's CalculateInputRadius.
int32_t input_radius(int input_integer_bits, int input_left_shift) {
  const double max_input_rescaled = 1.0 * ((1 << input_integer_bits) - 1) *
                                    static_cast<double>(int64_t{1} << (31 - input_integer_bits)) /
                                    static_cast<double>(int64_t{1} << input_left_shift);
  return static_cast<int32_t>(std::floor(max_input_rescaled));
}

}  // namespace

Status quantize_multiplier(double real_multiplier, int32_t* multiplier, int* shift) {
  if (multiplier == nullptr || shift == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "quantize_multiplier: null output");
  }
  if (!(real_multiplier >= 0.0) || !std::isfinite(real_multiplier)) {
    return invalid("quantize_multiplier", real_multiplier);
  }
  if (real_multiplier == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return Status::Ok();
  }
  int exponent = 0;
  const double q = std::frexp(real_multiplier, &exponent);
  int64_t q_fixed = static_cast<int64_t>(std::round(q * static_cast<double>(int64_t{1} << 31)));
  if (q_fixed == (int64_t{1} << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    exponent = 0;
    q_fixed = 0;
  }
  if (exponent > 31) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "quantize_multiplier: %g needs a left shift above 31", real_multiplier);
  }
  *multiplier = static_cast<int32_t>(q_fixed);
  *shift = exponent;
  return Status::Ok();
}

Status compute_padding(Padding padding, int32_t in_size, int32_t filter_size, int32_t stride,
                       int32_t dilation, int32_t* out_size, int32_t* pad_before) {
  if (out_size == nullptr || pad_before == nullptr || in_size < 1 || filter_size < 1 ||
      stride < 1 || dilation < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "compute_padding: sizes, stride and dilation must be >= 1");
  }
  const int64_t effective_filter = (int64_t{filter_size} - 1) * dilation + 1;
  const int64_t out = padding == Padding::kSame
                          ? (int64_t{in_size} + stride - 1) / stride
                          : (int64_t{in_size} + stride - effective_filter) / stride;
  if (out < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "compute_padding: VALID filter %lld larger than input %d",
                         static_cast<long long>(effective_filter), static_cast<int>(in_size));
  }
  const int64_t total = (out - 1) * stride + effective_filter - in_size;
  *out_size = static_cast<int32_t>(out);
  *pad_before = static_cast<int32_t>(total > 0 ? total / 2 : 0);
  return Status::Ok();
}

Status activation_range_s8(Activation act, float output_scale, int32_t output_zero_point,
                           int32_t* act_min, int32_t* act_max) {
  if (act_min == nullptr || act_max == nullptr || !positive_finite(output_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "activation_range_s8: null output or bad scale");
  }
  auto quantize = [&](float f) {
    return output_zero_point + static_cast<int32_t>(std::round(f / output_scale));
  };
  auto max = [](int32_t a, int32_t b) { return a > b ? a : b; };
  auto min = [](int32_t a, int32_t b) { return a < b ? a : b; };
  constexpr int32_t kQMin = -128;
  constexpr int32_t kQMax = 127;
  switch (act) {
    case Activation::kNone:
      *act_min = kQMin;
      *act_max = kQMax;
      break;
    case Activation::kRelu:
      *act_min = max(kQMin, quantize(0.0f));
      *act_max = kQMax;
      break;
    case Activation::kRelu6:
      *act_min = max(kQMin, quantize(0.0f));
      *act_max = min(kQMax, quantize(6.0f));
      break;
    case Activation::kReluN1To1:
      *act_min = max(kQMin, quantize(-1.0f));
      *act_max = min(kQMax, quantize(1.0f));
      break;
  }
  if (*act_min > *act_max) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "activation_range_s8: empty range for scale %g zero point %d",
                         static_cast<double>(output_scale), static_cast<int>(output_zero_point));
  }
  return Status::Ok();
}

Status prepare_per_channel(float input_scale, const float* filter_scales, int32_t num_scales,
                           float output_scale, int32_t channels, int32_t* multipliers,
                           int32_t* shifts) {
  if (filter_scales == nullptr || multipliers == nullptr || shifts == nullptr || channels < 1 ||
      (num_scales != 1 && num_scales != channels)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_per_channel: %d filter scales for %d channels",
                         static_cast<int>(num_scales), static_cast<int>(channels));
  }
  if (!positive_finite(input_scale) || !positive_finite(output_scale)) {
    return invalid("prepare_per_channel: input/output scale",
                   static_cast<double>(positive_finite(input_scale) ? output_scale : input_scale));
  }
  for (int32_t c = 0; c < channels; ++c) {
    const double filter_scale = static_cast<double>(filter_scales[num_scales == 1 ? 0 : c]);
    const double effective =
        static_cast<double>(input_scale) * filter_scale / static_cast<double>(output_scale);
    int shift = 0;
    KWS_RETURN_IF_ERROR(quantize_multiplier(effective, &multipliers[c], &shift));
    shifts[c] = shift;
  }
  return Status::Ok();
}

Status prepare_softmax(double beta, float input_scale, SoftmaxParams* params) {
  constexpr int kScaledDiffIntegerBits = 5;
  if (params == nullptr || !positive_finite(beta) || !positive_finite(input_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_softmax: beta and input scale must be finite and > 0");
  }
  double real = beta * static_cast<double>(input_scale) *
                static_cast<double>(1 << (31 - kScaledDiffIntegerBits));
  const double kCap = static_cast<double>(int64_t{1} << 31) - 1.0;
  if (real > kCap) real = kCap;
  if (!(real > 1.0)) {
    return invalid("prepare_softmax: beta * input_scale * 2^26 must exceed 1", real);
  }
  int shift = 0;
  KWS_RETURN_IF_ERROR(quantize_multiplier(real, &params->input_multiplier, &shift));
  params->input_left_shift = shift;
  params->diff_min = -input_radius(kScaledDiffIntegerBits, shift);
  return Status::Ok();
}

Status prepare_logistic(float input_scale, int32_t input_zero_point, LogisticParams* params) {
  constexpr int kInputIntegerBits = 4;
  if (params == nullptr || !positive_finite(input_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_logistic: input scale must be finite and > 0");
  }
  const double real =
      static_cast<double>(input_scale) * static_cast<double>(1 << (31 - kInputIntegerBits));
  int shift = 0;
  // TFLM's frexp form; quantize_multiplier differs only where the mantissa rounds up to
  // 2^31, which TFLM would overflow and we renormalize.
  KWS_RETURN_IF_ERROR(quantize_multiplier(real, &params->input_multiplier, &shift));
  if (shift < 0) {
    return invalid("prepare_logistic: input scale too small for Q4 input", real);
  }
  params->input_left_shift = shift;
  params->input_zero_point = input_zero_point;
  params->input_range_radius = input_radius(kInputIntegerBits, shift);
  return Status::Ok();
}

Status prepare_add(float input1_scale, int32_t input1_zero_point, float input2_scale,
                   int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                   int32_t act_min, int32_t act_max, AddParams* params) {
  if (params == nullptr || !positive_finite(input1_scale) || !positive_finite(input2_scale) ||
      !positive_finite(output_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_add: scales must be finite and > 0");
  }
  params->input1_offset = -input1_zero_point;
  params->input2_offset = -input2_zero_point;
  params->output_offset = output_zero_point;
  params->left_shift = 20;
  const double twice_max_input_scale =
      2 * static_cast<double>(input1_scale > input2_scale ? input1_scale : input2_scale);
  const double real1 = static_cast<double>(input1_scale) / twice_max_input_scale;
  const double real2 = static_cast<double>(input2_scale) / twice_max_input_scale;
  const double real_out =
      twice_max_input_scale / ((1 << params->left_shift) * static_cast<double>(output_scale));
  int s1 = 0;
  int s2 = 0;
  int so = 0;
  KWS_RETURN_IF_ERROR(quantize_multiplier(real1, &params->input1_multiplier, &s1));
  KWS_RETURN_IF_ERROR(quantize_multiplier(real2, &params->input2_multiplier, &s2));
  KWS_RETURN_IF_ERROR(quantize_multiplier(real_out, &params->output_multiplier, &so));
  if (so > 0) {
    return invalid("prepare_add: output multiplier must be < 1", real_out);
  }
  params->input1_shift = s1;
  params->input2_shift = s2;
  params->output_shift = so;
  params->activation_min = act_min;
  params->activation_max = act_max;
  return Status::Ok();
}

Status prepare_mul(float input1_scale, int32_t input1_zero_point, float input2_scale,
                   int32_t input2_zero_point, float output_scale, int32_t output_zero_point,
                   int32_t act_min, int32_t act_max, MulParams* params) {
  if (params == nullptr || !positive_finite(input1_scale) || !positive_finite(input2_scale) ||
      !positive_finite(output_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_mul: scales must be finite and > 0");
  }
  params->input1_offset = -input1_zero_point;
  params->input2_offset = -input2_zero_point;
  params->output_offset = output_zero_point;
  // Double arithmetic as TFLM's mul_common.cc.
  const double real = static_cast<double>(input1_scale) * static_cast<double>(input2_scale) /
                      static_cast<double>(output_scale);
  int shift = 0;
  KWS_RETURN_IF_ERROR(quantize_multiplier(real, &params->output_multiplier, &shift));
  params->output_shift = shift;
  params->activation_min = act_min;
  params->activation_max = act_max;
  return Status::Ok();
}

Status prepare_requantize(float input_scale, int32_t input_zero_point, float output_scale,
                          int32_t output_zero_point, RequantizeParams* params) {
  if (params == nullptr || !positive_finite(input_scale) || !positive_finite(output_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_requantize: scales must be finite and > 0");
  }
  int shift = 0;
  KWS_RETURN_IF_ERROR(
      quantize_multiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale),
                          &params->multiplier, &shift));
  params->shift = shift;
  params->input_zero_point = input_zero_point;
  params->output_zero_point = output_zero_point;
  return Status::Ok();
}

Status prepare_mean(float input_scale, int32_t input_zero_point, float output_scale,
                    int32_t output_zero_point, MeanParams* params) {
  if (params == nullptr || !positive_finite(input_scale) || !positive_finite(output_scale)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "prepare_mean: scales must be finite and > 0");
  }
  int shift = 0;
  KWS_RETURN_IF_ERROR(
      quantize_multiplier(static_cast<double>(input_scale) / static_cast<double>(output_scale),
                          &params->multiplier, &shift));
  params->shift = shift;
  params->input_zero_point = input_zero_point;
  params->output_zero_point = output_zero_point;
  return Status::Ok();
}

Status resolve_strided_slice(const Shape& input, const int32_t* begin, const int32_t* end,
                             const int32_t* strides, int32_t begin_mask, int32_t end_mask,
                             int32_t shrink_axis_mask, StridedSliceParams* params,
                             Shape* out_shape) {
  if (begin == nullptr || end == nullptr || strides == nullptr || params == nullptr ||
      out_shape == nullptr || input.rank < 1 || input.rank > kMaxRank) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "resolve_strided_slice: null argument or rank outside [1, 5]");
  }
  constexpr int32_t kLowest = std::numeric_limits<int32_t>::lowest();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  auto clamp = [](int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); };
  params->rank = input.rank;
  out_shape->rank = input.rank;
  for (int32_t a = 0; a < input.rank; ++a) {
    const int64_t size = input.dims[a];
    const int32_t stride = strides[a];
    if (stride == 0) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "resolve_strided_slice: stride of axis %d is 0", static_cast<int>(a));
    }
    // StartForAxis.
    int64_t start = begin[a];
    if ((begin_mask >> a) & 1) start = stride > 0 ? kLowest : kMax;
    if (start < 0) start += size;
    start = stride > 0 ? clamp(start, 0, size) : clamp(start, -1, size - 1);
    // StopForAxis.
    int64_t stop;
    if ((shrink_axis_mask >> a) & 1) {
      stop = start + 1;
      if (start < 0 || start >= size) {
        return Status::Error(StatusCode::kInvalidArgument,
                             "resolve_strided_slice: shrunk axis %d index out of range",
                             static_cast<int>(a));
      }
    } else {
      stop = end[a];
      if ((end_mask >> a) & 1) stop = stride > 0 ? kMax : kLowest;
      if (stop < 0) stop += size;
      stop = stride > 0 ? clamp(stop, 0, size) : clamp(stop, -1, size - 1);
    }
    params->start[a] = static_cast<int32_t>(start);
    params->stop[a] = static_cast<int32_t>(stop);
    params->stride[a] = stride;
    int64_t len = stride > 0 ? (stop - start + stride - 1) / stride
                             : (start - stop + (-int64_t{stride}) - 1) / -int64_t{stride};
    if (len < 0) len = 0;
    out_shape->dims[a] = static_cast<int32_t>(len);
  }
  return Status::Ok();
}

}  // namespace kws::nn
