// What the processing thread needs from "the model": push audio, collect
// detections, retune keywords live. The production detector is
// ModelDetector (model_detector.h) over kws::Pipeline; tests use simple fakes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "config/result.h"

namespace kws::daemon {

struct Detection {
  std::string keyword;
  float score = 0.0f;         // stage 1's smoothed score at the trigger
  int stage = 1;              // which stage decided: 1, or 2 (stage 2 confirmed it)
  uint64_t sample_index = 0;  // stream position (model-rate samples) at the end of the keyword
  std::vector<std::pair<std::string, float>> scores;  // every label's smoothed score
  float stage2_score = -1.0f;  // the stage-2 model's score when one decided, else -1
  // When the detection was decided: after sample_index when stage 2 waited
  // for audio after the trigger (stage2.delay_ms); 0 or sample_index otherwise.
  uint64_t decision_sample_index = 0;
  // stage2.mode external: not a detection yet but a candidate the service
  // hands to the verifier program; it becomes a detection (stage 2) only if
  // the verifier accepts it.
  bool needs_verification = false;
};

class Detector {
 public:
  virtual ~Detector() = default;

  virtual uint32_t sample_rate() const = 0;

  // Audio the keyword itself spans (the model's input window), in samples;
  // events carry pre-roll + this much audio.
  virtual size_t keyword_samples() const = 0;

  // Pushes n samples; appends detections to *out. Returns "" or an error.
  virtual std::string process(const int16_t* samples, size_t n, std::vector<Detection>* out) = 0;

  // End of a finite stream: appends the detections (and candidates) stage 2
  // was still waiting to decide. Returns "" or an error.
  virtual std::string flush(std::vector<Detection>* out) {
    (void)out;
    return {};
  }

  // Applies `config`'s stage-1 keyword settings and stage-2 thresholds (SIGHUP) without dropping
  // audio state. On error nothing changed; unknown labels are an error naming
  // the config entry. On success, a note about settings that need a restart
  // (or ""). Called on the processing thread, between process() calls.
  virtual Result<std::string> apply_config(const config::Config& config) = 0;

  // The labels reported as keywords, with their current trigger thresholds
  // (for MQTT discovery and Hermes); empty when the detector cannot tell.
  virtual std::vector<std::pair<std::string, float>> keywords() const { return {}; }
};

}  // namespace kws::daemon
