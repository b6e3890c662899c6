// Reference float max pooling: TFLite's reference_ops::MaxPool (float).
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status max_pool_f32(const PoolF32Params& p, const Dims4& in_d, const float* input,
                    const Dims4& out_d, float* output) {
  if (input == nullptr || output == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "max_pool_f32: null tensor");
  }
  KWS_RETURN_IF_ERROR(internal::check_dims("max_pool_f32", "input", in_d));
  KWS_RETURN_IF_ERROR(internal::check_dims("max_pool_f32", "output", out_d));
  if (in_d.n != out_d.n || in_d.c != out_d.c || p.stride_h < 1 || p.stride_w < 1 ||
      p.filter_h < 1 || p.filter_w < 1) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "max_pool_f32: batch/channels differ or bad window");
  }
  for (int32_t b = 0; b < out_d.n; ++b) {
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      const int32_t y0 = oy * p.stride_h - p.pad_h;
      const int32_t fy0 = y0 < 0 ? -y0 : 0;
      const int32_t fy1 = p.filter_h < in_d.h - y0 ? p.filter_h : in_d.h - y0;
      for (int32_t ox = 0; ox < out_d.w; ++ox) {
        const int32_t x0 = ox * p.stride_w - p.pad_w;
        const int32_t fx0 = x0 < 0 ? -x0 : 0;
        const int32_t fx1 = p.filter_w < in_d.w - x0 ? p.filter_w : in_d.w - x0;
        if (fy1 <= fy0 || fx1 <= fx0) {
          return Status::Error(StatusCode::kInvalidArgument,
                               "max_pool_f32: output (%d, %d) has a window outside the input",
                               static_cast<int>(oy), static_cast<int>(ox));
        }
        for (int32_t c = 0; c < out_d.c; ++c) {
          float m = -3.40282347e38f;
          for (int32_t fy = fy0; fy < fy1; ++fy) {
            for (int32_t fx = fx0; fx < fx1; ++fx) {
              const float v =
                  input[((static_cast<int64_t>(b) * in_d.h + y0 + fy) * in_d.w + x0 + fx) * in_d.c +
                        c];
              if (v > m) m = v;
            }
          }
          m = m < p.activation_min ? p.activation_min : m;
          m = m > p.activation_max ? p.activation_max : m;
          output[((static_cast<int64_t>(b) * out_d.h + oy) * out_d.w + ox) * out_d.c + c] = m;
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
