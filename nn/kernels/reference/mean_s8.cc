// Reference int8 mean: TFLite's reference_ops::QuantizedMeanOrSum (compute_sum = false),
// the integer path with the 1/count factor folded into the multiplier.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status mean_s8(const MeanParams& params, const Shape& input_shape, uint32_t axis_mask,
               const int8_t* input, int8_t* output) {
  constexpr const char* kOp = "mean_s8";
  if (input == nullptr || output == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null input/output", kOp);
  }
  KWS_RETURN_IF_ERROR(internal::check_shape(kOp, "input", input_shape));
  KWS_RETURN_IF_ERROR(internal::check_shift(kOp, "shift", params.shift));
  if ((axis_mask >> input_shape.rank) != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: axis_mask 0x%x beyond rank %d", kOp,
                         static_cast<unsigned>(axis_mask), static_cast<int>(input_shape.rank));
  }
  const int32_t rank = input_shape.rank;
  int64_t stride[kMaxRank] = {};
  int64_t s = 1;
  for (int32_t i = rank - 1; i >= 0; --i) {
    stride[i] = s;
    s *= input_shape.dims[i];
  }
  // Split axes into kept (outer loop) and reduced (inner loop).
  int32_t kept[kMaxRank];
  int32_t reduced[kMaxRank];
  int32_t num_kept = 0;
  int32_t num_reduced = 0;
  int64_t count = 1;
  int64_t outputs = 1;
  for (int32_t i = 0; i < rank; ++i) {
    if ((axis_mask >> i) & 1u) {
      reduced[num_reduced++] = i;
      count *= input_shape.dims[i];
    } else {
      kept[num_kept++] = i;
      outputs *= input_shape.dims[i];
    }
  }

  int32_t multiplier = params.multiplier;
  int shift = params.shift;
  int fold = 63 - __builtin_clzll(static_cast<unsigned long long>(count));
  if (fold > 32) fold = 32;
  if (fold > 31 + shift) fold = 31 + shift;
  multiplier = static_cast<int32_t>((static_cast<int64_t>(multiplier) << fold) / count);
  shift -= fold;

  int32_t kept_idx[kMaxRank] = {};
  for (int64_t o = 0; o < outputs; ++o) {
    int64_t base = 0;
    for (int32_t k = 0; k < num_kept; ++k) base += kept_idx[k] * stride[kept[k]];
    int32_t red_idx[kMaxRank] = {};
    int64_t sum = 0;
    for (int64_t r = 0; r < count; ++r) {
      int64_t off = base;
      for (int32_t k = 0; k < num_reduced; ++k) off += red_idx[k] * stride[reduced[k]];
      sum += input[off];
      for (int32_t k = num_reduced - 1; k >= 0; --k) {
        if (++red_idx[k] < input_shape.dims[reduced[k]]) break;
        red_idx[k] = 0;
      }
    }
    const int32_t shifted_sum = static_cast<int32_t>(sum - params.input_zero_point * count);
    const int32_t out =
        multiply_by_quantized_multiplier(shifted_sum, multiplier, shift) + params.output_zero_point;
    output[o] = static_cast<int8_t>(internal::clamp_i32(out, -128, 127));
    for (int32_t k = num_kept - 1; k >= 0; --k) {
      if (++kept_idx[k] < input_shape.dims[kept[k]]) break;
      kept_idx[k] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
