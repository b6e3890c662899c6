#include "firmware/wav_source.h"

#include <cstring>

#include "firmware/semihosting.h"

namespace kws::fw {
namespace {

uint32_t le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

WavSource::~WavSource() {
  if (handle_ >= 0) semihost::close(handle_);
}

Status WavSource::open(const char* path, uint32_t raw_sample_rate) {
  handle_ = semihost::open(path, semihost::OpenMode::kReadBinary);
  if (handle_ < 0) return Status::Error(StatusCode::kInvalidArgument, "cannot open %s", path);
  const int32_t length = semihost::file_length(handle_);
  if (length < 0) return Status::Error(StatusCode::kInvalidArgument, "cannot size %s", path);

  uint8_t riff[12];
  const uint32_t got = semihost::read(handle_, riff, sizeof riff);
  if (got == sizeof riff && std::memcmp(riff, "RIFF", 4) == 0 &&
      std::memcmp(riff + 8, "WAVE", 4) == 0) {
    is_wav_ = true;
    return parse_header(path);
  }
  // Raw PCM: start again from the first byte.
  semihost::close(handle_);
  handle_ = semihost::open(path, semihost::OpenMode::kReadBinary);
  if (handle_ < 0) return Status::Error(StatusCode::kInvalidArgument, "cannot reopen %s", path);
  sample_rate_ = raw_sample_rate;
  remaining_bytes_ = static_cast<uint32_t>(length);
  return Status::Ok();
}

// Walks the chunks after "RIFF....WAVE" up to "data", checking "fmt ".
Status WavSource::parse_header(const char* path) {
  bool have_format = false;
  for (;;) {
    uint8_t chunk[8];
    if (semihost::read(handle_, chunk, sizeof chunk) != sizeof chunk) {
      return Status::Error(StatusCode::kInvalidArgument, "%s: no data chunk", path);
    }
    const uint32_t size = le32(chunk + 4);
    if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_format) {
        return Status::Error(StatusCode::kInvalidArgument, "%s: data before fmt", path);
      }
      remaining_bytes_ = size;
      return Status::Ok();
    }
    // Chunks are word aligned: an odd size is followed by a pad byte.
    uint32_t skip = size + (size & 1u);
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      uint8_t fmt[16];
      if (size < sizeof fmt || semihost::read(handle_, fmt, sizeof fmt) != sizeof fmt) {
        return Status::Error(StatusCode::kInvalidArgument, "%s: short fmt chunk", path);
      }
      const uint16_t format = le16(fmt);
      const uint16_t channels = le16(fmt + 2);
      const uint16_t bits = le16(fmt + 14);
      // 0xFFFE (extensible) is accepted when it describes plain 16-bit PCM.
      if ((format != 1 && format != 0xFFFE) || channels != 1 || bits != 16) {
        return Status::Error(StatusCode::kUnsupported,
                             "%s: need 16-bit mono PCM, got format %u, %u channels, %u bits", path,
                             format, channels, bits);
      }
      sample_rate_ = le32(fmt + 4);
      have_format = true;
      skip -= static_cast<uint32_t>(sizeof fmt);
    }
    uint8_t discard[32];
    while (skip > 0) {
      const uint32_t n = skip < sizeof discard ? skip : static_cast<uint32_t>(sizeof discard);
      if (semihost::read(handle_, discard, n) != n) {
        return Status::Error(StatusCode::kInvalidArgument, "%s: truncated chunk", path);
      }
      skip -= n;
    }
  }
}

size_t WavSource::read(int16_t* samples, size_t max_samples) {
  if (handle_ < 0) return 0;
  uint32_t want = static_cast<uint32_t>(max_samples * 2);
  if (want > remaining_bytes_) want = remaining_bytes_;
  const uint32_t got = semihost::read(handle_, samples, want) & ~1u;
  remaining_bytes_ -= got;
  // Cortex-M is little-endian, like the file: the bytes are the samples.
  return got / 2;
}

}  // namespace kws::fw
