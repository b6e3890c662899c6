#include "daemon/sinks/wav_writer.h"

#include <fcntl.h>
#include <sndfile.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kws::daemon {

std::string write_wav_file(const std::string& path, const std::vector<int16_t>& samples,
                           uint32_t sample_rate) {
  // Opened here for the mode: the WAV may hold speech, so only kwsd's user reads it.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + path + ": " + std::strerror(errno);
  SF_INFO info{};
  info.samplerate = static_cast<int>(sample_rate);
  info.channels = 1;
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE* f = sf_open_fd(fd, SFM_WRITE, &info, /*close_desc=*/SF_TRUE);
  if (f == nullptr) {
    ::close(fd);
    return "cannot write " + path + ": " + sf_strerror(nullptr);
  }
  const auto n = static_cast<sf_count_t>(samples.size());
  const bool ok = sf_write_short(f, samples.data(), n) == n;
  std::string error = ok ? "" : sf_strerror(f);
  if (sf_close(f) != 0 && error.empty()) error = "close failed";
  if (!error.empty()) return "cannot write " + path + ": " + error;
  return {};
}

}  // namespace kws::daemon
