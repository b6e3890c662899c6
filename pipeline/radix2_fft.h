// Portable real FFT written for this project: an N/2-point iterative radix-2
// complex FFT on the even/odd-packed input, then the split step that yields
// the N/2+1 bins of the real transform. Twiddles (computed in double at init)
// and the work buffer live in caller memory, so it runs on an MCU.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/real_fft.h"

namespace kws {

class Radix2RealFft final : public RealFft {
 public:
  static constexpr size_t kMinSize = 4;
  static constexpr size_t kMaxSize = 65536;

  static Status needed_bytes(size_t n, size_t* bytes);
  Status init(size_t n, void* mem, size_t len);

  size_t size() const override { return n_; }
  void forward(const float* in, float* out) override;

 private:
  static Status check(size_t n);

  size_t n_ = 0;
  const uint32_t* bitrev_ = nullptr;  // N/2 entries
  const float* cfft_tw_ = nullptr;    // N/4 (cos, sin) pairs of e^{-2 pi i j/(N/2)}
  const float* split_tw_ = nullptr;   // N/2 (cos, sin) pairs of e^{-2 pi i k/N}
  float* work_ = nullptr;             // N/2 complex values
};

}  // namespace kws
