#include <gtest/gtest.h>

#include <vector>

#include "pipeline/smoother.h"
#include "pipeline/trigger.h"

namespace kws {
namespace {

TEST(PosteriorSmoother, MovingAverageOverTheStepsSeen) {
  SmootherConfig cfg{2, 3};
  size_t bytes = 0;
  ASSERT_TRUE(PosteriorSmoother::needed_bytes(cfg, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 1);
  PosteriorSmoother s;
  ASSERT_TRUE(s.init(cfg, mem.data(), bytes).ok());
  const float in[5][2] = {{0.3f, 1}, {0.6f, 1}, {0.9f, 1}, {0.0f, 1}, {0.0f, 0}};
  const float expect0[5] = {0.3f, 0.45f, 0.6f, 0.5f, 0.3f};
  const float expect1[5] = {1, 1, 1, 1, 2.0f / 3.0f};
  for (int i = 0; i < 5; ++i) {
    float out[2];
    s.update(in[i], out);
    EXPECT_NEAR(out[0], expect0[i], 1e-6) << i;
    EXPECT_NEAR(out[1], expect1[i], 1e-6) << i;
  }
  s.reset();
  float out[2];
  s.update(in[3], out);
  EXPECT_EQ(out[0], 0.0f);
}

struct TriggerFixture {
  explicit TriggerFixture(std::vector<KeywordParams> p) : params(std::move(p)) {
    TriggerConfig cfg{static_cast<uint32_t>(params.size()), 16000, params.data()};
    size_t bytes = 0;
    EXPECT_TRUE(Trigger::needed_bytes(cfg, &bytes).ok());
    mem.resize(bytes / sizeof(double) + 1);
    EXPECT_TRUE(t.init(cfg, mem.data(), bytes).ok());
  }
  // Steps every 320 samples with the same raw and smoothed score for label 0.
  std::vector<size_t> fire_steps(const std::vector<float>& scores,
                                 const std::vector<float>& raw = {}) {
    std::vector<size_t> fired;
    for (size_t i = 0; i < scores.size(); ++i) {
      float sm[2] = {scores[i], 0.0f};
      float r[2] = {raw.empty() ? scores[i] : raw[i], 0.0f};
      Trigger::Decision d[2];
      t.update(320 * (i + 1), r, sm, d);
      if (d[0].fired) {
        fired.push_back(i);
        last_peak = d[0].peak_raw;
      }
      EXPECT_FALSE(d[1].fired);
    }
    return fired;
  }
  std::vector<KeywordParams> params;
  std::vector<double> mem;
  Trigger t;
  float last_peak = 0.0f;
};

KeywordParams kw(float threshold, uint32_t min_count, uint32_t refractory_ms) {
  KeywordParams p;
  p.is_keyword = true;
  p.threshold = threshold;
  p.min_count = min_count;
  p.refractory_ms = refractory_ms;
  return p;
}

TEST(Trigger, NeedsMinCountConsecutiveStepsAtOrAboveThreshold) {
  KeywordParams other;  // not a keyword: never fires even at 1.0
  TriggerFixture f({kw(0.5f, 3, 0), other});
  EXPECT_EQ(f.fire_steps({0.6f, 0.5f, 0.4f, 0.9f, 0.9f, 0.9f}), (std::vector<size_t>{5}));
}

TEST(Trigger, RefractoryTimeSuppressesRepeatsAndPeakIsTheRunMaximum) {
  // 100 ms = 1600 samples = 5 steps of 320.
  TriggerFixture f({kw(0.5f, 2, 100), KeywordParams{}});
  std::vector<float> s(20, 0.9f);
  std::vector<float> raw(20, 0.7f);
  raw[1] = 0.95f;
  // Fires at step 1 (sample 640); refractory until sample 2240 (step 6); the
  // run restarts there and needs 2 steps: fires at step 7, then step 13, 19.
  EXPECT_EQ(f.fire_steps(s, raw), (std::vector<size_t>{1, 7, 13, 19}));
  EXPECT_FLOAT_EQ(f.last_peak, 0.7f);
}

TEST(Trigger, PeakIsTheMaximumRawScoreOverTheRun) {
  TriggerFixture f({kw(0.5f, 3, 1000), KeywordParams{}});
  const auto fired = f.fire_steps({0.6f, 0.6f, 0.6f}, {0.55f, 0.99f, 0.6f});
  EXPECT_EQ(fired, (std::vector<size_t>{2}));
  EXPECT_FLOAT_EQ(f.last_peak, 0.99f);
}

TEST(Trigger, ParamsCanChangeLiveAndAreValidated) {
  TriggerFixture f({kw(0.95f, 1, 0), KeywordParams{}});
  EXPECT_TRUE(f.fire_steps({0.9f}).empty());
  ASSERT_TRUE(f.t.set_params(0, kw(0.8f, 1, 0)).ok());
  EXPECT_EQ(f.fire_steps({0.9f}), (std::vector<size_t>{0}));
  EXPECT_EQ(f.t.set_params(0, kw(1.5f, 1, 0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.t.set_params(0, kw(0.5f, 0, 0)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(f.t.set_params(7, kw(0.5f, 1, 0)).code(), StatusCode::kInvalidArgument);
  EXPECT_FLOAT_EQ(f.t.params(0).threshold, 0.8f);
}

}  // namespace
}  // namespace kws
