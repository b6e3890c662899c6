#include "pipeline/radix2_fft.h"

#include <cmath>

#include "pipeline/memory_carver.h"

namespace kws {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

Status Radix2RealFft::check(size_t n) {
  if (!is_power_of_two(n) || n < kMinSize || n > kMaxSize) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "fft: size %zu is not a power of two in %zu..%zu", n, kMinSize, kMaxSize);
  }
  return Status::Ok();
}

Status Radix2RealFft::needed_bytes(size_t n, size_t* bytes) {
  KWS_RETURN_IF_ERROR(check(n));
  if (bytes == nullptr) return Status::Error(StatusCode::kInvalidArgument, "fft: bytes is null");
  MemoryCarver carver(nullptr, 0);
  carver.take<uint32_t>(n / 2);
  carver.take<float>(n / 2);
  carver.take<float>(n);
  carver.take<float>(n);
  *bytes = carver.used();
  return Status::Ok();
}

Status Radix2RealFft::init(size_t n, void* mem, size_t len) {
  KWS_RETURN_IF_ERROR(check(n));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "fft: memory is null or misaligned");
  }
  MemoryCarver carver(mem, len);
  uint32_t* bitrev = carver.take<uint32_t>(n / 2);
  float* cfft_tw = carver.take<float>(n / 2);
  float* split_tw = carver.take<float>(n);
  float* work = carver.take<float>(n);
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "fft: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  const size_t m = n / 2;
  unsigned bits = 0;
  while ((size_t{1} << bits) < m) ++bits;
  for (size_t i = 0; i < m; ++i) {
    uint32_t r = 0;
    for (unsigned b = 0; b < bits; ++b)
      r |= static_cast<uint32_t>(((i >> b) & 1u) << (bits - 1 - b));
    bitrev[i] = r;
  }
  for (size_t j = 0; j < m / 2; ++j) {
    const double a = -2.0 * kPi * static_cast<double>(j) / static_cast<double>(m);
    cfft_tw[2 * j] = static_cast<float>(std::cos(a));
    cfft_tw[2 * j + 1] = static_cast<float>(std::sin(a));
  }
  for (size_t k = 0; k < m; ++k) {
    const double a = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n);
    split_tw[2 * k] = static_cast<float>(std::cos(a));
    split_tw[2 * k + 1] = static_cast<float>(std::sin(a));
  }
  n_ = n;
  bitrev_ = bitrev;
  cfft_tw_ = cfft_tw;
  split_tw_ = split_tw;
  work_ = work;
  return Status::Ok();
}

void Radix2RealFft::forward(const float* in, float* out) {
  if (n_ == 0) return;
  const size_t m = n_ / 2;
  float* z = work_;
  // Pack z[j] = x[2j] + i x[2j+1], in bit-reversed order.
  for (size_t j = 0; j < m; ++j) {
    const size_t r = bitrev_[j];
    z[2 * r] = in[2 * j];
    z[2 * r + 1] = in[2 * j + 1];
  }
  // Iterative radix-2 decimation in time over the M-point complex FFT.
  for (size_t half = 1; half < m; half *= 2) {
    const size_t step = m / (2 * half);
    for (size_t start = 0; start < m; start += 2 * half) {
      for (size_t j = 0; j < half; ++j) {
        const float wr = cfft_tw_[2 * j * step];
        const float wi = cfft_tw_[2 * j * step + 1];
        float* a = z + 2 * (start + j);
        float* b = z + 2 * (start + j + half);
        const float tr = b[0] * wr - b[1] * wi;
        const float ti = b[0] * wi + b[1] * wr;
        b[0] = a[0] - tr;
        b[1] = a[1] - ti;
        a[0] += tr;
        a[1] += ti;
      }
    }
  }
  // Split: X[k] = E[k] + W^k O[k], with E = (Z[k] + conj Z[M-k]) / 2 and
  // O = -i (Z[k] - conj Z[M-k]) / 2, W = e^{-2 pi i / N}.
  out[0] = z[0] + z[1];
  out[1] = 0.0f;
  out[2 * m] = z[0] - z[1];
  out[2 * m + 1] = 0.0f;
  for (size_t k = 1; k < m; ++k) {
    const float zr = z[2 * k];
    const float zi = z[2 * k + 1];
    const float cr = z[2 * (m - k)];
    const float ci = -z[2 * (m - k) + 1];
    const float er = 0.5f * (zr + cr);
    const float ei = 0.5f * (zi + ci);
    // (Z - conjZ') / 2 = (dr + i di); times -i gives (di - i dr).
    const float dr = 0.5f * (zr - cr);
    const float di = 0.5f * (zi - ci);
    const float or_ = di;
    const float oi = -dr;
    const float wr = split_tw_[2 * k];
    const float wi = split_tw_[2 * k + 1];
    out[2 * k] = er + (or_ * wr - oi * wi);
    out[2 * k + 1] = ei + (or_ * wi + oi * wr);
  }
}

}  // namespace kws
