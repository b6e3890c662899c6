#include "daemon/wyoming/pcm_converter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/wyoming/test_client.h"

namespace kws::wyoming {
namespace {

using ::testing::HasSubstr;

std::vector<int16_t> ramp(size_t n) {
  std::vector<int16_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    v[i] = static_cast<int16_t>(static_cast<int32_t>((i * 2654435761u) % 65536) - 32768);
  }
  return v;
}

std::vector<int16_t> convert(const PcmFormat& f, const std::string& pcm, size_t piece) {
  auto conv = PcmConverter::create(f, 16000);
  EXPECT_TRUE(conv.ok()) << (conv.ok() ? "" : conv.error());
  std::vector<int16_t> out;
  for (size_t i = 0; i < pcm.size(); i += piece) {
    const size_t n = std::min(piece, pcm.size() - i);
    EXPECT_EQ((*conv)->push(reinterpret_cast<const uint8_t*>(pcm.data() + i), n, &out), "");
  }
  EXPECT_EQ((*conv)->flush(&out), "");
  return out;
}

TEST(PcmConverter, SixteenKhzS16MonoIsBitExactInAnyPieces) {
  const std::vector<int16_t> in = ramp(4001);
  const std::string pcm = testing::to_pcm(in, 2, 1);
  for (size_t piece : {size_t{1}, size_t{3}, size_t{1000}, pcm.size()}) {
    EXPECT_EQ(convert({16000, 2, 1}, pcm, piece), in) << "piece " << piece;
  }
}

TEST(PcmConverter, Widths3And4AndStereoGiveTheSameSamples) {
  const std::vector<int16_t> in = ramp(999);
  for (uint32_t width : {3u, 4u}) {
    for (uint32_t channels : {1u, 2u}) {
      const std::string pcm = testing::to_pcm(in, width, channels);
      EXPECT_EQ(convert({16000, width, channels}, pcm, 5), in)
          << "width " << width << " channels " << channels;
    }
  }
}

TEST(PcmConverter, WidthOneIsSigned) {
  const std::string pcm = {static_cast<char>(0x40), static_cast<char>(0xC0), 0};
  const std::vector<int16_t> out = convert({16000, 1, 1}, pcm, 1);
  EXPECT_EQ(out, (std::vector<int16_t>{16384, -16384, 0}));
}

TEST(PcmConverter, StereoIsAveraged) {
  // Left +8192, right -8192 -> 0; left = right = 1000 -> 1000.
  std::vector<int16_t> lr = {8192, -8192, 1000, 1000};
  const std::string pcm(reinterpret_cast<const char*>(lr.data()), lr.size() * 2);
  EXPECT_EQ(convert({16000, 2, 2}, pcm, 3), (std::vector<int16_t>{0, 1000}));
}

TEST(PcmConverter, FortyEightKhzToneKeepsDurationAndFrequency) {
  std::vector<int16_t> tone(48000);
  for (size_t i = 0; i < tone.size(); ++i) {
    tone[i] = static_cast<int16_t>(10000.0 * std::sin(2.0 * M_PI * 1000.0 * double(i) / 48000.0));
  }
  const std::vector<int16_t> out = convert({48000, 2, 1}, testing::to_pcm(tone, 2, 1), 2048);
  ASSERT_NEAR(static_cast<double>(out.size()), 16000.0, 16.0);
  // A 1 kHz tone at 16 kHz crosses zero upwards about 1000 times per second.
  int rising = 0;
  for (size_t i = 1; i < out.size(); ++i) rising += (out[i - 1] < 0 && out[i] >= 0) ? 1 : 0;
  EXPECT_NEAR(rising, 1000, 3);
}

TEST(PcmConverter, UnsupportedFormatsAreNamed) {
  EXPECT_THAT(check_pcm_format({16000, 5, 1}), HasSubstr("sample width 5"));
  EXPECT_THAT(check_pcm_format({16000, 0, 1}), HasSubstr("sample width 0"));
  EXPECT_THAT(check_pcm_format({16000, 2, 0}), HasSubstr("channel count 0"));
  EXPECT_THAT(check_pcm_format({16000, 2, 9}), HasSubstr("channel count 9"));
  EXPECT_THAT(check_pcm_format({999, 2, 1}), HasSubstr("sample rate 999"));
  EXPECT_EQ(check_pcm_format({44100, 4, 8}), "");
  EXPECT_FALSE(PcmConverter::create({16000, 7, 1}, 16000).ok());
}

}  // namespace
}  // namespace kws::wyoming
