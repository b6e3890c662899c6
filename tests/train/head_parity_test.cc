// A float32 backbone head written by tools/train/tflite_export.py
// (export_float_mlp) against torch, the framework that trained it: the same
// .tflite and inputs must give the same sigmoid scores within float rounding.
// tests/train/test_train_tools.py writes the data and runs this binary with
// KWS_HEAD_PARITY_DIR naming a folder holding
//
//   model.tflite
//   inputs.bin     N inputs, float32, back to back ([1, 16, 96] each)
//   expected.bin   torch's N scores, float32
//
// It is skipped when the variable is not set.
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

TEST(HeadParity, FloatHeadScoresEqualTorchWithinRounding) {
  const char* env = std::getenv("KWS_HEAD_PARITY_DIR");
  if (env == nullptr || *env == '\0') GTEST_SKIP() << "KWS_HEAD_PARITY_DIR not set";
  const std::string dir = env;
  const std::vector<uint8_t> bytes = read_file(dir + "/model.tflite");
  const std::vector<uint8_t> inputs = read_file(dir + "/inputs.bin");
  const std::vector<uint8_t> expected = read_file(dir + "/expected.bin");
  ASSERT_FALSE(bytes.empty()) << dir << "/model.tflite";
  TfliteModel model;
  Status s = model.parse(bytes.data(), bytes.size());
  ASSERT_TRUE(s.ok()) << s.message();
  size_t needed = 0;
  s = Interpreter::needed_bytes(model, &needed);
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<uint8_t> arena(needed, 0xCD);
  Interpreter interp;
  s = interp.init(model, arena.data(), arena.size());
  ASSERT_TRUE(s.ok()) << s.message();
  const size_t in_bytes = interp.input(0).bytes;
  ASSERT_EQ(in_bytes, 16u * 96u * sizeof(float));
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
