// kws-model-info as a user runs it: what it prints and its exit code for a
// model kwsd loads, one it cannot load (the runtime's exact error), a file
// that is not a model, and a resizable float model.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/nn/model_builder.h"
#include "tests/support/test_data.h"

namespace {

struct ToolRun {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

ToolRun run_tool(const std::string& args) {
  ToolRun r;
  const std::string cmd = std::string(KWS_MODEL_INFO_BIN) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string temp_file(const std::string& name, const std::vector<uint8_t>& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  return path;
}

TEST(ModelInfo, ShippedModelLoadsAndShowsOpsTensorsMetadata) {
  const ToolRun r = run_tool(std::string(KWS_REPO_DIR) + "/models/kwsd_default.tflite");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* want : {"subgraph 0:", "op counts:", "CONV_2D", "INT8", "scale ", "\"kwsd\" (",
                           "kwsd_metadata=1", "kwsd runtime: loads (arena "}) {
    EXPECT_NE(r.out.find(want), std::string::npos) << want << "\n" << r.out;
  }
}

TEST(ModelInfo, UnloadableModelPrintsTheRuntimeErrorAndExits2) {
  using kws::nn::testing::ModelSpec;
  using kws::nn::testing::OpSpec;
  using kws::nn::testing::TensorSpec;
  ModelSpec m;
  m.tensors = {TensorSpec{{2}, kws::nn::TensorType::kFloat32, {}, {}, {}, 0, "x", false},
               TensorSpec{{2}, kws::nn::TensorType::kFloat32, {}, {}, {}, 0, "y", false}};
  OpSpec tanh;
  tanh.builtin = 28;
  tanh.inputs = {0};
  tanh.outputs = {1};
  m.ops = {tanh};
  m.inputs = {0};
  m.outputs = {1};
  const std::string path = temp_file("model_info_tanh.tflite", kws::nn::testing::build_model(m));
  const ToolRun r = run_tool(path);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const size_t counts = r.out.find("op counts:");
  ASSERT_NE(counts, std::string::npos) << r.out;
  const std::string line = r.out.substr(counts, r.out.find('\n', counts + 11) - counts);
  EXPECT_NE(line.find("TANH"), std::string::npos) << r.out;
  EXPECT_NE(line.find(" 1  at 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kwsd runtime: cannot load: unsupported op TANH (builtin 28) at subgraph 0 "
                       "operator 0"),
            std::string::npos)
      << r.out;
}

TEST(ModelInfo, NotAModelExits1WithAMessage) {
  const std::string path = temp_file("model_info_garbage.tflite", {'n', 'o', 'p', 'e'});
  const ToolRun r = run_tool(path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("is not a valid .tflite"), std::string::npos) << r.out;
  EXPECT_EQ(run_tool("/nonexistent/model.tflite").exit_code, 1);
  EXPECT_EQ(run_tool("--input-shape 1,x " + path).exit_code, 1);
}

TEST(ModelInfo, ResizableFloatModelLoadsWithInputShape) {
  KWS_REQUIRE_SHARED(mel, "models/openwakeword/melspectrogram.tflite");
  const ToolRun fixed = run_tool("--no-tensors " + mel);
  EXPECT_EQ(fixed.exit_code, 2);
  EXPECT_NE(fixed.out.find("kwsd runtime: cannot load: CONV_2D at subgraph 0 operator 3"),
            std::string::npos)
      << fixed.out;
  const ToolRun resized = run_tool("--no-tensors --input-shape 1,1760 " + mel);
  EXPECT_EQ(resized.exit_code, 0) << resized.out;
  EXPECT_NE(resized.out.find("output 0: FLOAT32 [1, 1, 8, 32]"), std::string::npos) << resized.out;
}

}  // namespace
