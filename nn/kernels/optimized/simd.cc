#include "nn/kernels/optimized/simd.h"

#include <atomic>
#include <cstring>

#include "nn/kernels/optimized.h"

#if defined(__x86_64__) || defined(__i386__)
#define KWS_NN_X86 1
#include <immintrin.h>
#elif defined(__ARM_NEON)
#define KWS_NN_NEON 1
#include <arm_neon.h>
#elif defined(__ARM_FEATURE_DSP) && defined(__ARM_FEATURE_SIMD32)
#define KWS_NN_DSP 1
#include <arm_acle.h>
#endif

namespace kws::nn::opt {
namespace arch {
namespace {

// ---- scalar arms (the portable fallback, also the MCU path) ----------------------------

int32_t dot1_scalar(const int16_t* a, const int8_t* w, int32_t n) {
  int32_t acc = 0;
  for (int32_t k = 0; k < n; ++k) acc += static_cast<int32_t>(a[k]) * w[k];
  return acc;
}

void dot4_scalar(const int16_t* a, const int8_t* w, int64_t w_stride, int32_t n, int32_t* out) {
  for (int j = 0; j < 4; ++j) out[j] = dot1_scalar(a, w + j * w_stride, n);
}

void mac_scalar(int32_t* acc, const int8_t* x, const int8_t* w, int32_t offset, int32_t n) {
  for (int32_t c = 0; c < n; ++c) acc[c] += (static_cast<int32_t>(x[c]) + offset) * w[c];
}

#if KWS_NN_X86

// ---- AVX2 arms -------------------------------------------------------------------------

__attribute__((target("avx2"))) int32_t hsum_avx2(__m256i v) {
  const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  const __m128i s2 = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  const __m128i s3 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0xB1));
  return _mm_cvtsi128_si32(s3);
}

__attribute__((target("avx2"))) int32_t dot1_avx2(const int16_t* a, const int8_t* w, int32_t n) {
  __m256i acc = _mm256_setzero_si256();
  int32_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k));
    const __m256i wv =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w + k)));
    acc = _mm256_add_epi32(acc, _mm256_madd_epi16(av, wv));
  }
  int32_t sum = hsum_avx2(acc);
  for (; k < n; ++k) sum += static_cast<int32_t>(a[k]) * w[k];
  return sum;
}

__attribute__((target("avx2"))) void dot4_avx2(const int16_t* a, const int8_t* w, int64_t w_stride,
                                               int32_t n, int32_t* out) {
  const int8_t* w0 = w;
  const int8_t* w1 = w + w_stride;
  const int8_t* w2 = w + 2 * w_stride;
  const int8_t* w3 = w + 3 * w_stride;
  __m256i acc0 = _mm256_setzero_si256();
  __m256i acc1 = _mm256_setzero_si256();
  __m256i acc2 = _mm256_setzero_si256();
  __m256i acc3 = _mm256_setzero_si256();
  int32_t k = 0;
  for (; k + 16 <= n; k += 16) {
    const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + k));
    const __m256i wv0 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w0 + k)));
    const __m256i wv1 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w1 + k)));
    const __m256i wv2 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w2 + k)));
    const __m256i wv3 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(w3 + k)));
    acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(av, wv0));
    acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(av, wv1));
    acc2 = _mm256_add_epi32(acc2, _mm256_madd_epi16(av, wv2));
    acc3 = _mm256_add_epi32(acc3, _mm256_madd_epi16(av, wv3));
  }
  if (k + 8 <= n) {  // one 8-wide step before the scalar tail
    const __m128i av = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k));
    const __m128i m0 = _mm_madd_epi16(
        av, _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w0 + k))));
    const __m128i m1 = _mm_madd_epi16(
        av, _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w1 + k))));
    const __m128i m2 = _mm_madd_epi16(
        av, _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w2 + k))));
    const __m128i m3 = _mm_madd_epi16(
        av, _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w3 + k))));
    acc0 = _mm256_add_epi32(acc0, _mm256_inserti128_si256(_mm256_setzero_si256(), m0, 0));
    acc1 = _mm256_add_epi32(acc1, _mm256_inserti128_si256(_mm256_setzero_si256(), m1, 0));
    acc2 = _mm256_add_epi32(acc2, _mm256_inserti128_si256(_mm256_setzero_si256(), m2, 0));
    acc3 = _mm256_add_epi32(acc3, _mm256_inserti128_si256(_mm256_setzero_si256(), m3, 0));
    k += 8;
  }
  int32_t s[4] = {hsum_avx2(acc0), hsum_avx2(acc1), hsum_avx2(acc2), hsum_avx2(acc3)};
  for (; k < n; ++k) {
    const int32_t av = a[k];
    s[0] += av * w0[k];
    s[1] += av * w1[k];
    s[2] += av * w2[k];
    s[3] += av * w3[k];
  }
  for (int j = 0; j < 4; ++j) out[j] = s[j];
}

