#include "pipeline/radix2_fft.h"

#include <cmath>
#include <cstring>

#include "pipeline/memory_carver.h"

// 0: the tables are never computed here (no double cos/sin in the image);
// init() refuses and init_with_tables() is the only way in. See frontend.h.
#ifndef KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
#define KWS_PIPELINE_COMPUTE_FRONTEND_TABLES 1
#endif

namespace kws {
namespace {

#if KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
constexpr double kPi = 3.14159265358979323846;
#endif

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
  carver.take<uint16_t>(n / 2);
  carver.take<float>(n);
  *bytes = carver.used();
  return Status::Ok();
}

Status Radix2RealFft::init(size_t n, void* mem, size_t len) {
  KWS_RETURN_IF_ERROR(check(n));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "fft: memory is null or misaligned");
  }
#if !KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
  (void)len;
  return Status::Error(
      StatusCode::kUnsupported,
      "fft: this build computes no tables (KWS_PIPELINE_COMPUTE_FRONTEND_TABLES=0); "
      "give precomputed ones");
#else
  MemoryCarver carver(mem, len);
  uint16_t* bitrev = carver.take<uint16_t>(n / 2);
  float* twiddles = carver.take<float>(n);
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
    bitrev[i] = static_cast<uint16_t>(r);  // < m <= kMaxSize / 2
  }
  // The M-point complex FFT's twiddles e^{-2 pi i j/M} are entries 2j of this
  // table, bit for bit: -2 pi (2j) / (2M) rounds exactly as -2 pi j / M does
  // (scaling by two is exact), so one table serves both stages.
  for (size_t k = 0; k < m; ++k) {
    const double a = -2.0 * kPi * static_cast<double>(k) / static_cast<double>(n);
    twiddles[2 * k] = static_cast<float>(std::cos(a));
    twiddles[2 * k + 1] = static_cast<float>(std::sin(a));
  }
  n_ = n;
  bitrev_ = bitrev;
  twiddles_ = twiddles;
  return Status::Ok();
#endif
}

Status Radix2RealFft::init_with_tables(size_t n, const uint16_t* bitrev, const float* twiddles) {
  KWS_RETURN_IF_ERROR(check(n));
  if (bitrev == nullptr || twiddles == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "fft: tables are null");
  }
  // forward_in_place() swaps z[j] and z[bitrev[j]]: an entry out of range
  // would write outside the buffer, a non-involution would scramble it.
  const size_t m = n / 2;
  for (size_t j = 0; j < m; ++j) {
    if (bitrev[j] >= m || bitrev[bitrev[j]] != j) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "fft: bit-reversal table entry %zu is not a %zu-point permutation", j,
                           m);
    }
  }
  n_ = n;
  bitrev_ = bitrev;
  twiddles_ = twiddles;
  return Status::Ok();
}

void Radix2RealFft::forward(const float* in, float* out) {
  if (n_ == 0) return;
  std::memcpy(out, in, sizeof(float) * n_);
  forward_in_place(out);
}

void Radix2RealFft::forward_in_place(float* buf) {
  if (n_ == 0) return;
  const size_t m = n_ / 2;
  // z[j] = x[2j] + i x[2j+1] is the input itself read as complex values;
  // permute it into bit-reversed order (an involution: swap each pair once).
  float* z = buf;
  for (size_t j = 0; j < m; ++j) {
    const size_t r = bitrev_[j];
    if (j >= r) continue;
    const float re = z[2 * j];
    const float im = z[2 * j + 1];
    z[2 * j] = z[2 * r];
    z[2 * j + 1] = z[2 * r + 1];
    z[2 * r] = re;
    z[2 * r + 1] = im;
  }
  // Iterative radix-2 decimation in time over the M-point complex FFT.
  for (size_t half = 1; half < m; half *= 2) {
    const size_t step = m / (2 * half);
    for (size_t start = 0; start < m; start += 2 * half) {
      for (size_t j = 0; j < half; ++j) {
        const float wr = twiddles_[4 * j * step];
        const float wi = twiddles_[4 * j * step + 1];
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
  // O = -i (Z[k] - conj Z[M-k]) / 2, W = e^{-2 pi i / N}. Bins k and M-k need
  // the same two values Z[k], Z[M-k], so each pair is done together in place.
  const float z0r = z[0];
  const float z0i = z[1];
  buf[0] = z0r + z0i;
  buf[1] = 0.0f;
  buf[2 * m] = z0r - z0i;
  buf[2 * m + 1] = 0.0f;
  for (size_t k = 1; 2 * k <= m; ++k) {
    const size_t k2 = m - k;
    const float ar = z[2 * k];
    const float ai = z[2 * k + 1];
    const float br = z[2 * k2];
    const float bi = z[2 * k2 + 1];
    split_bin(ar, ai, br, bi, twiddles_ + 2 * k, buf + 2 * k);
    if (k2 != k) split_bin(br, bi, ar, ai, twiddles_ + 2 * k2, buf + 2 * k2);
  }
}

// X[k] from Z[k] = (zr, zi), Z[M-k] = (pr, pi) and W^k = (w[0], w[1]).
void Radix2RealFft::split_bin(float zr, float zi, float pr, float pi, const float* w, float* x) {
  const float cr = pr;
  const float ci = -pi;
  const float er = 0.5f * (zr + cr);
  const float ei = 0.5f * (zi + ci);
  // (Z - conjZ') / 2 = (dr + i di); times -i gives (di - i dr).
  const float dr = 0.5f * (zr - cr);
  const float di = 0.5f * (zi - ci);
  const float or_ = di;
  const float oi = -dr;
  const float wr = w[0];
  const float wi = w[1];
  x[0] = er + (or_ * wr - oi * wi);
  x[1] = ei + (or_ * wi + oi * wr);
}

}  // namespace kws
