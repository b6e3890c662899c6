// Reference (de/re)quantization: TFLite's reference_ops::AffineQuantize, Dequantize and
// Requantize.
#include <cmath>
#include <cstdint>
#include <limits>

#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {
namespace {

Status check_io(const char* op, int32_t size, const void* input, const void* output) {
  if (input == nullptr || output == nullptr || size < 0) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null input/output or negative size",
                         op);
  }
  return Status::Ok();
}

Status check_scale(const char* op, float scale) {
  if (!(scale > 0.0f) || !std::isfinite(scale)) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: scale %g must be finite and > 0", op,
                         static_cast<double>(scale));
  }
  return Status::Ok();
}

template <typename OutT>
void affine_quantize(float scale, int32_t zero_point, int32_t size, const float* input,
                     OutT* output) {
  constexpr double kMin = std::numeric_limits<OutT>::min();
  constexpr double kMax = std::numeric_limits<OutT>::max();
  const double s = scale;
  for (int32_t i = 0; i < size; ++i) {
    // Clamp in double first so NaN/huge values cannot overflow the int conversion;
    // for finite in-range values this equals TFLite's round-then-add-then-clamp.
    double q = std::round(static_cast<double>(input[i]) / s);
    if (!(q >= -1e9)) q = -1e9;  // also maps NaN to the minimum
    if (q > 1e9) q = 1e9;
    double v = q + zero_point;
    v = v < kMin ? kMin : (v > kMax ? kMax : v);
    output[i] = static_cast<OutT>(v);
  }
}

template <typename InT>
void dequantize(float scale, int32_t zero_point, int32_t size, const InT* input, float* output) {
  const double s = scale;
  for (int32_t i = 0; i < size; ++i) {
    output[i] = static_cast<float>(s * (static_cast<int32_t>(input[i]) - zero_point));
  }
}

template <typename InT, typename OutT>
Status requantize(const char* op, const RequantizeParams& params, int32_t size, const InT* input,
                  OutT* output) {
  KWS_RETURN_IF_ERROR(check_io(op, size, input, output));
  KWS_RETURN_IF_ERROR(internal::check_shift(op, "shift", params.shift));
  constexpr int32_t kMin = std::numeric_limits<OutT>::min();
  constexpr int32_t kMax = std::numeric_limits<OutT>::max();
  for (int32_t i = 0; i < size; ++i) {
    const int32_t in = static_cast<int32_t>(input[i]) - params.input_zero_point;
    const int32_t out = multiply_by_quantized_multiplier(in, params.multiplier, params.shift) +
                        params.output_zero_point;
    output[i] = static_cast<OutT>(internal::clamp_i32(out, kMin, kMax));
  }
  return Status::Ok();
}

}  // namespace

Status quantize_f32_s8(float scale, int32_t zero_point, int32_t size, const float* input,
                       int8_t* output) {
  KWS_RETURN_IF_ERROR(check_io("quantize_f32_s8", size, input, output));
  KWS_RETURN_IF_ERROR(check_scale("quantize_f32_s8", scale));
  affine_quantize(scale, zero_point, size, input, output);
  return Status::Ok();
}

Status quantize_f32_u8(float scale, int32_t zero_point, int32_t size, const float* input,
                       uint8_t* output) {
  KWS_RETURN_IF_ERROR(check_io("quantize_f32_u8", size, input, output));
  KWS_RETURN_IF_ERROR(check_scale("quantize_f32_u8", scale));
  affine_quantize(scale, zero_point, size, input, output);
  return Status::Ok();
}

Status dequantize_s8_f32(float scale, int32_t zero_point, int32_t size, const int8_t* input,
                         float* output) {
  KWS_RETURN_IF_ERROR(check_io("dequantize_s8_f32", size, input, output));
  dequantize(scale, zero_point, size, input, output);
  return Status::Ok();
}

Status dequantize_u8_f32(float scale, int32_t zero_point, int32_t size, const uint8_t* input,
                         float* output) {
  KWS_RETURN_IF_ERROR(check_io("dequantize_u8_f32", size, input, output));
  dequantize(scale, zero_point, size, input, output);
  return Status::Ok();
}

Status requantize_s8_s8(const RequantizeParams& params, int32_t size, const int8_t* input,
                        int8_t* output) {
  return requantize("requantize_s8_s8", params, size, input, output);
}

Status requantize_s8_u8(const RequantizeParams& params, int32_t size, const int8_t* input,
                        uint8_t* output) {
  return requantize("requantize_s8_u8", params, size, input, output);
}

Status requantize_u8_s8(const RequantizeParams& params, int32_t size, const uint8_t* input,
                        int8_t* output) {
  return requantize("requantize_u8_s8", params, size, input, output);
}

}  // namespace kws::nn::ref
