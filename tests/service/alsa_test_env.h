// A private ALSA configuration for tests: PCMs of type "file" whose infile
// feeds prepared raw audio into the real ALSA capture path, no hardware.
// ALSA_CONFIG_PATH must be set before the first ALSA call in the process.
#pragma once

#include <cstdint>
#include <string>
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

}  // namespace kws::daemon::testing
