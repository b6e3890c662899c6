// tools/model_strip/kws-model-strip: the firmware embeds the stripped form of
// the model, so the stripped file must compute exactly what the original does
// (every tensor of every invoke, streamed and whole-window, on the same int8
// input), carry the same "kwsd" metadata, stay a .tflite the host tools load,
// and be smaller.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nn/interpreter.h"
#include "nn/tflite_model.h"
#include "pipeline/model_info.h"
#include "tests/firmware/firmware_runner.h"

namespace kws::testing::firmware {
namespace {

namespace fs = std::filesystem;
using nn::Interpreter;
using nn::InterpreterOptions;
using nn::TensorView;
using nn::TfliteModel;

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ModelStripTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
#ifndef KWS_PYTHON_FLATBUFFERS
    GTEST_SKIP() << "no Python 3 with flatbuffers (apt-get install python3-flatbuffers)";
#else
    original_ = std::string(KWS_SOURCE_DIR_FOR_TESTS) + "/models/" + GetParam();
    if (!fs::exists(original_)) GTEST_SKIP() << original_ << " not found";
    dir_ = fs::temp_directory_path() / ("kws_strip." + std::to_string(::getpid()));
    fs::create_directories(dir_);
#endif
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  // Runs the tool; the output file's path, "" on failure (reported).
  std::string strip(const std::string& input, const std::string& name,
                    const std::string& flags = "") {
#ifdef KWS_PYTHON_FLATBUFFERS
    const std::string out = (dir_ / name).string();
    const CommandResult r =
        run_command(shell_quote(KWS_PYTHON_FLATBUFFERS) + " " + shell_quote(KWS_MODEL_STRIP) + " " +
                    shell_quote(input) + " " + shell_quote(out) + " " + flags);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0 ? out : "";
#else
    (void)input, (void)name, (void)flags;
    return "";
#endif
  }

  std::string original_;
  fs::path dir_;
};

struct Loaded {
  std::string bytes;
  TfliteModel model;
  std::vector<uint8_t> arena;
  Interpreter interp;

