// Stage 1 with a streaming interpreter (ModelClassifier's sliding stride)
// against the same model computing every window in full, through the whole
// pipeline on the bundled sample: the same raw scores at every step, bit for
// bit, and the same events.
#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline/model_classifier.h"
#include "pipeline/pipeline.h"

namespace kws {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

struct Recorder final : EventSink {
  const ModelClassifier* classifier = nullptr;
  std::vector<float> raw;
  std::vector<uint64_t> events;  // label << 40 | sample index
  int streamed_steps = 0;
  int steps = 0;
  void on_event(const Event& e) override {
    events.push_back(static_cast<uint64_t>(e.label_index) << 40 | e.sample_index);
  }
  void on_scores(uint64_t, uint64_t, const float* r, const float*, size_t n) override {
    raw.insert(raw.end(), r, r + n);
    ++steps;
    streamed_steps += classifier->interpreter().last_invoke_streamed() ? 1 : 0;
  }
};

struct Stage1 {
  std::vector<uint8_t> arena;
  ModelClassifier classifier;
  std::vector<double> pipeline_mem;
  Pipeline pipeline;

  void init(const nn::TfliteModel& model, const ModelInfo& info, uint32_t sliding) {
    size_t n = 0;
    ASSERT_TRUE(ModelClassifier::needed_bytes(model, &n, sliding).ok());
    arena.resize(n);
    const Status s = classifier.init(model, info, arena.data(), arena.size(), sliding);
    ASSERT_TRUE(s.ok()) << s.message();
    size_t bytes = 0;
    ASSERT_TRUE(Pipeline::needed_bytes(info, &bytes).ok());
    pipeline_mem.resize(bytes / sizeof(double) + 1);
    ASSERT_TRUE(pipeline.init(info, &classifier, pipeline_mem.data(), bytes).ok());
  }
};

TEST(StreamingStage1, ShippedModelGivesTheFullWindowScoresOnTheSample) {
  const std::string dir = KWS_SOURCE_DIR;
  const std::vector<uint8_t> bytes = read_file(dir + "/models/kwsd_default.tflite");
  nn::TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  ModelInfo info;
  ASSERT_TRUE(model_info_from_tflite(model, &info).ok());
  SF_INFO sfi{};
  SNDFILE* f = sf_open((dir + "/models/sample.wav").c_str(), SFM_READ, &sfi);
  ASSERT_NE(f, nullptr);
  std::vector<int16_t> clip(static_cast<size_t>(sfi.frames));
  ASSERT_EQ(sf_readf_short(f, clip.data(), sfi.frames), sfi.frames);
  sf_close(f);
  // The clip three times, the later copies quieter: 13.6 s.
  std::vector<int16_t> audio;
  for (int copy = 0; copy < 3; ++copy) {
    for (int16_t s : clip) audio.push_back(static_cast<int16_t>(s / (copy + 1)));
  }

  Stage1 streamed;
  Stage1 full;
  streamed.init(model, info, info.stride_frames);
  full.init(model, info, 0);
  ASSERT_GT(streamed.classifier.interpreter().streamed_ops(), 0u);
  EXPECT_EQ(full.classifier.interpreter().streamed_ops(), 0u);
  Recorder a;
  Recorder b;
  a.classifier = &streamed.classifier;
  b.classifier = &full.classifier;
  // Uneven chunks, as a capture device delivers them.
  for (size_t at = 0, k = 0; at < audio.size(); ++k) {
    const size_t n = std::min(audio.size() - at, size_t{97 + 61 * (k % 5)});
    ASSERT_TRUE(streamed.pipeline.push(audio.data() + at, n, &a).ok());
    ASSERT_TRUE(full.pipeline.push(audio.data() + at, n, &b).ok());
    at += n;
  }
  ASSERT_GT(a.steps, 300);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.raw, b.raw);  // exact float equality: the int8 outputs are identical
  EXPECT_EQ(a.events, b.events);
  EXPECT_FALSE(a.events.empty()) << "the sample has keywords";
  // Every step after the first reuses the previous window.
  EXPECT_EQ(a.streamed_steps, a.steps - 1);
  EXPECT_EQ(b.streamed_steps, 0);

  // After reset() the next step runs in full, and the stream still matches.
  streamed.pipeline.reset();
  full.pipeline.reset();
  Recorder c;
  Recorder d;
  c.classifier = &streamed.classifier;
  d.classifier = &full.classifier;
  ASSERT_TRUE(streamed.pipeline.push(clip.data(), clip.size(), &c).ok());
  ASSERT_TRUE(full.pipeline.push(clip.data(), clip.size(), &d).ok());
  EXPECT_EQ(c.raw, d.raw);
  EXPECT_EQ(c.streamed_steps, c.steps - 1);
}

}  // namespace
}  // namespace kws
