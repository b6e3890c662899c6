// ModelCascade (pipeline/cascade.h): which frames stage 2 sees, when it
// decides, what the events say, and its error messages. Frames are fed by hand
// so every window is known exactly; one test runs it inside a Pipeline.
#include "pipeline/cascade.h"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "pipeline/memory_carver.h"
#include "tests/pipeline/pipeline_test_support.h"

namespace kws {
namespace {

constexpr uint32_t kDim = 2;

ModelInfo stage1_info() {
  ModelInfo info;
  info.frontend.features = FeatureType::kMfcc;
  info.frontend.num_mfcc = kDim;
  info.window_frames = 3;
  info.num_labels = 3;
  std::strcpy(info.labels[0], "silence");
  std::strcpy(info.labels[1], "computer");
  std::strcpy(info.labels[2], "jarvis");
  info.keywords[1].is_keyword = true;
  info.keywords[2].is_keyword = true;
  return info;
}

// Stage 2 knows "Computer" (case differs on purpose) but not jarvis.
ModelInfo stage2_info() {
  ModelInfo info = stage1_info();
  info.window_frames = 5;
  info.num_labels = 2;
  std::strcpy(info.labels[0], "other");
  std::strcpy(info.labels[1], "Computer");
  info.keywords[1].is_keyword = true;
  info.keywords[1].threshold = 0.6f;
  return info;
}

// Returns a fixed score for label 1 and records every window it was given.
class FakeStage2 final : public Classifier {
 public:
  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override {
    windows.emplace_back(features, features + n);
    if (num_labels != 2) return Status::Error(StatusCode::kInvalidArgument, "labels");
    probs[1] = score;
    probs[0] = 1.0f - score;
    return Status::Ok();
  }
  float score = 0.9f;
  std::vector<std::vector<int8_t>> windows;
};

class Recorder final : public EventSink, public CascadeObserver {
 public:
  void on_event(const Event& e) override { events.push_back(e); }
  void on_decision(const Event& e, bool accepted) override {
    decisions.push_back(e);
    accepted_flags.push_back(accepted);
  }
  std::vector<Event> events;
  std::vector<Event> decisions;
  std::vector<bool> accepted_flags;
};

struct CascadeHarness {
  explicit CascadeHarness(CascadeConfig c, Classifier* s2 = nullptr,
                          CandidateVerifier* v = nullptr) {
    cfg = c;
    size_t bytes = 0;
    status = ModelCascade::needed_bytes(cfg, &bytes);
    if (!status.ok()) return;
    mem.resize(bytes / sizeof(double) + 1);
    status = cascade.init(cfg, s2, v, mem.data(), bytes);
    cascade.set_observer(&rec);
  }
  // Frame i holds {i, -i} (mod 256), ends at sample 320 * (i + 1) + 160.
  Status frame(int i) {
    const int8_t f[kDim] = {static_cast<int8_t>(i), static_cast<int8_t>(-i)};
    return cascade.on_frame(f, kDim, 320u * static_cast<uint64_t>(i + 1) + 160u, &rec);
  }
  Status candidate(uint32_t label, uint64_t sample, bool* accept) {
    Event e;
    e.label_index = label;
    e.keyword = "k";
    e.sample_index = sample;
    e.decision_sample_index = sample;
    e.score = 0.7f;
    Event copy = e;
    Status s = cascade.on_candidate(&copy, nullptr, 0, accept);
    if (*accept) rec.on_event(copy);
    return s;
  }
  CascadeConfig cfg;
  std::vector<double> mem;
  ModelCascade cascade;
  Recorder rec;
  Status status;
};

std::vector<int8_t> frames_window(int first, int last) {
  std::vector<int8_t> w;
  for (int i = first; i <= last; ++i) {
    w.push_back(static_cast<int8_t>(i));
    w.push_back(static_cast<int8_t>(-i));
  }
  return w;
}

TEST(Cascade, OffPassesEveryCandidateAsStageOne) {
  const ModelInfo s1 = stage1_info();
  CascadeConfig c;
  c.stage1 = &s1;
  c.delay_frames = 4;
  CascadeHarness h(c);
  ASSERT_TRUE(h.status.ok()) << h.status.message();
  ASSERT_TRUE(h.frame(0).ok());
  bool accept = false;
  ASSERT_TRUE(h.candidate(1, 480, &accept).ok());
  EXPECT_TRUE(accept);
  ASSERT_EQ(h.rec.events.size(), 1u);
  EXPECT_EQ(h.rec.events[0].stage, 1u);
  EXPECT_EQ(h.rec.events[0].stage2_score, -1.0f);
  EXPECT_EQ(h.cascade.stage2_runs(), 0u);
}

TEST(Cascade, StageTwoSeesItsWindowEndingDelayFramesAfterTheTrigger) {
  const ModelInfo s1 = stage1_info();
  const ModelInfo s2 = stage2_info();
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  c.delay_frames = 3;
  FakeStage2 fake;
  CascadeHarness h(c, &fake);
  ASSERT_TRUE(h.status.ok()) << h.status.message();
  for (int i = 0; i <= 9; ++i) ASSERT_TRUE(h.frame(i).ok());
  bool accept = true;
  ASSERT_TRUE(h.candidate(1, 3360, &accept).ok());  // trigger on frame 9
  EXPECT_FALSE(accept);
  EXPECT_EQ(h.cascade.pending(), 1u);
  ASSERT_TRUE(h.frame(10).ok());
  ASSERT_TRUE(h.frame(11).ok());
  EXPECT_TRUE(fake.windows.empty());
  ASSERT_TRUE(h.frame(12).ok());  // third frame after the trigger: decide
  ASSERT_EQ(fake.windows.size(), 1u);
  EXPECT_EQ(fake.windows[0], frames_window(8, 12));
  ASSERT_EQ(h.rec.events.size(), 1u);
  const Event& e = h.rec.events[0];
  EXPECT_EQ(e.stage, 2u);
  EXPECT_FLOAT_EQ(e.stage2_score, 0.9f);
  EXPECT_FLOAT_EQ(e.score, 0.7f);
  EXPECT_EQ(e.sample_index, 3360u);
  EXPECT_EQ(e.decision_sample_index, 320u * 13 + 160);
  EXPECT_EQ(h.cascade.pending(), 0u);
  EXPECT_EQ(h.cascade.stage2_runs(), 1u);
}

TEST(Cascade, ScoreBelowTheStageTwoThresholdRejects) {
  const ModelInfo s1 = stage1_info();
  const ModelInfo s2 = stage2_info();
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  FakeStage2 fake;
  fake.score = 0.59f;
  CascadeHarness h(c, &fake);
  ASSERT_TRUE(h.status.ok()) << h.status.message();
  EXPECT_FLOAT_EQ(h.cascade.threshold(1), 0.6f);
  ASSERT_TRUE(h.frame(0).ok());
  bool accept = true;
  ASSERT_TRUE(h.candidate(1, 480, &accept).ok());
  EXPECT_FALSE(accept);
  EXPECT_TRUE(h.rec.events.empty());
  ASSERT_EQ(h.rec.decisions.size(), 1u);
  EXPECT_FALSE(h.rec.accepted_flags[0]);
  EXPECT_FLOAT_EQ(h.rec.decisions[0].stage2_score, 0.59f);
  // Left padding: one frame held, the 5-frame window repeats it.
  ASSERT_EQ(fake.windows.size(), 1u);
  EXPECT_EQ(fake.windows[0], std::vector<int8_t>(10, 0));
  ASSERT_TRUE(h.cascade.set_threshold(1, 0.5f).ok());
  ASSERT_TRUE(h.candidate(1, 480, &accept).ok());
  EXPECT_TRUE(accept);
  EXPECT_EQ(h.cascade.set_threshold(1, 1.5f).code(), StatusCode::kInvalidArgument);
}

TEST(Cascade, KeywordStageTwoDoesNotKnowIsDecidedByStageOne) {
  const ModelInfo s1 = stage1_info();
  const ModelInfo s2 = stage2_info();
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  c.delay_frames = 2;
  FakeStage2 fake;
  CascadeHarness h(c, &fake);
  ASSERT_TRUE(h.status.ok());
  EXPECT_TRUE(h.cascade.covers(1));
  EXPECT_FALSE(h.cascade.covers(2));
  ASSERT_TRUE(h.frame(0).ok());
  bool accept = false;
  ASSERT_TRUE(h.candidate(2, 480, &accept).ok());
  EXPECT_TRUE(accept);
  ASSERT_EQ(h.rec.events.size(), 1u);
  EXPECT_EQ(h.rec.events[0].stage, 1u);
  EXPECT_TRUE(fake.windows.empty());
}

TEST(Cascade, FullPendingQueueDecidesAtOnceAndFlushDecidesTheRest) {
  const ModelInfo s1 = stage1_info();
  const ModelInfo s2 = stage2_info();
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  c.delay_frames = 10;
  c.max_pending = 2;
  FakeStage2 fake;
  CascadeHarness h(c, &fake);
  ASSERT_TRUE(h.status.ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(h.frame(i).ok());
  bool accept = false;
  ASSERT_TRUE(h.candidate(1, 1, &accept).ok());
  EXPECT_FALSE(accept);
  ASSERT_TRUE(h.candidate(1, 2, &accept).ok());
  EXPECT_FALSE(accept);
  ASSERT_TRUE(h.candidate(1, 3, &accept).ok());  // queue full: decided now
  EXPECT_TRUE(accept);
  ASSERT_EQ(fake.windows.size(), 1u);
  EXPECT_EQ(fake.windows[0], frames_window(1, 5));
  ASSERT_TRUE(h.frame(6).ok());
  ASSERT_TRUE(h.cascade.flush(&h.rec).ok());
  EXPECT_EQ(h.cascade.pending(), 0u);
  ASSERT_EQ(h.rec.events.size(), 3u);
  EXPECT_EQ(h.rec.events[1].sample_index, 1u);  // flushed in trigger order
  EXPECT_EQ(h.rec.events[2].sample_index, 2u);
  EXPECT_EQ(fake.windows[1], frames_window(2, 6));
}

TEST(Cascade, DifferentQuantisationIsRequantised) {
  ModelInfo s1 = stage1_info();
  ModelInfo s2 = stage2_info();
  s1.frontend.quant_scale = 1.0f;
  s1.frontend.quant_zero_point = 0;
  s2.frontend.quant_scale = 2.0f;
  s2.frontend.quant_zero_point = 10;
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  FakeStage2 fake;
  CascadeHarness h(c, &fake);
  ASSERT_TRUE(h.status.ok()) << h.status.message();
  ASSERT_TRUE(h.frame(7).ok());  // {7, -7}: x = 7 -> round(3.5) + 10 = 14; -7 -> -4 + 10 = 6
  bool accept = false;
  ASSERT_TRUE(h.candidate(1, 1, &accept).ok());
  ASSERT_EQ(fake.windows.size(), 1u);
  EXPECT_EQ(fake.windows[0][0], 14);
  EXPECT_EQ(fake.windows[0][1], 6);
}

class ScriptedVerifier final : public CandidateVerifier {
 public:
  Status verify(const Candidate& c, Verdict* verdict, float* score) override {
    frames.push_back(c.window_frames);
    end_samples.push_back(c.window_end_sample);
    *verdict = next;
    *score = 0.25f;
    return Status::Ok();
  }
  Verdict next = Verdict::kAccept;
  std::vector<uint32_t> frames;
  std::vector<uint64_t> end_samples;
};

TEST(Cascade, ExternalVerifierAcceptsRejectsOrTakesOver) {
  const ModelInfo s1 = stage1_info();
  CascadeConfig c;
  c.mode = Stage2Mode::kExternal;
  c.stage1 = &s1;
  c.window_frames = 4;
  c.delay_frames = 1;
  ScriptedVerifier v;
  CascadeHarness h(c, nullptr, &v);
  ASSERT_TRUE(h.status.ok()) << h.status.message();
  EXPECT_TRUE(h.cascade.covers(2));
  bool accept = true;
  for (Verdict verdict : {Verdict::kAccept, Verdict::kReject, Verdict::kPending}) {
    v.next = verdict;
    ASSERT_TRUE(h.candidate(2, 5, &accept).ok());
    EXPECT_FALSE(accept);  // pending for one frame
    ASSERT_TRUE(h.frame(3).ok());
  }
  EXPECT_EQ(v.frames, (std::vector<uint32_t>{4, 4, 4}));
  EXPECT_EQ(v.end_samples[0], 320u * 4 + 160);
  ASSERT_EQ(h.rec.events.size(), 1u);
  EXPECT_EQ(h.rec.events[0].stage, 2u);
  EXPECT_FLOAT_EQ(h.rec.events[0].stage2_score, 0.25f);
  EXPECT_EQ(h.rec.decisions.size(), 2u);  // the taken-over one is the host's
}

TEST(Cascade, BadConfigurationsNameTheProblem) {
  const ModelInfo s1 = stage1_info();
  ModelInfo s2 = stage2_info();
  s2.frontend.mel_bins = 32;
  CascadeConfig c;
  c.mode = Stage2Mode::kModel;
  c.stage1 = &s1;
  c.stage2 = &s2;
  size_t bytes = 0;
  Status s = ModelCascade::needed_bytes(c, &bytes);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(s.message()).find("mel_bins"), std::string::npos) << s.message();
  c.stage2 = nullptr;
  s = ModelCascade::needed_bytes(c, &bytes);
  EXPECT_NE(std::string(s.message()).find("stage 2's model info"), std::string::npos);
  c.mode = Stage2Mode::kOff;
  c.max_pending = 0;
  EXPECT_EQ(ModelCascade::needed_bytes(c, &bytes).code(), StatusCode::kInvalidArgument);
  c.max_pending = 4;
  ASSERT_TRUE(ModelCascade::needed_bytes(c, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 1);
  ModelCascade cascade;
  EXPECT_EQ(cascade.init(c, nullptr, nullptr, mem.data(), bytes - 1).code(),
            StatusCode::kBufferTooSmall);
  c.mode = Stage2Mode::kModel;
  c.stage2 = &s2;
  EXPECT_EQ(cascade.init(c, nullptr, nullptr, mem.data(), bytes).code(),
            StatusCode::kInvalidArgument);
  int8_t f[3] = {};
  EXPECT_EQ(cascade.on_frame(f, 3, 0, nullptr).code(), StatusCode::kNotInitialized);
}

// Inside a Pipeline: the deferral moves each decision by delay * hop samples,
// and the result does not depend on how the audio is chunked.
TEST(Cascade, InAPipelineDecisionsAreDelayedAndDeterministic) {
  using pipeline_test::burst_signal;
  using pipeline_test::LoudnessClassifier;
  using pipeline_test::two_label_info;
  const ModelInfo s1 = two_label_info();
  ModelInfo s2 = s1;
  s2.window_frames = 75;
  s2.keywords[1].threshold = 0.5f;
  const auto signal = burst_signal(4.0);
  std::vector<std::vector<Event>> runs;
  for (size_t chunk : {size_t{160}, size_t{7001}}) {
    LoudnessClassifier c1(10);
    LoudnessClassifier c2(10);
    size_t bytes = 0;
    ASSERT_TRUE(Pipeline::needed_bytes(s1, &bytes).ok());
    std::vector<double> pmem(bytes / sizeof(double) + 1);
    Pipeline p;
    ASSERT_TRUE(p.init(s1, &c1, pmem.data(), bytes).ok());
    CascadeConfig cfg;
    cfg.mode = Stage2Mode::kModel;
    cfg.stage1 = &s1;
    cfg.stage2 = &s2;
    cfg.delay_frames = 5;
    ASSERT_TRUE(ModelCascade::needed_bytes(cfg, &bytes).ok());
    std::vector<double> cmem(bytes / sizeof(double) + 1);
    ModelCascade cascade;
    ASSERT_TRUE(cascade.init(cfg, &c2, nullptr, cmem.data(), bytes).ok());
    p.set_cascade_hook(&cascade);
    Recorder rec;
    for (size_t at = 0; at < signal.size(); at += chunk) {
      const size_t n = std::min(chunk, signal.size() - at);
      ASSERT_TRUE(p.push(signal.data() + at, n, &rec).ok());
    }
    ASSERT_EQ(rec.events.size(), 3u);
    for (const Event& e : rec.events) {
      EXPECT_EQ(e.stage, 2u);
      EXPECT_EQ(e.decision_sample_index, e.sample_index + 5u * 320u);
      EXPECT_GE(e.stage2_score, 0.5f);
    }
    EXPECT_EQ(cascade.stage2_runs(), 3u);
    runs.push_back(rec.events);
    p.reset();
    EXPECT_EQ(cascade.pending(), 0u);
  }
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(runs[0][i].sample_index, runs[1][i].sample_index);
    EXPECT_EQ(runs[0][i].stage2_score, runs[1][i].stage2_score);
  }
}

}  // namespace
}  // namespace kws
