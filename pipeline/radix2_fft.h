// Portable real FFT written for this project: an N/2-point iterative radix-2
// complex FFT on the even/odd-packed input, then the split step that yields
// the N/2+1 bins of the real transform. Twiddles (computed in double at init)
// and the work buffer live in caller memory, so it runs on an MCU.
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

 private:
  static Status check(size_t n);

  size_t n_ = 0;
  const uint32_t* bitrev_ = nullptr;  // N/2 entries
  const float* cfft_tw_ = nullptr;    // N/4 (cos, sin) pairs of e^{-2 pi i j/(N/2)}
  const float* split_tw_ = nullptr;   // N/2 (cos, sin) pairs of e^{-2 pi i k/N}
  float* work_ = nullptr;             // N/2 complex values
};

}  // namespace kws
