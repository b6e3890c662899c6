// The micro front end (pipeline/micro_frontend.h): integer building blocks on
// known values, noise reduction and PCAN behaviour, chunking independence, and
// the real check that its features are the ones TFLM's micro_speech model was
// trained on: that model classifies its own yes/no test clips through them.
#include "pipeline/micro_frontend.h"

#include <gtest/gtest.h>
#include <sndfile.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pipeline/model_classifier.h"
#include "pipeline/pipeline.h"
#include "tests/support/test_data.h"

namespace kws {
namespace {

FrontendConfig micro_config(uint32_t hop = 160) {
  FrontendConfig c;
  c.features = FeatureType::kMicro;
  c.window_samples = 480;
  c.hop_samples = hop;
  c.fft_size = 512;
  c.mel_bins = 40;
  c.fmin_hz = 125.0f;
  c.fmax_hz = 7500.0f;
  c.quant_scale = 0.1015625f;
  c.quant_zero_point = -128;
  return c;
}

struct Micro {
  explicit Micro(const FrontendConfig& cfg) {
    size_t n = 0;
    status = MicroFrontend::needed_bytes(cfg, &n);
    if (!status.ok()) return;
    mem.resize(n / 16 + 1);
    status = fe.init(cfg, mem.data(), n);
  }
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> mem;
  MicroFrontend fe;
  Status status;
};

std::vector<int16_t> read_wav(const std::string& path) {
  SF_INFO info{};
  SNDFILE* f = sf_open(path.c_str(), SFM_READ, &info);
  if (f == nullptr) return {};
  std::vector<int16_t> s(static_cast<size_t>(info.frames * info.channels));
  sf_read_short(f, s.data(), static_cast<sf_count_t>(s.size()));
  sf_close(f);
  if (info.channels > 1) {
    for (size_t i = 0; i < s.size() / static_cast<size_t>(info.channels); ++i)
      s[i] = s[i * static_cast<size_t>(info.channels)];
    s.resize(s.size() / static_cast<size_t>(info.channels));
  }
  return s;
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

// Features of a whole clip, frame after frame.
std::vector<int8_t> clip_features(const FrontendConfig& cfg, const std::vector<int16_t>& audio,
                                  std::vector<uint16_t>* raw = nullptr) {
  Micro m(cfg);
  EXPECT_TRUE(m.status.ok()) << m.status.message();
  std::vector<int8_t> out;
  std::vector<uint16_t> r(cfg.mel_bins);
  std::vector<int8_t> f(cfg.mel_bins);
  for (size_t start = 0; start + cfg.window_samples <= audio.size(); start += cfg.hop_samples) {
    m.fe.compute(audio.data() + start, f.data(), r.data());
    out.insert(out.end(), f.begin(), f.end());
    if (raw != nullptr) raw->insert(raw->end(), r.begin(), r.end());
  }
  return out;
}

TEST(MicroFrontend, Int8ConversionIsEsphomes) {
  // q = (v * 256 + 333) / 666 - 128, clamped.
  EXPECT_EQ(micro_feature_to_int8(0), -128);
  EXPECT_EQ(micro_feature_to_int8(1), -128);  // 589/666 = 0
  EXPECT_EQ(micro_feature_to_int8(2), -127);  // 845/666 = 1
  EXPECT_EQ(micro_feature_to_int8(333), 0);   // 85581/666 = 128
  EXPECT_EQ(micro_feature_to_int8(665), 127);
  EXPECT_EQ(micro_feature_to_int8(670), 127);
  EXPECT_EQ(micro_feature_to_int8(65535), 127);
}

// The reference library's own end-to-end known values (tflite-micro
// microfrontend frontend_test): 1 kHz, 25-sample window, 10-sample step,
// 2 channels over 8..450 Hz, a full-scale alternating signal (its -32768
// samples exercise the window's peak handling and the 32-point fixed-point FFT).
FrontendConfig tiny_config() {
  FrontendConfig c = micro_config(10);
  c.sample_rate = 1000;
  c.window_samples = 25;
  c.fft_size = 32;
  c.mel_bins = 2;
  c.fmin_hz = 8.0f;
  c.fmax_hz = 450.0f;
  return c;
}

std::vector<int16_t> alternating(size_t n) {
  std::vector<int16_t> s(n);
  const int16_t pattern[4] = {0, 32767, 0, -32768};
  for (size_t i = 0; i < n; ++i) s[i] = pattern[i % 4];
  return s;
}

TEST(MicroFrontend, MatchesTheReferenceKnownValues) {
  Micro m(tiny_config());
  ASSERT_TRUE(m.status.ok()) << m.status.message();
  const std::vector<int16_t> audio = alternating(36);
  uint16_t raw[2];
  int8_t q[2];
  m.fe.compute(audio.data(), q, raw);
  EXPECT_EQ(raw[0], 479);
  EXPECT_EQ(raw[1], 425);
  m.fe.compute(audio.data() + 10, q, raw);  // second window: noise estimate carried over
  EXPECT_EQ(raw[0], 436);
  EXPECT_EQ(raw[1], 378);
  EXPECT_EQ(q[0], micro_feature_to_int8(436));
}

// Deterministic white noise of the given peak amplitude.
std::vector<int16_t> white_noise(size_t n, int amplitude, uint32_t seed = 1) {
  std::vector<int16_t> s(n);
  uint32_t x = seed;
  for (size_t i = 0; i < n; ++i) {
    x = x * 1664525u + 1013904223u;
    const int v = static_cast<int>((x >> 16) % 65536u) - 32768;
    s[i] = static_cast<int16_t>(v * amplitude / 32768);
  }
  return s;
}

std::vector<int16_t> tone(size_t n, double hz, double amplitude) {
  std::vector<int16_t> s(n);
  for (size_t i = 0; i < n; ++i)
    s[i] = static_cast<int16_t>(
        amplitude * std::sin(2.0 * 3.14159265358979 * hz * static_cast<double>(i) / 16000.0));
  return s;
}

double mean(const std::vector<uint16_t>& v, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += v[i];
  return sum / static_cast<double>(to - from);
}

TEST(MicroFrontend, NoiseReductionLearnsStationaryNoiseAndResetForgetsIt) {
  const FrontendConfig cfg = micro_config();
  const std::vector<int16_t> noise = white_noise(16000 * 3, 3000);
  std::vector<uint16_t> raw;
  clip_features(cfg, noise, &raw);
  const size_t frames = raw.size() / 40;
  ASSERT_GT(frames, 250u);
  // The first frame passes (estimate 0); after 2 s the estimate has caught up
  // and the output sinks towards the floor.
  EXPECT_GT(mean(raw, 0, 40), mean(raw, 200 * 40, 201 * 40) + 50.0);

  Micro m(cfg);
  ASSERT_TRUE(m.status.ok());
  int8_t q[40];
  uint16_t first[40];
  uint16_t out[40];
  m.fe.compute(noise.data(), q, first);
  for (uint32_t c = 0; c < 40; ++c) EXPECT_GT(m.fe.noise_estimate()[c], 0u) << c;
  for (size_t f = 1; f < 100; ++f) m.fe.compute(noise.data() + f * 160, q, out);
  m.fe.reset();
  for (uint32_t c = 0; c < 40; ++c) EXPECT_EQ(m.fe.noise_estimate()[c], 0u);
  m.fe.compute(noise.data(), q, out);
  EXPECT_EQ(std::memcmp(first, out, sizeof(out)), 0);
}

TEST(MicroFrontend, PcanNormalisesTheLevelOfStationaryNoise) {
  // The same noise at two levels 8x apart, after the estimate settled.
  auto settled_level = [](bool pcan, int amplitude) {
    FrontendConfig cfg = micro_config();
    cfg.micro.enable_pcan = pcan;
    std::vector<uint16_t> raw;
    clip_features(cfg, white_noise(16000 * 3, amplitude), &raw);
    return mean(raw, 200 * 40, raw.size());
  };
  const double with_pcan = settled_level(true, 16000) - settled_level(true, 2000);
  const double without = settled_level(false, 16000) - settled_level(false, 2000);
  // Without PCAN the log output moves by ~ln(8) * 64 = 133 per the 8x level.
  EXPECT_GT(without, 100.0);
  EXPECT_LT(std::fabs(with_pcan), without / 4.0) << with_pcan << " vs " << without;
}

TEST(MicroFrontend, ToneLandsInTheChannelCentredOnIt) {
  const FrontendConfig cfg = micro_config();
  const float mel_low = 1127.0f * std::log1p(125.0f / 700.0f);
  const float mel_high = 1127.0f * std::log1p(7500.0f / 700.0f);
  for (double hz : {300.0, 1000.0, 3000.0}) {
    std::vector<uint16_t> raw;
    clip_features(cfg, tone(4800, hz, 8000.0), &raw);
    // First frame: nothing learnt yet, the tone stands out.
    uint32_t best = 0;
    for (uint32_t c = 1; c < 40; ++c)
      if (raw[c] > raw[best]) best = c;
    const double mel = 1127.0 * std::log1p(hz / 700.0);
    uint32_t expected = 0;
    double dist = 1e9;
    for (uint32_t c = 0; c < 40; ++c) {
      const double centre = mel_low + (mel_high - mel_low) / 41.0 * (c + 1);
      if (std::fabs(centre - mel) < dist) dist = std::fabs(centre - mel), expected = c;
    }
    EXPECT_LE(best > expected ? best - expected : expected - best, 1u) << hz << " Hz";
  }
}

TEST(MicroFrontend, SilenceGivesTheBottomOfTheScale) {
  const std::vector<int16_t> silence(4800, 0);
  std::vector<uint16_t> raw;
  const std::vector<int8_t> q = clip_features(micro_config(), silence, &raw);
  for (uint16_t v : raw) EXPECT_EQ(v, 0);
  for (int8_t v : q) EXPECT_EQ(v, -128);
}

TEST(MicroFrontend, RejectsBadConfigurationsWithAReason) {
  size_t n = 0;
  FrontendConfig cfg = micro_config();
  cfg.mel_bins = 0;
  EXPECT_FALSE(MicroFrontend::needed_bytes(cfg, &n).ok());
  cfg = micro_config();
  cfg.fft_size = 256;  // smaller than the 480-sample window
  EXPECT_FALSE(MicroFrontend::needed_bytes(cfg, &n).ok());
  cfg = micro_config();
  cfg.micro.even_smoothing = 1.5f;
  EXPECT_FALSE(MicroFrontend::needed_bytes(cfg, &n).ok());
  // The float front end refuses micro configs instead of computing something else.
  EXPECT_FALSE(Frontend::needed_bytes(micro_config(), false, &n).ok());
  // Too little memory.
  ASSERT_TRUE(MicroFrontend::needed_bytes(micro_config(), &n).ok());
  alignas(16) static uint8_t small[64];
  MicroFrontend fe;
  const Status st = fe.init(micro_config(), small, sizeof(small));
  EXPECT_EQ(st.code(), StatusCode::kBufferTooSmall) << st.message();
}

// Records every feature window the pipeline hands to the classifier.
class RecordingClassifier final : public Classifier {
 public:
  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override {
    seen.insert(seen.end(), features, features + n);
    for (size_t i = 0; i < num_labels; ++i) probs[i] = 0.0f;
    return Status::Ok();
  }
  void reset_state() override { ++resets; }
  std::vector<int8_t> seen;
  int resets = 0;
};

TEST(MicroFrontend, PipelineFeaturesDoNotDependOnChunkingAndResetStartsOver) {
  ModelInfo info;
  info.frontend = micro_config();
  info.window_frames = 3;
  info.stride_frames = 3;
  info.num_labels = 1;
  std::strcpy(info.labels[0], "word");
  info.keywords[0].is_keyword = true;
  size_t n = 0;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &n).ok());
  struct alignas(16) Block {
    uint8_t b[16];
  };
  std::vector<Block> mem(n / 16 + 1);
  const std::vector<int16_t> audio = white_noise(16000, 5000, 7);
  std::vector<std::vector<int8_t>> runs;
  RecordingClassifier rec;
  Pipeline p;
  ASSERT_TRUE(p.init(info, &rec, mem.data(), mem.size() * 16).ok());
  for (size_t chunk : {size_t{16000}, size_t{160}, size_t{7}}) {
    rec.seen.clear();
    for (size_t i = 0; i < audio.size(); i += chunk)
      ASSERT_TRUE(p.push(audio.data() + i, std::min(chunk, audio.size() - i), nullptr).ok());
    runs.push_back(rec.seen);
    const int before = rec.resets;
    p.reset();
    EXPECT_EQ(rec.resets, before + 1) << "Pipeline::reset() resets the classifier's state";
  }
  // (16000 - 480) / 160 + 1 = 98 frames -> 32 steps of 3 frames.
  EXPECT_EQ(runs[0].size(), 32u * 3 * 40);
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_EQ(runs[0], runs[2]);
  // The same frames as the front end alone gives, in order.
  const std::vector<int8_t> direct = clip_features(info.frontend, audio);
  EXPECT_TRUE(std::equal(runs[0].begin(), runs[0].end(), direct.begin()));
}

// micro_speech: 1 s clip -> 49 frames (30 ms window, 20 ms step) x 40 -> 4 classes.
ModelInfo micro_speech_info(float input_scale, int32_t zero_point) {
  ModelInfo info;
  info.frontend = micro_config(320);
  info.frontend.quant_scale = input_scale;
  info.frontend.quant_zero_point = zero_point;
  info.window_frames = 49;
  info.num_labels = 4;
  const char* labels[4] = {"silence", "unknown", "yes", "no"};
  for (uint32_t i = 0; i < 4; ++i) {
    std::strcpy(info.labels[i], labels[i]);
    info.keywords[i].is_keyword = i >= 2;
  }
  return info;
}

class MicroSpeech : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path =
        testing::shared_data_path("models/micro_speech/models/micro_speech_quantized.tflite");
    if (path.empty()) GTEST_SKIP() << "shared data not found: micro_speech model";
    bytes_ = read_file(path);
    ASSERT_TRUE(model_.parse(bytes_.data(), bytes_.size()).ok());
    size_t n = 0;
    ASSERT_TRUE(ModelClassifier::needed_bytes(model_, &n).ok());
    arena_.resize(n);
    info_ = micro_speech_info(kInputScale, kInputZeroPoint);
    const Status st = classifier_.init(model_, info_, arena_.data(), arena_.size());
    ASSERT_TRUE(st.ok()) << st.message();
  }

  // Probabilities for one clip of testdata/.
  std::vector<float> classify(const std::string& name) {
    const std::string path = testing::shared_data_path("models/micro_speech/testdata/" + name);
    EXPECT_FALSE(path.empty()) << name;
    const std::vector<int16_t> audio = read_wav(path);
    std::vector<int8_t> f = clip_features(info_.frontend, audio);
    EXPECT_EQ(f.size(), 49u * 40u) << name;
    f.resize(49 * 40, -128);
    std::vector<float> p(4);
    const Status st = classifier_.classify(f.data(), f.size(), p.data(), 4);
    EXPECT_TRUE(st.ok()) << st.message();
    return p;
  }

  static constexpr float kInputScale = 0.101715684f;  // the model input's scale
  static constexpr int32_t kInputZeroPoint = -128;
  std::vector<uint8_t> bytes_;
  nn::TfliteModel model_;
  std::vector<uint8_t> arena_;
  ModelInfo info_;
  ModelClassifier classifier_;
};

size_t argmax(const std::vector<float>& p) {
  size_t best = 0;
  for (size_t i = 1; i < p.size(); ++i)
    if (p[i] > p[best]) best = i;
  return best;
}

TEST_F(MicroSpeech, ClassifiesItsTestClipsThroughOurFeatures) {
  const std::vector<float> yes = classify("yes_1000ms.wav");
  const std::vector<float> no = classify("no_1000ms.wav");
  const std::vector<float> silence = classify("silence_1000ms.wav");
  const std::vector<float> noise = classify("noise_1000ms.wav");
  auto show = [](const std::vector<float>& p) { return ::testing::PrintToString(p); };
  EXPECT_EQ(argmax(yes), 2u) << show(yes);
  EXPECT_EQ(argmax(no), 3u) << show(no);
  EXPECT_EQ(argmax(silence), 0u) << show(silence);
  EXPECT_LT(argmax(noise), 2u) << show(noise);
}

}  // namespace
}  // namespace kws
