// The runtime against tools/train/intsim.py, the numpy int8 simulation that
// training evaluates its models with: the same .tflite and inputs must give
// the same int8 outputs, bit for bit. The data come from Python
// (tests/train/test_train_tools.py writes a small model of each architecture,
// tools/train/train.py's run folder holds test_features.npy /
// test_int8_out.npy of a trained one), so this test only runs when
// KWS_INTSIM_PARITY_DIR names a folder holding
//
//   model.tflite
//   inputs.bin     N inputs, int8, back to back (the model's input size each)
//   expected.bin   intsim's N outputs, int8, back to back
//
// and is skipped otherwise. HeadParity (below) does the same for float32
// backbone heads against torch, within float rounding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nn/interpreter.h"

namespace kws::nn {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A parity folder: its .tflite parsed and initialised (bytes and arena kept
// alive here), inputs.bin and expected.bin.
struct Loaded {
  std::vector<uint8_t> inputs;
  std::vector<uint8_t> expected;
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> arena;
  TfliteModel model;
  Interpreter interp;
};

void load(const std::string& dir, Loaded* m) {
  m->inputs = read_file(dir + "/inputs.bin");
  m->expected = read_file(dir + "/expected.bin");
  m->bytes = read_file(dir + "/model.tflite");
  ASSERT_FALSE(m->bytes.empty()) << dir << "/model.tflite";
  Status s = m->model.parse(m->bytes.data(), m->bytes.size());
  ASSERT_TRUE(s.ok()) << s.message();
  size_t needed = 0;
  s = Interpreter::needed_bytes(m->model, &needed);
  ASSERT_TRUE(s.ok()) << s.message();
  m->arena.assign(needed, 0xCD);
  s = m->interp.init(m->model, m->arena.data(), m->arena.size());
  ASSERT_TRUE(s.ok()) << s.message();
}

TEST(IntsimParity, OutputsEqualTheSimulationBitForBit) {
  const char* dir = std::getenv("KWS_INTSIM_PARITY_DIR");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "KWS_INTSIM_PARITY_DIR not set";
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load(dir, &m));
  const std::vector<uint8_t>& inputs = m.inputs;
  const std::vector<uint8_t>& expected = m.expected;
  Interpreter& interp = m.interp;
  const size_t in_bytes = interp.input(0).bytes;
  const size_t out_bytes = interp.output(0).bytes;
  ASSERT_GT(in_bytes, 0u);
  ASSERT_EQ(inputs.size() % in_bytes, 0u)
      << "inputs.bin is not a whole number of inputs of " << in_bytes;
  const size_t n = inputs.size() / in_bytes;
  ASSERT_GT(n, 0u);
  ASSERT_EQ(expected.size(), n * out_bytes) << n << " inputs, outputs of " << out_bytes << " bytes";

  size_t exact = 0;
  int max_diff = 0;
  long first_bad = -1;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(interp.input(0).data, inputs.data() + i * in_bytes, in_bytes);
    ASSERT_TRUE(interp.invoke().ok()) << "input " << i;
    const int8_t* y = static_cast<const int8_t*>(interp.output(0).data);
    const int8_t* want = reinterpret_cast<const int8_t*>(expected.data() + i * out_bytes);
    bool same = true;
    for (size_t c = 0; c < out_bytes; ++c) {
      const int d = std::abs(static_cast<int>(y[c]) - static_cast<int>(want[c]));
      max_diff = std::max(max_diff, d);
      same = same && d == 0;
    }
    if (same) {
      ++exact;
    } else if (first_bad < 0) {
      first_bad = static_cast<long>(i);
    }
  }
  std::printf("intsim parity: %zu/%zu outputs bit-exact (max abs diff %d)\n", exact, n, max_diff);
  RecordProperty("exact", static_cast<int>(exact));
  RecordProperty("inputs", static_cast<int>(n));
  EXPECT_EQ(exact, n) << "first differing input " << first_bad << ", max abs diff " << max_diff;
}

// A float32 backbone head (tools/train/tflite_export.py export_float_mlp)
// against torch, which trained it: KWS_HEAD_PARITY_DIR holds model.tflite,
// inputs.bin (N float32 [1, 16, 96] inputs) and expected.bin (torch's N
// sigmoid scores, float32), written by tests/train/test_train_tools.py.
TEST(HeadParity, FloatHeadScoresEqualTorchWithinRounding) {
  const char* dir = std::getenv("KWS_HEAD_PARITY_DIR");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "KWS_HEAD_PARITY_DIR not set";
  Loaded m;
  ASSERT_NO_FATAL_FAILURE(load(dir, &m));
  const std::vector<uint8_t>& inputs = m.inputs;
  const std::vector<uint8_t>& expected = m.expected;
  Interpreter& interp = m.interp;
  const size_t in_bytes = interp.input(0).bytes;
  ASSERT_EQ(in_bytes, 16u * 96u * sizeof(float));
  ASSERT_EQ(interp.output(0).type, TensorType::kFloat32);
  ASSERT_EQ(interp.output(0).bytes, sizeof(float));
  ASSERT_EQ(inputs.size() % in_bytes, 0u);
  const size_t n = inputs.size() / in_bytes;
  ASSERT_GT(n, 0u);
  ASSERT_EQ(expected.size(), n * sizeof(float));
  double max_diff = 0.0;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(interp.input(0).data, inputs.data() + i * in_bytes, in_bytes);
    ASSERT_TRUE(interp.invoke().ok()) << "input " << i;
    float y = 0.0f;
    float want = 0.0f;
    std::memcpy(&y, interp.output(0).data, sizeof(float));
    std::memcpy(&want, expected.data() + i * sizeof(float), sizeof(float));
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(y - want)));
  }
  std::printf("head parity: %zu inputs, max abs score difference %.3g\n", n, max_diff);
  EXPECT_LT(max_diff, 1e-5);
}

}  // namespace
}  // namespace kws::nn
