// Reference float PAD (constant 0).
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status pad_f32(const PadParams& p, const Shape& s, const float* in, float* out) {
  KWS_RETURN_IF_ERROR(internal::check_shape("pad_f32", "input", s));
  if (in == nullptr || out == nullptr || p.rank != s.rank) {
    return Status::Error(StatusCode::kInvalidArgument, "pad_f32: null tensor or rank mismatch");
  }
  Shape o = s;
  for (int32_t i = 0; i < s.rank; ++i) {
    if (p.before[i] < 0 || p.after[i] < 0) {
      return Status::Error(StatusCode::kInvalidArgument, "pad_f32: negative padding");
    }
    o.dims[i] = s.dims[i] + p.before[i] + p.after[i];
  }
  const int64_t total = internal::element_count(o);
  if (total < 0) return Status::Error(StatusCode::kInvalidArgument, "pad_f32: output too large");
  int32_t idx[kMaxRank] = {};
  int64_t k = 0;
  for (int64_t n = 0; n < total; ++n) {
    bool inside = true;
    for (int32_t i = 0; i < s.rank; ++i) {
      if (idx[i] < p.before[i] || idx[i] >= p.before[i] + s.dims[i]) inside = false;
    }
    out[n] = inside ? in[k++] : 0.0f;
    for (int32_t i = s.rank - 1; i >= 0; --i) {
      if (++idx[i] < o.dims[i]) break;
      idx[i] = 0;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
