#include "daemon/replay/replay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "daemon/audio/audio_file.h"
#include "daemon/model/model_runtime.h"
#include "daemon/replay/detection_json.h"
#include "tests/daemon/audio_test_files.h"
#include "tests/support/test_data.h"

namespace kws::replay {

using daemon::ModelRuntime;
namespace {

using ::testing::HasSubstr;

TEST(DetectionJson, FixedKeyOrderAndFormatting) {
  Event e;
  e.keyword = "Yes";
  e.time_s = 1.23456;
  e.score = 0.93126f;
  e.peak_score = 0.98712f;
  e.stage = 1;
  EXPECT_EQ(detection_json("dir/a.wav", e),
            "{\"file\":\"dir/a.wav\",\"keyword\":\"Yes\",\"time_s\":1.235,\"score\":0.9313,"
            "\"peak\":0.9871,\"stage\":1}");
}

TEST(DetectionJson, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(json_string("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
}

struct Recorded {
  std::string keyword;
  double time_s;
  float score;
};

class Replay : public kws::testing::TempAudioDir {
 protected:
  void SetUp() override {
    TempAudioDir::SetUp();
    KWS_REQUIRE_SHARED(model, "models/mlperf_tiny/kws_ref_model.tflite");
    KWS_REQUIRE_SHARED(clip, "mlperf_tiny_kws/wav/tst_000000_Stop_7.wav");
    model_ = model;
    // 1 s silence, the "Stop" clip, 1 s silence: several classifier steps see the word.
    Result<std::vector<int16_t>> word = audio::read_audio_file(clip, 16000);
    ASSERT_TRUE(word.ok()) << word.error();
    std::vector<float> x(16000, 0.0f);
    for (int16_t s : *word) x.push_back(static_cast<float>(s) / 32768.0f);
    x.resize(x.size() + 16000, 0.0f);
    file_ = write("stop.wav", x, 16000, 1);
  }

  std::vector<Recorded> run(ModelRuntime& rt, size_t chunk, FileReport* report) {
    std::vector<Recorded> events;
    *report = replay_file(file_, rt.info(), &rt.pipeline(), chunk, [&](const Event& e) {
      events.push_back({e.keyword, e.time_s, e.score});
    });
    return events;
  }

  std::string model_;
  std::string file_;
};

TEST_F(Replay, DetectsTheKeywordSameForAnyChunking) {
  auto rt = ModelRuntime::load(model_, "", nullptr);
  ASSERT_TRUE(rt.ok()) << rt.error();
  FileReport a, b;
  const std::vector<Recorded> ev160 = run(**rt, 160, &a);
  const std::vector<Recorded> ev7 = run(**rt, 7, &b);
  ASSERT_TRUE(a.ok) << a.error;
  ASSERT_TRUE(b.ok) << b.error;
  EXPECT_NEAR(a.audio_seconds, 3.0, 0.01);
  ASSERT_EQ(ev160.size(), 1u);
  EXPECT_EQ(ev160[0].keyword, "Stop");
  EXPECT_GT(ev160[0].time_s, 1.0);
  EXPECT_LT(ev160[0].time_s, 2.5);
  ASSERT_EQ(ev7.size(), ev160.size());
  EXPECT_EQ(ev7[0].keyword, ev160[0].keyword);
  EXPECT_EQ(ev7[0].time_s, ev160[0].time_s);
  EXPECT_EQ(ev7[0].score, ev160[0].score);
}

TEST_F(Replay, BadFileIsAnErrorNotACrash) {
  auto rt = ModelRuntime::load(model_, "", nullptr);
  ASSERT_TRUE(rt.ok()) << rt.error();
  const FileReport r = replay_file(write_bytes("x.wav", "not audio at all"), (*rt)->info(),
                                   &(*rt)->pipeline(), 160, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.error, HasSubstr("x.wav: not a readable audio file"));
}

TEST_F(Replay, ModelWithoutDescriptionIsAClearError) {
  auto rt = ModelRuntime::load(model_, (dir_ / "missing.yaml").string(), nullptr);
  ASSERT_FALSE(rt.ok());
  EXPECT_THAT(rt.error(), HasSubstr("missing.yaml: cannot read"));
}

}  // namespace
}  // namespace kws::replay
