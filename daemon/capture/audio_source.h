// A capture device seen through the four calls the capture loop needs.
//
// The loop never talks to ALSA directly: it opens, reads, asks for recovery by
// the kind of failure, and closes. That keeps the recovery policy (what to do on
// an overrun, a suspend, a lost device) in one place, testable with a mock that
// plays any fault sequence.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kws::daemon {

enum class SampleFormat : uint8_t { kS16, kS32, kFloat };

// Bytes per sample for `format`.
constexpr size_t sample_bytes(SampleFormat format) {
  return format == SampleFormat::kS16 ? 2u : 4u;
}

const char* sample_format_name(SampleFormat format);

// What the device delivers: interleaved frames of `channels` samples.
struct StreamFormat {
  uint32_t rate = 0;
  uint32_t channels = 0;
  SampleFormat format = SampleFormat::kS16;
  size_t period_frames = 0;  // frames one read() asks for

  size_t frame_bytes() const { return channels * sample_bytes(format); }
};

// Why a call failed. The capture loop switches on this, not on errno values.
enum class SourceError : uint8_t {
  kNone = 0,
  kOverrun,      // samples were lost (ALSA: -EPIPE / XRUN state); recover()
  kSuspended,    // the device was suspended (ALSA: -ESTRPIPE); recover()
  kDeviceLost,   // unplugged or dead (ENODEV, EIO, EBADFD): close and reopen
  kBusy,         // another process holds the device (EBUSY)
  kNotFound,     // no such device (ENOENT / unknown PCM name)
  kEndOfStream,  // a finite source is exhausted (tests, files)
  kOther,        // anything else; treated like kDeviceLost by the loop
};

const char* source_error_name(SourceError error);

// Result of a call: an error kind, the OS/ALSA error number if any, and a
// human-readable message (only filled on failure, never on the read path's
// success).
struct SourceStatus {
  SourceError error = SourceError::kNone;
  int os_error = 0;
  std::string message;

  bool ok() const { return error == SourceError::kNone; }
};

// Result of a read: no strings, so the hot path never allocates.
struct ReadResult {
  SourceError error = SourceError::kNone;
  int os_error = 0;
  size_t frames = 0;  // frames written to the buffer (may be < max_frames)
};

class AudioSource {
 public:
  virtual ~AudioSource() = default;

  // Opens the device and negotiates a format. On success *format says what
  // read() delivers. Calling open() on an open source reopens it.
  virtual SourceStatus open(StreamFormat* format) = 0;

  // Blocks until up to max_frames interleaved frames were read into `buffer`
  // (at least max_frames * format.frame_bytes() bytes). Never allocates.
  virtual ReadResult read(void* buffer, size_t max_frames) = 0;

  // In-place recovery after read() reported kOverrun or kSuspended. An error
  // result means the device must be closed and reopened.
  virtual SourceStatus recover(SourceError what) = 0;

  // Releases the device; safe to call when already closed.
  virtual void close() = 0;

  // The device name, for log lines.
  virtual const std::string& name() const = 0;
};

}  // namespace kws::daemon
