// The capture thread's body: read the device, convert to model-rate int16
// mono, write into the SPSC ring; recover from faults by their kind.
//
// Recovery policy (one place, driven through AudioSource so a mock can play
// any fault sequence):
//   overrun   -> recover() (ALSA: prepare + start), counted
//   suspended -> recover() (ALSA: resume, else prepare), counted
//   lost / any other error, or a failed recover() -> close, then reopen with
//             exponential backoff (initial..max), logged; the loop keeps going
//   end of stream (finite test sources) -> the loop returns
// Conversion: device samples (S16/S32/FLOAT) to float, then daemon/audio's
// Resampler (downmix + libsamplerate, the same one file replay uses).
// Steady state allocates nothing and takes no lock: buffers are sized (and
// reserved past the resampler's largest output) when the device is opened;
// the ring is lock-free; counters are relaxed atomics.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "daemon/audio/resampler.h"
#include "daemon/capture/audio_source.h"
#include "pipeline/spsc_ring.h"

namespace kws::daemon {

struct CaptureLoopConfig {
  uint32_t output_rate = 16000;
  std::chrono::milliseconds backoff_initial{250};
  std::chrono::milliseconds backoff_max{8000};
  // Overruns are logged at most once per this interval (a storm would
  // otherwise flood the log); the count is exact regardless.
  std::chrono::milliseconds overrun_log_interval{1000};
};

// Counters readable from any thread while the loop runs.
struct CaptureStats {
  std::atomic<uint64_t> frames_read{0};      // device frames
  std::atomic<uint64_t> samples_written{0};  // into the ring
  std::atomic<uint64_t> samples_dropped{0};  // ring full
  std::atomic<uint64_t> overruns{0};
  std::atomic<uint64_t> suspends{0};
  std::atomic<uint64_t> device_losses{0};
  std::atomic<uint64_t> reopens{0};  // successful opens after a loss
  std::atomic<uint64_t> failed_opens{0};
  std::atomic<bool> device_open{false};
};

class CaptureLoop {
 public:
  CaptureLoop(AudioSource* source, SpscRing<int16_t>* ring, CaptureLoopConfig config);

  // Opens the device once, for start-up: the caller decides whether a
  // failure is fatal (never-seen device) or is retried by run().
  SourceStatus open();

  // Runs until `stop` is set or the source reports end of stream. Opens the
  // device first if open() was not called or failed. Closes it on return.
  void run(const std::atomic<bool>& stop);

  const CaptureStats& stats() const { return stats_; }
  const StreamFormat& format() const { return format_; }

 private:
  bool try_open(bool after_loss);
  void handle_fault(SourceError error, int os_error);
  void lose_device(SourceError error, int os_error, const char* context);
  void sleep_interruptible(std::chrono::milliseconds d, const std::atomic<bool>& stop);
  void to_float(size_t frames);

  AudioSource* source_;
  SpscRing<int16_t>* ring_;
  CaptureLoopConfig config_;
  CaptureStats stats_;
  StreamFormat format_;
  std::unique_ptr<audio::Resampler> resampler_;
  std::vector<unsigned char> buffer_;  // one period as the device delivers it
  std::vector<float> samples_;         // the same period as float in [-1, 1]
  std::vector<int16_t> converted_;     // model-rate mono, reused every period
  bool open_ = false;
  std::chrono::milliseconds backoff_;
  std::chrono::steady_clock::time_point last_overrun_log_{};
  uint64_t overruns_at_last_log_ = 0;
};

}  // namespace kws::daemon
