// 4-D NHWC broadcasting for elementwise binary ops (TFLite's NdArrayDescsForElementwise-
// Broadcast): an input dim of 1 repeats along that output dim.
#pragma once

#include <cstdint>

#include "nn/kernels/internal/validate.h"
#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn::internal {

inline Status check_broadcast(const char* op, const Dims4& a, const void* a_data, const Dims4& b,
                              const void* b_data, const Dims4& out, const void* out_data) {
  if (a_data == nullptr || b_data == nullptr || out_data == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: null input or output", op);
  }
  KWS_RETURN_IF_ERROR(check_dims(op, "input1", a));
  KWS_RETURN_IF_ERROR(check_dims(op, "input2", b));
  KWS_RETURN_IF_ERROR(check_dims(op, "output", out));
  const int32_t ad[4] = {a.n, a.h, a.w, a.c};
  const int32_t bd[4] = {b.n, b.h, b.w, b.c};
  const int32_t od[4] = {out.n, out.h, out.w, out.c};
  for (int i = 0; i < 4; ++i) {
    if ((ad[i] != od[i] && ad[i] != 1) || (bd[i] != od[i] && bd[i] != 1)) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "%s: dim %d: inputs %d and %d do not broadcast to output %d", op, i,
                           static_cast<int>(ad[i]), static_cast<int>(bd[i]),
                           static_cast<int>(od[i]));
    }
  }
  return Status::Ok();
}

// Calls fn(index_in_a, index_in_b, index_in_out) for every output element in order.
template <typename Fn>
void for_each_broadcast(const Dims4& a, const Dims4& b, const Dims4& out, Fn&& fn) {
  auto stride_of = [](const Dims4& d, int64_t* s) {
    s[3] = d.c == 1 ? 0 : 1;
    s[2] = d.w == 1 ? 0 : d.c;
    s[1] = d.h == 1 ? 0 : static_cast<int64_t>(d.w) * d.c;
    s[0] = d.n == 1 ? 0 : static_cast<int64_t>(d.h) * d.w * d.c;
  };
  int64_t sa[4];
  int64_t sb[4];
  stride_of(a, sa);
  stride_of(b, sb);
  int64_t o = 0;
  for (int32_t n = 0; n < out.n; ++n) {
    for (int32_t h = 0; h < out.h; ++h) {
      for (int32_t w = 0; w < out.w; ++w) {
        const int64_t ia = n * sa[0] + h * sa[1] + w * sa[2];
        const int64_t ib = n * sb[0] + h * sb[1] + w * sb[2];
        for (int32_t c = 0; c < out.c; ++c) {
          fn(ia + c * sa[3], ib + c * sb[3], o++);
        }
      }
    }
  }
}

}  // namespace kws::nn::internal
