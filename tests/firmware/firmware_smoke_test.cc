// Board bring-up under QEMU, on every target (Cortex-M4F on mps2-an386,
// Cortex-M33 on mps2-an505): FPU, semihosting file I/O, the exit status, the
// SysTick-to-instruction conversion the cost figures rely on; and the
// link-time no-heap check (the link is the same for both, so M4 only).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/firmware/firmware_runner.h"

namespace kws::testing::firmware {
namespace {

class FirmwareSmokeTest : public ::testing::TestWithParam<Target> {
 protected:
  void SetUp() override {
    const std::string missing = missing_cross_tools();
    if (!missing.empty()) GTEST_SKIP() << missing;
    const CommandResult built = build_firmware({"fpu_smoke"}, "", GetParam());
    ASSERT_EQ(built.exit_code, 0) << built.output;
  }
  CommandResult run_image(const std::string& append) {
    return run_qemu(image_path("fpu_smoke", GetParam()), append, true, GetParam());
  }
};

class FirmwareLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string missing = missing_cross_tools();
    if (!missing.empty()) GTEST_SKIP() << missing;
  }
};

uint32_t fnv1a(const std::string& bytes) {
  uint32_t h = 2166136261u;
  for (unsigned char c : bytes) h = (h ^ c) * 16777619u;
  return h;
}

std::string temp_file_with(const std::string& name, const std::string& content) {
  const std::string path =
      (std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()))).string();
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST_P(FirmwareSmokeTest, RunsFloatCodeAndReadsAHostFileThroughSemihosting) {
  // 1000 bytes including NUL and 0xFF, so chunked reads and binary mode matter.
  std::string content;
  for (int i = 0; i < 1000; ++i) content.push_back(static_cast<char>((i * 37) & 0xFF));
  const std::string path = temp_file_with("kws_fw_smoke", content);

  const CommandResult run = run_image(path);
  std::filesystem::remove(path);

  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(find_value(run.output, "cpacr_cp10_cp11"), "0xf") << run.output;
  EXPECT_EQ(find_value(run.output, "float_checks"), "ok") << run.output;
  EXPECT_EQ(find_value(run.output, "file_bytes"), "1000") << run.output;
  char expected_hash[16];
  std::snprintf(expected_hash, sizeof expected_hash, "0x%08x", fnv1a(content));
  EXPECT_EQ(find_value(run.output, "file_fnv1a"), expected_hash) << run.output;
  const long stack_used = std::atol(find_value(run.output, "stack_high_water_bytes").c_str());
  EXPECT_GT(stack_used, 0) << run.output;
  EXPECT_LT(stack_used, std::atol(find_value(run.output, "stack_bytes").c_str())) << run.output;
}

TEST_P(FirmwareSmokeTest, TicksConvertToInstructionsUnderIcount) {
  // The loop runs exactly calibration_instructions instructions; one SysTick
  // tick must be the board's instructions_per_tick (40 at 25 MHz, 50 at 20
  // MHz) of them. The slack is the few instructions of the counter reads.
  const CommandResult run = run_image("/dev/null");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const double instructions = std::atof(find_value(run.output, "calibration_instructions").c_str());
  const double ticks = std::atof(find_value(run.output, "calibration_ticks").c_str());
  ASSERT_GT(instructions, 0.0) << run.output;
  EXPECT_NEAR(ticks * GetParam().instructions_per_tick, instructions, 100.0) << run.output;
}

TEST_P(FirmwareSmokeTest, MissingInputFileIsAnErrorExitStatus) {
  const CommandResult run = run_image("/nonexistent/kws_fw_missing.raw");
  EXPECT_EQ(run.exit_code, 2) << run.output;
  EXPECT_NE(run.output.find("cannot read /nonexistent/kws_fw_missing.raw"), std::string::npos)
      << run.output;
}

TEST_F(FirmwareLinkTest, AnImageThatAllocatesFailsToLink) {
  const CommandResult built = build_firmware({"heap_probe"});
  EXPECT_NE(built.exit_code, 0) << built.output;
  EXPECT_NE(built.output.find("undefined reference to `__wrap_malloc'"), std::string::npos)
      << built.output;
  EXPECT_NE(built.output.find("undefined reference to `__wrap__Znwj'"), std::string::npos)
      << built.output;
}

INSTANTIATE_TEST_SUITE_P(Targets, FirmwareSmokeTest, ::testing::Values(kCortexM4, kCortexM33),
                         TargetName());

}  // namespace
}  // namespace kws::testing::firmware
