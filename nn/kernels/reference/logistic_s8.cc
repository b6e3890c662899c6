// Reference int8 logistic: TFLite's reference_integer_ops::Logistic (input in Q4 via
// the prepared multiplier, gemmlowp fixed-point logistic, output scale 1/256 zp -128).
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status logistic_s8(const LogisticParams& params, int32_t size, const int8_t* input,
                   int8_t* output) {
  if (input == nullptr || output == nullptr || size < 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "logistic_s8: null input/output or negative size");
  }
  KWS_RETURN_IF_ERROR(
      internal::check_shift("logistic_s8", "input_left_shift", params.input_left_shift));
  constexpr int kInputIntegerBits = 4;
  constexpr int kOutputIntegerBits = 8;
  constexpr int32_t kOutputZeroPoint = -128;
  for (int32_t i = 0; i < size; ++i) {
    const int32_t in = static_cast<int32_t>(input[i]) - params.input_zero_point;
    if (in <= -params.input_range_radius) {
      output[i] = -128;
    } else if (in >= params.input_range_radius) {
      output[i] = 127;
    } else {
      const int32_t in_q4 =
          multiply_by_quantized_multiplier(in, params.input_multiplier, params.input_left_shift);
      const int32_t out_q0 = logistic_fixed_point(in_q4, kInputIntegerBits);
      const int32_t out_q23 = rounding_divide_by_pot(out_q0, 31 - kOutputIntegerBits);
      output[i] = static_cast<int8_t>(internal::clamp_i32(out_q23 + kOutputZeroPoint, -128, 127));
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