__attribute__((target("avx2"))) void mac_avx2(int32_t* acc, const int8_t* x, const int8_t* w,
                                              int32_t offset, int32_t n) {
  const __m256i off = _mm256_set1_epi32(offset);
  int32_t c = 0;
  for (; c + 8 <= n; c += 8) {
    const __m256i xv =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(x + c)));
    const __m256i wv =
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + c)));
    __m256i* accp = reinterpret_cast<__m256i*>(acc + c);
    const __m256i prod = _mm256_mullo_epi32(_mm256_add_epi32(xv, off), wv);
    _mm256_storeu_si256(accp, _mm256_add_epi32(_mm256_loadu_si256(accp), prod));
  }
  for (; c < n; ++c) acc[c] += (static_cast<int32_t>(x[c]) + offset) * w[c];
}

// ---- SSE4.1 arms -----------------------------------------------------------------------

__attribute__((target("sse4.1"))) int32_t hsum_sse41(__m128i s) {
  const __m128i s2 = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
  const __m128i s3 = _mm_add_epi32(s2, _mm_shuffle_epi32(s2, 0xB1));
  return _mm_cvtsi128_si32(s3);
}

__attribute__((target("sse4.1"))) int32_t dot1_sse41(const int16_t* a, const int8_t* w, int32_t n) {
  __m128i acc = _mm_setzero_si128();
  int32_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const __m128i av = _mm_loadu_si128(reinterpret_cast<const __m128i*>(a + k));
    const __m128i wv = _mm_cvtepi8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(w + k)));
    acc = _mm_add_epi32(acc, _mm_madd_epi16(av, wv));
  }
  int32_t sum = hsum_sse41(acc);
  for (; k < n; ++k) sum += static_cast<int32_t>(a[k]) * w[k];
  return sum;
}

__attribute__((target("sse4.1"))) void dot4_sse41(const int16_t* a, const int8_t* w,
                                                  int64_t w_stride, int32_t n, int32_t* out) {
  for (int j = 0; j < 4; ++j) out[j] = dot1_sse41(a, w + j * w_stride, n);
}

__attribute__((target("sse4.1"))) void mac_sse41(int32_t* acc, const int8_t* x, const int8_t* w,
                                                 int32_t offset, int32_t n) {
  const __m128i off = _mm_set1_epi32(offset);
  int32_t c = 0;
  for (; c + 4 <= n; c += 4) {
    int32_t xb;
    int32_t wb;
    __builtin_memcpy(&xb, x + c, 4);
    __builtin_memcpy(&wb, w + c, 4);
    const __m128i xv = _mm_cvtepi8_epi32(_mm_cvtsi32_si128(xb));
    const __m128i wv = _mm_cvtepi8_epi32(_mm_cvtsi32_si128(wb));
    __m128i* accp = reinterpret_cast<__m128i*>(acc + c);
    const __m128i prod = _mm_mullo_epi32(_mm_add_epi32(xv, off), wv);
    _mm_storeu_si128(accp, _mm_add_epi32(_mm_loadu_si128(accp), prod));
  }
  for (; c < n; ++c) acc[c] += (static_cast<int32_t>(x[c]) + offset) * w[c];
}

#endif  // KWS_NN_X86

#if KWS_NN_NEON

// ---- NEON arms -------------------------------------------------------------------------

int32_t dot1_neon(const int16_t* a, const int8_t* w, int32_t n) {
  int32x4_t acc = vdupq_n_s32(0);
  int32_t k = 0;
  for (; k + 8 <= n; k += 8) {
    const int16x8_t av = vld1q_s16(a + k);
    const int16x8_t wv = vmovl_s8(vld1_s8(w + k));
    acc = vmlal_s16(acc, vget_low_s16(av), vget_low_s16(wv));
    acc = vmlal_s16(acc, vget_high_s16(av), vget_high_s16(wv));
  }
  int32_t lanes[4];
  vst1q_s32(lanes, acc);
  int32_t sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
  for (; k < n; ++k) sum += static_cast<int32_t>(a[k]) * w[k];
  return sum;
}

void dot4_neon(const int16_t* a, const int8_t* w, int64_t w_stride, int32_t n, int32_t* out) {
  for (int j = 0; j < 4; ++j) out[j] = dot1_neon(a, w + j * w_stride, n);
}

void mac_neon(int32_t* acc, const int8_t* x, const int8_t* w, int32_t offset, int32_t n) {
  const int16x8_t off = vdupq_n_s16(static_cast<int16_t>(offset));
  int32_t c = 0;
  if (offset >= -255 && offset <= 255) {
    for (; c + 8 <= n; c += 8) {
      const int16x8_t xv = vaddq_s16(vmovl_s8(vld1_s8(x + c)), off);  // |x + off| <= 383
      const int16x8_t wv = vmovl_s8(vld1_s8(w + c));
      vst1q_s32(acc + c, vmlal_s16(vld1q_s32(acc + c), vget_low_s16(xv), vget_low_s16(wv)));
      vst1q_s32(acc + c + 4,
                vmlal_s16(vld1q_s32(acc + c + 4), vget_high_s16(xv), vget_high_s16(wv)));
    }
  }
  for (; c < n; ++c) acc[c] += (static_cast<int32_t>(x[c]) + offset) * w[c];
}

#endif  // KWS_NN_NEON

#if KWS_NN_DSP

