// Our front end against MLPerf Tiny KWS's shipped int8 MFCC vectors.
//
// MLPerf divided every clip by its positive peak before the STFT and made the
// int8 vectors with int(x/scale + zp) (truncation). With the same clip gain
// and QuantRounding::kTruncate our features must equal theirs except for rare
// off-by-one values where float32 (TensorFlow) and our tables straddle an
// integer boundary.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline/frontend.h"
#include "tests/support/test_data.h"

namespace kws {
namespace {

struct Counts {
  long equal = 0;
  long off_by_one = 0;
  long larger = 0;
  int clips = 0;
  int exact_clips = 0;
};

Counts compare_all(QuantRounding rounding, bool peak_normalise) {
  Counts c;
  FrontendConfig cfg;
  cfg.quant_rounding = rounding;
  size_t bytes = 0;
  EXPECT_TRUE(Frontend::needed_bytes(cfg, false, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 1);
  Frontend fe;
  EXPECT_TRUE(fe.init(cfg, mem.data(), bytes).ok());
  std::ifstream csv(testing::shared_data_dir() + "/mlperf_tiny_kws/mfcc_int8/y_labels.csv");
  std::string line;
  while (std::getline(csv, line)) {
    const std::string bin = line.substr(0, line.find(','));
    const std::string wav =
        testing::shared_data_path("mlperf_tiny_kws/wav/" + bin.substr(0, bin.size() - 4) + ".wav");
    if (wav.empty()) continue;
    SF_INFO sfi{};
    SNDFILE* f = sf_open(wav.c_str(), SFM_READ, &sfi);
    EXPECT_NE(f, nullptr) << wav;
    if (f == nullptr) continue;
    std::vector<int16_t> audio(16000, 0);
    sf_readf_short(f, audio.data(), std::min<sf_count_t>(sfi.frames, 16000));
    sf_close(f);
    int peak = 1;
    for (int16_t s : audio) peak = std::max(peak, static_cast<int>(s));
    fe.set_input_gain(peak_normalise ? 32768.0f / static_cast<float>(peak) : 1.0f);
    std::ifstream vf(testing::shared_data_dir() + "/mlperf_tiny_kws/mfcc_int8/" + bin,
                     std::ios::binary);
    const std::vector<char> expected((std::istreambuf_iterator<char>(vf)), {});
    EXPECT_EQ(expected.size(), 490u) << bin;
    if (expected.size() != 490u) continue;
    long wrong = 0;
    for (int frame = 0; frame < 49; ++frame) {
      int8_t q[10];
      fe.compute(audio.data() + frame * 320, q);
      for (int j = 0; j < 10; ++j) {
        const int d = q[j] - static_cast<int8_t>(expected[frame * 10 + j]);
        if (d == 0) {
          ++c.equal;
        } else if (d == 1 || d == -1) {
          ++c.off_by_one;
          ++wrong;
        } else {
          ++c.larger;
          ++wrong;
        }
      }
    }
    ++c.clips;
    c.exact_clips += wrong == 0;
  }
  return c;
}

TEST(MlperfParity, FrontEndReproducesTheShippedInt8Vectors) {
  KWS_REQUIRE_SHARED(csv, "mlperf_tiny_kws/mfcc_int8/y_labels.csv");
  KWS_REQUIRE_SHARED(wavs, "mlperf_tiny_kws/wav");
  const Counts c = compare_all(QuantRounding::kTruncate, true);
  std::printf(
      "truncate + peak gain: %d clips, %d bit-exact; values equal %ld, off by one %ld, "
      "larger %ld\n",
      c.clips, c.exact_clips, c.equal, c.off_by_one, c.larger);
  ASSERT_EQ(c.clips, 100);
  EXPECT_EQ(c.larger, 0);
  EXPECT_GE(c.equal, 48800);  // of 49000 values; measured 48915
  EXPECT_GE(c.exact_clips, 85);
}

TEST(MlperfParity, HalfAwayRoundingOrNoPeakGainDoNotReproduceThem) {
  KWS_REQUIRE_SHARED(csv, "mlperf_tiny_kws/mfcc_int8/y_labels.csv");
  KWS_REQUIRE_SHARED(wavs, "mlperf_tiny_kws/wav");
  const Counts rounded = compare_all(QuantRounding::kHalfAwayFromZero, true);
  const Counts raw = compare_all(QuantRounding::kTruncate, false);
  std::printf("half-away + peak gain: values equal %ld; truncate without gain: larger diffs %ld\n",
              rounded.equal, raw.larger);
  EXPECT_LT(rounded.equal, 30000);
  EXPECT_GT(raw.larger, 1000);  // c0 shifts by the missing clip gain
}

}  // namespace
}  // namespace kws
