// microWakeWord's published models run through the same Pipeline as kwsd's own
// models: the project's sidecars describe them, the streaming state resets
// with the pipeline, and alexa (v2) fires on a shared "alexa" recording and
// stays quiet on other speech.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "config/sidecar.h"
#include "pipeline/model_classifier.h"
#include "pipeline/pipeline.h"
#include "tests/support/test_data.h"

namespace kws {
namespace {

std::vector<int16_t> read_audio(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) return {};
  std::vector<int16_t> s(static_cast<size_t>(info.frames));
  if (info.channels == 1) sf_read_short(f, s.data(), static_cast<sf_count_t>(s.size()));
  sf_close(f);
  return s;
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

ModelInfo load_sidecar(const std::string& name) {
  auto r = config::load_model_info_yaml(std::string(KWS_SIDECARS_DIR) + "/" + name + ".yaml");
  EXPECT_TRUE(r.ok()) << name << ": " << r.error();
  return r.ok() ? r.value() : ModelInfo{};
}

struct EventLog final : EventSink {
  void on_event(const Event& e) override { events.push_back(e); }
  void on_scores(uint64_t, uint64_t, const float* raw, const float*, size_t) override {
    scores.push_back(raw[0]);
  }
  std::vector<Event> events;
  std::vector<float> scores;
};

// One model file + sidecar, a classifier and a pipeline over it.
struct Detector {
  Detector(const std::string& model_rel, const std::string& sidecar) {
    info = load_sidecar(sidecar);
    const std::string path = testing::shared_data_path(model_rel);
    if (path.empty()) return;
    bytes = read_bytes(path);
    status = model.parse(bytes.data(), bytes.size());
    if (!status.ok()) return;
    size_t n = 0;
    status = ModelClassifier::needed_bytes(model, &n);
    if (!status.ok()) return;
    arena.resize(n);
    status = classifier.init(model, info, arena.data(), arena.size());
    if (!status.ok()) return;
    status = Pipeline::needed_bytes(info, &n);
    if (!status.ok()) return;
    mem.resize(n / sizeof(Block) + 1);
    status = pipeline.init(info, &classifier, mem.data(), mem.size() * sizeof(Block));
  }
  EventLog run(const std::vector<int16_t>& audio, size_t chunk = 4096) {
    EventLog log;
    for (size_t i = 0; i < audio.size(); i += chunk) {
      const size_t n = std::min(chunk, audio.size() - i);
      const Status st = pipeline.push(audio.data() + i, n, &log);
      EXPECT_TRUE(st.ok()) << st.message();
    }
    return log;
  }

  struct alignas(16) Block {
    uint8_t b[16];
  };
  ModelInfo info;
  std::vector<uint8_t> bytes;
  nn::TfliteModel model;
  std::vector<uint8_t> arena;
  ModelClassifier classifier;
  std::vector<Block> mem;
  Pipeline pipeline;
  Status status;
};

TEST(Mww, EverySidecarFitsItsV2Model) {
  for (const char* name : {"alexa", "hey_jarvis", "hey_mycroft", "okay_nabu"}) {
    const std::string rel = std::string("models/micro_wake_word/models/v2/") + name + ".tflite";
    if (testing::shared_data_path(rel).empty()) GTEST_SKIP() << "shared data not found: " << rel;
    Detector d(rel, name);
    ASSERT_TRUE(d.status.ok()) << name << ": " << d.status.message();
    EXPECT_EQ(d.info.frontend.features, FeatureType::kMicro);
    EXPECT_EQ(d.info.num_labels, 1u);
    EXPECT_STREQ(d.info.labels[0], name);
    EXPECT_TRUE(d.info.keywords[0].is_keyword);
    EXPECT_EQ(d.info.window_frames, d.info.stride_frames)
        << "a stateful model sees each frame once";
    EXPECT_EQ(d.info.smoothing_frames, 5u);
  }
}

TEST(Mww, AlexaFiresOnAnAlexaRecordingAndNotOnOtherSpeech) {
  KWS_REQUIRE_SHARED(clip, "keywords/wwb/alexa/1.flac");
  KWS_REQUIRE_SHARED(speech, "speech/dc_tts_reader/LJ001-0001.flac");
  Detector d("models/micro_wake_word/models/v2/alexa.tflite", "alexa");
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  const std::vector<int16_t> positive = read_audio(clip);
  ASSERT_GT(positive.size(), 16000u);
  const EventLog hit = d.run(positive);
  ASSERT_EQ(hit.events.size(), 1u);
  EXPECT_STREQ(hit.events[0].keyword, "alexa");
  EXPECT_GE(hit.events[0].score, d.info.keywords[0].threshold);
  // One model step per 3 frames of 10 ms.
  const size_t frames = (positive.size() - 480) / 160 + 1;
  EXPECT_EQ(hit.scores.size(), frames / 3);

  d.pipeline.reset();
  const std::vector<int16_t> negative = read_audio(speech);
  ASSERT_GT(negative.size(), 16000u * 5);
  const EventLog quiet = d.run(negative);
  EXPECT_TRUE(quiet.events.empty())
      << quiet.events.size() << " false accepts, first at " << quiet.events[0].time_s << " s";
}

TEST(Mww, ResetClearsTheStreamingStateAndChunkingDoesNotMatter) {
  KWS_REQUIRE_SHARED(clip, "keywords/wwb/alexa/1.flac");
  KWS_REQUIRE_SHARED(speech, "speech/dc_tts_reader/LJ001-0001.flac");
  Detector d("models/micro_wake_word/models/v2/alexa.tflite", "alexa");
  ASSERT_TRUE(d.status.ok()) << d.status.message();
  const std::vector<int16_t> audio = read_audio(clip);
  const EventLog fresh = d.run(audio, 4096);
  // Other speech fills the model's variables (and the noise estimate); after
  // reset() the clip must score exactly as on a fresh pipeline, in any chunking.
  d.run(read_audio(speech), 1000);
  d.pipeline.reset();
  const EventLog again = d.run(audio, 37);
  EXPECT_EQ(fresh.scores, again.scores);
  ASSERT_EQ(fresh.events.size(), again.events.size());
  for (size_t i = 0; i < fresh.events.size(); ++i)
    EXPECT_EQ(fresh.events[i].sample_index, again.events[i].sample_index);
}

}  // namespace
}  // namespace kws
