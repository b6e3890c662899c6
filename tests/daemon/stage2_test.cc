// Stage 2 in daemon/model and `kwsd replay`'s replay_file: the ModelCascade
// the config asks for, loaded, planned and installed by ModelRuntime.
//
// Stage 2 here is the shipped stage-1 model models/kwsd_default.tflite used a
// second time (same labels and front end as stage 1), so these tests do not
// depend on the real stage-2 model being trained. Audio: models/sample.wav
// ("computer ... jarvis"), which stage 1 alone detects twice.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/model/model_runtime.h"
#include "daemon/replay/detection_json.h"
#include "daemon/replay/replay.h"

namespace kws::daemon {
namespace {

const std::string kModel = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
const std::string kSample = std::string(KWS_SOURCE_DIR) + "/models/sample.wav";

config::Config parse(const std::string& text) {
  Result<config::Config> c = config::parse_config(text, "kwsd.yaml");
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? *c : config::Config{};
}

// stage2.mode model with kModel as stage 2 and `extra` inside the stage2 section.
config::Config stage2_config(const std::string& extra) {
  return parse("stage2:\n  mode: model\n  model: {path: " + kModel + "}\n" + extra);
}

std::vector<Event> replay(ModelRuntime& rt) {
  std::vector<Event> events;
  const replay::FileReport r =
      replay::replay_file(kSample, &rt, 160, [&](const Event& e) { events.push_back(e); });
  EXPECT_TRUE(r.ok) << r.error;
  return events;
}

std::unique_ptr<ModelRuntime> load(const config::Config* c) {
  auto rt = ModelRuntime::load(kModel, "", c);
  EXPECT_TRUE(rt.ok()) << rt.error();
  return rt.ok() ? std::move(*rt) : nullptr;
}

class Stage2 : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kModel.c_str(), R_OK) != 0) GTEST_SKIP() << "shipped model missing: " << kModel;
    stage1_rt_ = load(nullptr);  // kept: events point into its labels
    ASSERT_NE(stage1_rt_, nullptr);
    EXPECT_EQ(stage1_rt_->cascade(), nullptr) << "no config: stage 2 off";
    stage1_ = replay(*stage1_rt_);
    // What the shipped model gives for the clip (see tests/service/kwsd_process_test.cc).
    ASSERT_EQ(stage1_.size(), 2u);
    EXPECT_STREQ(stage1_[0].keyword, "computer");
    EXPECT_STREQ(stage1_[1].keyword, "jarvis");
  }
  std::unique_ptr<ModelRuntime> stage1_rt_;
  std::vector<Event> stage1_;
};

TEST_F(Stage2, ThresholdZeroConfirmsExactlyTheStage1DetectionsAsStage2) {
  const config::Config c = stage2_config(
      "  delay_ms: 200\n  keywords:\n    computer: {threshold: 0}\n    jarvis: {threshold: 0}\n");
  std::unique_ptr<ModelRuntime> rt = load(&c);
  ASSERT_NE(rt, nullptr);
  ASSERT_NE(rt->cascade(), nullptr);
  ASSERT_NE(rt->stage2_info(), nullptr);
  EXPECT_EQ(rt->cascade()->delay_frames(), 10u) << "200 ms of 20 ms hops";
  const std::vector<Event> events = replay(*rt);
  ASSERT_EQ(events.size(), stage1_.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_STREQ(events[i].keyword, stage1_[i].keyword);
    EXPECT_EQ(events[i].sample_index, stage1_[i].sample_index);
    EXPECT_EQ(events[i].score, stage1_[i].score) << "stage 1's score is kept";
    EXPECT_EQ(events[i].stage, 2u);
    EXPECT_GE(events[i].stage2_score, 0.0f);
    EXPECT_LE(events[i].stage2_score, 1.0f);
    EXPECT_EQ(events[i].decision_sample_index, events[i].sample_index + 10u * 320u)
        << "decided delay_ms after the trigger";
    EXPECT_NE(replay::detection_json("a.wav", events[i]).find(",\"stage\":2,\"stage2_score\":"),
              std::string::npos);
  }
  EXPECT_EQ(rt->cascade()->stage2_runs(), 2u) << "stage 2 runs on candidates only";
}

TEST_F(Stage2, ThresholdOneRejectsEveryCandidate) {
  const config::Config c =
      stage2_config("  keywords:\n    computer: {threshold: 1.0}\n    jarvis: {threshold: 1.0}\n");
  std::unique_ptr<ModelRuntime> rt = load(&c);
  ASSERT_NE(rt, nullptr);
  EXPECT_TRUE(replay(*rt).empty());
  EXPECT_EQ(rt->cascade()->stage2_runs(), 2u);
}

TEST_F(Stage2, PerKeywordThresholdsAndTheModelsDefaults) {
  // The stage-2 model's own thresholds apply where the config names none.
  const config::Config c = stage2_config("  keywords:\n    jarvis: {threshold: 1.0}\n");
  std::unique_ptr<ModelRuntime> rt = load(&c);
  ASSERT_NE(rt, nullptr);
  const uint32_t computer = static_cast<uint32_t>(rt->info().label_index("computer"));
  const uint32_t jarvis = static_cast<uint32_t>(rt->info().label_index("jarvis"));
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(computer),
                  rt->stage2_info()->keywords[computer].threshold);
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(jarvis), 1.0f);
  const std::vector<Event> events = replay(*rt);
  for (const Event& e : events) EXPECT_STRNE(e.keyword, "jarvis");
}