// ---- Armv7E-M DSP arms (Cortex-M4/M7: SMLAD, two 16x16 MACs per instruction) --------
// Four int8 weights in a word sign-extend in two SXTB16s to (w0, w2) and (w1, w3);
// the int16 activations are repacked to (a0, a2) and (a1, a3) to match. SMLAD wraps
// like int32 addition (it only sets the Q flag), so the sums equal the scalar arm's.

inline uint32_t load_u32(const void* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // LDR: the M4 allows unaligned word loads
  return v;
}

inline int32_t even_bytes(uint32_t w4) { return __sxtb16(static_cast<int32_t>(w4)); }
inline int32_t odd_bytes(uint32_t w4) {
  return __sxtb16(static_cast<int32_t>((w4 >> 8) | (w4 << 24)));
}

struct PairedActivations {
  int32_t even;  // (a0, a2)
  int32_t odd;   // (a1, a3)
};

inline PairedActivations pair4(const int16_t* a) {
  const uint32_t a01 = load_u32(a);
  const uint32_t a23 = load_u32(a + 2);
  return {static_cast<int32_t>((a01 & 0xFFFFu) | (a23 << 16)),
          static_cast<int32_t>((a01 >> 16) | (a23 & 0xFFFF0000u))};
}

int32_t dot1_dsp(const int16_t* a, const int8_t* w, int32_t n) {
  int32_t acc = 0;
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const PairedActivations p = pair4(a + k);
    const uint32_t w4 = load_u32(w + k);
    acc = __smlad(p.even, even_bytes(w4), acc);
    acc = __smlad(p.odd, odd_bytes(w4), acc);
  }
  for (; k < n; ++k) acc += static_cast<int32_t>(a[k]) * w[k];
  return acc;
}

void dot4_dsp(const int16_t* a, const int8_t* w, int64_t w_stride, int32_t n, int32_t* out) {
  int32_t acc[4] = {0, 0, 0, 0};
  int32_t k = 0;
  for (; k + 4 <= n; k += 4) {
    const PairedActivations p = pair4(a + k);  // shared by the four filters
    for (int j = 0; j < 4; ++j) {
      const uint32_t w4 = load_u32(w + j * w_stride + k);
      acc[j] = __smlad(p.even, even_bytes(w4), acc[j]);
      acc[j] = __smlad(p.odd, odd_bytes(w4), acc[j]);
    }
  }
  for (int j = 0; j < 4; ++j) {
    const int8_t* wj = w + j * w_stride;
    for (int32_t t = k; t < n; ++t) acc[j] += static_cast<int32_t>(a[t]) * wj[t];
    out[j] = acc[j];
  }
}

#endif  // KWS_NN_DSP

// Constant-initialized tables: no static-local guards, so the MCU build needs no
// __cxa_guard runtime.
constexpr Simd kScalar{dot1_scalar, dot4_scalar, mac_scalar, "scalar"};
#if KWS_NN_X86
constexpr Simd kAvx2{dot1_avx2, dot4_avx2, mac_avx2, "avx2"};
constexpr Simd kSse41{dot1_sse41, dot4_sse41, mac_sse41, "sse4.1"};
#elif KWS_NN_NEON
constexpr Simd kNeon{dot1_neon, dot4_neon, mac_neon, "neon"};
#elif KWS_NN_DSP
constexpr Simd kDsp{dot1_dsp, dot4_dsp, mac_scalar, "dsp"};
#endif

std::atomic<const Simd*> g_forced{nullptr};
std::atomic<const Simd*> g_detected{nullptr};

const Simd* detect() {
#if KWS_NN_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) return &kAvx2;
  if (__builtin_cpu_supports("sse4.1")) return &kSse41;
#elif KWS_NN_NEON
  return &kNeon;
#elif KWS_NN_DSP
  return &kDsp;
#endif
  return &kScalar;
}

}  // namespace

const Simd& simd() {
  if (const Simd* forced = g_forced.load(std::memory_order_acquire)) return *forced;
  const Simd* selected = g_detected.load(std::memory_order_acquire);
  if (selected == nullptr) {  // racing first calls all store the same answer
    selected = detect();
    g_detected.store(selected, std::memory_order_release);
  }
  return *selected;
}

}  // namespace arch

const char* isa() { return arch::simd().isa; }

bool force_isa_for_testing(const char* name) {
  if (name == nullptr) {
    arch::g_forced.store(nullptr, std::memory_order_release);
    return true;
  }
  const arch::Simd* candidates[] = {
    &arch::kScalar,
#if KWS_NN_X86
    __builtin_cpu_supports("avx2") ? &arch::kAvx2 : nullptr,
    __builtin_cpu_supports("sse4.1") ? &arch::kSse41 : nullptr,
#elif KWS_NN_NEON
    &arch::kNeon,
#elif KWS_NN_DSP
    &arch::kDsp,
#endif
  };
  for (const arch::Simd* c : candidates) {
    if (c != nullptr && std::strcmp(c->isa, name) == 0) {
      arch::g_forced.store(c, std::memory_order_release);
      return true;
    }
  }
  return false;
}

}  // namespace kws::nn::opt
