// Real forward FFT of a fixed size N (a power of two), chosen at init.
//
// forward() reads N real samples and writes N/2+1 complex bins, interleaved as
// (re, im) pairs: 2*(N/2+1) floats. Sign convention X[k] = sum x[n] e^{-2 pi i k n / N},
// no scaling. Implementations allocate nothing in forward().
#pragma once

#include <cstddef>

namespace kws {

class RealFft {
 public:
  virtual size_t size() const = 0;
  // `in` (N floats) and `out` (N+2 floats) must not overlap.
  virtual void forward(const float* in, float* out) = 0;

 protected:
  RealFft() = default;
  RealFft(const RealFft&) = default;
  RealFft& operator=(const RealFft&) = default;
  ~RealFft() = default;  // never deleted through the interface
};

inline bool is_power_of_two(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

}  // namespace kws
