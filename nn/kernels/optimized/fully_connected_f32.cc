// Optimized float fully connected: four outputs per step share the input
// loads; each output is a dot product with the input in SIMD lanes summed at
// the end (AVX2/FMA at run time on x86, NEON on AArch64), so it differs from
// the reference only by summation order; the scalar arm is the reference's.
#include <cstring>

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

inline float finish(float acc, const float* bias, int32_t o, float lo, float hi) {
  if (bias != nullptr) acc += bias[o];
  acc = acc < lo ? lo : acc;
  return acc > hi ? hi : acc;
}

#if KWS_NN_F32_X86

__attribute__((target("avx2,fma"))) float hsum_avx2(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, 1)));
}

__attribute__((target("avx2,fma"))) void fc_avx2(const FullyConnectedDims& d, float lo, float hi,
                                                 const float* input, const float* filter,
                                                 const float* bias, float* output) {
  const int32_t n = d.accum_depth;
  for (int32_t b = 0; b < d.batches; ++b) {
    const float* x = input + static_cast<int64_t>(b) * n;
    float* y = output + static_cast<int64_t>(b) * d.output_depth;
    int32_t o = 0;
    for (; o + 4 <= d.output_depth; o += 4) {
      const float* w = filter + static_cast<int64_t>(o) * n;
      __m256 a[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                     _mm256_setzero_ps()};
      float t[4] = {0, 0, 0, 0};
      int32_t i = 0;
      for (; i + 8 <= n; i += 8) {
        const __m256 xv = _mm256_loadu_ps(x + i);
        for (int j = 0; j < 4; ++j) {
          a[j] = _mm256_fmadd_ps(xv, _mm256_loadu_ps(w + static_cast<int64_t>(j) * n + i), a[j]);
        }
      }
      for (; i < n; ++i) {
        for (int j = 0; j < 4; ++j) t[j] += x[i] * w[static_cast<int64_t>(j) * n + i];
      }
      for (int j = 0; j < 4; ++j) y[o + j] = finish(hsum_avx2(a[j]) + t[j], bias, o + j, lo, hi);
    }
    for (; o < d.output_depth; ++o) {
      const float* w = filter + static_cast<int64_t>(o) * n;
      __m256 a = _mm256_setzero_ps();
      float t = 0.0f;
      int32_t i = 0;
      for (; i + 8 <= n; i += 8)
        a = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(w + i), a);
      for (; i < n; ++i) t += x[i] * w[i];
      y[o] = finish(hsum_avx2(a) + t, bias, o, lo, hi);
    }
  }
}

bool avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok && std::strcmp(arch::simd().isa, "avx2") == 0;
}

#endif  // KWS_NN_F32_X86

#if KWS_NN_F32_NEON

void fc_neon(const FullyConnectedDims& d, float lo, float hi, const float* input,
             const float* filter, const float* bias, float* output) {
  const int32_t n = d.accum_depth;
  for (int32_t b = 0; b < d.batches; ++b) {
    const float* x = input + static_cast<int64_t>(b) * n;
    for (int32_t o = 0; o < d.output_depth; ++o) {
      const float* w = filter + static_cast<int64_t>(o) * n;
      float32x4_t a = vdupq_n_f32(0.0f);
      float t = 0.0f;
      int32_t i = 0;
      for (; i + 4 <= n; i += 4) a = vfmaq_f32(a, vld1q_f32(x + i), vld1q_f32(w + i));
      for (; i < n; ++i) t += x[i] * w[i];
      output[static_cast<int64_t>(b) * d.output_depth + o] =
          finish(vaddvq_f32(a) + t, bias, o, lo, hi);
    }
  }
}

#endif  // KWS_NN_F32_NEON

}  // namespace

Status fully_connected_f32(const FullyConnectedDims& dims, float activation_min,
                           float activation_max, const float* input, const float* filter,
                           const float* bias, float* output) {
  if (input == nullptr || filter == nullptr || output == nullptr || dims.batches < 1 ||
      dims.accum_depth < 1 || dims.output_depth < 1) {
    // The reference reports the bad argument.
    return ref::fully_connected_f32(dims, activation_min, activation_max, input, filter, bias,
                                    output);
  }
#if KWS_NN_F32_X86
  if (avx2_fma()) {
    fc_avx2(dims, activation_min, activation_max, input, filter, bias, output);
    return Status::Ok();
  }
#elif KWS_NN_F32_NEON
  fc_neon(dims, activation_min, activation_max, input, filter, bias, output);
  return Status::Ok();
#endif
  return ref::fully_connected_f32(dims, activation_min, activation_max, input, filter, bias,
                                  output);
}

}  // namespace kws::nn::opt
