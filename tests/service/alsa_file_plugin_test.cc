// The real ALSA code path, fed by the "file" plugin's infile.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>
#include <vector>

#include "daemon/capture/alsa_source.h"
#include "daemon/capture/capture_devices.h"
#include "daemon/capture/capture_loop.h"
#include "tests/service/alsa_test_env.h"

namespace kws::daemon {
namespace {

using testing::FilePcm;

class AlsaFilePluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("kwsd-alsa-"));
    // Mono 16 kHz ramp pattern, then stereo 48 kHz 1 kHz sine.
    ramp_.clear();
    for (int i = 0; i < 32000; ++i) ramp_.push_back(static_cast<int16_t>((i * 7) % 20000 - 10000));
    testing::write_raw_s16(*dir_ + "/ramp.raw", ramp_);
    std::vector<int16_t> stereo;
    for (int i = 0; i < 48000 * 2; ++i) {
      const auto s =
          static_cast<int16_t>(std::lround(8000.0 * std::sin(2.0 * M_PI * 1000.0 * i / 48000.0)));
      stereo.push_back(s);
      stereo.push_back(s);
    }
    testing::write_raw_s16(*dir_ + "/sine48k.raw", stereo);
    testing::install_alsa_file_config(*dir_, {FilePcm{"kwsramp", *dir_ + "/ramp.raw"},
                                              FilePcm{"kwssine", *dir_ + "/sine48k.raw"}});
  }

  static std::string* dir_;
  static std::vector<int16_t> ramp_;
};

std::string* AlsaFilePluginTest::dir_ = nullptr;
std::vector<int16_t> AlsaFilePluginTest::ramp_;

TEST_F(AlsaFilePluginTest, ReadsTheInfileSamplesExactly) {
  AlsaSourceConfig cfg;
  cfg.device = "kwsramp";
  AlsaSource source(cfg);
  StreamFormat f;
  SourceStatus st = source.open(&f);
  ASSERT_TRUE(st.ok()) << st.message;
  EXPECT_EQ(f.rate, 16000u);
  EXPECT_EQ(f.channels, 1u);
  EXPECT_EQ(f.format, SampleFormat::kS16);
  ASSERT_GT(f.period_frames, 0u);
  std::vector<int16_t> got;
  std::vector<int16_t> buf(f.period_frames);
  for (int tries = 0; got.size() < 16000 && tries < 10000; ++tries) {
    ReadResult r = source.read(buf.data(), buf.size());
    ASSERT_EQ(r.error, SourceError::kNone) << source_error_name(r.error);
    got.insert(got.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(r.frames));
  }
  ASSERT_GE(got.size(), 16000u);
  for (size_t i = 0; i < 16000; ++i) ASSERT_EQ(got[i], ramp_[i]) << "sample " << i;
  source.close();
}

TEST_F(AlsaFilePluginTest, CaptureLoopResamples48kStereoDeviceTo16kMono) {
  AlsaSourceConfig cfg;
  cfg.device = "kwssine";
  cfg.preferred_rate = 48000;  // what a USB microphone typically offers
  cfg.preferred_channels = 2;
  AlsaSource source(cfg);
  size_t bytes = 0;
  ASSERT_TRUE(SpscRing<int16_t>::needed_bytes(1 << 15, &bytes).ok());
  std::vector<int16_t> storage(bytes / 2);
  SpscRing<int16_t> ring;
  ASSERT_TRUE(ring.init(1 << 15, storage.data(), bytes).ok());
  CaptureLoop loop(&source, &ring, CaptureLoopConfig{});
  ASSERT_TRUE(loop.open().ok());
  EXPECT_EQ(loop.format().rate, 48000u);
  EXPECT_EQ(loop.format().channels, 2u);
  std::atomic<bool> stop{false};
  std::thread t([&] { loop.run(stop); });
  std::vector<int16_t> out;
  std::vector<int16_t> chunk(4096);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (out.size() < 12000 && std::chrono::steady_clock::now() < deadline) {
    const size_t n = ring.read(chunk.data(), chunk.size());
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    if (n == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  stop.store(true);
  t.join();
  ASSERT_GE(out.size(), 12000u);
  // 3:1 rate reduction (the file plugin delivers faster than real time, so
  // compare counts, not durations).
  const double ratio = static_cast<double>(loop.stats().frames_read.load()) /
                       static_cast<double>(loop.stats().samples_written.load() +
                                           loop.stats().samples_dropped.load());
  EXPECT_NEAR(ratio, 3.0, 0.05);
  int crossings = 0;
  for (size_t i = 1000; i < 12000; ++i) crossings += (out[i - 1] < 0 && out[i] >= 0);
  EXPECT_NEAR(crossings / (11000.0 / 16000.0), 1000.0, 15.0);
}

TEST_F(AlsaFilePluginTest, MissingDeviceIsNotFoundAndListingShowsRealOnes) {
  AlsaSourceConfig cfg;
  cfg.device = "no_such_microphone";
  AlsaSource source(cfg);
  StreamFormat f;
  SourceStatus st = source.open(&f);
  EXPECT_EQ(st.error, SourceError::kNotFound) << st.message;
  EXPECT_NE(st.message.find("no_such_microphone"), std::string::npos) << st.message;
  const std::string listing = format_device_list(list_capture_devices());
  EXPECT_NE(listing.find("kwsramp"), std::string::npos) << listing;
  EXPECT_NE(listing.find("kwssine"), std::string::npos) << listing;
}

}  // namespace
}  // namespace kws::daemon
