// An AudioSource over samples already in memory (model-rate int16 mono):
// delivers them period by period as fast as they are read, then reports end of
// stream. The default run replays the bundled sample clip through the live
// daemon's path with it when the machine has no capture device.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "daemon/capture/audio_source.h"

namespace kws::daemon {

class MemorySource final : public AudioSource {
 public:
  MemorySource(std::string name, std::vector<int16_t> samples, uint32_t rate,
               size_t period_frames = 320)
      : name_(std::move(name)), samples_(std::move(samples)), rate_(rate), period_(period_frames) {}

  SourceStatus open(StreamFormat* format) override {
    format->rate = rate_;
    format->channels = 1;
    format->format = SampleFormat::kS16;
    format->period_frames = period_;
    return {};
  }
  ReadResult read(void* buffer, size_t max_frames) override;
  SourceStatus recover(SourceError) override { return {}; }
  void close() override {}
  const std::string& name() const override { return name_; }

 private:
  std::string name_;
  std::vector<int16_t> samples_;
  uint32_t rate_;
  size_t period_;
  size_t position_ = 0;
};

}  // namespace kws::daemon
