// openWakeWord heads through the host's one loading path (ModelRuntime, used
// by kwsd replay and the daemon): detection by input shape, the backbone
// search and what a user sees without it, names, several heads on one
// backbone, config lists. Skips the parts that need shared data without it.
#include "daemon/model/oww_model.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/model/model_runtime.h"
#include "daemon/replay/replay.h"
#include "tests/nn/model_builder.h"
#include "tests/support/test_data.h"

namespace kws::daemon {
namespace {

namespace fs = std::filesystem;

TEST(OwwModelTest, HeadNameDropsFolderExtensionAndVersion) {
  EXPECT_EQ(oww_head_name("/a/b/hey_jarvis_v0.1.tflite"), "hey_jarvis");
  EXPECT_EQ(oww_head_name("alexa_v0.1.tflite"), "alexa");
  EXPECT_EQ(oww_head_name("my_word_v2.tflite"), "my_word");
  EXPECT_EQ(oww_head_name("ok_nabu.tflite"), "ok_nabu");
  EXPECT_EQ(oww_head_name("vacuum_v.tflite"), "vacuum_v");
}

TEST(OwwModelTest, ModelListsSplitAndJoin) {
  EXPECT_EQ(join_model_list({"a.tflite", "b.tflite"}), "a.tflite, b.tflite");
  const std::vector<std::string> two = split_model_list("a.tflite, b.tflite");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[1], "b.tflite");
  EXPECT_EQ(split_model_list("one.tflite").size(), 1u);
}

TEST(OwwModelTest, ConfigModelPathMayBeAList) {
  const fs::path dir = fs::temp_directory_path() / "kws_oww_config_test";
  fs::create_directories(dir);
  const fs::path yaml = dir / "kwsd.yaml";
  std::ofstream(yaml) << "model:\n  path: [a_v0.1.tflite, /abs/b_v0.1.tflite]\n";
  Result<config::Config> c = config::load_config(yaml.string());
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->model.path, (dir / "a_v0.1.tflite").string() + ", /abs/b_v0.1.tflite");
  fs::remove_all(dir);
}

class OwwRuntimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::shared_data_path("models/openwakeword");
    if (dir_.empty())
      GTEST_SKIP() << "shared data not found: models/openwakeword (set KWS_SHARED_DATA)";
  }
  std::string dir_;
};

