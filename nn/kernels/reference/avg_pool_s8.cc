// Reference int8 average pooling: TFLite's reference_integer_ops::AveragePool.
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status avg_pool_s8(const PoolParams& params, const Dims4& input_dims, const int8_t* input,
                   const Dims4& output_dims, int8_t* output) {
  KWS_RETURN_IF_ERROR(
      internal::validate_pool("avg_pool_s8", params, input_dims, input, output_dims, output));
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
        const int32_t count = (fy_end > fy_start ? fy_end - fy_start : 0) *
                              (fx_end > fx_start ? fx_end - fx_start : 0);
        if (count == 0) {
          return Status::Error(StatusCode::kInvalidArgument,
                               "avg_pool_s8: output (%d, %d) has a window outside the input",
                               static_cast<int>(oy), static_cast<int>(ox));
        }
        for (int32_t c = 0; c < output_dims.c; ++c) {
          int32_t acc = 0;
          for (int32_t fy = fy_start; fy < fy_end; ++fy) {
            for (int32_t fx = fx_start; fx < fx_end; ++fx) {
              const int32_t in_y = in_y_origin + fy;
              const int32_t in_x = in_x_origin + fx;
              acc += input[((static_cast<int64_t>(b) * input_dims.h + in_y) * input_dims.w + in_x) *
                               input_dims.c +
                           c];
            }
          }
          // Rounded division, ties away from zero.
          acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
          acc = internal::clamp_i32(acc, params.activation_min, params.activation_max);
          output[((static_cast<int64_t>(b) * output_dims.h + oy) * output_dims.w + ox) *
                     output_dims.c +
                 c] = static_cast<int8_t>(acc);
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
