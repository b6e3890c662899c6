// The micro front end (pipeline/micro_frontend.h): integer building blocks on
// known values, noise reduction and PCAN behaviour, chunking independence, and
// the real check that its features are the ones TFLM's micro_speech model was
// trained on: that model classifies its own yes/no test clips through them.
#include "pipeline/micro_frontend.h"

#include <gtest/gtest.h>
#include <sndfile.h>

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
  std::vector<uint64_t> mem_storage;
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
