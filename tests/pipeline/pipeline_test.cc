#include "pipeline/pipeline.h"

#include <gtest/gtest.h>

#include <vector>

#include "tests/pipeline/pipeline_test_support.h"

namespace kws {
namespace {

using pipeline_test::burst_signal;
using pipeline_test::LoudnessClassifier;
using pipeline_test::RecordingSink;
using pipeline_test::two_label_info;

struct Harness {
  explicit Harness(const ModelInfo& i) : info(i), classifier(i.frontend.feature_dim()) {
    size_t bytes = 0;
    status = Pipeline::needed_bytes(info, &bytes);
    if (!status.ok()) return;
    mem.resize(bytes / sizeof(double) + 1);
    status = pipeline.init(info, &classifier, mem.data(), bytes);
  }
  RecordingSink run(const std::vector<int16_t>& signal, size_t chunk) {
    RecordingSink sink;
    for (size_t pos = 0; pos < signal.size(); pos += chunk) {
      const size_t n = std::min(chunk, signal.size() - pos);
      EXPECT_TRUE(pipeline.push(signal.data() + pos, n, &sink).ok());
    }
    return sink;
  }
  ModelInfo info;
  LoudnessClassifier classifier;
  std::vector<double> mem;
  Pipeline pipeline;
  Status status;
};

TEST(Pipeline, SameEventsAndScoresForEveryChunking) {
  const auto signal = burst_signal(4.0);
  std::vector<RecordingSink> runs;
  for (size_t chunk : {1u, 7u, 160u, 16000u}) {
    Harness h(two_label_info());
    ASSERT_TRUE(h.status.ok()) << h.status.message();
    runs.push_back(h.run(signal, chunk));
  }
  ASSERT_FALSE(runs[0].events.empty());
  ASSERT_FALSE(runs[0].scores.empty());
  for (size_t i = 1; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].events, runs[0].events) << "run " << i;
    EXPECT_EQ(runs[i].scores, runs[0].scores) << "run " << i;
  }
}

TEST(Pipeline, StepTimingFollowsWindowHopAndStride) {
  ModelInfo info = two_label_info();
  info.stride_frames = 2;
  Harness h(info);
  ASSERT_TRUE(h.status.ok());
  const auto sink = h.run(burst_signal(1.5), 1000);
  ASSERT_GE(sink.scores.size(), 3u);
  // First step once 49 frames exist: it ends at sample 480 + 48 * 320.
  EXPECT_EQ(sink.scores[0].step, 0u);
  EXPECT_EQ(sink.scores[0].sample_index, 15840u);
  EXPECT_EQ(sink.scores[1].sample_index, 15840u + 2 * 320);
  EXPECT_EQ(sink.scores[2].step, 2u);
  EXPECT_EQ(h.pipeline.samples_processed(), 24000u);
}

TEST(Pipeline, EventsCarryLabelTimeScoresAndRespectRefractory) {
  Harness h(two_label_info());
  ASSERT_TRUE(h.status.ok());
  const auto sink = h.run(burst_signal(4.0), 320);
  // Bursts at 1.5, 2.5 and 3.5 s are visible after the first full window (~1 s).
  ASSERT_EQ(sink.events.size(), 3u);
  for (size_t i = 0; i < sink.events.size(); ++i) {
    const Event& e = sink.events[i].e;
    EXPECT_EQ(e.label_index, 1u);
    EXPECT_STREQ(e.keyword, "tone");
    EXPECT_EQ(e.keyword, h.info.labels[1]);  // points into the ModelInfo
    EXPECT_GE(e.score, 0.5f);
    EXPECT_GE(e.peak_score, e.score - 1e-6f);
    EXPECT_EQ(e.stage, 1u);
    EXPECT_DOUBLE_EQ(e.time_s, static_cast<double>(e.sample_index) / 16000.0);
    EXPECT_EQ((e.sample_index - 480) % 320, 0u);
    const double burst = 1.5 + static_cast<double>(i);
    EXPECT_GT(e.time_s, burst) << i;
    EXPECT_LT(e.time_s, burst + 0.3) << i;
  }
}

TEST(Pipeline, ResetReplaysIdentically) {
  Harness h(two_label_info());
  ASSERT_TRUE(h.status.ok());
  const auto signal = burst_signal(3.0);
  const auto first = h.run(signal, 999);
  h.pipeline.reset();
  EXPECT_EQ(h.pipeline.samples_processed(), 0u);
  const auto second = h.run(signal, 333);
  EXPECT_EQ(first.events, second.events);
  EXPECT_EQ(first.scores, second.scores);
}

