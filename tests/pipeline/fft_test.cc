#include <gtest/gtest.h>
#include <sndfile.h>

#include <cmath>
#include <random>
#include <vector>

#include "pipeline/fftw_fft.h"
#include "pipeline/radix2_fft.h"
#include "tests/support/test_data.h"

namespace kws {
namespace {

constexpr double kPi = 3.14159265358979323846;

struct PortableFft {
  explicit PortableFft(size_t n) {
    size_t bytes = 0;
    EXPECT_TRUE(Radix2RealFft::needed_bytes(n, &bytes).ok());
    mem.resize(bytes / sizeof(double) + 2);
    EXPECT_TRUE(fft.init(n, mem.data(), mem.size() * sizeof(double)).ok());
  }
  std::vector<double> mem;  // malloc'd: 16-byte aligned on the host
  Radix2RealFft fft;
};

// max_k |a_k - b_k| / max_k |b_k| over N/2+1 complex bins.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double max_diff = 0.0;
  double max_mag = 0.0;
  for (size_t k = 0; k + 1 < b.size(); k += 2) {
    max_diff = std::max(max_diff, std::hypot(double{a[k]} - b[k], double{a[k + 1]} - b[k + 1]));
    max_mag = std::max(max_mag, std::hypot(double{b[k]}, double{b[k + 1]}));
  }
  return max_mag > 0.0 ? max_diff / max_mag : max_diff;
}

// Relative disagreement between the portable FFT and FFTW on one input.
double disagreement(const std::vector<float>& x) {
  const size_t n = x.size();
  PortableFft portable(n);
  FftwRealFft fftw;
  EXPECT_TRUE(fftw.init(n).ok());
  std::vector<float> a(n + 2), b(n + 2);
  portable.fft.forward(x.data(), a.data());
  fftw.forward(x.data(), b.data());
  return relative_error(a, b);
}

TEST(RealFft, PortableMatchesDirectDftInDouble) {
  const size_t n = 64;
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = u(rng);
  PortableFft portable(n);
  std::vector<float> out(n + 2);
  portable.fft.forward(x.data(), out.data());
  std::vector<float> dft(n + 2);
  for (size_t k = 0; k <= n / 2; ++k) {
    double re = 0.0, im = 0.0;
    for (size_t t = 0; t < n; ++t) {
      const double a = -2.0 * kPi * static_cast<double>(k * t) / static_cast<double>(n);
      re += x[t] * std::cos(a);
      im += x[t] * std::sin(a);
    }
    dft[2 * k] = static_cast<float>(re);
    dft[2 * k + 1] = static_cast<float>(im);
  }
  EXPECT_LT(relative_error(out, dft), 1e-6);
}

TEST(RealFft, PortableAgreesWithFftwOnRandomSignals) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (size_t n : {4u, 8u, 16u, 256u, 512u, 1024u, 4096u}) {
    for (int trial = 0; trial < 5; ++trial) {
      std::vector<float> x(n);
      for (float& v : x) v = u(rng);
      EXPECT_LT(disagreement(x), 1e-5) << "n=" << n << " trial " << trial;
    }
  }
}

TEST(RealFft, PortableAgreesWithFftwOnSinesAndChirps) {
  const size_t n = 512;
  for (double f : {0.0, 1.0, 37.5, 100.0, 255.0, 256.0}) {  // cycles per frame
    std::vector<float> x(n);
    for (size_t t = 0; t < n; ++t)
      x[t] = static_cast<float>(
          std::cos(2.0 * kPi * f * static_cast<double>(t) / static_cast<double>(n) + 0.3));
    EXPECT_LT(disagreement(x), 1e-5) << "sine " << f;
  }
  std::vector<float> chirp(n);
  for (size_t t = 0; t < n; ++t) {
    const double s = static_cast<double>(t) / static_cast<double>(n);
    chirp[t] = static_cast<float>(0.5 * std::sin(2.0 * kPi * (5.0 * s + 120.0 * s * s)));
  }
  EXPECT_LT(disagreement(chirp), 1e-5);
}

TEST(RealFft, PinsTheSineToItsBin) {
  const size_t n = 256;
  PortableFft portable(n);
  std::vector<float> x(n), out(n + 2);
  for (size_t t = 0; t < n; ++t)
    x[t] = static_cast<float>(
        std::sin(2.0 * kPi * 10.0 * static_cast<double>(t) / static_cast<double>(n)));
  portable.fft.forward(x.data(), out.data());
  // sin -> -i N/2 at bin 10.
  EXPECT_NEAR(out[20], 0.0f, 1e-3f);
  EXPECT_NEAR(out[21], -128.0f, 1e-3f);
  EXPECT_NEAR(out[22], 0.0f, 1e-3f);
}

TEST(RealFft, PortableAgreesWithFftwOnARealClip) {
  KWS_REQUIRE_SHARED(path, "mlperf_tiny_kws/wav/tst_000000_Stop_7.wav");
  SF_INFO info{};
  SNDFILE* file = sf_open(path.c_str(), SFM_READ, &info);
  ASSERT_NE(file, nullptr) << sf_strerror(nullptr);
  std::vector<short> samples(static_cast<size_t>(info.frames * info.channels));
  sf_readf_short(file, samples.data(), info.frames);
  sf_close(file);
  ASSERT_GE(samples.size(), 512u);
  const size_t n = 512;
  double worst = 0.0;
  size_t frames = 0;
  for (size_t start = 0; start + n <= samples.size(); start += 320, ++frames) {
    std::vector<float> x(n);
    for (size_t t = 0; t < n; ++t) x[t] = static_cast<float>(samples[start + t]) / 32768.0f;
    worst = std::max(worst, disagreement(x));
  }
  EXPECT_GT(frames, 40u);
  EXPECT_LT(worst, 1e-5) << "over " << frames << " frames";
  RecordProperty("worst_relative_error", std::to_string(worst));
}

TEST(RealFft, RejectsSizesThatAreNotPowersOfTwo) {
  size_t bytes = 0;
  EXPECT_FALSE(Radix2RealFft::needed_bytes(480, &bytes).ok());
  EXPECT_FALSE(Radix2RealFft::needed_bytes(2, &bytes).ok());
  FftwRealFft fftw;
  EXPECT_FALSE(fftw.init(480).ok());
}

}  // namespace
}  // namespace kws
