// One detection, as every sink sees it.
//
// Built by the processing thread from the pipeline's event; shared (not
// copied) between sinks, so the pre-roll audio is held once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kws::daemon {

struct DetectionEvent {
  uint64_t sequence = 0;  // 1, 2, ... per daemon run
  std::string keyword;
  float score = 0.0f;                                 // the keyword's smoothed score, 0..1
  int stage = 1;                                      // 1: stage-1 model; 2: confirmed by stage 2
  std::vector<std::pair<std::string, float>> scores;  // every label's score
  uint32_t sample_rate = 16000;
  uint64_t audio_sample = 0;  // stream position (model-rate samples) at the detection
  std::chrono::system_clock::time_point wall_time;
  // Model-rate mono audio ending at audio_sample: the configured pre-roll
  // before the keyword plus the keyword itself. May be null or empty.
  std::shared_ptr<const std::vector<int16_t>> audio;

  double audio_time_s() const {
    return sample_rate == 0 ? 0.0
                            : static_cast<double>(audio_sample) / static_cast<double>(sample_rate);
  }
};

// A consumer of events. consume() runs on the processing thread and must
// return quickly: anything slow (network, child processes) happens elsewhere.
class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  virtual void consume(const DetectionEvent& event) = 0;
};

}  // namespace kws::daemon
