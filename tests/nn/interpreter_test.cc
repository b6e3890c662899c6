#include "nn/interpreter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "tests/nn/model_builder.h"
#include "tests/support/test_data.h"

namespace kws::nn {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A model plus an interpreter in a heap arena (the test owns the memory).
struct Loaded {
  std::vector<uint8_t> bytes;
  TfliteModel model;
  std::vector<uint8_t> arena;
  Interpreter interp;
  size_t needed = 0;

  Status load(std::vector<uint8_t> b) {
    bytes = std::move(b);
    KWS_RETURN_IF_ERROR(model.parse(bytes.data(), bytes.size()));
    KWS_RETURN_IF_ERROR(Interpreter::needed_bytes(model, &needed));
    arena.assign(needed, 0xCD);
    return interp.init(model, arena.data(), arena.size());
  }
};

TEST(Interpreter, RunsTinyModelLikeFloatMath) {
  Loaded l;
  const Status s = l.load(testing::build_model(testing::tiny_fc_softmax_model()));
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(l.interp.num_inputs(), 1u);
  TensorView in = l.interp.input(0);
  ASSERT_EQ(in.bytes, 4u);
  EXPECT_FLOAT_EQ(in.scale, 0.5f);
  const int8_t x[4] = {3, -5, 7, 1};
  std::memcpy(in.data, x, 4);
  ASSERT_TRUE(l.interp.invoke().ok());
  const TensorView out = l.interp.output(0);
  ASSERT_EQ(out.bytes, 3u);
  // Float reference: fc with per-channel scales, then the quantized logits, softmax.
  const float ws[3] = {0.1f, 0.2f, 0.05f};
  const int8_t w[12] = {1, 2, 3, 4, -1, -2, -3, -4, 10, 0, -10, 5};
  const int32_t b[3] = {10, -20, 7};
  float logits[3];
  for (int o = 0; o < 3; ++o) {
    float acc = 0.0f;
    for (int i = 0; i < 4; ++i) acc += 0.5f * static_cast<float>(x[i] + 1) * ws[o] * w[o * 4 + i];
    acc += 0.5f * ws[o] * static_cast<float>(b[o]);
    // Requantize to the logits tensor (scale 0.25, zp 3) as the int8 graph does.
    const float q = std::round(acc / 0.25f) + 3.0f;
    logits[o] = (std::fmin(std::fmax(q, -128.0f), 127.0f) - 3.0f) * 0.25f;
  }
  float sum = 0.0f;
  for (float v : logits) sum += std::exp(v);
  const int8_t* probs = static_cast<const int8_t*>(out.data);
  for (int o = 0; o < 3; ++o) {
    const float want = std::exp(logits[o]) / sum;
    const float got = (static_cast<float>(probs[o]) + 128.0f) / 256.0f;
    EXPECT_NEAR(got, want, 1.5f / 256.0f) << "class " << o;
  }
}

TEST(Interpreter, ReportsTooSmallArenaAndUnsupportedOps) {
  const std::vector<uint8_t> bytes = testing::build_model(testing::tiny_fc_softmax_model());
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  size_t needed = 0;
  ASSERT_TRUE(Interpreter::needed_bytes(model, &needed).ok());
  std::vector<uint8_t> arena(needed - 1);
  Interpreter interp;
  EXPECT_EQ(interp.init(model, arena.data(), arena.size()).code(), StatusCode::kBufferTooSmall);
  EXPECT_FALSE(interp.invoke().ok());

  testing::ModelSpec spec = testing::tiny_fc_softmax_model();
  spec.ops[1].builtin = op::kSoftmax + 91;  // 116 = ROUND
  spec.ops[1].options_type = 0;
  const std::vector<uint8_t> bad = testing::build_model(spec);
  TfliteModel m2;
  ASSERT_TRUE(m2.parse(bad.data(), bad.size()).ok());
  const Status s = Interpreter::needed_bytes(m2, &needed);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_STREQ(s.message(), "unsupported op ROUND (builtin 116) at subgraph 0 operator 1");
}

TEST(Interpreter, RejectsBadOpParameters) {
  testing::ModelSpec spec = testing::tiny_fc_softmax_model();
  spec.tensors[4].scales = {0.01f};  // softmax output must be 1/256
  Loaded l;
  const Status s = l.load(testing::build_model(spec));
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(std::strstr(s.message(), "SOFTMAX at subgraph 0 operator 1"), nullptr) << s.message();
}

TEST(Interpreter, RejectsConstantGraphInput) {
  testing::ModelSpec spec = testing::tiny_fc_softmax_model();
  spec.inputs = {1};  // the weights
  Loaded l;
  const Status s = l.load(testing::build_model(spec));
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_STREQ(s.message(), "graph input 0 (tensor 1) is constant");
}

constexpr const char* kKwsModel = "models/mlperf_tiny/kws_ref_model.tflite";

// Arena bytes pinned per model: a change here is a memory regression (or win)
// that must be looked at, not waved through.
TEST(InterpreterArena, PinnedSizes) {
  struct Pin {
    const char* path;
    size_t bytes;
  };
  const Pin pins[] = {
      {kKwsModel, 25231},
      {"models/mlperf_tiny/str_ww_ref_model.tflite", 17679},
      {"models/micro_speech/models/micro_speech_quantized.tflite", 13231},
      {"models/micro_wake_word/models/okay_nabu.tflite", 55247},
      {"models/micro_wake_word/models/v2/okay_nabu.tflite", 24943},
      {"models/micro_wake_word/models/v2/vad.tflite", 12687},
  };
  int found = 0;
  for (const Pin& p : pins) {
    const std::string path = kws::testing::shared_data_path(p.path);
    if (path.empty()) continue;
    ++found;
    const std::vector<uint8_t> bytes = read_file(path);
    TfliteModel model;
    ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
    size_t needed = 0;
    const Status s = Interpreter::needed_bytes(model, &needed);
    ASSERT_TRUE(s.ok()) << p.path << ": " << s.message();
    EXPECT_EQ(needed, p.bytes) << p.path;
  }
  if (found == 0) GTEST_SKIP() << "no shared models";
}

struct KwsVectors {
  std::vector<std::string> files;
  std::vector<int> labels;
};

KwsVectors read_labels(const std::string& csv) {
  KwsVectors v;
  std::ifstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string file, n, label;
    if (!std::getline(ss, file, ',') || !std::getline(ss, n, ',') || !std::getline(ss, label)) {
      continue;
    }
    v.files.push_back(file);
    v.labels.push_back(std::atoi(label.c_str()));
  }
  return v;
}

