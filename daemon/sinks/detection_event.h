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
  float score = 0.0f;          // stage 1's smoothed score for the keyword, 0..1
  int stage = 1;               // which stage decided: 1 (stage 1 alone) or 2 (confirmed by stage 2)
  float stage2_score = -1.0f;  // the stage-2 model's score, 0..1; -1: none (off or external)
  std::vector<std::pair<std::string, float>> scores;  // every label's score
  uint32_t sample_rate = 16000;
  uint64_t audio_sample = 0;  // stream position (model-rate samples) at the detection
  std::chrono::system_clock::time_point wall_time;
  // Model-rate mono audio: the configured pre-roll before the keyword, the
  // keyword itself and, when stage 2 waited (stage2.delay_ms), the audio up
  // to its decision; it ends at audio_sample + that delay. May be null or empty.
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
