// Reference int8 pad: TFLite's reference_ops::Pad (constant padding, up to 5-D).
#include <cstring>

#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status pad_s8(const PadParams& params, const Shape& input_shape, const int8_t* input,
              int8_t* output) {
  constexpr const char* kOp = "pad_s8";
  if (input == nullptr || output == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null input/output", kOp);
  }
  KWS_RETURN_IF_ERROR(internal::check_shape(kOp, "input", input_shape));
  if (params.rank != input_shape.rank) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: params rank %d != input rank %d", kOp,
                         static_cast<int>(params.rank), static_cast<int>(input_shape.rank));
  }
  int32_t in_dims[kMaxRank];
  int32_t out_dims[kMaxRank];
  int32_t before[kMaxRank];
  const int32_t lead = kMaxRank - input_shape.rank;
  int64_t out_count = 1;
  for (int32_t i = 0; i < kMaxRank; ++i) {
    if (i < lead) {
      in_dims[i] = out_dims[i] = 1;
      before[i] = 0;
      continue;
    }
    const int32_t a = i - lead;
    if (params.before[a] < 0 || params.after[a] < 0) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: negative padding on axis %d", kOp,
                           static_cast<int>(a));
    }
    in_dims[i] = input_shape.dims[a];
    before[i] = params.before[a];
    const int64_t out = int64_t{in_dims[i]} + params.before[a] + params.after[a];
    out_count *= out;
    if (out_count >= (int64_t{1} << 31)) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: output reaches 2^31 elements", kOp);
    }
    out_dims[i] = static_cast<int32_t>(out);
  }
  std::memset(output, static_cast<unsigned char>(params.pad_value), static_cast<size_t>(out_count));
  // Copy each innermost input row to its place in the output.
  for (int32_t i0 = 0; i0 < in_dims[0]; ++i0) {
    for (int32_t i1 = 0; i1 < in_dims[1]; ++i1) {
      for (int32_t i2 = 0; i2 < in_dims[2]; ++i2) {
        for (int32_t i3 = 0; i3 < in_dims[3]; ++i3) {
          const int64_t in_off =
              (((static_cast<int64_t>(i0) * in_dims[1] + i1) * in_dims[2] + i2) * in_dims[3] + i3) *
              in_dims[4];
          const int64_t out_off =
              ((((static_cast<int64_t>(i0) + before[0]) * out_dims[1] + i1 + before[1]) *
                    out_dims[2] +
                i2 + before[2]) *
                   out_dims[3] +
               i3 + before[3]) *
                  out_dims[4] +
              before[4];
          std::memcpy(output + out_off, input + in_off, static_cast<size_t>(in_dims[4]));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
