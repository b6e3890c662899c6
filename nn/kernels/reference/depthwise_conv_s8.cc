// Reference int8 depthwise convolution: TFLite's
// reference_integer_ops::DepthwiseConvPerChannel.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/reference.h"

namespace kws::nn::ref {

Status depthwise_conv_s8_buffer_size(const DepthwiseConvParams&, const Dims4&, const Dims4&,
                                     const Dims4&, size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "depthwise_conv_s8_buffer_size: bytes is null");
  }
  *bytes = 0;
  return Status::Ok();
}

Status depthwise_conv_s8(const Scratch&, const DepthwiseConvParams& params,
                         const PerChannelQuant& quant, const Dims4& input_dims, const int8_t* input,
                         const Dims4& filter_dims, const int8_t* filter, const int32_t* bias,
                         const Dims4& output_dims, int8_t* output) {
  KWS_RETURN_IF_ERROR(internal::validate_depthwise_conv(params, quant, input_dims, input,
                                                        filter_dims, filter, output_dims, output));
  const ConvParams& p = params.conv;
  const int32_t multiplier = params.depth_multiplier;

  for (int32_t b = 0; b < output_dims.n; ++b) {
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      const int32_t in_y_origin = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < output_dims.w; ++ox) {
        const int32_t in_x_origin = ox * p.stride_w - p.pad_w;
        for (int32_t ic = 0; ic < input_dims.c; ++ic) {
          for (int32_t m = 0; m < multiplier; ++m) {
            const int32_t oc = ic * multiplier + m;
            int32_t acc = 0;
            for (int32_t fy = 0; fy < filter_dims.h; ++fy) {
              const int32_t in_y = in_y_origin + p.dilation_h * fy;
              if (in_y < 0 || in_y >= input_dims.h) continue;
              for (int32_t fx = 0; fx < filter_dims.w; ++fx) {
                const int32_t in_x = in_x_origin + p.dilation_w * fx;
                if (in_x < 0 || in_x >= input_dims.w) continue;
                const int32_t in_val =
                    input[((static_cast<int64_t>(b) * input_dims.h + in_y) * input_dims.w + in_x) *
                              input_dims.c +
                          ic];
                const int32_t w =
                    filter[(static_cast<int64_t>(fy) * filter_dims.w + fx) * filter_dims.c + oc];
                acc += w * (in_val + p.input_offset);
              }
            }
            if (bias != nullptr) acc += bias[oc];
            acc = multiply_by_quantized_multiplier(acc, quant.multiplier[oc], quant.shift[oc]);
            acc += p.output_offset;
            acc = internal::clamp_i32(acc, p.activation_min, p.activation_max);
            output[((static_cast<int64_t>(b) * output_dims.h + oy) * output_dims.w + ox) *
                       output_dims.c +
                   oc] = static_cast<int8_t>(acc);
          }
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::ref
