// Reference int8 add: TFLite's reference_integer_ops::Add / BroadcastAdd4DSlow.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/broadcast.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status add_s8(const AddParams& params, const Dims4& input1_dims, const int8_t* input1,
              const Dims4& input2_dims, const int8_t* input2, const Dims4& output_dims,
              int8_t* output) {
  constexpr const char* kOp = "add_s8";
  KWS_RETURN_IF_ERROR(internal::check_broadcast(kOp, input1_dims, input1, input2_dims, input2,
                                                output_dims, output));
  KWS_RETURN_IF_ERROR(
      internal::check_activation(kOp, params.activation_min, params.activation_max, -128, 127));
  if (params.left_shift < 0 || params.left_shift > 20 || params.input1_shift > 0 ||
      params.input2_shift > 0 || params.output_shift > 0 || params.input1_shift < -31 ||
      params.input2_shift < -31 || params.output_shift < -31) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "add_s8: shifts out of range (use prepare_add)");
  }
  internal::for_each_broadcast(
      input1_dims, input2_dims, output_dims, [&](int64_t i1, int64_t i2, int64_t o) {
        const int32_t v1 = params.input1_offset + input1[i1];
        const int32_t v2 = params.input2_offset + input2[i2];
        const int32_t s1 = multiply_by_quantized_multiplier(
            v1 * (1 << params.left_shift), params.input1_multiplier, params.input1_shift);
        const int32_t s2 = multiply_by_quantized_multiplier(
            v2 * (1 << params.left_shift), params.input2_multiplier, params.input2_shift);
        const int32_t raw =
            multiply_by_quantized_multiplier(wrapping_add(s1, s2), params.output_multiplier,
                                             params.output_shift) +
            params.output_offset;
        output[o] = static_cast<int8_t>(
            internal::clamp_i32(raw, params.activation_min, params.activation_max));
      });
  return Status::Ok();
}

}  // namespace kws::nn::ref
