// tools/modelgen: the generated array holds the file's bytes, aligned as asked,
// and anything that is not a .tflite is refused.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "tests/firmware/firmware_runner.h"

extern const uint8_t kws_test_model_data[];
extern const size_t kws_test_model_size;

namespace kws::testing::firmware {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ModelgenTest, ArrayHoldsTheFileBytesAtTheRequestedAlignment) {
  const std::string expected = read_file(KWS_FAKE_MODEL);
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(kws_test_model_size, expected.size());
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(kws_test_model_data), kws_test_model_size),
            expected);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(kws_test_model_data) % 64, 0u);
}

TEST(ModelgenTest, RefusesAFileWithoutTheTfliteIdentifier) {
  const auto dir = std::filesystem::temp_directory_path();
  const std::string input = (dir / ("kws_not_a_model." + std::to_string(::getpid()))).string();
  const std::string output = input + ".cc";
  std::ofstream(input, std::ios::binary) << "RIFFxxxxWAVEfmt not a model";
  const CommandResult run = run_command(std::string(KWS_MODELGEN) + " --input " +
                                        shell_quote(input) + " --output " + shell_quote(output));
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("not a .tflite file"), std::string::npos) << run.output;
  EXPECT_FALSE(std::filesystem::exists(output));
  std::filesystem::remove(input);
}

TEST(ModelgenTest, RejectsANonIdentifierName) {
  const CommandResult run =
      run_command(std::string(KWS_MODELGEN) + " --input " + shell_quote(KWS_FAKE_MODEL) +
                  " --output /dev/null --name 'bad-name'");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("C identifier"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace kws::testing::firmware
