// Optimized int8 depthwise convolution: per output pixel, int32 accumulators for all
// channels live in scratch and each in-bounds filter tap adds a whole channel row with
// the SIMD multiply-accumulate arm (depth multiplier 1), or a scalar row (multiplier > 1).
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/optimized/simd.h"

namespace kws::nn::opt {
namespace {

size_t acc_bytes(const Dims4& output) {
  return (static_cast<size_t>(output.c) * sizeof(int32_t) + 15) & ~size_t{15};
}

}  // namespace

Status depthwise_conv_s8_buffer_size(const DepthwiseConvParams&, const Dims4&, const Dims4&,
                                     const Dims4& output, size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "depthwise_conv_s8_buffer_size: bytes is null");
  }
  KWS_RETURN_IF_ERROR(internal::check_dims("depthwise_conv_s8_buffer_size", "output", output));
  *bytes = acc_bytes(output);
  return Status::Ok();
}

Status depthwise_conv_s8(const Scratch& scratch, const DepthwiseConvParams& params,
                         const PerChannelQuant& quant, const Dims4& input_dims, const int8_t* input,
                         const Dims4& filter_dims, const int8_t* filter, const int32_t* bias,
                         const Dims4& output_dims, int8_t* output) {
  KWS_RETURN_IF_ERROR(internal::validate_depthwise_conv(params, quant, input_dims, input,
                                                        filter_dims, filter, output_dims, output));
  KWS_RETURN_IF_ERROR(
      internal::check_scratch("depthwise_conv_s8", scratch, acc_bytes(output_dims)));
  const arch::Simd& simd = arch::simd();
  const ConvParams& p = params.conv;
  const int32_t mult = params.depth_multiplier;
  const int32_t channels = output_dims.c;
  int32_t* acc = static_cast<int32_t*>(scratch.data);

  int8_t* out = output;
  for (int32_t b = 0; b < output_dims.n; ++b) {
    const int8_t* in_b =
        input + static_cast<int64_t>(b) * input_dims.h * input_dims.w * input_dims.c;
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      const int32_t in_y0 = oy * p.stride_h - p.pad_h;
      for (int32_t ox = 0; ox < output_dims.w; ++ox, out += channels) {
        const int32_t in_x0 = ox * p.stride_w - p.pad_w;
        for (int32_t c = 0; c < channels; ++c) acc[c] = 0;
        for (int32_t fy = 0; fy < filter_dims.h; ++fy) {
          const int32_t in_y = in_y0 + p.dilation_h * fy;
          if (in_y < 0 || in_y >= input_dims.h) continue;
          for (int32_t fx = 0; fx < filter_dims.w; ++fx) {
            const int32_t in_x = in_x0 + p.dilation_w * fx;
            if (in_x < 0 || in_x >= input_dims.w) continue;
            const int8_t* x =
                in_b + (static_cast<int64_t>(in_y) * input_dims.w + in_x) * input_dims.c;
            const int8_t* w = filter + (static_cast<int64_t>(fy) * filter_dims.w + fx) * channels;
            if (mult == 1) {
              simd.mac(acc, x, w, p.input_offset, channels);
            } else {
              for (int32_t ic = 0; ic < input_dims.c; ++ic) {
                const int32_t xv = static_cast<int32_t>(x[ic]) + p.input_offset;
                for (int32_t m = 0; m < mult; ++m) acc[ic * mult + m] += xv * w[ic * mult + m];
              }
            }
          }
        }
        for (int32_t c = 0; c < channels; ++c) {
          int32_t a = acc[c];
          if (bias != nullptr) a += bias[c];
          a = multiply_by_quantized_multiplier(a, quant.multiplier[c], quant.shift[c]);
          a += p.output_offset;
          out[c] = static_cast<int8_t>(internal::clamp_i32(a, p.activation_min, p.activation_max));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::opt
