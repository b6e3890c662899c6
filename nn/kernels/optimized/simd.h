// Inner loops of the optimized kernels, one function per loop with an AVX2 arm, an
// SSE4.1 arm (x86, chosen at run time from CPUID so the default build runs on any
// x86-64), a NEON arm (chosen at compile time on ARM A-profile), an Armv7E-M DSP arm
// (SMLAD; Cortex-M4/M7, chosen at compile time) and the portable scalar arm.
// All arms do exact integer arithmetic, so they agree bit for bit.
#pragma once

#include <cstdint>

namespace kws::nn::opt::arch {

// out[j] = sum_k a[k] * w[j * w_stride + k] for j < 4.
using Dot4Fn = void (*)(const int16_t* a, const int8_t* w, int64_t w_stride, int32_t n,
                        int32_t* out);
// sum_k a[k] * w[k].
using Dot1Fn = int32_t (*)(const int16_t* a, const int8_t* w, int32_t n);
// acc[c] += (x[c] + offset) * w[c] for c < n.
using MacFn = void (*)(int32_t* acc, const int8_t* x, const int8_t* w, int32_t offset, int32_t n);

struct Simd {
  Dot1Fn dot1;
  Dot4Fn dot4;
  MacFn mac;
  const char* isa;
};

// The arms for this CPU (or the scalar arms when forced for testing).
const Simd& simd();

// out[k] = x[k] + offset; sum of out returned (used for filter offsets). Inline: conv
// calls it once per filter tap, often with n = 1.
inline int32_t widen_with_offset(const int8_t* x, int32_t offset, int32_t n, int16_t* out) {
  int32_t sum = 0;
  for (int32_t k = 0; k < n; ++k) {
    const int32_t v = static_cast<int32_t>(x[k]) + offset;
    out[k] = static_cast<int16_t>(v);
    sum += v;
  }
  return sum;
}

}  // namespace kws::nn::opt::arch