TEST(InterpreterReference, MlperfKwsTop1Is902) {
  KWS_REQUIRE_SHARED(model_path, kKwsModel);
  KWS_REQUIRE_SHARED(csv, "mlperf_tiny_kws/mfcc_int8/y_labels.csv");
  const std::string dir = csv.substr(0, csv.rfind('/'));
  Loaded l;
  const Status s = l.load(read_file(model_path));
  ASSERT_TRUE(s.ok()) << s.message();
  const KwsVectors v = read_labels(csv);
  ASSERT_EQ(v.files.size(), 1000u);
  // Optional: Arm NN's outputs (tools/armnn_reference.py), 12 int8 per vector.
  std::vector<uint8_t> armnn;
  if (const char* ref = std::getenv("KWS_ARMNN_REF"); ref != nullptr && *ref != '\0') {
    armnn = read_file(ref);
    EXPECT_EQ(armnn.size(), 12u * 1000u) << ref;
  }
  int correct = 0;
  int tie_648[2] = {1, 2};
  int exact = 0;
  int max_diff = 0;
  for (size_t i = 0; i < v.files.size(); ++i) {
    const std::vector<uint8_t> x = read_file(dir + "/" + v.files[i]);
    ASSERT_EQ(x.size(), 490u) << v.files[i];
    TensorView in = l.interp.input(0);
    ASSERT_EQ(in.bytes, 490u);
    std::memcpy(in.data, x.data(), 490);
    ASSERT_TRUE(l.interp.invoke().ok());
    const TensorView out = l.interp.output(0);
    const int8_t* y = static_cast<const int8_t*>(out.data);
    int best = 0;
    for (int c = 1; c < 12; ++c) {
      if (y[c] > y[best]) best = c;
    }
    if (best == v.labels[i]) ++correct;
    if (i == 648) {
      tie_648[0] = y[6];
      tie_648[1] = y[11];
    }
    if (armnn.size() == 12000u) {
      bool same = true;
      for (int c = 0; c < 12; ++c) {
        const int d = std::abs(y[c] - static_cast<int8_t>(armnn[i * 12 + static_cast<size_t>(c)]));
        max_diff = std::max(max_diff, d);
        same = same && d == 0;
      }
      if (same) ++exact;
    }
  }
  // 901, not the 902 Arm NN CpuRef reports: vector 648 (label 11, Unknown) is
  // an exact tie between classes 6 and 11 under TFLite's integer arithmetic
  // (checked layer by layer against an independent re-implementation of the
  // reference kernels); argmax takes the first. Arm NN computes layers in
  // float and breaks the tie. Pinned: any change must be explained.
  EXPECT_EQ(correct, 901);
  EXPECT_EQ(tie_648[0], tie_648[1]);
  std::printf("kws_ref_model top-1: %d/1000\n", correct);
  if (armnn.size() == 12000u) {
    std::printf("Arm NN exact match: %d/1000 vectors (max abs diff %d)\n", exact, max_diff);
    RecordProperty("armnn_exact", exact);
  }
}

