#include "daemon/sinks/wav_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kws::daemon {
namespace {

void put_u32(unsigned char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u16(unsigned char* p, uint16_t v) {
  p[0] = static_cast<unsigned char>(v);
  p[1] = static_cast<unsigned char>(v >> 8);
}

bool write_all(int fd, const void* data, size_t len) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::string write_wav_file(const std::string& path, const std::vector<int16_t>& samples,
                           uint32_t sample_rate) {
  const uint32_t data_bytes = static_cast<uint32_t>(samples.size() * sizeof(int16_t));
  unsigned char header[44];
  std::memcpy(header, "RIFF", 4);
  put_u32(header + 4, 36 + data_bytes);
  std::memcpy(header + 8, "WAVEfmt ", 8);
  put_u32(header + 16, 16);
  put_u16(header + 20, 1);  // PCM
  put_u16(header + 22, 1);  // mono
  put_u32(header + 24, sample_rate);
  put_u32(header + 28, sample_rate * 2);
  put_u16(header + 32, 2);
  put_u16(header + 34, 16);
  std::memcpy(header + 36, "data", 4);
  put_u32(header + 40, data_bytes);

  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + path + ": " + std::strerror(errno);
  // Host byte order is little endian on every target kwsd runs on (x86, ARM).
  bool ok = write_all(fd, header, sizeof(header)) && write_all(fd, samples.data(), data_bytes);
  int saved = errno;
  ::close(fd);
  if (!ok) return "cannot write " + path + ": " + std::strerror(saved);
  return {};
}

}  // namespace kws::daemon
