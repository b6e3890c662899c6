// openWakeWord's mel spectrogram computed natively, against ONNX Runtime's
// output of melspectrogram.onnx on the three reference clips (whole clip in
// one call), and its defining properties on generated input.
#include "pipeline/oww_mel.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "tests/pipeline/oww_reference.h"
#include "tests/support/test_data.h"

namespace kws {
namespace {

class OwwMelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    size_t bytes = 0;
    ASSERT_TRUE(OwwMel::needed_bytes(&bytes).ok());
    mem_.resize(bytes / sizeof(double) + 1);
    ASSERT_TRUE(mel_.init(mem_.data(), bytes).ok());
  }
  std::vector<float> run(const std::vector<int16_t>& s) {
    std::vector<float> out(OwwMel::frames_for(s.size()) * OwwMel::kBins);
    size_t frames = 0;
    EXPECT_TRUE(
        mel_.compute(s.data(), s.size(), out.data(), out.size() / OwwMel::kBins, &frames).ok());
    EXPECT_EQ(frames * OwwMel::kBins, out.size());
    return out;
  }
  std::vector<double> mem_;
  OwwMel mel_;
};

TEST_F(OwwMelTest, FrameCountsFollowTheGraph) {
  EXPECT_EQ(OwwMel::frames_for(511), 0u);
  EXPECT_EQ(OwwMel::frames_for(1280), 5u);
  EXPECT_EQ(OwwMel::frames_for(1760), 8u);
  EXPECT_EQ(OwwMel::frames_for(64000), 397u);
}

TEST_F(OwwMelTest, DigitalSilenceIsMinus100Db) {
  for (float v : run(std::vector<int16_t>(1760, 0))) EXPECT_EQ(v, -100.0f);
}

TEST_F(OwwMelTest, TopDbClampIsPerCall) {
  // A loud tone in the last frames lifts the floor of the quiet first ones.
  std::vector<int16_t> s(1760, 0);
  for (size_t i = 1200; i < s.size(); ++i) {
    s[i] = static_cast<int16_t>(
        20000.0 * std::sin(2.0 * 3.14159265 * 440.0 * static_cast<double>(i) / 16000.0));
  }
  const std::vector<float> db = run(s);
  float peak = -1e9f;
  for (float v : db) peak = std::fmax(peak, v);
  for (uint32_t m = 0; m < OwwMel::kBins; ++m) EXPECT_FLOAT_EQ(db[m], peak - 80.0f);
}

TEST_F(OwwMelTest, SlaneyFilterbankIsAreaNormalised) {
  // Slaney normalisation: each triangle's peak is 2 / (width in Hz), so
  // its integral over frequency (bin spacing 31.25 Hz) is about 1.
  for (uint32_t m = 0; m < OwwMel::kBins; ++m) {
    double sum = 0.0;
    for (uint32_t k = 0; k < OwwMel::kSpectrumBins; ++k) sum += mel_.filter(m)[k];
    EXPECT_NEAR(sum * 31.25, 1.0, 0.25) << "filter " << m;
  }
  // Nothing outside 60..3800 Hz.
  for (uint32_t m = 0; m < OwwMel::kBins; ++m) {
    EXPECT_EQ(mel_.filter(m)[1], 0.0f);
    EXPECT_EQ(mel_.filter(m)[122], 0.0f);  // 3812.5 Hz
  }
}

TEST_F(OwwMelTest, TransformIsTenthPlusTwo) {
  float v[3] = {-100.0f, 0.0f, 35.5f};
  OwwMel::transform(v, 3);
  EXPECT_EQ(v[0], -8.0f);
  EXPECT_EQ(v[1], 2.0f);
  EXPECT_EQ(v[2], 35.5f / 10.0f + 2.0f);
}

// Tolerance met on every value of the three clips (dB; values up to ~110 dB).
constexpr double kMelToleranceDb = 5e-4;  // measured: 1.8e-4 (jarvis_first)

TEST_F(OwwMelTest, MatchesOnnxReferenceOnWholeClips) {
  for (const char* clip : testing::kOwwClips) {
    const std::string base = std::string("models/openwakeword/reference/") + clip;
    KWS_REQUIRE_SHARED(wav, base + ".wav");
    KWS_REQUIRE_SHARED(ref_path, base + ".mel.npy");
    const testing::Npy ref = testing::read_npy(ref_path);
    const std::vector<float> got = run(testing::read_reference_wav(wav));
    ASSERT_EQ(ref.cols, OwwMel::kBins) << clip;
    ASSERT_EQ(got.size(), ref.values.size()) << clip;
    double worst = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
      worst = std::fmax(worst, std::fabs(double{got[i]} - double{ref.values[i]}));
    }
    EXPECT_LE(worst, kMelToleranceDb) << clip;
    std::printf("%s: %zu frames, max |native - onnx| = %.3g dB\n", clip, ref.rows, worst);
  }
}

}  // namespace
}  // namespace kws
