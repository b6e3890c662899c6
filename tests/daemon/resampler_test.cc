#include "daemon/audio/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace kws::audio {
namespace {

TEST(Resampler, RejectsBadChannelCountsAndRates) {
  EXPECT_FALSE(Resampler::create(16000, 0, 16000).ok());
  EXPECT_FALSE(Resampler::create(16000, 9, 16000).ok());
  EXPECT_FALSE(Resampler::create(0, 1, 16000).ok());
  EXPECT_NE(Resampler::create(16000, 9, 16000).error().find("unsupported channel count 9"),
            std::string::npos);
}

TEST(Resampler, SameRateIsPassthrough) {
  auto r = Resampler::create(16000, 1, 16000);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE((*r)->passthrough());
  const float x[4] = {0.0f, 0.5f, -1.0f, 1.0f};
  std::vector<int16_t> out;
  ASSERT_EQ((*r)->process(x, 4, &out), "");
  EXPECT_EQ(out, (std::vector<int16_t>{0, 16384, -32768, 32767}));  // 1.0 clamps
}

TEST(Resampler, ChunkingDoesNotChangeOutput) {
  std::vector<float> x(48000 * 2);
  for (size_t i = 0; i < x.size() / 2; ++i) {
    x[2 * i] = 0.3f * static_cast<float>(std::sin(0.05 * static_cast<double>(i)));
    x[2 * i + 1] = 0.1f;
  }
  auto a = Resampler::create(48000, 2, 16000);
  auto b = Resampler::create(48000, 2, 16000);
  ASSERT_TRUE(a.ok() && b.ok());
  std::vector<int16_t> whole, chunked;
  ASSERT_EQ((*a)->process(x.data(), 48000, &whole), "");
  ASSERT_EQ((*a)->flush(&whole), "");
  for (size_t f = 0; f < 48000; f += 777) {
    const size_t n = std::min<size_t>(777, 48000 - f);
    ASSERT_EQ((*b)->process(x.data() + 2 * f, n, &chunked), "");
  }
  ASSERT_EQ((*b)->flush(&chunked), "");
  EXPECT_NEAR(static_cast<double>(whole.size()), 16000.0, 2.0);
  ASSERT_EQ(whole.size(), chunked.size());
  size_t max_diff = 0;
  for (size_t i = 0; i < whole.size(); ++i) {
    max_diff = std::max<size_t>(max_diff, static_cast<size_t>(std::abs(whole[i] - chunked[i])));
  }
  EXPECT_LE(max_diff, 1u);  // libsamplerate is chunk-invariant up to float rounding
}

TEST(Resampler, FloatToInt16RoundsAndClamps) {
  EXPECT_EQ(float_to_int16(0.0f), 0);
  EXPECT_EQ(float_to_int16(1.5f), 32767);
  EXPECT_EQ(float_to_int16(-1.5f), -32768);
  EXPECT_EQ(float_to_int16(std::nanf("")), -32768);
  EXPECT_EQ(float_to_int16(100.4f / 32768.0f), 100);
}

}  // namespace
}  // namespace kws::audio
