// Optimized float elementwise unary ops: LEAKY_RELU in AVX2 lanes (x86, at
// run time), bit-identical to the reference (the same select of x or alpha x);
// the other ops, and other CPUs, use the reference kernel.
#include <cstring>

#include "nn/kernels/optimized.h"
#include "nn/kernels/optimized/f32_arch.h"
#include "nn/kernels/reference.h"

namespace kws::nn::opt {
namespace {

#if KWS_NN_F32_X86
__attribute__((target("avx2"))) void leaky_relu_avx2(float alpha, int32_t size, const float* in,
                                                     float* out) {
  const __m256 a = _mm256_set1_ps(alpha);
  const __m256 zero = _mm256_setzero_ps();
  int32_t i = 0;
  for (; i + 8 <= size; i += 8) {
    const __m256 x = _mm256_loadu_ps(in + i);
    const __m256 neg = _mm256_mul_ps(x, a);
    _mm256_storeu_ps(out + i, _mm256_blendv_ps(neg, x, _mm256_cmp_ps(x, zero, _CMP_GE_OQ)));
  }
  for (; i < size; ++i) out[i] = in[i] >= 0.0f ? in[i] : alpha * in[i];
}
#endif

}  // namespace

Status unary_f32(UnaryF32Op op, float alpha, int32_t size, const float* input, float* output) {
#if KWS_NN_F32_X86
  if (op == UnaryF32Op::kLeakyRelu && input != nullptr && output != nullptr && size >= 0 &&
      std::strcmp(arch::simd().isa, "avx2") == 0) {
    leaky_relu_avx2(alpha, size, input, output);
    return Status::Ok();
  }
#endif
  return ref::unary_f32(op, alpha, size, input, output);
}

}  // namespace kws::nn::opt
