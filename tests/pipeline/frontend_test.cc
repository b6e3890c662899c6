#include "pipeline/frontend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kws {
namespace {

constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }
double mel_to_hz(double mel) { return 700.0 * (std::exp(mel / 1127.0) - 1.0); }

struct Built {
  explicit Built(const FrontendConfig& cfg) {
    size_t bytes = 0;
    status = Frontend::needed_bytes(cfg, false, &bytes);
    if (!status.ok()) return;
    mem.resize(bytes / sizeof(double) + 1);
    status = fe.init(cfg, mem.data(), bytes);
  }
  std::vector<double> mem;
  Frontend fe;
  Status status;
};

std::vector<int16_t> sine(double hz, double amplitude, size_t n, uint32_t rate = 16000) {
  std::vector<int16_t> s(n);
  for (size_t t = 0; t < n; ++t) {
    s[t] = static_cast<int16_t>(std::lround(
        amplitude * 32767.0 * std::sin(2.0 * kPi * hz * static_cast<double>(t) / rate)));
  }
  return s;
}

TEST(Frontend, MelWeightsAreTriangularInMelAndPartitionUnityBetweenCentres) {
  FrontendConfig cfg;  // MLPerf Tiny KWS defaults
  Built b(cfg);
  ASSERT_TRUE(b.status.ok()) << b.status.message();
  const uint32_t bins = cfg.fft_size / 2 + 1;
  const double lo = hz_to_mel(cfg.fmin_hz), hi = hz_to_mel(cfg.fmax_hz);
  const double step = (hi - lo) / (cfg.mel_bins + 1);
  for (uint32_t m = 0; m < cfg.mel_bins; ++m) EXPECT_EQ(b.fe.mel_weight(m, 0), 0.0f) << m;
  int checked = 0;
  for (uint32_t k = 1; k < bins; ++k) {
    const double mel = hz_to_mel(8000.0 * k / (bins - 1));
    double sum = 0.0;
    for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
      const float w = b.fe.mel_weight(m, k);
      EXPECT_GE(w, 0.0f);
      EXPECT_LE(w, 1.0f);
      const double left = lo + step * m, right = lo + step * (m + 2);
      if (mel <= left || mel >= right) {
        EXPECT_EQ(w, 0.0f) << "band " << m << " bin " << k;
      }
      sum += w;
    }
    if (mel >= lo + step && mel <= lo + step * cfg.mel_bins) {
      EXPECT_NEAR(sum, 1.0, 1e-6) << "bin " << k;
      ++checked;
    }
    if (mel >= hi || mel <= lo) {
      EXPECT_EQ(sum, 0.0) << "bin " << k;
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Frontend, MelWeightMatchesTheTensorFlowFormulaAtOneBin) {
  FrontendConfig cfg;
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  // Bin 32 = 1000 Hz. Its band pair follows from the mel-spaced edges.
  const double lo = hz_to_mel(20.0), hi = hz_to_mel(4000.0), step = (hi - lo) / 41.0;
  const double mel = hz_to_mel(1000.0);
  const int m =
      static_cast<int>(std::floor((mel - lo) / step)) - 1;  // band whose right half holds it
  const double falling = (lo + step * (m + 2) - mel) / step;
  EXPECT_NEAR(b.fe.mel_weight(static_cast<uint32_t>(m), 32), falling, 1e-6);
  EXPECT_NEAR(b.fe.mel_weight(static_cast<uint32_t>(m + 1), 32), 1.0 - falling, 1e-6);
}

TEST(Frontend, DctRowsAreOrthogonalWithTensorFlowScaling) {
  FrontendConfig cfg;
  cfg.num_mfcc = cfg.mel_bins;  // the full square DCT
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  // 2 cos(...) / sqrt(2M): D D^T = diag(2, 1, 1, ...).
  for (uint32_t j = 0; j < cfg.num_mfcc; ++j) {
    for (uint32_t l = 0; l < cfg.num_mfcc; ++l) {
      double dot = 0.0;
      for (uint32_t m = 0; m < cfg.mel_bins; ++m)
        dot += double{b.fe.dct_weight(j, m)} * b.fe.dct_weight(l, m);
      const double expected = j != l ? 0.0 : (j == 0 ? 2.0 : 1.0);
      EXPECT_NEAR(dot, expected, 1e-5) << j << "," << l;
    }
  }
}

TEST(Frontend, PeriodicHannWindowOfTheConfiguredLength) {
  FrontendConfig cfg;
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  EXPECT_EQ(b.fe.window()[0], 0.0f);
  EXPECT_NEAR(b.fe.window()[240], 1.0f, 1e-7);  // periodic: peak at N/2
  EXPECT_NEAR(b.fe.window()[120], 0.5f, 1e-6);
  EXPECT_NEAR(b.fe.window()[479], b.fe.window()[1], 1e-7);
}

TEST(Frontend, SineMagnitudeAndPowerAtItsBin) {
  // 1000 Hz is bin 32 and exactly 30 cycles of the 480-sample window, so
  // |X[32]| = A * sum(hann) / 2 = A * 240 / 2.
  const auto s = sine(1000.0, 0.5, 480);
  for (SpectrumType type : {SpectrumType::kMagnitude, SpectrumType::kPower}) {
    FrontendConfig cfg;
    cfg.spectrum = type;
    Built b(cfg);
    ASSERT_TRUE(b.status.ok());
    int8_t q[10];
    b.fe.compute(s.data(), q);
    const double amplitude = 0.5 * 32767.0 / 32768.0;
    const double mag = amplitude * 240.0 / 2.0;
    const double expected = type == SpectrumType::kMagnitude ? mag : mag * mag;
    EXPECT_NEAR(b.fe.spectrum()[32], expected, expected * 1e-4);
    EXPECT_LT(b.fe.spectrum()[40], expected * 1e-3);
  }
}

TEST(Frontend, SineEnergyLandsInTheNearestMelBand) {
  FrontendConfig cfg;
  cfg.features = FeatureType::kLogMel;
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  const double lo = hz_to_mel(cfg.fmin_hz), hi = hz_to_mel(cfg.fmax_hz);
  const double step = (hi - lo) / (cfg.mel_bins + 1);
  for (double hz : {300.0, 1000.0, 2500.0, 3500.0}) {
    const auto s = sine(hz, 0.3, 480);
    int8_t q[40];
    float values[40];
    b.fe.compute(s.data(), q, values);
    int best = 0;
    for (int m = 1; m < 40; ++m) {
      if (values[m] > values[best]) best = m;
    }
    int nearest = 0;
    for (int m = 1; m < 40; ++m) {
      if (std::fabs(mel_to_hz(lo + step * (m + 1)) - hz) <
          std::fabs(mel_to_hz(lo + step * (nearest + 1)) - hz)) {
        nearest = m;
      }
    }
    EXPECT_LE(std::abs(best - nearest), 1)
        << hz << " Hz: best band " << best << ", nearest centre " << nearest;
    EXPECT_FLOAT_EQ(values[best], b.fe.log_mel()[best]);
  }
}

TEST(Frontend, SilenceGivesLogOffsetMfccAndClampedC0) {
  FrontendConfig cfg;
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  std::vector<int16_t> zeros(480, 0);
  int8_t q[10];
  float v[10];
  b.fe.compute(zeros.data(), q, v);
  // c0 = 40 * ln(1e-6) * 2 / sqrt(80); the others vanish.
  EXPECT_NEAR(v[0], 40.0 * std::log(1e-6) * 2.0 / std::sqrt(80.0), 1e-3);
  EXPECT_EQ(q[0], -128);  // -211 + 83 clamps
  for (int j = 1; j < 10; ++j) {
    EXPECT_NEAR(v[j], 0.0, 1e-3) << j;
    EXPECT_EQ(q[j], 83) << j;
  }
}

TEST(Frontend, QuantizationRoundsHalfAwayFromZeroAndClamps) {
  const float s = 0.5f;
  EXPECT_EQ(quantize_feature(0.0f, s, 83), 83);
  EXPECT_EQ(quantize_feature(0.25f, s, 0), 1);    // 0.5 -> 1
  EXPECT_EQ(quantize_feature(-0.25f, s, 0), -1);  // -0.5 -> -1
  EXPECT_EQ(quantize_feature(0.74f, s, 0), 1);
  EXPECT_EQ(quantize_feature(0.76f, s, 0), 2);
  EXPECT_EQ(quantize_feature(1e9f, s, 0), 127);
  EXPECT_EQ(quantize_feature(-1e9f, s, 0), -128);
  EXPECT_EQ(quantize_feature(30.0f, s, 83), 127);     // 60 + 83 clamps
  EXPECT_EQ(quantize_feature(-110.0f, s, 83), -128);  // -220 + 83 clamps
  EXPECT_EQ(quantize_feature(INFINITY, s, 83), 127);
  EXPECT_EQ(quantize_feature(NAN, s, 83), 83);
}

TEST(Frontend, TruncatingQuantizationMatchesIntOfScaledPlusZeroPoint) {
  const float s = 0.5f;
  const QuantRounding t = QuantRounding::kTruncate;
  EXPECT_EQ(quantize_feature(0.74f, s, 0, t), 1);     // 1.48 -> 1
  EXPECT_EQ(quantize_feature(0.2f, s, 83, t), 83);    // 83.4 -> 83
  EXPECT_EQ(quantize_feature(-0.2f, s, 83, t), 82);   // 82.6 -> 82
  EXPECT_EQ(quantize_feature(-41.7f, s, 83, t), 0);   // -0.4 -> 0 (toward zero)
  EXPECT_EQ(quantize_feature(-42.2f, s, 83, t), -1);  // -1.4 -> -1
  EXPECT_EQ(quantize_feature(-500.0f, s, 83, t), -128);
  EXPECT_EQ(quantize_feature(500.0f, s, 83, t), 127);
}

TEST(Frontend, LogMelModeHasMelBinsValues) {
  FrontendConfig cfg;
  cfg.features = FeatureType::kLogMel;
  cfg.mel_bins = 32;
  cfg.window = WindowFunction::kHamming;
  Built b(cfg);
  ASSERT_TRUE(b.status.ok());
  EXPECT_EQ(b.fe.feature_dim(), 32u);
  EXPECT_NEAR(b.fe.window()[0], 0.08f, 1e-6);
  const auto s = sine(700.0, 0.2, 480);
  std::vector<int8_t> q(32);
  std::vector<float> v(32);
  b.fe.compute(s.data(), q.data(), v.data());
  for (int m = 0; m < 32; ++m) EXPECT_EQ(q[m], quantize_feature(v[m], cfg.quant_scale, 83)) << m;
}

TEST(Frontend, RejectsInconsistentConfigs) {
  size_t bytes = 0;
  FrontendConfig cfg;
  cfg.fft_size = 256;  // < window 480
  EXPECT_EQ(Frontend::needed_bytes(cfg, false, &bytes).code(), StatusCode::kInvalidArgument);
  cfg = FrontendConfig{};
  cfg.fmax_hz = 9000.0f;
  Status st = Frontend::needed_bytes(cfg, false, &bytes);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(std::string(st.message()).find("fmax"), std::string::npos) << st.message();
  cfg = FrontendConfig{};
  cfg.num_mfcc = 41;
  EXPECT_FALSE(Frontend::needed_bytes(cfg, false, &bytes).ok());
  cfg = FrontendConfig{};
  cfg.quant_zero_point = 200;
  EXPECT_FALSE(Frontend::needed_bytes(cfg, false, &bytes).ok());
  cfg = FrontendConfig{};
  cfg.fft_size = 500;
  EXPECT_FALSE(Frontend::needed_bytes(cfg, false, &bytes).ok());
}

class FakeFft final : public RealFft {
 public:
  explicit FakeFft(size_t n) : n_(n) {}
  size_t size() const override { return n_; }
  void forward(const float*, float* out) override {
    for (size_t i = 0; i < n_ + 2; ++i) out[i] = 1.0f;
    ++calls;
  }
  int calls = 0;

 private:
  size_t n_;
};

TEST(Frontend, UsesAnExternalFftOfTheRightSizeOnly) {
  FrontendConfig cfg;
  size_t with = 0, without = 0;
  ASSERT_TRUE(Frontend::needed_bytes(cfg, true, &with).ok());
  ASSERT_TRUE(Frontend::needed_bytes(cfg, false, &without).ok());
  EXPECT_LT(with, without);
  std::vector<double> mem(with / sizeof(double) + 1);
  Frontend fe;
  FakeFft wrong(256);
  EXPECT_EQ(fe.init(cfg, mem.data(), with, &wrong).code(), StatusCode::kInvalidArgument);
  FakeFft right(512);
  ASSERT_TRUE(fe.init(cfg, mem.data(), with, &right).ok());
  std::vector<int16_t> frame(480, 0);
  int8_t q[10];
  fe.compute(frame.data(), q);
  EXPECT_EQ(right.calls, 1);
  EXPECT_NEAR(fe.spectrum()[5], std::sqrt(2.0f), 1e-6);
}

TEST(Frontend, TooSmallMemoryIsAnError) {
  FrontendConfig cfg;
  size_t bytes = 0;
  ASSERT_TRUE(Frontend::needed_bytes(cfg, false, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 1);
  Frontend fe;
  EXPECT_EQ(fe.init(cfg, mem.data(), bytes - 1).code(), StatusCode::kBufferTooSmall);
}

}  // namespace
}  // namespace kws