TEST(Pipeline, KeywordParamsChangeLiveWithoutDroppingAudio) {
  Harness h(two_label_info());
  ASSERT_TRUE(h.status.ok());
  const auto signal = burst_signal(4.0);
  const size_t half = 2 * 16000;
  RecordingSink sink;
  ASSERT_TRUE(h.pipeline.push(signal.data(), half, &sink).ok());
  const size_t before = sink.events.size();
  EXPECT_EQ(before, 1u);
  KeywordParams p = h.pipeline.keyword_params(1);
  p.threshold = 1.0f;  // unreachable for the fake classifier's tone scores
  ASSERT_TRUE(h.pipeline.set_keyword_params(1, p).ok());
  ASSERT_TRUE(h.pipeline.push(signal.data() + half, signal.size() - half, &sink).ok());
  EXPECT_EQ(sink.events.size(), before);
  EXPECT_EQ(h.pipeline.samples_processed(), signal.size());
  p.threshold = 2.0f;
  EXPECT_EQ(h.pipeline.set_keyword_params(1, p).code(), StatusCode::kInvalidArgument);
}

class RejectingHook final : public CascadeHook {
 public:
  Status on_candidate(Event* event, const int8_t* features, size_t n, bool* accept) override {
    ++calls;
    if (features == nullptr || n != 490) return Status::Error(StatusCode::kInternal, "bad window");
    *accept = confirm;
    event->stage = 2;
    return Status::Ok();
  }
  bool confirm = false;
  int calls = 0;
};

TEST(Pipeline, CascadeHookSeesEachCandidateAndCanRejectOrConfirm) {
  const auto signal = burst_signal(4.0);
  for (bool confirm : {false, true}) {
    Harness h(two_label_info());
    ASSERT_TRUE(h.status.ok());
    RejectingHook hook;
    hook.confirm = confirm;
    h.pipeline.set_cascade_hook(&hook);
    const auto sink = h.run(signal, 1600);
    EXPECT_EQ(hook.calls, 3);
    EXPECT_EQ(sink.events.size(), confirm ? 3u : 0u);
    for (const auto& e : sink.events) EXPECT_EQ(e.e.stage, 2u);
  }
}

TEST(Pipeline, ClassifierErrorIsReturnedFromPush) {
  Harness h(two_label_info());
  ASSERT_TRUE(h.status.ok());
  h.classifier.fail_at = 3;
  const auto signal = burst_signal(2.0);
  RecordingSink sink;
  Status st = h.pipeline.push(signal.data(), signal.size(), &sink);
  EXPECT_EQ(st.code(), StatusCode::kInternal);
  EXPECT_STREQ(st.message(), "fake classifier failure");
  EXPECT_EQ(sink.scores.size(), 2u);
}

TEST(Pipeline, InitChecksMemoryAndArguments) {
  ModelInfo info = two_label_info();
  LoudnessClassifier classifier(10);
  size_t bytes = 0;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 2);
  Pipeline p;
  EXPECT_EQ(p.init(info, &classifier, mem.data(), bytes - 1).code(), StatusCode::kBufferTooSmall);
  EXPECT_EQ(p.init(info, nullptr, mem.data(), bytes).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.init(info, &classifier, reinterpret_cast<char*>(mem.data()) + 4, bytes).code(),
            StatusCode::kInvalidArgument);
  int16_t x = 0;
  EXPECT_EQ(p.push(&x, 1, nullptr).code(), StatusCode::kNotInitialized);
  info.num_labels = 0;
  EXPECT_FALSE(Pipeline::needed_bytes(info, &bytes).ok());
}

TEST(Pipeline, MemoryForTheMlperfConfigurationIsPinned) {
  // A regression guard: the whole core for MLPerf KWS (49x10 window, 512-point
  // FFT, 40 mel bands, 12 labels) measured 20320 bytes; it must stay <= 20 KiB.
  ModelInfo info = two_label_info();
  info.num_labels = 12;
  for (uint32_t i = 2; i < 12; ++i) std::snprintf(info.labels[i], kMaxLabelLength, "w%u", i);
  size_t bytes = 0;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &bytes).ok());
  RecordProperty("pipeline_bytes", static_cast<int>(bytes));
  EXPECT_LE(bytes, 20u * 1024u);
}

}  // namespace
}  // namespace kws
