#include "nn/tflite_model.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/nn/model_builder.h"
#include "tests/support/test_data.h"

namespace kws::nn {
namespace {

using testing::build_model;
using testing::tiny_fc_softmax_model;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(TfliteModel, ParsesGeneratedModel) {
  const std::vector<uint8_t> bytes = build_model(tiny_fc_softmax_model());
  TfliteModel model;
  const Status s = model.parse(bytes.data(), bytes.size());
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(model.num_subgraphs(), 1u);
  EXPECT_EQ(model.num_tensors(0), 5u);
  EXPECT_EQ(model.num_operators(0), 2u);
  ASSERT_EQ(model.inputs(0).size(), 1u);
  EXPECT_EQ(model.inputs(0)[0], 0);
  EXPECT_EQ(model.outputs(0)[0], 4);

  const TensorDesc w = model.tensor(0, 1);
  EXPECT_EQ(w.type, TensorType::kInt8);
  EXPECT_EQ(w.num_dims, 2);
  EXPECT_EQ(w.dims[0], 3);
  EXPECT_EQ(w.dims[1], 4);
  EXPECT_EQ(w.bytes, 12u);
  ASSERT_NE(w.data, nullptr);
  EXPECT_EQ(static_cast<int8_t>(w.data[8]), 10);
  EXPECT_STREQ(w.name, "weights");
  ASSERT_EQ(w.quant.num_channels, 3u);
  EXPECT_FLOAT_EQ(w.quant.scale(1), 0.2f);

  const TensorDesc in = model.tensor(0, 0);
  EXPECT_EQ(in.data, nullptr);
  EXPECT_EQ(in.quant.zero_point(0), -1);

  const OperatorDesc fc = model.op(0, 0);
  EXPECT_EQ(fc.builtin, op::kFullyConnected);
  ASSERT_EQ(fc.inputs.size(), 3u);
  EXPECT_EQ(fc.inputs[2], 2);
  EXPECT_EQ(fc.options_type, options_type::kFullyConnected);
  const OperatorDesc sm = model.op(0, 1);
  float beta = 0.0f;
  ASSERT_TRUE(model.option<float>(sm, field::softmax::kBeta, 0.0f, &beta).ok());
  EXPECT_FLOAT_EQ(beta, 1.0f);
}

TEST(TfliteModel, FindsMetadataByName) {
  const std::vector<uint8_t> bytes = build_model(tiny_fc_softmax_model());
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  const uint8_t* data = nullptr;
  size_t size = 0;
  ASSERT_TRUE(model.metadata("kwsd", &data, &size));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(data), size),
            "kwsd_metadata=1\nlabels=a,b,c\n");
  EXPECT_FALSE(model.metadata("kws", &data, &size));
  EXPECT_FALSE(model.metadata("min_runtime_version", &data, &size));
}

TEST(TfliteModel, RepresentsSeveralSubgraphs) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.extra_subgraphs = 1;
  const std::vector<uint8_t> bytes = build_model(spec);
  TfliteModel model;
  ASSERT_TRUE(model.parse(bytes.data(), bytes.size()).ok());
  EXPECT_EQ(model.num_subgraphs(), 2u);
  EXPECT_EQ(model.num_tensors(1), 0u);
}

Status parse_spec(const testing::ModelSpec& spec) {
  const std::vector<uint8_t> bytes = build_model(spec);
  TfliteModel model;
  return model.parse(bytes.data(), bytes.size());
}

TEST(TfliteModel, RejectsTensorDataOfWrongSize) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.tensors[1].data.pop_back();
  const Status s = parse_spec(spec);
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_NE(std::strstr(s.message(), "tensor 1"), nullptr) << s.message();
  EXPECT_NE(std::strstr(s.message(), "holds 11 bytes"), nullptr) << s.message();
}

TEST(TfliteModel, RejectsOperatorTensorIndexOutOfRange) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.ops[1].inputs = {5};
  const Status s = parse_spec(spec);
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_NE(std::strstr(s.message(), "operator 1"), nullptr) << s.message();
  EXPECT_NE(std::strstr(s.message(), "tensor 5 out of range"), nullptr) << s.message();
}

TEST(TfliteModel, RejectsSubgraphInputOutOfRange) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.outputs = {9};
  const Status s = parse_spec(spec);
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_NE(std::strstr(s.message(), "tensor 9 out of range"), nullptr) << s.message();
}

TEST(TfliteModel, RejectsUnsupportedTensorType) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.tensors[3].type = TensorType::kComplex64;
  const Status s = parse_spec(spec);
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(std::strstr(s.message(), "COMPLEX64"), nullptr) << s.message();
}

TEST(TfliteModel, RejectsPerChannelScalesNotMatchingDimension) {
  testing::ModelSpec spec = tiny_fc_softmax_model();
  spec.tensors[1].quantized_dimension = 1;  // dims[1] = 4, 3 scales
  const Status s = parse_spec(spec);
  EXPECT_EQ(s.code(), StatusCode::kMalformedModel);
  EXPECT_NE(std::strstr(s.message(), "per-channel"), nullptr) << s.message();
}

TEST(TfliteModel, RejectsWrongFileIdentifierAndTinyBuffers) {
  std::vector<uint8_t> bytes = build_model(tiny_fc_softmax_model());
  bytes[4] = 'X';
  TfliteModel model;
  EXPECT_EQ(model.parse(bytes.data(), bytes.size()).code(), StatusCode::kMalformedModel);
  EXPECT_FALSE(model.parsed());
  EXPECT_FALSE(model.parse(nullptr, 0).ok());
  const uint8_t four[4] = {4, 0, 0, 0};
  EXPECT_FALSE(model.parse(four, sizeof four).ok());
}

