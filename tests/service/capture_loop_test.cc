#include "daemon/capture/capture_loop.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <cmath>
#include <vector>

#include "tests/service/mock_audio_source.h"

namespace kws::daemon {
namespace {

using ::testing::_;
using testing::Fault;
using ::testing::InSequence;
using ::testing::Invoke;
using testing::MockAudioSource;
using testing::OpenWith;
using testing::ReadS16;
using ::testing::Return;

constexpr size_t kPeriod = 160;

StreamFormat MonoS16(uint32_t rate = 16000) {
  StreamFormat f;
  f.rate = rate;
  f.channels = 1;
  f.format = SampleFormat::kS16;
  f.period_frames = kPeriod;
  return f;
}

class CaptureLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    size_t bytes = 0;
    ASSERT_TRUE(SpscRing<int16_t>::needed_bytes(1 << 16, &bytes).ok());
    storage_.resize(bytes / sizeof(int16_t));
    ASSERT_TRUE(ring_.init(1 << 16, storage_.data(), bytes).ok());
    config_.backoff_initial = std::chrono::milliseconds(1);
    config_.backoff_max = std::chrono::milliseconds(4);
  }

  std::vector<int16_t> Drain() {
    std::vector<int16_t> out(ring_.read_available());
    ring_.read(out.data(), out.size());
    return out;
  }

  std::vector<int16_t> storage_;
  SpscRing<int16_t> ring_;
  CaptureLoopConfig config_;
  std::atomic<bool> stop_{false};
  MockAudioSource source_;
};

TEST_F(CaptureLoopTest, CopiesMonoS16StraightThrough) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, kPeriod)).Times(3).WillRepeatedly(Invoke(ReadS16(1234)));
  EXPECT_CALL(source_, read(_, kPeriod)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  std::vector<int16_t> out = Drain();
  ASSERT_EQ(out.size(), 3 * kPeriod);
  for (int16_t s : out) ASSERT_EQ(s, 1234);
  EXPECT_EQ(loop.stats().frames_read.load(), 3 * kPeriod);
}

TEST_F(CaptureLoopTest, XrunStormIsRecoveredInPlaceAndCounted) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  for (int i = 0; i < 300; ++i) {
    EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kOverrun, EPIPE)));
    EXPECT_CALL(source_, recover(SourceError::kOverrun)).WillOnce(Return(SourceStatus{}));
    EXPECT_CALL(source_, read(_, _)).WillOnce(Invoke(ReadS16(7)));
  }
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  EXPECT_EQ(loop.stats().overruns.load(), 300u);
  EXPECT_EQ(loop.stats().device_losses.load(), 0u);
  EXPECT_EQ(Drain().size(), 300 * kPeriod);
}

TEST_F(CaptureLoopTest, SuspendIsResumedThroughRecover) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kSuspended, ESTRPIPE)));
  EXPECT_CALL(source_, recover(SourceError::kSuspended)).WillOnce(Return(SourceStatus{}));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Invoke(ReadS16(1)));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  EXPECT_EQ(loop.stats().suspends.load(), 1u);
  EXPECT_EQ(Drain().size(), kPeriod);
}

TEST_F(CaptureLoopTest, LostDeviceIsReopenedWithBackoffAndAudioContinues) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Invoke(ReadS16(1)));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kDeviceLost, ENODEV)));
  EXPECT_CALL(source_, close());
  // Unplugged: the device is missing for three attempts, then comes back.
  EXPECT_CALL(source_, open(_))
      .Times(3)
      .WillRepeatedly(Return(SourceStatus{SourceError::kNotFound, ENOENT, "no such device"}));
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Invoke(ReadS16(2)));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  EXPECT_EQ(loop.stats().device_losses.load(), 1u);
  EXPECT_EQ(loop.stats().failed_opens.load(), 3u);
  EXPECT_EQ(loop.stats().reopens.load(), 1u);
  std::vector<int16_t> out = Drain();
  ASSERT_EQ(out.size(), 2 * kPeriod);
  EXPECT_EQ(out.front(), 1);
  EXPECT_EQ(out.back(), 2);
}

