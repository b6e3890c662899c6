#include "tests/firmware/firmware_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>

namespace kws::testing::firmware {
namespace {

// Holds an exclusive flock() on a file for its lifetime.
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR, 0644)) {
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_;
};

bool on_path(const char* program) {
  return run_command(std::string("command -v ") + program + " >/dev/null 2>&1").exit_code == 0;
}

}  // namespace

CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) result.output.append(buf.data(), n);
  const int status = ::pclose(pipe);
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string missing_cross_tools() {
  std::string missing;
  if (!on_path("arm-none-eabi-gcc")) missing += " arm-none-eabi-gcc (gcc-arm-none-eabi)";
  if (!on_path("qemu-system-arm")) missing += " qemu-system-arm (qemu-system-arm)";
  if (missing.empty()) return "";
  return "firmware tests need" + missing + "; run tools/bootstrap.sh";
}

std::string firmware_build_dir(const Target& target) {
  return std::string(KWS_FIRMWARE_BUILD_DIR) + target.build_suffix;
}

std::string image_path(const std::string& name, const Target& target) {
  return firmware_build_dir(target) + "/bin/" + name + ".elf";
}

CommandResult build_firmware(const std::vector<std::string>& targets,
                             const std::string& extra_cmake_args, const Target& target) {
  const std::string dir = firmware_build_dir(target);
  std::filesystem::create_directories(dir);
  FileLock lock(dir + "/.kws_test_build.lock");
  const std::string cmake = shell_quote(KWS_CMAKE_COMMAND);
  if (!extra_cmake_args.empty() || !std::filesystem::exists(dir + "/build.ninja")) {
    CommandResult configured = run_command(
        "cd " + shell_quote(KWS_SOURCE_DIR) + " && " + cmake + " --preset " + target.preset +
        " -B " + shell_quote(dir) + " " + KWS_FIRMWARE_HOST_TOOLS + " " + extra_cmake_args);
    if (configured.exit_code != 0) return configured;
  }
  std::string command = cmake + " --build " + shell_quote(dir);
  for (const std::string& t : targets) command += " --target " + t;
  return run_command(command);
}

CommandResult run_qemu(const std::string& image, const std::string& append, bool icount,
                       const Target& target) {
  std::string command = std::string("timeout 300 qemu-system-arm -M ") + target.machine +
                        " -nographic -monitor none -serial null "
                        "-semihosting-config enable=on,target=native";
  if (icount) command += " -icount shift=0";
  command += " -kernel " + shell_quote(image);
  if (!append.empty()) command += " -append " + shell_quote(append);
  return run_command(command);
}

std::string find_value(const std::string& output, const std::string& key) {
  const std::string needle = key + "=";
  size_t pos = 0;
  while ((pos = output.find(needle, pos)) != std::string::npos) {
    if (pos == 0 || output[pos - 1] == ' ' || output[pos - 1] == '\n') {
      const size_t start = pos + needle.size();
      const size_t end = output.find_first_of(" \n", start);
      return output.substr(start, end == std::string::npos ? std::string::npos : end - start);
    }
    pos += needle.size();
  }
  return "";
}

}  // namespace kws::testing::firmware