// Every truncation of a valid model must be rejected cleanly (ASan checks the
// "no out-of-bounds read" half). The copy is exactly `len` bytes long so any
// read past the end is caught.
TEST(TfliteModelHostile, EveryTruncationIsRejected) {
  const std::vector<uint8_t> bytes = build_model(tiny_fc_softmax_model());
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    TfliteModel model;
    const Status s = model.parse(cut.data(), cut.size());
    // The tail is alignment padding, so the last few lengths may still parse.
    if (s.ok()) {
      EXPECT_GE(len + 16, bytes.size()) << "parsed a model cut at " << len;
    }
  }
}

TEST(TfliteModelHostile, RealModelTruncationsAndFlips) {
  KWS_REQUIRE_SHARED(path, "models/mlperf_tiny/kws_ref_model.tflite");
  const std::vector<uint8_t> bytes = read_file(path);
  ASSERT_GT(bytes.size(), 1000u);
  TfliteModel full;
  ASSERT_TRUE(full.parse(bytes.data(), bytes.size()).ok());
  // Truncations: every length in the flatbuffer part, stepping through the big
  // weight buffers (each cut copies the prefix, so keep the count moderate).
  size_t rejected = 0;
  size_t tried = 0;
  for (size_t len = 0; len < bytes.size(); ++len) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    TfliteModel model;
    ++tried;
    if (!model.parse(cut.data(), cut.size()).ok()) ++rejected;
  }
  EXPECT_EQ(rejected, tried);
  // Flipped bytes: must never crash; the result may be ok (a weight changed).
  std::vector<uint8_t> copy = bytes;
  size_t flipped_rejected = 0;
  for (size_t i = 0; i < copy.size(); i += 7) {
    copy[i] ^= 0xA5;
    TfliteModel model;
    if (!model.parse(copy.data(), copy.size()).ok()) ++flipped_rejected;
    copy[i] ^= 0xA5;
  }
  EXPECT_GT(flipped_rejected, 0u);
}

// Vector lengths near 2^32 and offsets pointing at themselves.
TEST(TfliteModelHostile, HugeVectorLengthsAndOffsetLoops) {
  const std::vector<uint8_t> good = build_model(tiny_fc_softmax_model());
  size_t rejected = 0;
  size_t tried = 0;
  for (size_t pos = 8; pos + 4 <= good.size(); pos += 4) {
    for (uint32_t value : {0xFFFFFFFFu, 0x7FFFFFFFu, 0x40000000u, 0u}) {
      std::vector<uint8_t> bad = good;
      std::memcpy(bad.data() + pos, &value, 4);
      TfliteModel model;
      ++tried;
      if (!model.parse(bad.data(), bad.size()).ok()) ++rejected;
    }
  }
  EXPECT_GT(rejected, tried / 4);
  // A root offset of 0 makes the root table its own vtable: a loop.
  std::vector<uint8_t> loop = good;
  std::memset(loop.data(), 0, 4);
  TfliteModel model;
  EXPECT_FALSE(model.parse(loop.data(), loop.size()).ok());
}

// Writes the generated models as fuzz seeds when KWS_FUZZ_SEED_DIR is set.
TEST(TfliteModel, WritesFuzzSeedsOnRequest) {
  const char* dir = std::getenv("KWS_FUZZ_SEED_DIR");
  if (dir == nullptr || *dir == '\0') GTEST_SKIP() << "KWS_FUZZ_SEED_DIR not set";
  testing::ModelSpec two = tiny_fc_softmax_model();
  two.extra_subgraphs = 1;
  const std::vector<uint8_t> seeds[2] = {build_model(tiny_fc_softmax_model()), build_model(two)};
  for (int i = 0; i < 2; ++i) {
    std::ofstream out(std::string(dir) + "/generated_" + std::to_string(i) + ".tflite",
                      std::ios::binary);
    out.write(reinterpret_cast<const char*>(seeds[i].data()),
              static_cast<std::streamsize>(seeds[i].size()));
    ASSERT_TRUE(out.good()) << dir;
  }
}

struct SharedModel {
  const char* path;
  uint32_t subgraphs;
};

TEST(TfliteModel, ParsesSharedModels) {
  const SharedModel models[] = {
      {"models/mlperf_tiny/kws_ref_model.tflite", 1},
      {"models/mlperf_tiny/str_ww_ref_model.tflite", 1},
      {"models/micro_speech/models/micro_speech_quantized.tflite", 1},
      {"models/micro_wake_word/models/okay_nabu.tflite", 2},
  };
  int found = 0;
  for (const SharedModel& m : models) {
    const std::string path = kws::testing::shared_data_path(m.path);
    if (path.empty()) continue;
    ++found;
    const std::vector<uint8_t> bytes = read_file(path);
    TfliteModel model;
    const Status s = model.parse(bytes.data(), bytes.size());
    ASSERT_TRUE(s.ok()) << m.path << ": " << s.message();
    EXPECT_EQ(model.num_subgraphs(), m.subgraphs) << m.path;
  }
  if (found == 0) GTEST_SKIP() << "no shared models found";
}

}  // namespace
}  // namespace kws::nn