TEST_F(CaptureLoopTest, FailedRecoveryFallsBackToReopen) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kOverrun, EPIPE)));
  EXPECT_CALL(source_, recover(SourceError::kOverrun))
      .WillOnce(Return(SourceStatus{SourceError::kDeviceLost, EIO, "prepare failed"}));
  EXPECT_CALL(source_, close());
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  EXPECT_EQ(loop.stats().overruns.load(), 1u);
  EXPECT_EQ(loop.stats().device_losses.load(), 1u);
  EXPECT_EQ(loop.stats().reopens.load(), 1u);
}

TEST_F(CaptureLoopTest, BusyDeviceAtStartIsReportedThenRetriedUntilStopped) {
  EXPECT_CALL(source_, open(_))
      .WillRepeatedly(Return(SourceStatus{SourceError::kBusy, EBUSY, "device busy"}));
  EXPECT_CALL(source_, read(_, _)).Times(0);
  CaptureLoop loop(&source_, &ring_, config_);
  SourceStatus first = loop.open();
  EXPECT_EQ(first.error, SourceError::kBusy);
  std::thread stopper([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stop_.store(true);
  });
  loop.run(stop_);  // must return once stop is set, despite the busy device
  stopper.join();
  EXPECT_GE(loop.stats().failed_opens.load(), 2u);
  EXPECT_FALSE(loop.stats().device_open.load());
}

TEST_F(CaptureLoopTest, FullRingDropsAndCountsInsteadOfBlocking) {
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(MonoS16())));
  // 1 << 16 ring; 500 periods of 160 = 80000 samples: 14464 must be dropped.
  EXPECT_CALL(source_, read(_, _)).Times(500).WillRepeatedly(Invoke(ReadS16(3)));
  EXPECT_CALL(source_, read(_, _)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  EXPECT_EQ(loop.stats().samples_written.load(), 65536u);
  EXPECT_EQ(loop.stats().samples_dropped.load(), 80000u - 65536u);
}

TEST_F(CaptureLoopTest, StereoS32At48kIsDownmixedAndResampledTo16k) {
  StreamFormat f;
  f.rate = 48000;
  f.channels = 2;
  f.format = SampleFormat::kS32;
  f.period_frames = 480;
  size_t phase = 0;
  InSequence seq;
  EXPECT_CALL(source_, open(_)).WillOnce(Invoke(OpenWith(f)));
  EXPECT_CALL(source_, read(_, 480))
      .Times(100)
      .WillRepeatedly(Invoke([&phase](void* buffer, size_t frames) {
        auto* p = static_cast<int32_t*>(buffer);
        for (size_t i = 0; i < frames; ++i, ++phase) {
          // 1 kHz sine, half scale, left and right identical.
          const double x =
              0.5 * std::sin(2.0 * M_PI * 1000.0 * static_cast<double>(phase) / 48000.0);
          p[2 * i] = p[2 * i + 1] = static_cast<int32_t>(x * 2147483647.0);
        }
        return ReadResult{SourceError::kNone, 0, frames};
      }));
  EXPECT_CALL(source_, read(_, 480)).WillOnce(Return(Fault(SourceError::kEndOfStream)));
  EXPECT_CALL(source_, close());
  CaptureLoop loop(&source_, &ring_, config_);
  loop.run(stop_);
  std::vector<int16_t> out = Drain();
  // One second at 48 kHz becomes about one second at 16 kHz (the resampler
  // holds back a few dozen samples of latency).
  EXPECT_NEAR(static_cast<double>(out.size()), 16000.0, 100.0);
  // Amplitude and frequency survive: count upward zero crossings after the
  // resampler's start-up.
  int crossings = 0;
  int16_t peak = 0;
  for (size_t i = 2000; i < out.size(); ++i) {
    if (out[i - 1] < 0 && out[i] >= 0) ++crossings;
    peak = std::max(peak, out[i]);
  }
  const double seconds = static_cast<double>(out.size() - 2000) / 16000.0;
  EXPECT_NEAR(crossings / seconds, 1000.0, 10.0);
  EXPECT_NEAR(peak, 16384, 600);
}

}  // namespace
}  // namespace kws::daemon
