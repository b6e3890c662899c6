#include "pipeline/framer.h"

#include <gtest/gtest.h>

#include <vector>

namespace kws {
namespace {

// Frames produced when `signal` is fed in chunks of `chunk` samples.
std::vector<std::vector<int16_t>> frames_for(const FramerConfig& cfg,
                                             const std::vector<int16_t>& signal, size_t chunk) {
  alignas(16) static unsigned char mem[1 << 16];
  Framer f;
  EXPECT_TRUE(f.init(cfg, mem, sizeof(mem)).ok());
  std::vector<std::vector<int16_t>> frames;
  size_t pos = 0;
  while (pos < signal.size()) {
    size_t n = std::min(chunk, signal.size() - pos);
    const int16_t* p = signal.data() + pos;
    pos += n;
    while (n > 0) {
      const size_t used = f.feed(p, n);
      p += used;
      n -= used;
      if (f.frame_ready()) {
        frames.emplace_back(f.frame(), f.frame() + cfg.window_samples);
        f.pop_frame();
      }
    }
  }
  return frames;
}

std::vector<int16_t> ramp(size_t n) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<int16_t>(i % 30000);
  return s;
}

TEST(Framer, FrameKStartsAtKTimesHop) {
  FramerConfig cfg{480, 320};
  const auto frames = frames_for(cfg, ramp(16000), 16000);
  ASSERT_EQ(frames.size(), 49u);  // 1 + (16000 - 480) / 320
  for (size_t k = 0; k < frames.size(); ++k) {
    EXPECT_EQ(frames[k][0], static_cast<int16_t>(k * 320)) << k;
    EXPECT_EQ(frames[k][479], static_cast<int16_t>(k * 320 + 479)) << k;
  }
}

TEST(Framer, AnyChunkingGivesTheSameFrames) {
  FramerConfig cfg{480, 320};
  const auto signal = ramp(10007);
  const auto reference = frames_for(cfg, signal, signal.size());
  for (size_t chunk : {1u, 7u, 160u, 320u, 481u}) {
    EXPECT_EQ(frames_for(cfg, signal, chunk), reference) << "chunk " << chunk;
  }
}

TEST(Framer, HopLargerThanWindowSkipsSamples) {
  FramerConfig cfg{4, 10};
  const auto frames = frames_for(cfg, ramp(35), 3);
  ASSERT_EQ(frames.size(), 4u);  // starts 0, 10, 20, 30
  EXPECT_EQ(frames[1], (std::vector<int16_t>{10, 11, 12, 13}));
  EXPECT_EQ(frames[3], (std::vector<int16_t>{30, 31, 32, 33}));
}

TEST(Framer, RejectsZeroSizesAndSmallMemory) {
  size_t bytes = 0;
  EXPECT_FALSE(Framer::needed_bytes(FramerConfig{0, 1}, &bytes).ok());
  EXPECT_FALSE(Framer::needed_bytes(FramerConfig{4, 0}, &bytes).ok());
  alignas(16) unsigned char mem[64];
  Framer f;
  EXPECT_EQ(f.init(FramerConfig{480, 320}, mem, sizeof(mem)).code(), StatusCode::kBufferTooSmall);
}

}  // namespace
}  // namespace kws
