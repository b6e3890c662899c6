// daemon/model: the one model-loading path (replay and the live daemon) and
// its live retune (SIGHUP) through Pipeline::set_keyword_params.
#include "daemon/model/model_runtime.h"

#include <gtest/gtest.h>

#include <string>

#include "config/config.h"
#include "tests/support/test_data.h"

namespace kws::daemon {
namespace {

constexpr const char* kModel = "models/mlperf_tiny/kws_ref_model.tflite";

config::Config parse(const std::string& text) {
  Result<config::Config> c = config::parse_config(text, "kwsd.yaml");
  EXPECT_TRUE(c.ok()) << c.error();
  return c.ok() ? *c : config::Config{};
}

TEST(ModelRuntime, ConfigOverridesApplyAtLoad) {
  KWS_REQUIRE_SHARED(model, kModel);
  const config::Config c = parse("stage1:\n  keywords:\n    Yes: {threshold: 0.42}\n");
  auto rt = ModelRuntime::load(model, "", &c);
  ASSERT_TRUE(rt.ok()) << rt.error();
  const int yes = (*rt)->info().label_index("Yes");
  ASSERT_GE(yes, 0);
  EXPECT_FLOAT_EQ((*rt)->pipeline().keyword_params(static_cast<uint32_t>(yes)).threshold, 0.42f);
}

TEST(ModelRuntime, RetuneChangesTheRunningPipelinesTriggerKeepingItsAudioState) {
  KWS_REQUIRE_SHARED(model, kModel);
  auto rt = ModelRuntime::load(model, "", nullptr);
  ASSERT_TRUE(rt.ok()) << rt.error();
  ModelRuntime& r = **rt;
  const std::vector<int16_t> noise(8000, 100);
  ASSERT_TRUE(r.pipeline().push(noise.data(), noise.size(), nullptr).ok());
  const uint64_t steps = r.pipeline().steps();
  const uint32_t yes = static_cast<uint32_t>(r.info().label_index("Yes"));
  const uint32_t no = static_cast<uint32_t>(r.info().label_index("No"));

  Result<std::string> note =
      r.retune(parse("stage1:\n  keywords:\n    Yes: {threshold: 0.3, min_count: 4}\n"
                     "    No: {enabled: false}\n"));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_EQ(*note, "");
  EXPECT_FLOAT_EQ(r.pipeline().keyword_params(yes).threshold, 0.3f);
  EXPECT_EQ(r.pipeline().keyword_params(yes).min_count, 4u);
  EXPECT_FALSE(r.pipeline().keyword_params(no).is_keyword);
  EXPECT_FLOAT_EQ(r.info().keywords[yes].threshold, 0.3f);
  EXPECT_EQ(r.pipeline().samples_processed(), 8000u) << "retune must not reset the stream";
  EXPECT_EQ(r.pipeline().steps(), steps);

  // A label the model lacks: error naming the entry, nothing changed.
  note = r.retune(parse("stage1:\n  keywords:\n    Yes: {threshold: 0.9}\n    alexa: {}\n"));
  ASSERT_FALSE(note.ok());
  EXPECT_NE(note.error().find("stage1.keywords.alexa: the model has no such label"),
            std::string::npos)
      << note.error();
  EXPECT_FLOAT_EQ(r.pipeline().keyword_params(yes).threshold, 0.3f);

  // Settings that need a restart are named and left alone; keywords still apply.
  note =
      r.retune(parse("stage1:\n  smoothing_frames: 9\n  keywords:\n    Yes: {threshold: 0.5}\n"));
  ASSERT_TRUE(note.ok()) << note.error();
  EXPECT_NE(note->find("stage1.smoothing_frames changes need a restart"), std::string::npos)
      << *note;
  EXPECT_NE(r.info().smoothing_frames, 9u);
  EXPECT_FLOAT_EQ(r.pipeline().keyword_params(yes).threshold, 0.5f);
  // Going back to the config the model was loaded with resets what was changed.
  note = r.retune(parse(""));
  ASSERT_TRUE(note.ok());
  EXPECT_TRUE(r.pipeline().keyword_params(no).is_keyword);
}

TEST(ModelRuntime, MissingModelFileNamesIt) {
  auto rt = ModelRuntime::load("/nonexistent/m.tflite", "", nullptr);
  ASSERT_FALSE(rt.ok());
  EXPECT_NE(rt.error().find("/nonexistent/m.tflite: cannot open model file"), std::string::npos)
      << rt.error();
}

}  // namespace
}  // namespace kws::daemon
