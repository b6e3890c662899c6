// ISA selection shared by the optimized float kernels: the AVX2/FMA arm on
// x86 (chosen at run time, and only when the int8 kernels' dispatch picked
// "avx2", so force_isa_for_testing() pins the float arms too), the NEON arm on
// AArch64, else the scalar arm.
#pragma once

#include <cstring>

#include "nn/kernels/optimized/simd.h"

#if defined(__x86_64__) || defined(__i386__)
#define KWS_NN_F32_X86 1
#include <immintrin.h>
#elif defined(__ARM_NEON) && defined(__aarch64__)
#define KWS_NN_F32_NEON 1
#include <arm_neon.h>
#endif

namespace kws::nn::opt::arch {

#if KWS_NN_F32_X86
inline bool avx2_fma() {
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok && std::strcmp(simd().isa, "avx2") == 0;
}
#endif

// acc + bias[o] (when given), clamped to [lo, hi].
inline float bias_clamp(float acc, const float* bias, int32_t o, float lo, float hi) {
  if (bias != nullptr) acc += bias[o];
  acc = acc < lo ? lo : acc;
  return acc > hi ? hi : acc;
}

}  // namespace kws::nn::opt::arch
