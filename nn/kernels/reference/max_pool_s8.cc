// Reference int8 max pooling: TFLite's reference_integer_ops::MaxPool.
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status max_pool_s8(const PoolParams& params, const Dims4& input_dims, const int8_t* input,
                   const Dims4& output_dims, int8_t* output) {
  KWS_RETURN_IF_ERROR(
      internal::validate_pool("max_pool_s8", params, input_dims, input, output_dims, output));
  for (int32_t b = 0; b < output_dims.n; ++b) {
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      const int32_t in_y_origin = oy * params.stride_h - params.pad_h;
      const int32_t fy_start = in_y_origin < 0 ? -in_y_origin : 0;
      const int32_t fy_end = params.filter_h < input_dims.h - in_y_origin
                                 ? params.filter_h
                                 : input_dims.h - in_y_origin;
      for (int32_t ox = 0; ox < output_dims.w; ++ox) {
        const int32_t in_x_origin = ox * params.stride_w - params.pad_w;
        const int32_t fx_start = in_x_origin < 0 ? -in_x_origin : 0;
        const int32_t fx_end = params.filter_w < input_dims.w - in_x_origin
                                   ? params.filter_w
                                   : input_dims.w - in_x_origin;
        if (fy_end <= fy_start || fx_end <= fx_start) {
          return Status::Error(StatusCode::kInvalidArgument,
                               "max_pool_s8: output (%d, %d) has a window outside the input",
                               static_cast<int>(oy), static_cast<int>(ox));
        }
        for (int32_t c = 0; c < output_dims.c; ++c) {
          int32_t max = -128;
          for (int32_t fy = fy_start; fy < fy_end; ++fy) {
            for (int32_t fx = fx_start; fx < fx_end; ++fx) {
              const int32_t v = input[((static_cast<int64_t>(b) * input_dims.h + in_y_origin + fy) *
                                           input_dims.w +
                                       in_x_origin + fx) *
                                          input_dims.c +
                                      c];
              if (v > max) max = v;
            }
          }
          max = internal::clamp_i32(max, params.activation_min, params.activation_max);
          output[((static_cast<int64_t>(b) * output_dims.h + oy) * output_dims.w + ox) *
                     output_dims.c +
                 c] = static_cast<int8_t>(max);
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
