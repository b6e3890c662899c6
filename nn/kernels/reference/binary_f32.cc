// Reference float elementwise binary ops with 4-D broadcasting (TFLite's
// reference_ops::BroadcastBinaryFunction4DSlow for ADD, SUB, MUL, MAXIMUM,
// MINIMUM, GREATER_EQUAL).
#include "nn/kernels/internal/broadcast.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status binary_f32(BinaryF32Op op, float act_min, float act_max, const Dims4& a_d, const float* a,
                  const Dims4& b_d, const float* b, const Dims4& out_d, float* out) {
  KWS_RETURN_IF_ERROR(internal::check_broadcast("binary_f32", a_d, a, b_d, b, out_d, out));
  auto clamp = [act_min, act_max](float v) {
    v = v < act_min ? act_min : v;
    return v > act_max ? act_max : v;
  };
  switch (op) {
    case BinaryF32Op::kAdd:
      internal::for_each_broadcast(
          a_d, b_d, out_d, [&](int64_t i, int64_t j, int64_t o) { out[o] = clamp(a[i] + b[j]); });
      return Status::Ok();
    case BinaryF32Op::kSub:
      internal::for_each_broadcast(
          a_d, b_d, out_d, [&](int64_t i, int64_t j, int64_t o) { out[o] = clamp(a[i] - b[j]); });
      return Status::Ok();
    case BinaryF32Op::kMul:
      internal::for_each_broadcast(
          a_d, b_d, out_d, [&](int64_t i, int64_t j, int64_t o) { out[o] = clamp(a[i] * b[j]); });
      return Status::Ok();
    case BinaryF32Op::kMaximum:
      internal::for_each_broadcast(a_d, b_d, out_d, [&](int64_t i, int64_t j, int64_t o) {
        out[o] = a[i] > b[j] ? a[i] : b[j];
      });
      return Status::Ok();
    case BinaryF32Op::kMinimum:
      internal::for_each_broadcast(a_d, b_d, out_d, [&](int64_t i, int64_t j, int64_t o) {
        out[o] = a[i] < b[j] ? a[i] : b[j];
      });
      return Status::Ok();
  }
  return Status::Error(StatusCode::kInvalidArgument, "binary_f32: unknown op");
}

Status greater_equal_f32(const Dims4& a_d, const float* a, const Dims4& b_d, const float* b,
                         const Dims4& out_d, bool* out) {
  KWS_RETURN_IF_ERROR(internal::check_broadcast("greater_equal_f32", a_d, a, b_d, b, out_d, out));
  internal::for_each_broadcast(a_d, b_d, out_d,
                               [&](int64_t i, int64_t j, int64_t o) { out[o] = a[i] >= b[j]; });
  return Status::Ok();
}

}  // namespace kws::nn::ref