  void load(const std::string& path, int32_t shift) {
    bytes = read_bytes(path);
    const Status p = model.parse(bytes.data(), bytes.size());
    ASSERT_TRUE(p.ok()) << path << ": " << p.message();
    InterpreterOptions opts;
    opts.stream_shift_rows = shift;
    size_t needed = 0;
    const Status n = Interpreter::needed_bytes(model, &needed, opts);
    ASSERT_TRUE(n.ok()) << n.message();
    arena.assign(needed, 0);
    const Status i = interp.init(model, arena.data(), arena.size(), opts);
    ASSERT_TRUE(i.ok()) << i.message();
  }
};

ModelInfo metadata_of(const TfliteModel& model) {
  ModelInfo info;
  const uint8_t* text = nullptr;
  size_t len = 0;
  EXPECT_TRUE(model.metadata("kwsd", &text, &len));
  const Status s = parse_model_metadata(reinterpret_cast<const char*>(text), len, &info);
  EXPECT_TRUE(s.ok()) << s.message();
  return info;
}

std::string formatted(const ModelInfo& info) {
  std::vector<char> buf(4096);
  size_t written = 0;
  EXPECT_TRUE(format_model_metadata(info, buf.data(), buf.size(), &written).ok());
  return {buf.data(), written};
}

// Feeds both models the same sliding window over one pseudo-random int8
// feature sequence (rows move by `shift` per invoke, 0: a new window each
// time) and compares every non-constant tensor after each invoke.
void expect_same_computation(const std::string& a_path, const std::string& b_path, int32_t shift,
                             int invokes) {
  Loaded a;
  Loaded b;
  ASSERT_NO_FATAL_FAILURE(a.load(a_path, shift));
  ASSERT_NO_FATAL_FAILURE(b.load(b_path, shift));
  const TensorView in = a.interp.input(0);
  ASSERT_EQ(in.bytes, b.interp.input(0).bytes);
  ASSERT_GE(in.num_dims, 2);
  const size_t row = in.bytes / static_cast<size_t>(in.dims[1]);
  const size_t step = shift > 0 ? static_cast<size_t>(shift) * row : in.bytes;
  std::vector<int8_t> sequence(in.bytes + step * static_cast<size_t>(invokes));
  uint32_t lcg = 12345;
  for (int8_t& v : sequence) {
    lcg = lcg * 1664525u + 1013904223u;
    v = static_cast<int8_t>(lcg >> 24);
  }
  ASSERT_EQ(a.model.num_tensors(0), b.model.num_tensors(0));
  for (int k = 0; k < invokes; ++k) {
    const int8_t* window = sequence.data() + step * static_cast<size_t>(k);
    std::memcpy(a.interp.input(0).data, window, in.bytes);
    std::memcpy(b.interp.input(0).data, window, in.bytes);
    ASSERT_TRUE(a.interp.invoke().ok());
    ASSERT_TRUE(b.interp.invoke().ok());
    ASSERT_EQ(a.interp.last_invoke_streamed(), b.interp.last_invoke_streamed());
    for (uint32_t t = 0; t < a.model.num_tensors(0); ++t) {
      const TensorView ta = a.interp.tensor(t);
      const TensorView tb = b.interp.tensor(t);
      ASSERT_EQ(ta.bytes, tb.bytes) << "tensor " << t;
      if (ta.data == nullptr || a.model.tensor(0, t).data != nullptr) continue;
      ASSERT_EQ(std::memcmp(ta.data, tb.data, ta.bytes), 0)
          << "tensor " << t << " differs at invoke " << k << " (shift " << shift << ")";
    }
  }
}

TEST_P(ModelStripTest, StrippedModelComputesBitIdenticalTensors) {
  const std::string stripped = strip(original_, "stripped.tflite");
  ASSERT_FALSE(stripped.empty());
  const std::string bytes = read_bytes(original_);
  TfliteModel parsed;
  ASSERT_TRUE(parsed.parse(bytes.data(), bytes.size()).ok());
  const ModelInfo info = metadata_of(parsed);
  // Streamed as the pipeline runs it, and whole windows.
  expect_same_computation(original_, stripped, static_cast<int32_t>(info.stride_frames), 12);
  expect_same_computation(original_, stripped, 0, 3);
}

TEST_P(ModelStripTest, StrippedModelKeepsMetadataAndIsSmaller) {
  const std::string stripped = strip(original_, "stripped.tflite");
  ASSERT_FALSE(stripped.empty());
  const std::string a = read_bytes(original_);
  const std::string b = read_bytes(stripped);
  TfliteModel ma;
  TfliteModel mb;
  ASSERT_TRUE(ma.parse(a.data(), a.size()).ok());
  ASSERT_TRUE(mb.parse(b.data(), b.size()).ok());
  EXPECT_EQ(formatted(metadata_of(ma)), formatted(metadata_of(mb)));
  // Names, calibration ranges, zero zero-points and bias scales are a fifth of
  // the shipped files.
  EXPECT_LT(b.size(), a.size() * 4 / 5) << a.size() << " -> " << b.size();
  // Stripping the stripped form changes nothing.
  const std::string again = strip(stripped, "again.tflite");
  ASSERT_FALSE(again.empty());
  EXPECT_TRUE(read_bytes(again) == b);
}

TEST_P(ModelStripTest, TfliteCompatibleFormKeepsZeroPointsAndComputesTheSame) {
  const std::string kept = strip(original_, "kept.tflite", "--keep-tflite-quantization");
  ASSERT_FALSE(kept.empty());
  const std::string bytes = read_bytes(kept);
  TfliteModel m;
  ASSERT_TRUE(m.parse(bytes.data(), bytes.size()).ok());
  for (uint32_t t = 0; t < m.num_tensors(0); ++t) {
    const nn::TensorDesc d = m.tensor(0, t);
    if (d.quant.num_channels > 0) {
      EXPECT_NE(d.quant.zero_points, nullptr) << "tensor " << t;
    }
  }
  expect_same_computation(original_, kept, 0, 2);
}

INSTANTIATE_TEST_SUITE_P(ShippedModels, ModelStripTest,
                         ::testing::Values("kwsd_default.tflite", "kwsd_default_stage2.tflite"),
                         [](const ::testing::TestParamInfo<const char*>& p) {
                           std::string name = p.param;
                           return name.substr(0, name.find('.'));
                         });

TEST(ModelStripToolTest, RejectsAFileThatIsNotAModelWithOneLine) {
#ifndef KWS_PYTHON_FLATBUFFERS
  GTEST_SKIP() << "no Python 3 with flatbuffers (apt-get install python3-flatbuffers)";
#else
  const fs::path dir = fs::temp_directory_path() / ("kws_strip_bad." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string bad = (dir / "bad.tflite").string();
  std::ofstream(bad) << "not a model at all";
  const CommandResult r =
      run_command(shell_quote(KWS_PYTHON_FLATBUFFERS) + " " + shell_quote(KWS_MODEL_STRIP) + " " +
                  shell_quote(bad) + " " + shell_quote((dir / "out.tflite").string()));
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output, "kws-model-strip: " + bad + ": not a .tflite file (no TFL3 identifier)\n");
#endif
}

}  // namespace
}  // namespace kws::testing::firmware
