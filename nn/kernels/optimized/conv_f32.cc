// Optimized float convolution (groups == 1; grouped convolutions use the
// reference kernel). Per output pixel, the filter taps are resolved to input
// pointers once, a padded tap pointing at a zero row (scratch), so every pixel
// runs the same loop. Each output is a dot product over (tap, input channel),
// taps in the reference's order and channels in SIMD lanes summed at the end:
// the AVX2/FMA arm (x86, chosen at run time) and the NEON arm (AArch64) differ
// from the reference only by that summation order (tests: relative 1e-5); the
// scalar arm sums exactly as the reference does.
//
// An output's value depends only on its own receptive field, never on which
// rows a call covers, so computing a row range (streaming) gives the same
// values as the whole tensor.
#include <cstring>

#include "nn/kernels/internal/validate.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/optimized/f32_arch.h"
#include "nn/kernels/reference.h"

namespace kws::nn::opt {
namespace {

constexpr int32_t kMaxSegments = 32;

size_t zero_row_bytes(const Dims4& filter) {
  return (static_cast<size_t>(filter.w) * static_cast<size_t>(filter.c) * sizeof(float) + 31) &
         ~size_t{31};
}

// Filters whose rows are shorter than a SIMD register (fw * ic < 8, e.g. the
// backbone's first 3x3 convolution on one channel) run with the output
// channels in the lanes instead, from a copy of the filter transposed to
// [tap][oc] (oc padded to 8) made in scratch on each call.
bool lanes_over_channels(const Dims4& filter) {
  return filter.w * filter.c < 8 && filter.h * filter.w * filter.c <= 64;
}

int32_t padded_channels(const Dims4& filter) { return (filter.n + 7) / 8 * 8; }

size_t packed_bytes(const Dims4& filter) {
  if (!lanes_over_channels(filter)) return 0;
  return static_cast<size_t>(filter.h) * static_cast<size_t>(filter.w) *
         static_cast<size_t>(filter.c) * static_cast<size_t>(padded_channels(filter)) *
         sizeof(float);
}

size_t scratch_bytes(const Dims4& filter) { return zero_row_bytes(filter) + packed_bytes(filter); }

// One output pixel's receptive field as contiguous runs: a filter row whose
// taps all fall inside the input is one run of fw * ic values (NHWC and OHWI
// are both contiguous along w, c), a row at the W border one run per tap, a
// padded tap reads the zero row. w_off indexes the output channel's filter.
struct Segment {
  const float* x;
  int32_t w_off;
  int32_t len;
};
struct Pixel {
  Segment seg[kMaxSegments];
  int32_t count = 0;
};

bool same_layout(const Pixel& a, const Pixel& b) {
  if (a.count != b.count) return false;
  for (int32_t k = 0; k < a.count; ++k) {
    if (a.seg[k].w_off != b.seg[k].w_off || a.seg[k].len != b.seg[k].len) return false;
  }
  return true;
}

inline float finish(float acc, const float* bias, int32_t oc, const ConvF32Params& p) {
  return arch::bias_clamp(acc, bias, oc, p.activation_min, p.activation_max);
}

// out[oc] for one pixel, scalar, in the reference's order.
void pixel_scalar(const Pixel& px, int64_t wstride, const float* filter, const float* bias,
                  const ConvF32Params& p, int32_t out_c, float* out) {
  for (int32_t oc = 0; oc < out_c; ++oc) {
    const float* w = filter + oc * wstride;
    float acc = 0.0f;
    for (int32_t k = 0; k < px.count; ++k) {
      const Segment& s = px.seg[k];
      for (int32_t i = 0; i < s.len; ++i) acc += s.x[i] * w[s.w_off + i];
    }
    out[oc] = finish(acc, bias, oc, p);
  }
}

#if KWS_NN_F32_X86

__attribute__((target("avx2,fma"))) inline __m128 hsum4_avx2(__m256 a, __m256 b, __m256 c,
                                                             __m256 d) {
  const __m256 ab = _mm256_hadd_ps(a, b);
  const __m256 cd = _mm256_hadd_ps(c, d);
  const __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// NPX (1..3) pixels of the same layout, four output channels per step (12
// accumulators): the lanes take 8 consecutive values of a run, the run's tail
// is summed apart.
template <int NPX>
__attribute__((target("avx2,fma"))) void pixels_avx2(const Pixel* px, int64_t wstride,
                                                     const float* filter, const float* bias,
                                                     const ConvF32Params& p, int32_t out_c,
                                                     float* const* out) {
  int32_t oc = 0;
  for (; oc + 4 <= out_c; oc += 4) {
    const float* w0 = filter + oc * wstride;
    __m256 a[NPX][4];
    float t[NPX][4] = {};
    for (int q = 0; q < NPX; ++q) {
      for (int j = 0; j < 4; ++j) a[q][j] = _mm256_setzero_ps();
    }
    for (int32_t k = 0; k < px[0].count; ++k) {
      const float* x[NPX];
      for (int q = 0; q < NPX; ++q) x[q] = px[q].seg[k].x;
      const float* w = w0 + px[0].seg[k].w_off;
      const int32_t len = px[0].seg[k].len;
      int32_t i = 0;
      for (; i + 8 <= len; i += 8) {
        __m256 xv[NPX];
        for (int q = 0; q < NPX; ++q) xv[q] = _mm256_loadu_ps(x[q] + i);
        for (int j = 0; j < 4; ++j) {
          const __m256 wv = _mm256_loadu_ps(w + j * wstride + i);
          for (int q = 0; q < NPX; ++q) a[q][j] = _mm256_fmadd_ps(xv[q], wv, a[q][j]);
        }
      }
      for (; i < len; ++i) {
        for (int j = 0; j < 4; ++j) {
          for (int q = 0; q < NPX; ++q) t[q][j] += x[q][i] * w[j * wstride + i];
        }
      }
    }
    for (int q = 0; q < NPX; ++q) {
      float s[4];
      _mm_storeu_ps(s, hsum4_avx2(a[q][0], a[q][1], a[q][2], a[q][3]));
      for (int j = 0; j < 4; ++j) out[q][oc + j] = finish(s[j] + t[q][j], bias, oc + j, p);
    }
  }
  for (int q = 0; q < NPX; ++q) {
    for (int32_t c = oc; c < out_c; ++c) {
      const float* w0 = filter + c * wstride;
      __m256 acc = _mm256_setzero_ps();
      float t = 0.0f;
      for (int32_t k = 0; k < px[q].count; ++k) {
        const Segment& sg = px[q].seg[k];
        int32_t i = 0;
        for (; i + 8 <= sg.len; i += 8) {
          acc = _mm256_fmadd_ps(_mm256_loadu_ps(sg.x + i), _mm256_loadu_ps(w0 + sg.w_off + i), acc);
        }
        for (; i < sg.len; ++i) t += sg.x[i] * w0[sg.w_off + i];
      }
      float s[4];
      const __m256 z = _mm256_setzero_ps();
      _mm_storeu_ps(s, hsum4_avx2(acc, z, z, z));
      out[q][c] = finish(s[0] + t, bias, c, p);
    }
  }
}

// One pixel, output channels in the lanes: out[oc] = sum over (tap, ic) in
// the reference's order of x * w, packed[t][oc] = filter[oc][t].
__attribute__((target("avx2,fma"))) void pixel_lanes_avx2(const Pixel& px, const float* packed,
                                                          int32_t oc_padded, const float* bias,
                                                          const ConvF32Params& p, int32_t out_c,
                                                          float* out) {
  for (int32_t oc = 0; oc < out_c; oc += 8) {
    __m256 acc = _mm256_setzero_ps();
    for (int32_t k = 0; k < px.count; ++k) {
      const Segment& sg = px.seg[k];
      for (int32_t i = 0; i < sg.len; ++i) {
        acc = _mm256_fmadd_ps(_mm256_set1_ps(sg.x[i]),
                              _mm256_loadu_ps(packed + (sg.w_off + i) * oc_padded + oc), acc);
      }
    }
    float s[8];
    _mm256_storeu_ps(s, acc);
    const int32_t n = out_c - oc < 8 ? out_c - oc : 8;
    for (int32_t j = 0; j < n; ++j) out[oc + j] = finish(s[j], bias, oc + j, p);
  }
}

#endif  // KWS_NN_F32_X86

#if KWS_NN_F32_NEON

// npx (1 or 2) pixels of the same layout, one output channel per step.
void pixels_neon(const Pixel* px, int32_t npx, int64_t wstride, const float* filter,
                 const float* bias, const ConvF32Params& p, int32_t out_c, float* const* out) {
  const Pixel& p0 = px[0];
  const Pixel& p1 = px[npx - 1];
  for (int32_t oc = 0; oc < out_c; ++oc) {
    const float* w0 = filter + oc * wstride;
    float32x4_t a0 = vdupq_n_f32(0.0f);
    float32x4_t a1 = vdupq_n_f32(0.0f);
    float t0 = 0.0f, t1 = 0.0f;
    for (int32_t k = 0; k < p0.count; ++k) {
      const float* x0 = p0.seg[k].x;
      const float* x1 = p1.seg[k].x;
      const float* w = w0 + p0.seg[k].w_off;
      const int32_t len = p0.seg[k].len;
      int32_t i = 0;
      for (; i + 4 <= len; i += 4) {
        const float32x4_t wv = vld1q_f32(w + i);
        a0 = vfmaq_f32(a0, vld1q_f32(x0 + i), wv);
        a1 = vfmaq_f32(a1, vld1q_f32(x1 + i), wv);
      }
      for (; i < len; ++i) {
        t0 += x0[i] * w[i];
        t1 += x1[i] * w[i];
      }
    }
    out[0][oc] = finish(vaddvq_f32(a0) + t0, bias, oc, p);
    if (npx == 2) out[1][oc] = finish(vaddvq_f32(a1) + t1, bias, oc, p);
  }
}

#endif  // KWS_NN_F32_NEON

// The runs of output pixel (oy, ox); false when there are more than kMaxSegments.
bool layout(const ConvF32Params& p, const Dims4& in_d, const float* in_b, const Dims4& f_d,
            const float* zero, int32_t oy, int32_t ox, Pixel* px) {
  const int32_t iy0 = oy * p.stride_h - p.pad_h;
  const int32_t ix0 = ox * p.stride_w - p.pad_w;
  const int32_t ic = f_d.c;
  px->count = 0;
  for (int32_t fy = 0; fy < f_d.h; ++fy) {
    const int32_t iy = iy0 + fy * p.dilation_h;
    const int32_t row_off = fy * f_d.w * ic;
    const bool row_in = iy >= 0 && iy < in_d.h;
    if (row_in && p.dilation_w == 1 && ix0 >= 0 && ix0 + f_d.w <= in_d.w) {
      if (px->count == kMaxSegments) return false;
      px->seg[px->count++] =
          Segment{in_b + (static_cast<int64_t>(iy) * in_d.w + ix0) * in_d.c, row_off, f_d.w * ic};
      continue;
    }
    for (int32_t fx = 0; fx < f_d.w; ++fx) {
      const int32_t ix = ix0 + fx * p.dilation_w;
      if (px->count == kMaxSegments) return false;
      const bool in = row_in && ix >= 0 && ix < in_d.w;
      px->seg[px->count++] =
          Segment{in ? in_b + (static_cast<int64_t>(iy) * in_d.w + ix) * in_d.c : zero,
                  row_off + fx * ic, ic};
    }
  }
  return true;
}

}  // namespace

Status conv_f32_buffer_size(const ConvF32Params&, const Dims4&, const Dims4& filter, const Dims4&,
                            size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "conv_f32_buffer_size: bytes is null");
  }
  KWS_RETURN_IF_ERROR(internal::check_dims("conv_f32_buffer_size", "filter", filter));
  *bytes = scratch_bytes(filter);
  return Status::Ok();
}

