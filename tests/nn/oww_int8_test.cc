// The int8 embedding model made by our own post-training quantisation
// (tools/train/quantize_oww.py, never committed) runs in the int8 path and
// stays close to the float model on the reference clips' windows.
//
// The quantised model is made at set-up time (docs/nn_float.md, "int8 backbone"):
//   KWS_OWW_INT8_MODEL=/tmp/embedding_int8.tflite build/dev/bin/nn_oww_int8_test
// Skipped when KWS_OWW_INT8_MODEL or the shared files are absent.
#include <gtest/gtest.h>

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

constexpr const char* kDir = "models/openwakeword/";
constexpr int kWindow = 76;
constexpr int kBins = 32;
// Measured (quantize_oww.py measure, 234 windows at hop 8): worst window 0.943
// (jarvis_first), mean 0.972-0.993 per clip.
constexpr double kMinCosine = 0.93;
constexpr double kMinMeanCosine = 0.965;

struct Loaded {
  std::vector<uint8_t> bytes;
  TfliteModel model;
  std::unique_ptr<uint8_t[]> arena;
  Interpreter interp;
};

::testing::AssertionResult load(const std::string& path, Loaded* l) {
  if (!kws::testing::read_file_bytes(path, &l->bytes)) {
    return ::testing::AssertionFailure() << "cannot read " << path;
  }
  Status s = l->model.parse(l->bytes.data(), l->bytes.size());
  size_t need = 0;
  if (s.ok()) s = Interpreter::needed_bytes(l->model, &need);
  if (s.ok()) {
    l->arena.reset(new uint8_t[need]);
    s = l->interp.init(l->model, l->arena.get(), need);
  }
  if (!s.ok()) return ::testing::AssertionFailure() << path << ": " << s.message();
  return ::testing::AssertionSuccess();
}

TEST(OwwInt8, QuantisedEmbeddingCloseToFloat) {
  const char* int8_path = std::getenv("KWS_OWW_INT8_MODEL");
  if (int8_path == nullptr || int8_path[0] == '\0') {
    GTEST_SKIP()
        << "KWS_OWW_INT8_MODEL not set (make it with tools/train/quantize_oww.py quantize)";
  }
  KWS_REQUIRE_SHARED(float_path, std::string(kDir) + "embedding_model.tflite");
  KWS_REQUIRE_SHARED(mel_path, std::string(kDir) + "reference/jarvis_first.mel.npy");
  Loaded f;
  Loaded q;
  ASSERT_TRUE(load(float_path, &f));
  ASSERT_TRUE(load(int8_path, &q));
  const TensorView qin = q.interp.input(0);
  const TensorView qout = q.interp.output(0);
  ASSERT_EQ(qin.type, TensorType::kInt8);
  ASSERT_EQ(qout.type, TensorType::kInt8);
  ASSERT_EQ(qout.bytes, 96u);

  kws::testing::NpyArray mel;
  std::string error;
  ASSERT_TRUE(kws::testing::read_npy_f32(mel_path, &mel, &error)) << error;
  const int frames = static_cast<int>(mel.data.size() / kBins);
  ASSERT_GE(frames, kWindow);
  double sum = 0.0;
  int n = 0;
  for (int start = 0; start + kWindow <= frames; start += 24) {
    float* fin = static_cast<float*>(f.interp.input(0).data);
    auto* qi = static_cast<int8_t*>(qin.data);
    for (int i = 0; i < kWindow * kBins; ++i) {
      const float x = mel.data[static_cast<size_t>(start * kBins + i)] / 10.0f + 2.0f;
      fin[i] = x;
      const float v = std::nearbyint(x / qin.scale) + static_cast<float>(qin.zero_point);
      qi[i] = static_cast<int8_t>(std::fmin(127.0f, std::fmax(-128.0f, v)));
    }
    ASSERT_TRUE(f.interp.invoke().ok());
    ASSERT_TRUE(q.interp.invoke().ok());
    const float* a = static_cast<const float*>(f.interp.output(0).data);
    const int8_t* b = static_cast<const int8_t*>(qout.data);
    double ab = 0.0;
    double aa = 0.0;
    double bb = 0.0;
    for (int i = 0; i < 96; ++i) {
      const double y = static_cast<double>(qout.scale) * (b[i] - qout.zero_point);
      ab += a[i] * y;
      aa += static_cast<double>(a[i]) * a[i];
      bb += y * y;
    }
    const double c = ab / std::sqrt(aa * bb);
    EXPECT_GT(c, kMinCosine) << "window at frame " << start;
    sum += c;
    ++n;
  }
  EXPECT_GT(sum / n, kMinMeanCosine);
}

}  // namespace
}  // namespace kws::nn
