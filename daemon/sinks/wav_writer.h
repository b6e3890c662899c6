// Writes model-rate mono int16 audio as a 16-bit PCM WAV file (libsndfile),
// for hooks that want the pre-roll as a file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kws::daemon {

// Writes `samples` to `path` (created with mode 0600). Returns an empty
// string on success, else what failed.
std::string write_wav_file(const std::string& path, const std::vector<int16_t>& samples,
                           uint32_t sample_rate);

}  // namespace kws::daemon
