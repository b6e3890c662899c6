// Optimized float elementwise binary ops for the shapes the backbone uses:
// input 1 with the output's shape and input 2 either the same shape, one
// value, or one value per channel (dims 1 x 1 x 1 x C, or fewer dims ending
// in C). Plain loops over contiguous rows with the reference's per-element
// expressions, so the results are the same bits (the reference walks every
// element through 4-D broadcast index arithmetic); any other broadcast uses
// the reference kernel. Input 1 may be the output (in place).
#include "nn/kernels/optimized.h"
#include "nn/kernels/reference.h"

namespace kws::nn::opt {
namespace {

bool same_dims(const Dims4& a, const Dims4& b) {
  return a.n == b.n && a.h == b.h && a.w == b.w && a.c == b.c;
}

// out[i] = f(a[i], b[i % period]) for i < n; period divides n.
template <typename F>
void rows(int64_t n, int64_t period, const float* a, const float* b, float* out, F f) {
  if (period == 1) {
    const float v = b[0];
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], v);
    return;
  }
  for (int64_t r = 0; r < n; r += period) {
    for (int64_t c = 0; c < period; ++c) out[r + c] = f(a[r + c], b[c]);
  }
}

}  // namespace

Status binary_f32(BinaryF32Op op, float act_min, float act_max, const Dims4& a_d, const float* a,
                  const Dims4& b_d, const float* b, const Dims4& out_d, float* out) {
  const int64_t n = static_cast<int64_t>(out_d.n) * out_d.h * out_d.w * out_d.c;
  int64_t period = 0;
  if (a != nullptr && b != nullptr && out != nullptr && n > 0 && same_dims(a_d, out_d)) {
    if (same_dims(b_d, out_d)) {
      period = n;
    } else if (b_d.n == 1 && b_d.h == 1 && b_d.w == 1 && (b_d.c == 1 || b_d.c == out_d.c)) {
      period = b_d.c;
    }
  }
  if (period == 0) return ref::binary_f32(op, act_min, act_max, a_d, a, b_d, b, out_d, out);
  auto clamp = [act_min, act_max](float v) {
    v = v < act_min ? act_min : v;
    return v > act_max ? act_max : v;
  };
  switch (op) {
    case BinaryF32Op::kAdd:
      rows(n, period, a, b, out, [&](float x, float y) { return clamp(x + y); });
      return Status::Ok();
    case BinaryF32Op::kSub:
      rows(n, period, a, b, out, [&](float x, float y) { return clamp(x - y); });
      return Status::Ok();
    case BinaryF32Op::kMul:
      rows(n, period, a, b, out, [&](float x, float y) { return clamp(x * y); });
      return Status::Ok();
    case BinaryF32Op::kMaximum:
      rows(n, period, a, b, out, [](float x, float y) { return x > y ? x : y; });
      return Status::Ok();
    case BinaryF32Op::kMinimum:
      rows(n, period, a, b, out, [](float x, float y) { return x < y ? x : y; });
      return Status::Ok();
  }
  return ref::binary_f32(op, act_min, act_max, a_d, a, b_d, b, out_d, out);
}

}  // namespace kws::nn::opt
