// Builds the firmware with the cross toolchain and runs images under QEMU, for
// the host tests in this folder. The firmware tree is a separate CMake build
// (the `mcu` preset) inside the host build directory; builds are serialised
// with a lock file because ctest runs test cases in parallel processes.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kws::testing::firmware {

// A firmware target: the CMake preset that builds it, where the tests build
// it, and the QEMU board that runs it.
struct Target {
  const char* name;           // for test names and messages
  const char* preset;         // CMakePresets.json configure preset
  const char* build_suffix;   // appended to the test build directory
  const char* machine;        // qemu-system-arm -M
  int instructions_per_tick;  // SysTick at the board's SYSCLK under -icount shift=0
};
inline constexpr Target kCortexM4{"cortex_m4", "mcu", "", "mps2-an386", 40};
inline constexpr Target kCortexM33{"cortex_m33", "mcu-m33", "-m33", "mps2-an505", 50};

// gtest prints a target by name (test listings, failure messages).
inline void PrintTo(const Target& target, std::ostream* os) { *os << target.name; }

// Names value-parameterized tests by target (INSTANTIATE_TEST_SUITE_P).
struct TargetName {
  template <typename ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    return info.param.name;
  }
};

struct CommandResult {
  int exit_code = -1;  // the process's exit status, or -1 if it did not exit normally
  std::string output;  // stdout and stderr, interleaved
};

// Runs a shell command line; output is captured.
CommandResult run_command(const std::string& command);

// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& s);

// Empty if arm-none-eabi-gcc and qemu-system-arm are on PATH, otherwise a
// message naming what is missing and how to install it.
std::string missing_cross_tools();

// Configures and builds `targets` in the firmware build directory. Configure
// runs the first time, and again whenever extra_cmake_args (-D...) are given.
CommandResult build_firmware(const std::vector<std::string>& targets,
                             const std::string& extra_cmake_args = "",
                             const Target& target = kCortexM4);

std::string firmware_build_dir(const Target& target = kCortexM4);

// Path of a built image, e.g. image_path("fpu_smoke").
std::string image_path(const std::string& name, const Target& target = kCortexM4);

// Runs an image on the target's board with semihosting; `append` becomes the
// semihosting command line after the image name. With icount, QEMU runs one
// instruction per ns of virtual time (-icount shift=0), deterministically.
CommandResult run_qemu(const std::string& image, const std::string& append, bool icount = true,
                       const Target& target = kCortexM4);

// The value of `key=value` in QEMU output (first occurrence), or "".
std::string find_value(const std::string& output, const std::string& key);

}  // namespace kws::testing::firmware