Status conv_f32(const Scratch& scratch, const ConvF32Params& p, const Dims4& in_d,
                const float* input, const Dims4& f_d, const float* filter, const float* bias,
                const Dims4& out_d, float* output) {
  KWS_RETURN_IF_ERROR(internal::validate_conv_f32(p, in_d, input, f_d, filter, out_d, output));
  if (in_d.c != f_d.c) {
    return ref::conv_f32(scratch, p, in_d, input, f_d, filter, bias, out_d, output);
  }
  KWS_RETURN_IF_ERROR(internal::check_scratch("conv_f32", scratch, scratch_bytes(f_d)));
  float* zero = static_cast<float*>(scratch.data);
  std::memset(zero, 0, static_cast<size_t>(f_d.c) * sizeof(float));
  const int64_t wstride = static_cast<int64_t>(f_d.h) * f_d.w * f_d.c;
  enum class Arm { kScalar, kAvx2, kNeon } arm = Arm::kScalar;
#if KWS_NN_F32_X86
  if (arch::avx2_fma()) arm = Arm::kAvx2;
#elif KWS_NN_F32_NEON
  arm = Arm::kNeon;
#endif
#if KWS_NN_F32_X86
  const int32_t oc_padded = padded_channels(f_d);
  float* packed = nullptr;
  if (arm == Arm::kAvx2 && lanes_over_channels(f_d)) {
    packed = reinterpret_cast<float*>(static_cast<uint8_t*>(scratch.data) + zero_row_bytes(f_d));
    const int32_t taps = f_d.h * f_d.w * f_d.c;
    for (int32_t t = 0; t < taps; ++t) {
      for (int32_t oc = 0; oc < oc_padded; ++oc) {
        packed[t * oc_padded + oc] =
            oc < f_d.n ? filter[static_cast<int64_t>(oc) * taps + t] : 0.0f;
      }
    }
  }
#endif
  constexpr int32_t kMaxPixels = 3;
  Pixel px[kMaxPixels];
  // Pixels in column-major order, so that a W-border column (its own layout)
  // still fills groups of kMaxPixels down the rows.
  const int64_t plane = static_cast<int64_t>(out_d.h) * out_d.w;
  for (int32_t b = 0; b < out_d.n; ++b) {
    const float* in_b = input + static_cast<int64_t>(b) * in_d.h * in_d.w * in_d.c;
    for (int64_t idx = 0; idx < plane;) {
      const auto at = [&](int64_t i, int32_t* oy, int32_t* ox) {
        *ox = static_cast<int32_t>(i / out_d.h);
        *oy = static_cast<int32_t>(i % out_d.h);
      };
      int32_t oy = 0, ox = 0;
      at(idx, &oy, &ox);
      if (!layout(p, in_d, in_b, f_d, zero, oy, ox, &px[0])) {
        return ref::conv_f32(scratch, p, in_d, input, f_d, filter, bias, out_d, output);
      }
      float* out[kMaxPixels];
      out[0] = output + ((static_cast<int64_t>(b) * out_d.h + oy) * out_d.w + ox) * out_d.c;
      // Neighbours with the same layout share the weight loads.
      int32_t npx = 1;
      while (npx < kMaxPixels && idx + npx < plane) {
        at(idx + npx, &oy, &ox);
        if (!layout(p, in_d, in_b, f_d, zero, oy, ox, &px[npx]) || !same_layout(px[0], px[npx])) {
          break;
        }
        out[npx] = output + ((static_cast<int64_t>(b) * out_d.h + oy) * out_d.w + ox) * out_d.c;
        ++npx;
      }
      switch (arm) {
#if KWS_NN_F32_X86
        case Arm::kAvx2:
          if (packed != nullptr) {
            for (int32_t q = 0; q < npx; ++q) {
              pixel_lanes_avx2(px[q], packed, oc_padded, bias, p, out_d.c, out[q]);
            }
          } else if (npx == 3) {
            pixels_avx2<3>(px, wstride, filter, bias, p, out_d.c, out);
          } else if (npx == 2) {
            pixels_avx2<2>(px, wstride, filter, bias, p, out_d.c, out);
          } else {
            pixels_avx2<1>(px, wstride, filter, bias, p, out_d.c, out);
          }
          break;
#endif
#if KWS_NN_F32_NEON
        case Arm::kNeon:
          for (int32_t q = 0; q < npx; q += 2) {
            pixels_neon(px + q, npx - q >= 2 ? 2 : 1, wstride, filter, bias, p, out_d.c, out + q);
          }
          break;
#endif
        default:
          for (int32_t q = 0; q < npx; ++q) {
            pixel_scalar(px[q], wstride, filter, bias, p, out_d.c, out[q]);
          }
          break;
      }
      idx += npx;
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::opt
