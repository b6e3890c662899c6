// A private ALSA configuration for tests: PCMs of type "file" whose infile
// feeds prepared raw audio into the real ALSA capture path, no hardware.
// ALSA_CONFIG_PATH must be set before the first ALSA call in the process.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace kws::daemon::testing {

struct FilePcm {
  std::string name;      // PCM name to open
  std::string raw_path;  // interleaved little-endian samples
};

// Writes <dir>/asound.conf defining each PCM (slave: null, format raw) and
// points ALSA_CONFIG_PATH at it. Returns the config path.
std::string install_alsa_file_config(const std::string& dir, const std::vector<FilePcm>& pcms);

// Writes int16 samples as raw little-endian bytes.
void write_raw_s16(const std::string& path, const std::vector<int16_t>& samples);

// A fresh temporary directory (mkdtemp under $TMPDIR or /tmp).
std::string make_temp_dir(const char* prefix);

// The whole file ("" when it cannot be read).
std::string slurp(const std::string& path);

// Polls cond until it holds (true) or `seconds` pass (false). The limit only
// matters when a test fails, so it is generous for loaded machines.
template <typename F>
bool wait_for(F cond, int seconds = 20) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

}  // namespace kws::daemon::testing
