// Portable real FFT written for this project: an N/2-point iterative radix-2
// complex FFT on the even/odd-packed input, then the split step that yields
// the N/2+1 bins of the real transform, all in the output buffer. The
// bit-reversal table and twiddles (computed in double at init) live in caller
// memory (N/2 x 2 + N x 4 bytes), so it runs on an MCU.
//
// Same forward() contract as RealFft, but deliberately not derived from it:
// the core is built without RTTI, and a polymorphic class whose vtable lives
// in a no-RTTI object cannot be used from RTTI code under UBSan's vptr check
// (missing typeinfo). Frontend calls it directly when no RealFft is given.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/real_fft.h"

namespace kws {

class Radix2RealFft {
 public:
  static constexpr size_t kMinSize = 4;
  static constexpr size_t kMaxSize = 65536;

  static Status needed_bytes(size_t n, size_t* bytes);
  Status init(size_t n, void* mem, size_t len);

  size_t size() const { return n_; }
  // in: N floats; out: N+2 floats (N/2+1 interleaved complex bins). No overlap.
  void forward(const float* in, float* out);
  // The same transform in one buffer of N+2 floats: the first N hold the
  // input, all N+2 receive the bins. Results are identical to forward().
  void forward_in_place(float* buf);

 private:
  static Status check(size_t n);
  static void split_bin(float zr, float zi, float pr, float pi, const float* w, float* x);

  size_t n_ = 0;
  const uint16_t* bitrev_ = nullptr;  // N/2 entries
  const float* twiddles_ = nullptr;   // N/2 (cos, sin) pairs of e^{-2 pi i k/N}
};

}  // namespace kws
