// Reference float MEAN and REDUCE_MAX over a set of axes.
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

namespace {

enum class Reduce : uint8_t { kMean, kMax };

// Output element of every input element: the input index with the reduced
// axes dropped. Walks the input once in order (odometer over the dims).
Status reduce(const char* name, Reduce kind, const Shape& s, uint32_t mask, const float* in,
              float* out) {
  KWS_RETURN_IF_ERROR(internal::check_shape(name, "input", s));
  if (in == nullptr || out == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null tensor", name);
  }
  int64_t out_count = 1;
  int64_t reduced = 1;
  int64_t out_stride[kMaxRank] = {};
  for (int32_t i = s.rank - 1; i >= 0; --i) {
    if (mask & (1u << i)) {
      reduced *= s.dims[i];
    } else {
      out_stride[i] = out_count;
      out_count *= s.dims[i];
    }
  }
  for (int64_t o = 0; o < out_count; ++o) out[o] = kind == Reduce::kMax ? -3.40282347e38f : 0.0f;
  const int64_t total = internal::element_count(s);
  int32_t idx[kMaxRank] = {};
  int64_t o = 0;
  for (int64_t k = 0; k < total; ++k) {
    if (kind == Reduce::kMax) {
      if (in[k] > out[o]) out[o] = in[k];
    } else {
      out[o] += in[k];
    }
    for (int32_t i = s.rank - 1; i >= 0; --i) {
      ++idx[i];
      o += out_stride[i];
      if (idx[i] < s.dims[i]) break;
      o -= out_stride[i] * idx[i];
      idx[i] = 0;
    }
  }
  if (kind == Reduce::kMean) {
    for (int64_t k = 0; k < out_count; ++k) out[k] /= static_cast<float>(reduced);
  }
  return Status::Ok();
}

}  // namespace

Status mean_f32(const Shape& s, uint32_t mask, const float* in, float* out) {
  return reduce("mean_f32", Reduce::kMean, s, mask, in, out);
}

Status reduce_max_f32(const Shape& s, uint32_t mask, const float* in, float* out) {
  return reduce("reduce_max_f32", Reduce::kMax, s, mask, in, out);
}

}  // namespace kws::nn::ref
