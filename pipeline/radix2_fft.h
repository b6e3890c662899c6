// Portable real FFT written for this project: an N/2-point iterative radix-2
// complex FFT on the even/odd-packed input, then the split step that yields
// the N/2+1 bins of the real transform, all in the output buffer. The
// bit-reversal table and twiddles (computed in double at init) live in caller
// memory (N/2 x 2 + N x 4 bytes), so it runs on an MCU; or they are given
// precomputed (init_with_tables, e.g. from flash) and need no memory at all.
// A build with KWS_PIPELINE_COMPUTE_FRONTEND_TABLES=0 has only the latter.
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
  // Uses the given tables in place (they must outlive the FFT): bitrev has N/2
  // entries and twiddles N floats, as bitrev() and twiddles() of an init()ed
  // FFT of the same size. Checked for size and bit-reversal permutation only.
  Status init_with_tables(size_t n, const uint16_t* bitrev, const float* twiddles);

  size_t size() const { return n_; }
  // in: N floats; out: N+2 floats (N/2+1 interleaved complex bins). No overlap.
  void forward(const float* in, float* out);
  // The same transform in one buffer of N+2 floats: the first N hold the
  // input, all N+2 receive the bins. Results are identical to forward().
  void forward_in_place(float* buf);

  // The tables in use (null before init).
  const uint16_t* bitrev() const { return bitrev_; }
  const float* twiddles() const { return twiddles_; }

 private:
  static Status check(size_t n);
  static void split_bin(float zr, float zi, float pr, float pi, const float* w, float* x);

  size_t n_ = 0;
  const uint16_t* bitrev_ = nullptr;  // N/2 entries
  const float* twiddles_ = nullptr;   // N/2 (cos, sin) pairs of e^{-2 pi i k/N}
};

}  // namespace kws
