// openWakeWord's float32 models through kwsd's runtime, against the ONNX
// Runtime reference outputs in ../shared/data/models/openwakeword/reference
// (README there). Skipped when the shared files are absent.
//
// Cost: CI checks every head at every step of the three clips, one window
// (the middle window of each clip) for the backbone and one clip for the mel; KWS_OWW_FULL=1 checks
// every window, step and clip:
//   KWS_OWW_FULL=1 build/dev/bin/nn_oww_float_test
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/tflite_model.h"
#include "tests/support/npy.h"
#include "tests/support/test_data.h"

namespace kws::nn {
namespace {

using kws::testing::NpyArray;

const char* const kClips[] = {"alexa_0", "jarvis_first", "librispeech_10s"};
constexpr const char* kDir = "models/openwakeword/";

bool full_check() {
  const char* v = std::getenv("KWS_OWW_FULL");
  return v != nullptr && v[0] == '1';
}

// A model file loaded and an interpreter initialised on it.
struct Loaded {
  std::vector<uint8_t> bytes;
  TfliteModel model;
  std::unique_ptr<uint8_t[]> arena;
  Interpreter interp;
};

::testing::AssertionResult load(const std::string& path, Loaded* l,
                                const InterpreterOptions& options = {}) {
  if (!kws::testing::read_file_bytes(path, &l->bytes)) {
    return ::testing::AssertionFailure() << "cannot read " << path;
  }
  Status s = l->model.parse(l->bytes.data(), l->bytes.size());
  if (!s.ok()) return ::testing::AssertionFailure() << path << ": " << s.message();
  size_t need = 0;
  s = Interpreter::needed_bytes(l->model, &need, options);
  if (!s.ok()) return ::testing::AssertionFailure() << path << ": " << s.message();
  l->arena.reset(new uint8_t[need]);
  s = l->interp.init(l->model, l->arena.get(), need, options);
  if (!s.ok()) return ::testing::AssertionFailure() << path << ": " << s.message();
  return ::testing::AssertionSuccess();
}

NpyArray npy(const std::string& path) {
  NpyArray a;
  std::string error;
  EXPECT_TRUE(kws::testing::read_npy_f32(path, &a, &error)) << error;
  return a;
}

float* f32_input(Interpreter& in, size_t i) { return static_cast<float*>(in.input(i).data); }
const float* f32_output(Interpreter& in, size_t i) {
  return static_cast<const float*>(in.output(i).data);
}

// max |a - b| / max(max |b|, 1) over n values.
double relative_error(const float* a, const float* b, size_t n) {
  double diff = 0.0;
  double ref = 1.0;
  for (size_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    ref = std::max(ref, std::fabs(static_cast<double>(b[i])));
  }
  return diff / ref;
}

// The windows to check: all in the full run, else first, middle and last.
std::vector<int64_t> windows_to_check(int64_t count) {
  std::vector<int64_t> w;
  if (full_check()) {
    for (int64_t i = 0; i < count; ++i) w.push_back(i);
  } else {
    w = {count / 2};
  }
  return w;
}

TEST(OwwFloat, EmbeddingModelMatchesOnnxWithin1e4Relative) {
  KWS_REQUIRE_SHARED(model_path, std::string(kDir) + "embedding_model.tflite");
  Loaded m;
  ASSERT_TRUE(load(model_path, &m));
  const TensorView in = m.interp.input(0);
  ASSERT_EQ(in.type, TensorType::kFloat32);
  ASSERT_EQ(in.bytes, 76u * 32u * 4u);
  ASSERT_EQ(m.interp.output(0).bytes, 96u * 4u);
  for (const char* clip : kClips) {
    SCOPED_TRACE(clip);
    KWS_REQUIRE_SHARED(mel_path, std::string(kDir) + "reference/" + clip + ".mel.npy");
    const NpyArray mel = npy(mel_path);
    const NpyArray emb = npy(kws::testing::shared_data_path(std::string(kDir) + "reference/" +
                                                            clip + ".embeddings.npy"));
    ASSERT_EQ(mel.shape.size(), 2u);
    ASSERT_EQ(mel.shape[1], 32);
    const int64_t windows = (mel.shape[0] - 76) / 8 + 1;
    ASSERT_EQ(emb.shape[0], windows);
    double worst = 0.0;
    for (int64_t w : windows_to_check(windows)) {
      float* x = f32_input(m.interp, 0);
      for (size_t i = 0; i < 76 * 32; ++i) {
        x[i] = mel.data[static_cast<size_t>(w) * 8 * 32 + i] / 10.0f + 2.0f;
      }
      ASSERT_TRUE(m.interp.invoke().ok());
      worst = std::max(worst, relative_error(f32_output(m.interp, 0),
                                             &emb.data[static_cast<size_t>(w) * 96], 96));
    }
    EXPECT_LE(worst, 1e-4) << "max |a-b| / max(|b|, 1) over the checked windows";
    std::printf("[ info ] %s: embedding max |a-b| / max(|b|, 1) %.3g over %zu windows\n", clip,
                worst, windows_to_check(windows).size());
  }
}

// Streaming (InterpreterOptions::stream_shift_rows = 8, the 80 ms step of
// openWakeWord's 76-frame window) gives bit-identical embeddings to full
// invokes on windows sliding by 8 mel frames, and computes only new rows.
// The reference runs unfused; the streamed interpreter fuses every
// CONV_2D -> LEAKY_RELU -> MAXIMUM chain, which must not change a bit either.
TEST(OwwFloat, EmbeddingModelStreamedBy8RowsIsBitIdentical) {
  KWS_REQUIRE_SHARED(model_path, std::string(kDir) + "embedding_model.tflite");
  KWS_REQUIRE_SHARED(mel_path, std::string(kDir) + "reference/jarvis_first.mel.npy");
  Loaded full, streamed;
  InterpreterOptions unfused;
  unfused.fuse_activations = false;
  ASSERT_TRUE(load(model_path, &full, unfused));
  EXPECT_EQ(full.interp.fused_chains(), 0u);
  InterpreterOptions options;
  options.stream_shift_rows = 8;
  ASSERT_TRUE(load(model_path, &streamed, options));
  // Every op but the last convolution (one output row) keeps rows.
  EXPECT_EQ(streamed.interp.streamed_ops(), streamed.interp.num_ops() - 1);
  // 19 of the 20 convolutions are followed by LEAKY_RELU and MAXIMUM.
  EXPECT_EQ(streamed.interp.fused_chains(), 19u);
  const NpyArray mel = npy(mel_path);
  const int64_t windows = full_check() ? (mel.shape[0] - 76) / 8 + 1 : 4;
  for (int64_t w = 0; w < windows; ++w) {
    for (Loaded* m : {&full, &streamed}) {
      float* x = f32_input(m->interp, 0);
      for (size_t i = 0; i < 76 * 32; ++i) {
        x[i] = mel.data[static_cast<size_t>(w) * 8 * 32 + i] / 10.0f + 2.0f;
      }
      ASSERT_TRUE(m->interp.invoke().ok());
    }
    EXPECT_EQ(streamed.interp.last_invoke_streamed(), w > 0);
    EXPECT_EQ(std::memcmp(full.interp.output(0).data, streamed.interp.output(0).data, 96 * 4), 0)
        << "window " << w;
  }
}

// Column of stream_scores.npy, window length n, and how to read the score.
struct Head {
  const char* name;
  int column;
  int frames;
  bool timer;  // max of softmax classes 1..6
};
const Head kHeads[] = {{"alexa_v0.1", 0, 16, false},       {"hey_jarvis_v0.1", 1, 16, false},
                       {"hey_mycroft_v0.1", 2, 16, false}, {"hey_rhasspy_v0.1", 3, 16, false},
                       {"timer_v0.1", 4, 34, true},        {"weather_v0.1", 5, 22, false}};

// Runs `head` at every streaming step of `clip` on the reference streaming
// embeddings (start-up rows: startup_embedding.npy) and returns the largest
// |score - reference| and the peak score (over every step, or in CI a subset
// unless `every_step`).
void run_head(Loaded& m, const Head& head, const char* clip, bool every_step, double* max_diff,
              double* peak) {
  const NpyArray emb = npy(kws::testing::shared_data_path(std::string(kDir) + "reference/" + clip +
                                                          ".stream_embeddings.npy"));
  const NpyArray scores = npy(kws::testing::shared_data_path(std::string(kDir) + "reference/" +
                                                             clip + ".stream_scores.npy"));
  const NpyArray startup =
      npy(kws::testing::shared_data_path(std::string(kDir) + "reference/startup_embedding.npy"));
  ASSERT_EQ(startup.data.size(), 96u);
  const int64_t steps = emb.shape[0];
  ASSERT_EQ(scores.shape[0], steps);
  ASSERT_EQ(m.interp.input(0).bytes, static_cast<size_t>(head.frames) * 96u * 4u);
  *max_diff = 0.0;
  *peak = 0.0;
  for (int64_t k = 0; k < steps; ++k) {
    // CI: every third step, and every step of jarvis_first's detection (IF's
    // then-branch runs at steps 29..31).
    if (!every_step && !full_check() && k % 3 != 0 && (k < 27 || k > 33)) continue;
    float* x = f32_input(m.interp, 0);
    for (int r = 0; r < head.frames; ++r) {
      const int64_t row = k - (head.frames - 1) + r;  // feature-buffer row, < 0: start-up
      const float* src = row < 0 ? startup.data.data() : &emb.data[static_cast<size_t>(row) * 96];
      std::copy(src, src + 96, x + r * 96);
    }
    ASSERT_TRUE(m.interp.invoke().ok());
    const float* y = f32_output(m.interp, 0);
    double score = y[0];
    if (head.timer) score = *std::max_element(y + 1, y + 7);
    const double ref = scores.data[static_cast<size_t>(k) * 6 + static_cast<size_t>(head.column)];
    *max_diff = std::max(*max_diff, std::fabs(score - ref));
    *peak = std::max(*peak, score);
  }
}

// Every clip in the full run; else jarvis_first (45 steps, 3 of them through
// hey_jarvis's IF then-branch).
std::vector<const char*> clips_to_check() {
  if (full_check()) return {kClips[0], kClips[1], kClips[2]};
  return {kClips[1]};
}

TEST(OwwFloat, HeadsMatchOnnxStreamScoresWithin1e3Absolute) {
  KWS_REQUIRE_SHARED(ref_dir, std::string(kDir) + "reference/startup_embedding.npy");
  for (const Head& head : kHeads) {
    if (std::string(head.name) == "hey_rhasspy_v0.1") continue;  // another network: below
    SCOPED_TRACE(head.name);
    KWS_REQUIRE_SHARED(path, std::string(kDir) + head.name + ".tflite");
    Loaded m;
    ASSERT_TRUE(load(path, &m));
    for (const char* clip : kClips) {
      SCOPED_TRACE(clip);
      double diff = 0.0, peak = 0.0;
      run_head(m, head, clip, true, &diff, &peak);
      EXPECT_LE(diff, 1e-3);
      std::printf("[ info ] %s on %s: max |score diff| %.3g\n", head.name, clip, diff);
    }
  }
}

// hey_rhasspy_v0.1.tflite is not the network of hey_rhasspy_v0.1.onnx (64 vs
// 32 hidden units; README "TFLite versus ONNX"): its scores differ from the
// ONNX column by up to 5.8e-3 under LiteRT, and its peaks on the three clips
// are 0.000643 / 0.000024 / 0.000420 under LiteRT. We check that bound (1e-2)
// and the LiteRT peaks within 1e-4 (our input embeddings are ONNX's, which
// differ from LiteRT's by up to 8.4e-5).
TEST(OwwFloat, HeyRhasspyTfliteMatchesLiteRtPeaks) {
  KWS_REQUIRE_SHARED(path, std::string(kDir) + "hey_rhasspy_v0.1.tflite");
  KWS_REQUIRE_SHARED(ref_dir, std::string(kDir) + "reference/startup_embedding.npy");
  Loaded m;
  ASSERT_TRUE(load(path, &m));
  const double litert_peaks[] = {0.000643, 0.000024, 0.000420};
  for (int c = 0; c < 3; ++c) {
    SCOPED_TRACE(kClips[c]);
    double diff = 0.0, peak = 0.0;
    run_head(m, kHeads[3], kClips[c], true, &diff, &peak);
    EXPECT_LE(diff, 1e-2);
    EXPECT_NEAR(peak, litert_peaks[c], 1e-4);
  }
}

// The 16-bit PCM samples of a reference WAV (44-byte header).
std::vector<float> wav_samples(const std::string& path) {
  std::vector<uint8_t> b;
  EXPECT_TRUE(kws::testing::read_file_bytes(path, &b));
  std::vector<float> s;
  for (size_t i = 44; i + 1 < b.size(); i += 2) {
    s.push_back(static_cast<float>(static_cast<int16_t>(b[i] | b[i + 1] << 8)));
  }
  return s;
}

TEST(OwwFloat, MelspectrogramResizedToWholeClipMatchesOnnx) {
  KWS_REQUIRE_SHARED(path, std::string(kDir) + "melspectrogram.tflite");
  for (const char* clip : clips_to_check()) {
    SCOPED_TRACE(clip);
    KWS_REQUIRE_SHARED(wav, std::string(kDir) + "reference/" + clip + ".wav");
    const std::vector<float> samples = wav_samples(wav);
    const NpyArray mel =
        npy(kws::testing::shared_data_path(std::string(kDir) + "reference/" + clip + ".mel.npy"));
    InputShape shape;
    shape.num_dims = 2;
    shape.dims[0] = 1;
    shape.dims[1] = static_cast<int32_t>(samples.size());
    InterpreterOptions options;
    options.input_shapes = &shape;
    options.num_input_shapes = 1;
    Loaded m;
    ASSERT_TRUE(load(path, &m, options));
    ASSERT_EQ(m.interp.input(0).bytes, samples.size() * 4);
    ASSERT_EQ(m.interp.output(0).bytes, mel.data.size() * 4);
    std::copy(samples.begin(), samples.end(), f32_input(m.interp, 0));
    ASSERT_TRUE(m.interp.invoke().ok());
    const float* y = f32_output(m.interp, 0);
    double diff = 0.0;
    for (size_t i = 0; i < mel.data.size(); ++i) {
      diff = std::max(diff, std::fabs(static_cast<double>(y[i]) - mel.data[i]));
    }
    EXPECT_LE(diff, 5e-3) << "max abs difference in dB";
    std::printf("[ info ] %s: mel max |diff| %.3g dB\n", clip, diff);
  }
}

}  // namespace
}  // namespace kws::nn