TEST_F(OwwRuntimeTest, HeadsAreRecognisedByTheirInput) {
  EXPECT_TRUE(is_oww_head_file(dir_ + "/alexa_v0.1.tflite"));
  EXPECT_TRUE(is_oww_head_file(dir_ + "/timer_v0.1.tflite"));
  EXPECT_FALSE(is_oww_head_file(dir_ + "/embedding_model.tflite"));
  EXPECT_FALSE(is_oww_head_file(std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite"));
}

TEST_F(OwwRuntimeTest, WithoutTheBackboneTheErrorSaysHowToGetIt) {
  const fs::path dir = fs::temp_directory_path() / "kws_oww_nobackbone_test";
  fs::create_directories(dir);
  fs::copy_file(dir_ + "/alexa_v0.1.tflite", dir / "alexa_v0.1.tflite",
                fs::copy_options::overwrite_existing);
  ::setenv("KWS_MODELS_DIR", dir.c_str(), 1);
  ::unsetenv("KWS_OWW_DIR");
  Result<std::unique_ptr<ModelRuntime>> rt =
      ModelRuntime::load((dir / "alexa_v0.1.tflite").string(), "", nullptr);
  ::unsetenv("KWS_MODELS_DIR");
  ASSERT_FALSE(rt);
  EXPECT_NE(rt.error().find("embedding_model.tflite"), std::string::npos) << rt.error();
  EXPECT_NE(rt.error().find("tools/bootstrap.sh"), std::string::npos) << rt.error();
  // KWS_OWW_DIR points at it.
  ::setenv("KWS_OWW_DIR", dir_.c_str(), 1);
  rt = ModelRuntime::load((dir / "alexa_v0.1.tflite").string(), "", nullptr);
  ::unsetenv("KWS_OWW_DIR");
  EXPECT_TRUE(rt) << rt.error();
  fs::remove_all(dir);
}

TEST_F(OwwRuntimeTest, SeveralHeadsShareOneBackbone) {
  const std::string heads = join_model_list(
      {dir_ + "/hey_jarvis_v0.1.tflite", dir_ + "/timer_v0.1.tflite", dir_ + "/alexa_v0.1.tflite"});
  Result<std::unique_ptr<ModelRuntime>> rt = ModelRuntime::load(heads, "", nullptr);
  ASSERT_TRUE(rt) << rt.error();
  const ModelInfo& info = (*rt)->info();
  ASSERT_EQ(info.num_labels, 1u + 6u + 1u);
  EXPECT_STREQ(info.labels[0], "hey_jarvis");
  EXPECT_STREQ(info.labels[1], "1_minute_timer");
  EXPECT_STREQ(info.labels[6], "1_hour_timer");
  EXPECT_STREQ(info.labels[7], "alexa");
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    EXPECT_TRUE(info.keywords[i].is_keyword);
    EXPECT_FLOAT_EQ(info.keywords[i].threshold, 0.5f);
  }
  EXPECT_TRUE((*rt)->pipeline().is_oww());
  EXPECT_EQ((*rt)->cascade(), nullptr);
  // A kwsd int8 model cannot join them.
  Result<std::unique_ptr<ModelRuntime>> mixed = ModelRuntime::load(
      join_model_list({std::string(KWS_SOURCE_DIR) + "/models/kwsd_default.tflite",
                       dir_ + "/alexa_v0.1.tflite"}),
      "", nullptr);
  EXPECT_FALSE(mixed);
}

TEST_F(OwwRuntimeTest, ConfigSetsThresholdAndRefractory) {
  Result<config::Config> parsed = config::parse_config(
      "stage1:\n  keywords:\n    alexa: {threshold: 0.7, refractory_ms: 500}\n"
      "stage2:\n  mode: model\n",
      "test.yaml");
  ASSERT_TRUE(parsed) << parsed.error();
  Result<std::unique_ptr<ModelRuntime>> rt =
      ModelRuntime::load(dir_ + "/alexa_v0.1.tflite", "", &*parsed);
  ASSERT_TRUE(rt) << rt.error();
  EXPECT_FLOAT_EQ((*rt)->info().keywords[0].threshold, 0.7f);
  EXPECT_EQ((*rt)->info().keywords[0].refractory_ms, 500u);
  // Stage 2 is left off for these heads, and the origin says so.
  EXPECT_EQ((*rt)->cascade(), nullptr);
  EXPECT_NE((*rt)->info_origin().find("stage 2 does not apply"), std::string::npos);
  // A label the heads do not have is an error naming it.
  Result<config::Config> bad =
      config::parse_config("stage1:\n  keywords:\n    computer: {threshold: 0.7}\n", "bad.yaml");
  ASSERT_TRUE(bad);
  EXPECT_FALSE(ModelRuntime::load(dir_ + "/alexa_v0.1.tflite", "", &*bad));
}

// A head as tools/train exports it: [1, 16, 96] -> RESHAPE -> FULLY_CONNECTED
// (zero weights, bias 2) -> LOGISTIC, with `metadata` as its kwsd entry.
std::vector<uint8_t> trained_head(const std::string& metadata) {
  using nn::testing::bytes_of;
  using nn::testing::OpSpec;
  using nn::testing::TensorSpec;
  const auto f32 = [](std::vector<int32_t> shape, std::vector<float> values) {
    return TensorSpec{
        std::move(shape), nn::TensorType::kFloat32, bytes_of(values), {}, {}, 0, "", false};
  };
  nn::testing::ModelSpec m;
  m.tensors = {
      f32({1, 16, 96}, {}),
      {{2}, nn::TensorType::kInt32, bytes_of(std::vector<int32_t>{1, 1536}), {}, {}, 0, "", false},
      f32({1, 1536}, {}),
      f32({1, 1536}, std::vector<float>(1536, 0.0f)),
      f32({1}, {2.0f}),
      f32({1, 1}, {}),
      f32({1, 1}, {})};
  OpSpec reshape{nn::op::kReshape, {0, 1}, {2}, 0, {}, ""};
  OpSpec fc{nn::op::kFullyConnected, {2, 3, 4}, {5}, nn::options_type::kFullyConnected, {}, ""};
  OpSpec logistic{nn::op::kLogistic, {5}, {6}, 0, {}, ""};
  m.ops = {reshape, fc, logistic};
  m.inputs = {0};
  m.outputs = {6};
  m.metadata = {{"kwsd", metadata}};
  return nn::testing::build_model(m);
}

TEST_F(OwwRuntimeTest, TrainedHeadRunsAtItsOwnLabelAndOperatingPoint) {
  const fs::path dir = fs::temp_directory_path() / "kws_oww_trained_head_test";
  fs::create_directories(dir);
  const auto write = [&dir](const std::string& name, const std::vector<uint8_t>& bytes) {
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return (dir / name).string();
  };
  const std::string good = write("computer_s1.tflite", trained_head("kwsd_metadata=1\n"
                                                                    "features=oww_embedding\n"
                                                                    "labels=computer\n"
                                                                    "threshold=0.93\n"
                                                                    "min_count=2\n"
                                                                    "refractory_ms=1500\n"));
  ::setenv("KWS_OWW_DIR", dir_.c_str(), 1);
  Result<std::unique_ptr<ModelRuntime>> rt = ModelRuntime::load(good, "", nullptr);
  ASSERT_TRUE(rt) << rt.error();
  const ModelInfo& info = (*rt)->info();
  ASSERT_EQ(info.num_labels, 1u);
  EXPECT_STREQ(info.labels[0], "computer");
  EXPECT_FLOAT_EQ(info.keywords[0].threshold, 0.93f);
  EXPECT_EQ(info.keywords[0].min_count, 2u);
  EXPECT_EQ(info.keywords[0].refractory_ms, 1500u);
  // Beside openWakeWord's own head (no metadata: file name, its defaults).
  rt = ModelRuntime::load(join_model_list({good, dir_ + "/alexa_v0.1.tflite"}), "", nullptr);
  ASSERT_TRUE(rt) << rt.error();
  EXPECT_STREQ((*rt)->info().labels[1], "alexa");
  EXPECT_FLOAT_EQ((*rt)->info().keywords[1].threshold, 0.5f);
  // A broken operating point is refused with the file and line.
  const std::string bad = write("bad.tflite", trained_head("kwsd_metadata=1\nthreshold=high\n"));
  rt = ModelRuntime::load(bad, "", nullptr);
  ::unsetenv("KWS_OWW_DIR");
  ASSERT_FALSE(rt);
  EXPECT_NE(rt.error().find("bad.tflite: kwsd metadata line 2: threshold"), std::string::npos)
      << rt.error();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kws::daemon