TEST(InterpreterReference, SharedModelsLoadAndRun) {
  const char* models[] = {"models/mlperf_tiny/str_ww_ref_model.tflite",
                          "models/micro_speech/models/micro_speech_quantized.tflite"};
  int found = 0;
  for (const char* rel : models) {
    const std::string path = kws::testing::shared_data_path(rel);
    if (path.empty()) continue;
    ++found;
    Loaded l;
    const Status s = l.load(read_file(path));
    ASSERT_TRUE(s.ok()) << rel << ": " << s.message();
    const TensorView in = l.interp.input(0);
    std::memset(in.data, 0, in.bytes);
    ASSERT_TRUE(l.interp.invoke().ok()) << rel;
    EXPECT_GT(l.interp.output(0).bytes, 0u);
  }
  if (found == 0) GTEST_SKIP() << "no shared models";
}

// microWakeWord streaming models: two subgraphs, CALL_ONCE and resource
// variables holding the streaming state. No reference outputs are available
// here, so this checks the state semantics: deterministic after reset_state(),
// and the history changes the output (the state is really carried).
TEST(InterpreterReference, MicroWakeWordStreamsWithState) {
  const char* models[] = {"models/micro_wake_word/models/okay_nabu.tflite",
                          "models/micro_wake_word/models/v2/okay_nabu.tflite",
                          "models/micro_wake_word/models/v2/vad.tflite"};
  int found = 0;
  for (const char* rel : models) {
    const std::string path = kws::testing::shared_data_path(rel);
    if (path.empty()) continue;
    ++found;
    Loaded l;
    const Status s = l.load(read_file(path));
    ASSERT_TRUE(s.ok()) << rel << ": " << s.message();
    const TensorView in = l.interp.input(0);
    const TensorView out = l.interp.output(0);
    ASSERT_EQ(in.type, TensorType::kInt8) << rel;
    ASSERT_EQ(out.type, TensorType::kUInt8) << rel;
    ASSERT_EQ(out.bytes, 1u) << rel;
    // The logit (FULLY_CONNECTED output, before the sigmoid saturates it) is
    // what the checks compare; the ops after it hold no state.
    uint32_t fc = 0;
    for (uint32_t o = 0; o < l.model.num_operators(0); ++o) {
      if (l.model.op(0, o).builtin == op::kFullyConnected) fc = o;
    }
    const uint32_t logit_tensor = static_cast<uint32_t>(l.model.op(0, fc).outputs[0]);
    // 60 steps of pseudo-random features, then 20 steps of a fixed pattern.
    auto run = [&](uint32_t seed) {
      std::vector<int8_t> logits;
      uint32_t x = seed;
      for (int step = 0; step < 80; ++step) {
        int8_t* p = static_cast<int8_t*>(in.data);
        for (size_t i = 0; i < in.bytes; ++i) {
          x = x * 1664525u + 1013904223u;
          p[i] = step < 60 ? static_cast<int8_t>(x >> 24) : static_cast<int8_t>((i * 7) % 50 - 20);
        }
        EXPECT_TRUE(l.interp.invoke_ops(fc + 1).ok()) << rel;
        logits.push_back(*static_cast<const int8_t*>(l.interp.tensor(logit_tensor).data));
      }
      return logits;
    };
    const std::vector<int8_t> first = run(1);
    l.interp.reset_state();
    EXPECT_EQ(run(1), first) << rel << ": reset_state() must reproduce the first run";
    l.interp.reset_state();
    const std::vector<int8_t> other = run(2);
    // Step 60 sees the same input in both runs; only the history differs.
    EXPECT_NE(other[60], first[60])
        << rel << ": different history, same logit: is the state carried?";
    // And a full invoke() runs the whole graph.
    ASSERT_TRUE(l.interp.invoke().ok()) << rel;
  }
  if (found == 0) GTEST_SKIP() << "no microWakeWord models";
}

}  // namespace
}  // namespace kws::nn
