// The configuration a service user gets (config/kwsd.yaml, installed as
// /etc/kwsd/kwsd.yaml) runs the shipped models' tuned operating point, not
// hand-picked values, and runs the cascade both for the microphone path and
// for Wyoming clients, which see the same detections on the same audio.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/sidecar.h"
#include "daemon/audio/audio_file.h"
#include "daemon/model/model_runtime.h"
#include "daemon/service/model_detector.h"
#include "daemon/service/service_settings.h"
#include "daemon/service/shipped_files.h"
#include "daemon/service/wyoming_endpoint.h"
#include "daemon/wyoming/wake_model.h"
#include "nn/tflite_model.h"

namespace kws::daemon {
namespace {

const std::string kSource = KWS_SOURCE_DIR;

// A model file's own description (embedded metadata), before any kwsd.yaml.
ModelInfo metadata_of(const std::string& path, std::vector<uint8_t>* bytes) {
  FILE* f = std::fopen(path.c_str(), "rb");
  EXPECT_NE(f, nullptr) << path;
  if (f == nullptr) return {};
  bytes->clear();
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f))
    bytes->push_back(static_cast<uint8_t>(c));
  std::fclose(f);
  nn::TfliteModel m;
  EXPECT_TRUE(m.parse(bytes->data(), bytes->size()).ok());
  auto info = config::resolve_model_info(path, m, "");
  EXPECT_TRUE(info) << info.error();
  return info ? info->info : ModelInfo{};
}

ServiceSettings shipped_settings() {
  auto s = load_service_settings(kSource + "/config/kwsd.yaml", default_model_path());
  EXPECT_TRUE(s) << s.error();
  return s ? *s : ServiceSettings{};
}

struct Collect final : EventSink {
  void on_event(const Event& e) override {
    hits.push_back(std::string(e.keyword) + "@" + std::to_string(e.sample_index));
  }
  std::vector<std::string> hits;
};

TEST(ShippedConfig, EffectiveSettingsAreTheModelsTunedOnesAndTheCascadeIsOn) {
  const ServiceSettings settings = shipped_settings();
  ASSERT_EQ(settings.model_path, default_model_path());
  EXPECT_EQ(settings.config.stage2.mode, config::Stage2Mode::kModel);
  std::vector<uint8_t> b1, b2;
  const ModelInfo tuned = metadata_of(settings.model_path, &b1);
  const ModelInfo tuned2 = metadata_of(default_stage2_model_path(), &b2);

  const config::Config cfg = with_stage2_default(settings.config);
  auto rt = ModelRuntime::load(settings.model_path, cfg.model.sidecar, &cfg);
  ASSERT_TRUE(rt) << rt.error();
  auto wy = load_wyoming_models(settings);
  ASSERT_TRUE(wy) << wy.error();
  ASSERT_EQ(wy->size(), 1u);
  const wyoming::WakeModel& w = *(*wy)[0];
  EXPECT_EQ(w.stage2_path(), default_stage2_model_path());
  ASSERT_NE((*rt)->cascade(), nullptr);

  for (const ModelInfo* run : {&(*rt)->info(), &w.info()}) {
    EXPECT_EQ(run->smoothing_frames, tuned.smoothing_frames);
    ASSERT_EQ(run->num_labels, tuned.num_labels);
    for (uint32_t i = 0; i < tuned.num_labels; ++i) {
      SCOPED_TRACE(tuned.labels[i]);
      EXPECT_EQ(run->keywords[i].is_keyword, tuned.keywords[i].is_keyword);
      EXPECT_EQ(run->keywords[i].threshold, tuned.keywords[i].threshold);
      EXPECT_EQ(run->keywords[i].min_count, tuned.keywords[i].min_count);
      EXPECT_EQ(run->keywords[i].refractory_ms, tuned.keywords[i].refractory_ms);
    }
  }
  int covered = 0;
  for (uint32_t i = 0; i < tuned.num_labels; ++i) {
    if (!tuned.keywords[i].is_keyword) continue;
    const int j = tuned2.label_index(tuned.labels[i]);
    ASSERT_GE(j, 0) << tuned.labels[i];
    EXPECT_EQ((*rt)->cascade()->threshold(i), tuned2.keywords[j].threshold) << tuned.labels[i];
    EXPECT_EQ(w.stage2_thresholds()[i], tuned2.keywords[j].threshold) << tuned.labels[i];
    ++covered;
  }
  EXPECT_EQ(covered, 2);  // computer, jarvis
}

// Detections of one model instance (a Wyoming client) and of the daemon's
// runtime on the bundled sample, pushed in 100 ms chunks.
std::vector<std::string> wyoming_hits(const config::Config& cfg, const std::vector<int16_t>& x) {
  auto m = wyoming::WakeModel::load(default_model_path(), "", &cfg);
  EXPECT_TRUE(m) << m.error();
  if (!m) return {};
  auto inst = wyoming::ModelInstance::create(*m);
  EXPECT_TRUE(inst) << inst.error();
  std::vector<wyoming::Hit> hits;
  for (size_t i = 0; i < x.size(); i += 1600) {
    EXPECT_EQ((*inst)->push(x.data() + i, std::min<size_t>(1600, x.size() - i), &hits), "");
  }
  EXPECT_EQ((*inst)->flush(&hits), "");
  std::vector<std::string> out;
  for (const auto& h : hits) out.push_back(h.name + "@" + std::to_string(h.sample_index));
  return out;
}

std::vector<std::string> daemon_hits(const config::Config& cfg, const std::vector<int16_t>& x) {
  auto rt = ModelRuntime::load(default_model_path(), "", &cfg);
  EXPECT_TRUE(rt) << rt.error();
  if (!rt) return {};
  Collect sink;
  for (size_t i = 0; i < x.size(); i += 1600) {
    EXPECT_TRUE(
        (*rt)->pipeline().push(x.data() + i, std::min<size_t>(1600, x.size() - i), &sink).ok());
  }
  EXPECT_TRUE((*rt)->flush(&sink).ok());
  return sink.hits;
}

TEST(ShippedConfig, WyomingSessionsRunTheSameCascadeAsTheMicrophonePath) {
  auto x = audio::read_audio_file(sample_wav_path(), 16000);
  ASSERT_TRUE(x) << x.error();
  config::Config cfg = with_stage2_default(shipped_settings().config);
  const std::vector<std::string> cascade = wyoming_hits(cfg, *x);
  EXPECT_EQ(cascade, daemon_hits(cfg, *x));
  EXPECT_FALSE(cascade.empty()) << "the sample holds both keywords";

  // Stage 2 really decides: a threshold no probability reaches rejects every candidate.
  config::Config strict = cfg;
  for (const char* k : {"computer", "jarvis"}) strict.stage2.keywords[k].threshold = 1.0f;
  EXPECT_TRUE(wyoming_hits(strict, *x).empty());
  EXPECT_TRUE(daemon_hits(strict, *x).empty());
  config::Config off = cfg;
  off.stage2.mode = config::Stage2Mode::kOff;
  EXPECT_GE(wyoming_hits(off, *x).size(), cascade.size());
}

}  // namespace
}  // namespace kws::daemon
