// Reference float convolution: TFLite's reference_ops::Conv (float), with groups.
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

namespace {

Status invalid(const char* what) {
  return Status::Error(StatusCode::kInvalidArgument, "conv_f32: %s", what);
}

}  // namespace

Status conv_f32_buffer_size(const ConvF32Params&, const Dims4&, const Dims4&, const Dims4&,
                            size_t* bytes) {
  if (bytes == nullptr) return invalid("null bytes");
  *bytes = 0;
  return Status::Ok();
}

Status conv_f32(const Scratch&, const ConvF32Params& p, const Dims4& in_d, const float* input,
                const Dims4& f_d, const float* filter, const float* bias, const Dims4& out_d,
                float* output) {
  KWS_RETURN_IF_ERROR(internal::validate_conv_f32(p, in_d, input, f_d, filter, out_d, output));
  const int32_t groups = in_d.c / f_d.c;
  const int32_t per_group = out_d.c / groups;
  for (int32_t b = 0; b < out_d.n; ++b) {
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      const int32_t iy0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < out_d.w; ++ox) {
        const int32_t ix0 = ox * p.stride_w - p.pad_w;
        for (int32_t oc = 0; oc < out_d.c; ++oc) {
          const int32_t ic0 = (oc / per_group) * f_d.c;
          float acc = 0.0f;
          for (int32_t fy = 0; fy < f_d.h; ++fy) {
            const int32_t iy = iy0 + fy * p.dilation_h;
            if (iy < 0 || iy >= in_d.h) continue;
            for (int32_t fx = 0; fx < f_d.w; ++fx) {
              const int32_t ix = ix0 + fx * p.dilation_w;
              if (ix < 0 || ix >= in_d.w) continue;
              const float* x =
                  input + ((static_cast<int64_t>(b) * in_d.h + iy) * in_d.w + ix) * in_d.c + ic0;
              const float* w =
                  filter + ((static_cast<int64_t>(oc) * f_d.h + fy) * f_d.w + fx) * f_d.c;
              for (int32_t ic = 0; ic < f_d.c; ++ic) acc += x[ic] * w[ic];
            }
          }
          if (bias != nullptr) acc += bias[oc];
          acc = acc < p.activation_min ? p.activation_min : acc;
          acc = acc > p.activation_max ? p.activation_max : acc;
          output[((static_cast<int64_t>(b) * out_d.h + oy) * out_d.w + ox) * out_d.c + oc] = acc;
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