// A keyword disabled at start and enabled by a reload goes through stage 2
// like the others (stage 2 at threshold 1.0 rejects it), and a reload may
// give it a stage-2 threshold.
TEST_F(Stage2, AKeywordEnabledByAReloadIsDecidedByStage2) {
  const std::string s2 = "  keywords:\n    jarvis: {threshold: 1.0}\n";
  const config::Config start = parse(
      "stage1:\n  keywords:\n    jarvis: {enabled: false}\nstage2:\n  mode: model\n"
      "  model: {path: " +
      kModel + "}\n");
  std::unique_ptr<ModelRuntime> rt = load(&start);
  ASSERT_NE(rt, nullptr);
  const uint32_t jarvis = static_cast<uint32_t>(rt->info().label_index("jarvis"));
  EXPECT_FALSE(rt->info().keywords[jarvis].is_keyword);
  EXPECT_TRUE(rt->cascade()->covers(jarvis));
  Result<std::string> note = rt->retune(stage2_config(s2));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_TRUE(rt->info().keywords[jarvis].is_keyword);
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(jarvis), 1.0f);
  for (const Event& e : replay(*rt)) EXPECT_STRNE(e.keyword, "jarvis");
}

TEST_F(Stage2, RetuneChangesStage2ThresholdsLiveAndNamesWhatNeedsARestart) {
  const config::Config c = stage2_config("  keywords:\n    computer: {threshold: 1.0}\n");
  std::unique_ptr<ModelRuntime> rt = load(&c);
  ASSERT_NE(rt, nullptr);
  const uint32_t computer = static_cast<uint32_t>(rt->info().label_index("computer"));
  const std::vector<int16_t> noise(8000, 100);
  ASSERT_TRUE(rt->pipeline().push(noise.data(), noise.size(), nullptr).ok());

  Result<std::string> note =
      rt->retune(stage2_config("  keywords:\n    computer: {threshold: 0.25}\n"));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_EQ(*note, "");
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(computer), 0.25f);
  EXPECT_EQ(rt->pipeline().samples_processed(), 8000u) << "retune must not reset the stream";

  // Unknown label: error naming the entry; nothing changed.
  note = rt->retune(stage2_config("  keywords:\n    computer: {threshold: 0.5}\n    alexa: {}\n"));
  ASSERT_FALSE(note.ok());
  EXPECT_NE(note.error().find("kwsd.yaml:6:12: stage2.keywords.alexa: the stage-1 model has no "
                              "such label"),
            std::string::npos)
      << note.error();
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(computer), 0.25f);

  // Mode, model and delay changes need a restart; thresholds still apply.
  note = rt->retune(parse("stage2:\n  mode: off\n"));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_NE(note->find("stage2.mode changes need a restart; ignored"), std::string::npos) << *note;
  EXPECT_NE(rt->cascade(), nullptr);
  note =
      rt->retune(parse("stage2:\n  mode: model\n  model: {path: /other.tflite}\n  delay_ms: 0\n"
                       "  keywords:\n    computer: {threshold: 0.75}\n"));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_NE(note->find("stage2.model changes need a restart; ignored"), std::string::npos) << *note;
  EXPECT_NE(note->find("stage2.delay_ms changes need a restart; ignored"), std::string::npos)
      << *note;
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(computer), 0.75f);
  // Back to a config without thresholds: the stage-2 model's own.
  note = rt->retune(stage2_config(""));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_FLOAT_EQ(rt->cascade()->threshold(computer),
                  rt->stage2_info()->keywords[computer].threshold);
}

TEST_F(Stage2, LoadErrorsNameTheStage2ModelOrEntry) {
  config::Config c = parse("stage2:\n  mode: model\n  model: {path: /nonexistent/m2.tflite}\n");
  auto rt = ModelRuntime::load(kModel, "", &c);
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.error().find("stage2: /nonexistent/m2.tflite: cannot open model file"),
            std::string::npos)
      << rt.error();

  c = parse("stage2:\n  mode: model\n");
  rt = ModelRuntime::load(kModel, "", &c);
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.error().find("stage2: mode model needs stage2.model.path"), std::string::npos)
      << rt.error();

  c = stage2_config("  keywords:\n    unknown: {threshold: 0.5}\n");
  rt = ModelRuntime::load(kModel, "", &c);
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.error().find("stage2.keywords.unknown: stage 2 (" + kModel +
                            ") does not decide this label"),
            std::string::npos)
      << rt.error();

  c = parse("stage2:\n  mode: external\n  external: {argv: [/bin/true]}\n");
  rt = ModelRuntime::load(kModel, "", &c);  // no verifier given
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.error().find("stage2: mode external needs a verifier"), std::string::npos)
      << rt.error();
}

}  // namespace
}  // namespace kws::daemon
