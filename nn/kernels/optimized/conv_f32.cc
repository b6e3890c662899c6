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
#include "nn/kernels/optimized/simd.h"
#include "nn/kernels/reference.h"

#if defined(__x86_64__) || defined(__i386__)
#define KWS_NN_F32_X86 1
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#define KWS_NN_F32_NEON 1
#include <arm_neon.h>
#endif

namespace kws::nn::opt {
namespace {

constexpr int32_t kMaxSegments = 32;

size_t zero_row_bytes(const Dims4& filter) {
  return (static_cast<size_t>(filter.w) * static_cast<size_t>(filter.c) * sizeof(float) + 31) &
         ~size_t{31};
}

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
  if (bias != nullptr) acc += bias[oc];
  acc = acc < p.activation_min ? p.activation_min : acc;
  return acc > p.activation_max ? p.activation_max : acc;
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

// npx (1 or 2) pixels of the same layout, four output channels per step: the
// lanes take 8 consecutive values of a run, the run's tail is summed apart.
__attribute__((target("avx2,fma"))) void pixels_avx2(const Pixel* px, int32_t npx, int64_t wstride,
                                                     const float* filter, const float* bias,
                                                     const ConvF32Params& p, int32_t out_c,
                                                     float* const* out) {
  const Pixel& p0 = px[0];
  const Pixel& p1 = px[npx - 1];
  int32_t oc = 0;
  for (; oc + 4 <= out_c; oc += 4) {
    const float* w0 = filter + oc * wstride;
    __m256 a0[4], a1[4];
    float t0[4] = {0, 0, 0, 0}, t1[4] = {0, 0, 0, 0};
    for (int j = 0; j < 4; ++j) a0[j] = a1[j] = _mm256_setzero_ps();
    for (int32_t k = 0; k < p0.count; ++k) {
      const float* x0 = p0.seg[k].x;
      const float* x1 = p1.seg[k].x;
      const float* w = w0 + p0.seg[k].w_off;
      const int32_t len = p0.seg[k].len;
      int32_t i = 0;
      for (; i + 8 <= len; i += 8) {
        const __m256 xv0 = _mm256_loadu_ps(x0 + i);
        const __m256 xv1 = _mm256_loadu_ps(x1 + i);
        for (int j = 0; j < 4; ++j) {
          const __m256 wv = _mm256_loadu_ps(w + j * wstride + i);
          a0[j] = _mm256_fmadd_ps(xv0, wv, a0[j]);
          a1[j] = _mm256_fmadd_ps(xv1, wv, a1[j]);
        }
      }
      for (; i < len; ++i) {
        for (int j = 0; j < 4; ++j) {
          t0[j] += x0[i] * w[j * wstride + i];
          t1[j] += x1[i] * w[j * wstride + i];
        }
      }
    }
    float s[8];
    _mm_storeu_ps(s, hsum4_avx2(a0[0], a0[1], a0[2], a0[3]));
    _mm_storeu_ps(s + 4, hsum4_avx2(a1[0], a1[1], a1[2], a1[3]));
    for (int j = 0; j < 4; ++j) {
      out[0][oc + j] = finish(s[j] + t0[j], bias, oc + j, p);
      if (npx == 2) out[1][oc + j] = finish(s[4 + j] + t1[j], bias, oc + j, p);
    }
  }
  for (int32_t q = 0; q < npx; ++q) {
    for (int32_t c = oc; c < out_c; ++c) {
      const float* w0 = filter + c * wstride;
      __m256 a = _mm256_setzero_ps();
      float t = 0.0f;
      for (int32_t k = 0; k < px[q].count; ++k) {
        const Segment& sg = px[q].seg[k];
        int32_t i = 0;
        for (; i + 8 <= sg.len; i += 8) {
          a = _mm256_fmadd_ps(_mm256_loadu_ps(sg.x + i), _mm256_loadu_ps(w0 + sg.w_off + i), a);
        }
        for (; i < sg.len; ++i) t += sg.x[i] * w0[sg.w_off + i];
      }
      float s[4];
      const __m256 z = _mm256_setzero_ps();
      _mm_storeu_ps(s, hsum4_avx2(a, z, z, z));
      out[q][c] = finish(s[0] + t, bias, c, p);
    }
  }
}

bool avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok && std::strcmp(arch::simd().isa, "avx2") == 0;
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
  *bytes = zero_row_bytes(filter);
  return Status::Ok();
}

Status conv_f32(const Scratch& scratch, const ConvF32Params& p, const Dims4& in_d,
                const float* input, const Dims4& f_d, const float* filter, const float* bias,
                const Dims4& out_d, float* output) {
  KWS_RETURN_IF_ERROR(internal::validate_conv_f32(p, in_d, input, f_d, filter, out_d, output));
  if (in_d.c != f_d.c) {
    return ref::conv_f32(scratch, p, in_d, input, f_d, filter, bias, out_d, output);
  }
  KWS_RETURN_IF_ERROR(internal::check_scratch("conv_f32", scratch, zero_row_bytes(f_d)));
  float* zero = static_cast<float*>(scratch.data);
  std::memset(zero, 0, static_cast<size_t>(f_d.c) * sizeof(float));
  const int64_t wstride = static_cast<int64_t>(f_d.h) * f_d.w * f_d.c;
  enum class Arm { kScalar, kAvx2, kNeon } arm = Arm::kScalar;
#if KWS_NN_F32_X86
  if (avx2_fma()) arm = Arm::kAvx2;
#elif KWS_NN_F32_NEON
  arm = Arm::kNeon;
#endif
  Pixel px[2];
  for (int32_t b = 0; b < out_d.n; ++b) {
    const float* in_b = input + static_cast<int64_t>(b) * in_d.h * in_d.w * in_d.c;
    for (int32_t oy = 0; oy < out_d.h; ++oy) {
      for (int32_t ox = 0; ox < out_d.w;) {
        if (!layout(p, in_d, in_b, f_d, zero, oy, ox, &px[0])) {
          return ref::conv_f32(scratch, p, in_d, input, f_d, filter, bias, out_d, output);
        }
        int32_t npx = 1;
        if (ox + 1 < out_d.w && layout(p, in_d, in_b, f_d, zero, oy, ox + 1, &px[1]) &&
            same_layout(px[0], px[1])) {
          npx = 2;
        }
        float* out[2];
        for (int32_t q = 0; q < 2; ++q) {
          out[q] = output + ((static_cast<int64_t>(b) * out_d.h + oy) * out_d.w + ox + q) * out_d.c;
        }
        switch (arm) {
#if KWS_NN_F32_X86
          case Arm::kAvx2:
            pixels_avx2(px, npx, wstride, filter, bias, p, out_d.c, out);
            break;
#endif
#if KWS_NN_F32_NEON
          case Arm::kNeon:
            pixels_neon(px, npx, wstride, filter, bias, p, out_d.c, out);
            break;
#endif
          default:
            for (int32_t q = 0; q < npx; ++q)
              pixel_scalar(px[q], wstride, filter, bias, p, out_d.c, out[q]);
            break;
        }
        ox += npx;
      }
    }
  }
  return Status::Ok();
}

}  // namespace kws::nn::opt
