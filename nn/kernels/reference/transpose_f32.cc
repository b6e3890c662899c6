// Reference TRANSPOSE of 32-bit elements.
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status transpose_f32(const Shape& s, const int32_t* perm, const float* in, float* out) {
  KWS_RETURN_IF_ERROR(internal::check_shape("transpose_f32", "input", s));
  if (in == nullptr || out == nullptr || perm == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "transpose_f32: null argument");
  }
  int64_t in_stride[kMaxRank] = {};
  int64_t acc = 1;
  for (int32_t i = s.rank - 1; i >= 0; --i) {
    in_stride[i] = acc;
    acc *= s.dims[i];
  }
  int32_t out_dims[kMaxRank] = {};
  int64_t stride[kMaxRank] = {};  // input stride of each output axis
  uint32_t seen = 0;
  for (int32_t i = 0; i < s.rank; ++i) {
    if (perm[i] < 0 || perm[i] >= s.rank || (seen & (1u << perm[i]))) {
      return Status::Error(StatusCode::kInvalidArgument, "transpose_f32: bad permutation");
    }
    seen |= 1u << perm[i];
    out_dims[i] = s.dims[perm[i]];
    stride[i] = in_stride[perm[i]];
  }
  const int64_t total = acc;
  int32_t idx[kMaxRank] = {};
  int64_t src = 0;
  for (int64_t n = 0; n < total; ++n) {
    out[n] = in[src];
    for (int32_t i = s.rank - 1; i >= 0; --i) {
      src += stride[i];
      if (++idx[i] < out_dims[i]) break;
      src -= stride[i] * idx[i];
      idx[i] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
