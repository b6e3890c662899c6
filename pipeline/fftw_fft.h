// Host-only FFTW3 (single precision) backend of RealFft, planned once at init.
// Lives in its own library (kws_fft_fftw) so the portable core never depends
// on FFTW. init() allocates FFTW's aligned buffers; forward() allocates nothing.
#pragma once

#include <cstddef>

#include "nn/status.h"
#include "pipeline/real_fft.h"

namespace kws {

class FftwRealFft final : public RealFft {
 public:
  FftwRealFft() = default;
  ~FftwRealFft();
  FftwRealFft(const FftwRealFft&) = delete;
  FftwRealFft& operator=(const FftwRealFft&) = delete;

  Status init(size_t n);

  size_t size() const override { return n_; }
  void forward(const float* in, float* out) override;

 private:
  void release();

  size_t n_ = 0;
  float* in_ = nullptr;
  float* out_ = nullptr;  // fftwf_complex[n/2+1], interleaved
  void* plan_ = nullptr;  // fftwf_plan, kept opaque so this header needs no fftw3.h
};

}  // namespace kws
