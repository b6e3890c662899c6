#include "pipeline/fftw_fft.h"

#include <fftw3.h>

#include <cstring>
#include <mutex>

namespace kws {
namespace {

// FFTW's planner is not thread-safe; only fftwf_execute is.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

FftwRealFft::~FftwRealFft() { release(); }

void FftwRealFft::release() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (plan_ != nullptr) fftwf_destroy_plan(static_cast<fftwf_plan>(plan_));
  if (in_ != nullptr) fftwf_free(in_);
  if (out_ != nullptr) fftwf_free(out_);
  plan_ = nullptr;
  in_ = nullptr;
  out_ = nullptr;
  n_ = 0;
}

Status FftwRealFft::init(size_t n) {
  if (!is_power_of_two(n) || n < 2 || n > (size_t{1} << 24)) {
    return Status::Error(StatusCode::kInvalidArgument, "fftw: size %zu is not a power of two", n);
  }
  release();
  std::lock_guard<std::mutex> lock(planner_mutex());
  in_ = static_cast<float*>(fftwf_malloc(sizeof(float) * n));
  out_ = static_cast<float*>(fftwf_malloc(sizeof(fftwf_complex) * (n / 2 + 1)));
  if (in_ == nullptr || out_ == nullptr) {
    return Status::Error(StatusCode::kBufferTooSmall, "fftw: out of memory for size %zu", n);
  }
  fftwf_plan plan = fftwf_plan_dft_r2c_1d(static_cast<int>(n), in_,
                                          reinterpret_cast<fftwf_complex*>(out_), FFTW_ESTIMATE);
  if (plan == nullptr) {
    return Status::Error(StatusCode::kInternal, "fftw: planning size %zu failed", n);
  }
  plan_ = plan;
  n_ = n;
  return Status::Ok();
}

void FftwRealFft::forward(const float* in, float* out) {
  if (plan_ == nullptr) return;
  std::memcpy(in_, in, sizeof(float) * n_);
  fftwf_execute(static_cast<fftwf_plan>(plan_));
  std::memcpy(out, out_, sizeof(float) * (n_ + 2));
}

}  // namespace kws
