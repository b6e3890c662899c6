// kws-tune: the choice on a hand-made score track with known counts, the
// refusal of negatives too short for the target, a written kwsd.yaml that
// config/ loads and applies with the chosen values, and (with the shared data)
// the cascade tuned with the shipped stage-2 model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "tests/support/test_data.h"
#include "tools/tune/tuning.h"

namespace kws::tune {
namespace {

namespace fs = std::filesystem;
using eval::EmbeddedKeyword;
using eval::StreamResult;

constexpr uint64_t kStep = 640;

StreamResult track(bool positive, std::vector<float> scores) {
  StreamResult s;
  s.spec.positive = positive;
  s.spec.name = positive ? "pos" : "neg";
  s.num_labels = 1;
  for (size_t i = 0; i < scores.size(); ++i) {
    s.step_samples.push_back((i + 1) * kStep);
    s.frame_samples.push_back((i + 1) * kStep);
  }
  s.raw = std::move(scores);
  s.frames.assign(s.raw.size(), 0);
  s.samples = s.raw.size() * kStep;
  return s;
}

void bump(std::vector<float>* s, size_t at, size_t len, float v) {
  for (size_t i = at; i < at + len; ++i) (*s)[i] = v;
}

// One keyword "computer"; positives peak 0.9, 0.9, 0.6; 90 s of negatives
// with 3-step bumps of 0.7 and 0.95 and a 2-step bump of 0.7.
std::unique_ptr<eval::Experiment> synthetic_experiment() {
  auto ex = std::make_unique<eval::Experiment>();
  auto model = std::make_shared<eval::LoadedModel>();
  model->path = "synthetic.tflite";
  ModelInfo& info = model->info;
  info.num_labels = 1;
  std::strcpy(info.labels[0], "computer");
  info.keywords[0].is_keyword = true;
  ex->stage1 = model;
  ex->keywords = {0};
  ex->options.split = eval::Split::kTune;
  std::vector<float> pos(400, 0.05f);
  bump(&pos, 50, 3, 0.9f);
  bump(&pos, 150, 3, 0.9f);
  bump(&pos, 250, 3, 0.6f);
  StreamResult p = track(true, pos);
  for (size_t at : {45u, 145u, 245u}) {
    EmbeddedKeyword t;
    t.word_start = at * kStep;
    t.word_end = (at + 7) * kStep;
    t.hit_end = t.word_end + 16000;
    p.truth.push_back(t);
  }
  std::vector<float> neg(2250, 0.05f);
  bump(&neg, 100, 3, 0.7f);
  bump(&neg, 900, 2, 0.7f);
  bump(&neg, 1800, 3, 0.95f);
  ex->streams = {p, track(false, neg)};
  ex->negative_hours = 90.0 / 3600.0;
  ex->clips.resize(3);
  return ex;
}

TEST(Tune, PicksTheLowestFrrThatMeetsTheTargetFaRate) {
  auto ex = synthetic_experiment();
  TuneOptions o;
  o.target_fa_per_hour = 40.0;  // one false accept on this 90 s set
  o.smoothing = {1, 3};
  o.min_count = {1, 2, 3};
  auto r = tune(*ex, o);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->keywords.size(), 1u);
  const KeywordChoice& c = r->keywords[0];
  EXPECT_TRUE(c.met);
  EXPECT_EQ(c.point.false_accepts, 1u);
  EXPECT_NEAR(c.point.frr, 1.0 / 3.0, 1e-12);
  // Among equal results the strictest setting wins: a threshold above 0.6
  // (the third word) and at most 0.9 (the first two).
  EXPECT_GT(c.point.stage1.threshold, 0.6f);
  EXPECT_LE(c.point.stage1.threshold, 0.9f + 1e-6f);
  EXPECT_DOUBLE_EQ(r->resolution_fa_per_hour, 40.0);

  o.target_fa_per_hour = 120.0;  // three false accepts allowed: every word found
  r = tune(*ex, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keywords[0].point.frr, 0.0);

  o.target_fa_per_hour = 1.0;
  o.target_frr = 0.0;  // FRR target instead: fewest FAs with every word found
  r = tune(*ex, o);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->keywords[0].point.frr, 0.0);
  EXPECT_EQ(r->keywords[0].point.false_accepts, 2u);  // min count 3 drops the 2-step bump
  EXPECT_EQ(r->keywords[0].point.stage1.min_count, 3u);
}

TEST(Tune, NegativesTooShortForTheTargetAreAnErrorUnlessZeroIsAllowed) {
  auto ex = synthetic_experiment();
  TuneOptions o;
  o.target_fa_per_hour = 1.0;
  auto r = tune(*ex, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("1 false accept = 40 FA/h, too coarse for a target of 1 FA/h"),
            std::string::npos)
      << r.error();
  EXPECT_NE(r.error().find("at least 1 h of negatives"), std::string::npos) << r.error();
  o.allow_zero_fa = true;
  r = tune(*ex, o);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(r->keywords[0].point.false_accepts, 0u);
  EXPECT_DOUBLE_EQ(r->keywords[0].point.frr, 1.0);  // 0.95 beats every word here
}

