// Optimized int8 convolution: per output pixel, the receptive field is gathered once
// into int16 (input + offset, 0 for padding, which equals the reference skipping it),
// then dotted with four filters at a time by the SIMD arms in simd.cc.
#include "nn/kernels/fixed_point.h"
#include "nn/kernels/internal/validate.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/optimized/simd.h"

namespace kws::nn::opt {
namespace {

size_t patch_bytes(const Dims4& filter) {
  const size_t elems =
      static_cast<size_t>(filter.h) * static_cast<size_t>(filter.w) * static_cast<size_t>(filter.c);
  return (elems * sizeof(int16_t) + 15) & ~size_t{15};
}

}  // namespace

Status conv_s8_buffer_size(const ConvParams&, const Dims4&, const Dims4& filter, const Dims4&,
                           size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "conv_s8_buffer_size: bytes is null");
  }
  KWS_RETURN_IF_ERROR(internal::check_dims("conv_s8_buffer_size", "filter", filter));
  *bytes = patch_bytes(filter);
  return Status::Ok();
}

Status conv_s8(const Scratch& scratch, const ConvParams& params, const PerChannelQuant& quant,
               const Dims4& input_dims, const int8_t* input, const Dims4& filter_dims,
               const int8_t* filter, const int32_t* bias, const Dims4& output_dims,
               int8_t* output) {
  KWS_RETURN_IF_ERROR(internal::validate_conv(params, quant, input_dims, input, filter_dims, filter,
                                              output_dims, output));
  KWS_RETURN_IF_ERROR(internal::check_scratch("conv_s8", scratch, patch_bytes(filter_dims)));
  const arch::Simd& simd = arch::simd();
  int16_t* patch = static_cast<int16_t*>(scratch.data);
  const int32_t fic = filter_dims.c;
  const int32_t groups = input_dims.c / fic;
  const int32_t per_group = output_dims.c / groups;
  const int32_t k_len = filter_dims.h * filter_dims.w * fic;
  const int64_t w_stride = k_len;

  int8_t* out = output;
  for (int32_t b = 0; b < output_dims.n; ++b) {
    const int8_t* in_b =
        input + static_cast<int64_t>(b) * input_dims.h * input_dims.w * input_dims.c;
    for (int32_t oy = 0; oy < output_dims.h; ++oy) {
      const int32_t in_y0 = oy * params.stride_h - params.pad_h;
      for (int32_t ox = 0; ox < output_dims.w; ++ox, out += output_dims.c) {
        const int32_t in_x0 = ox * params.stride_w - params.pad_w;
        for (int32_t g = 0; g < groups; ++g) {
          // Gather this group's receptive field.
          int16_t* p = patch;
          for (int32_t fy = 0; fy < filter_dims.h; ++fy) {
            const int32_t in_y = in_y0 + params.dilation_h * fy;
            for (int32_t fx = 0; fx < filter_dims.w; ++fx, p += fic) {
              const int32_t in_x = in_x0 + params.dilation_w * fx;
              if (in_y < 0 || in_y >= input_dims.h || in_x < 0 || in_x >= input_dims.w) {
                for (int32_t i = 0; i < fic; ++i) p[i] = 0;
              } else {
                arch::widen_with_offset(
                    in_b + (static_cast<int64_t>(in_y) * input_dims.w + in_x) * input_dims.c +
                        g * fic,
                    params.input_offset, fic, p);
              }
            }
          }
          const int32_t oc_begin = g * per_group;
          const int32_t oc_end = oc_begin + per_group;
          int32_t oc = oc_begin;
          int32_t acc[4];
          auto finish = [&](int32_t c, int32_t a) {
            if (bias != nullptr) a += bias[c];
            a = multiply_by_quantized_multiplier(a, quant.multiplier[c], quant.shift[c]);
            a += params.output_offset;
            out[c] = static_cast<int8_t>(
                internal::clamp_i32(a, params.activation_min, params.activation_max));
          };
          for (; oc + 4 <= oc_end; oc += 4) {
            simd.dot4(patch, filter + oc * w_stride, w_stride, k_len, acc);
            for (int j = 0; j < 4; ++j) finish(oc + j, acc[j]);
          }
          for (; oc < oc_end; ++oc) finish(oc, simd.dot1(patch, filter + oc * w_stride, k_len));
        }
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::opt
