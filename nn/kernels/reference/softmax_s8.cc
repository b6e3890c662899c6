// Reference int8 softmax: TFLite's reference_ops::Softmax for quantized types (the
// gemmlowp fixed-point exp path; Q5 scaled differences, Q12 accumulation).
#include <cstdint>
#include <limits>

#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {
namespace {

constexpr int kScaledDiffIntegerBits = 5;
constexpr int kAccumulationIntegerBits = 12;

Status check(const char* op, const SoftmaxParams& params, int32_t rows, int32_t depth,
             const void* input, const void* output) {
  if (input == nullptr || output == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: input or output is null", op);
  }
  if (rows < 1 || depth < 1 || static_cast<int64_t>(rows) * depth >= (int64_t{1} << 31)) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: rows %d x depth %d invalid", op,
                         static_cast<int>(rows), static_cast<int>(depth));
  }
  if (params.input_left_shift < 0 || params.input_left_shift > 31 || params.diff_min > 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "%s: input_left_shift %d or diff_min %d invalid (use prepare_softmax)", op,
                         static_cast<int>(params.input_left_shift),
                         static_cast<int>(params.diff_min));
  }
  return Status::Ok();
}

template <typename OutT>
void softmax_rows(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                  OutT* output) {
  constexpr int32_t kOutMin = std::numeric_limits<OutT>::min();
  constexpr int32_t kOutMax = std::numeric_limits<OutT>::max();
  constexpr int kOutBits = 8 * sizeof(OutT);
  for (int32_t r = 0; r < rows; ++r) {
    const int8_t* in = input + static_cast<int64_t>(r) * depth;
    OutT* out = output + static_cast<int64_t>(r) * depth;
    int32_t max_in_row = in[0];
    for (int32_t c = 1; c < depth; ++c) {
      if (in[c] > max_in_row) max_in_row = in[c];
    }

    // Sum of exp(diff) in Q12.
    int32_t sum_of_exps = 0;
    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= params.diff_min) {
        const int32_t diff_rescaled = saturating_rounding_doubling_high_mul(
            static_cast<int32_t>(static_cast<uint32_t>(diff) << params.input_left_shift),
            params.input_multiplier);
        const int32_t exp_q0 = exp_on_negative_values(diff_rescaled, kScaledDiffIntegerBits);
        sum_of_exps =
            wrapping_add(sum_of_exps, rounding_divide_by_pot(exp_q0, kAccumulationIntegerBits));
      }
    }

    int num_bits_over_unit = 0;
    const int32_t shifted_scale =
        get_reciprocal(sum_of_exps, kAccumulationIntegerBits, &num_bits_over_unit);

    for (int32_t c = 0; c < depth; ++c) {
      const int32_t diff = static_cast<int32_t>(in[c]) - max_in_row;
      if (diff >= params.diff_min) {
        const int32_t diff_rescaled = saturating_rounding_doubling_high_mul(
            static_cast<int32_t>(static_cast<uint32_t>(diff) << params.input_left_shift),
            params.input_multiplier);
        const int32_t exp_q0 = exp_on_negative_values(diff_rescaled, kScaledDiffIntegerBits);
        const int32_t unsat =
            rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted_scale, exp_q0),
                                   num_bits_over_unit + 31 - kOutBits);
        out[c] = static_cast<OutT>(internal::clamp_i32(unsat + kOutMin, kOutMin, kOutMax));
      } else {
        out[c] = static_cast<OutT>(kOutMin);
      }
    }
  }
}

}  // namespace

Status softmax_s8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                  int8_t* output) {
  KWS_RETURN_IF_ERROR(check("softmax_s8", params, rows, depth, input, output));
  softmax_rows(params, rows, depth, input, output);
  return Status::Ok();
}

Status softmax_s8_u8(const SoftmaxParams& params, int32_t rows, int32_t depth, const int8_t* input,
                     uint8_t* output) {
  KWS_RETURN_IF_ERROR(check("softmax_s8_u8", params, rows, depth, input, output));
  softmax_rows(params, rows, depth, input, output);
  return Status::Ok();
}

}  // namespace kws::nn::ref
