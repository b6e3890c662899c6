// AudioSource on an ALSA capture PCM.
//
// The device is opened non-blocking and read through snd_pcm_wait with a
// short timeout, so the capture thread can notice a stop request even when the
// device delivers nothing. The format is negotiated from what the device
// offers (S16_LE, S32_LE or FLOAT_LE; any rate and channel count): the capture
// loop converts and resamples, the user never has to find a 16 kHz device.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/capture/audio_source.h"

typedef struct _snd_pcm snd_pcm_t;

namespace kws::daemon {

struct AlsaSourceConfig {
  std::string device = "default";
  uint32_t preferred_rate = 16000;  // asked for with set_rate_near
  uint32_t preferred_channels = 1;  // falls back to what the device has
  uint32_t period_ms = 20;
  uint32_t buffer_ms = 500;       // generous: a stalled reader loses nothing
  int wait_timeout_ms = 100;      // read() returns 0 frames after this
  uint32_t resume_attempts = 10;  // snd_pcm_resume retries while -EAGAIN
};

class AlsaSource final : public AudioSource {
 public:
  explicit AlsaSource(AlsaSourceConfig config);
  ~AlsaSource() override;
  AlsaSource(const AlsaSource&) = delete;
  AlsaSource& operator=(const AlsaSource&) = delete;

  SourceStatus open(StreamFormat* format) override;
  ReadResult read(void* buffer, size_t max_frames) override;
  SourceStatus recover(SourceError what) override;
  void close() override;
  const std::string& name() const override { return config_.device; }

 private:
  SourceStatus configure(StreamFormat* format);

  AlsaSourceConfig config_;
  snd_pcm_t* pcm_ = nullptr;
};

// Maps a negative ALSA/errno return code to the error kind the loop uses.
SourceError classify_alsa_error(int err);

}  // namespace kws::daemon