TEST(Tune, WrittenConfigLoadsAndCarriesTheChoice) {
  auto ex = synthetic_experiment();
  TuneOptions o;
  o.target_fa_per_hour = 40.0;
  o.smoothing = {3};
  auto r = tune(*ex, o);
  ASSERT_TRUE(r) << r.error();
  const fs::path dir = fs::temp_directory_path() / "kws_tune_test_config";
  fs::create_directories(dir);
  const std::string base = (dir / "base.yaml").string();
  std::ofstream(base) << "model:\n  path: /nowhere/m.tflite\nstage1:\n  keywords:\n"
                         "    computer:\n      refractory_ms: 1500\naudio:\n  device: hw:1\n";
  const std::string out = (dir / "tuned.yaml").string();
  auto w = write_config(*r, base, "ignored.tflite", "", ex->stage1->info, "header\nline 2", out);
  ASSERT_TRUE(w) << w.error();
  auto cfg = config::load_config(out);
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->model.path, "/nowhere/m.tflite");
  EXPECT_EQ(cfg->audio.device, "hw:1");
  ASSERT_TRUE(cfg->stage1.smoothing_frames.has_value());
  EXPECT_EQ(*cfg->stage1.smoothing_frames, 3u);
  const config::KeywordSettings& k = cfg->stage1.keywords.at("computer");
  ASSERT_TRUE(k.threshold.has_value());
  EXPECT_NEAR(*k.threshold, r->keywords[0].point.stage1.threshold, 1e-4);
  EXPECT_EQ(*k.min_count, r->keywords[0].point.stage1.min_count);
  EXPECT_EQ(*k.refractory_ms, 1500u);  // the base's other settings stay
  auto applied = config::apply_config(*cfg, ex->stage1->info);
  ASSERT_TRUE(applied) << applied.error();
  EXPECT_EQ(applied->smoothing_frames, 3u);
  EXPECT_NEAR(applied->keywords[0].threshold, r->keywords[0].point.stage1.threshold, 1e-4);
  std::ifstream in(out);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "# header");

  // Without a base: a new file naming the model.
  auto w2 = write_config(*r, "", "models/x.tflite", "", ex->stage1->info, "h", out);
  ASSERT_TRUE(w2) << w2.error();
  auto cfg2 = config::load_config(out);
  ASSERT_TRUE(cfg2) << cfg2.error();
  EXPECT_EQ(cfg2->model.path, fs::absolute("models/x.tflite").string());
  fs::remove_all(dir);
}

// A small real run: 6 computer clips in noise and 6 LibriSpeech files, stage 2
// the shipped kwsd_default_stage2. The cascade choice has a stage-2
// threshold, meets zero false accepts on this set, and the config written
// from it selects stage 2 with that threshold.
TEST(Tune, CascadeChoiceWritesAStage2SectionTheDaemonReads) {
  KWS_REQUIRE_SHARED(computer, "keywords/wwb/computer");
  KWS_REQUIRE_SHARED(speech, "speech/librispeech_train_clean_100");
  KWS_REQUIRE_SHARED(noise, "noise/speech_commands/running_tap.flac");
  const fs::path dir = fs::temp_directory_path() / "kws_tune_test_cascade";
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto first_files = [](const std::string& folder, size_t n) {
    std::vector<std::string> v;
    for (const auto& e : fs::directory_iterator(folder)) v.push_back(e.path().string());
    std::sort(v.begin(), v.end());
    v.resize(std::min(n, v.size()));
    return v;
  };
  std::string manifest;
  for (const std::string& f : first_files(computer, 6)) manifest += f + "\tcomputer\n";
  std::ofstream(dir / "pos.tsv") << manifest;
  std::string negatives;
  for (const std::string& f : first_files(speech, 6)) negatives += f + "\n";
  std::ofstream(dir / "neg.txt") << negatives;

  eval::ExperimentOptions eo;
  eo.model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite";
  eo.stage2_model = std::string(KWS_SOURCE_DIR) + "/models/kwsd_default_stage2.tflite";
  eo.positives = (dir / "pos.tsv").string();
  eo.negatives = {"@" + (dir / "neg.txt").string()};
  eo.noise = {noise};
  eo.mix.snr_db = 10.0;
  eo.threads = 2;
  auto ex = eval::run_experiment(eo);
  ASSERT_TRUE(ex) << ex.error();
  ASSERT_NE((*ex)->stage2, nullptr);
  TuneOptions o;
  o.allow_zero_fa = true;  // minutes of negatives: 1 FA/h is not resolvable
  o.smoothing = {3};
  o.min_count = {2};
  auto r = tune(**ex, o);
  ASSERT_TRUE(r) << r.error();
  ASSERT_EQ(r->keywords.size(), 1u);
  const KeywordChoice& c = r->keywords[0];
  EXPECT_TRUE(c.met);
  EXPECT_EQ(c.point.false_accepts, 0u);
  EXPECT_GE(c.point.stage2_threshold, 0.0f);
  EXPECT_GE(c.point.stage1.threshold, o.cascade_min_stage1_threshold);
  EXPECT_EQ(r->stage2_model, eo.stage2_model);
  EXPECT_NE(r->summary.find("stage-2 threshold"), std::string::npos) << r->summary;
  EXPECT_NE(r->summary.find("Negative condition: in background noise at 10 dB SNR"),
            std::string::npos)
      << r->summary;

  const std::string out = (dir / "tuned.yaml").string();
  auto w = write_config(*r, "", eo.model, "", (*ex)->stage1->info, "h", out);
  ASSERT_TRUE(w) << w.error();
  auto cfg = config::load_config(out);
  ASSERT_TRUE(cfg) << cfg.error();
  EXPECT_EQ(cfg->stage2.mode, config::Stage2Mode::kModel);
  EXPECT_EQ(cfg->stage2.model_path, fs::absolute(eo.stage2_model).string());
  EXPECT_EQ(cfg->stage2.delay_ms, 200u);
  ASSERT_EQ(cfg->stage2.keywords.count("computer"), 1u);
  ASSERT_TRUE(cfg->stage2.keywords.at("computer").threshold.has_value());
  EXPECT_NEAR(*cfg->stage2.keywords.at("computer").threshold, c.point.stage2_threshold, 1e-4);
  EXPECT_NEAR(*cfg->stage1.keywords.at("computer").threshold, c.point.stage1.threshold, 1e-4);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kws::tune
