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
  float score = 0.0f;
  int stage = 1;
  uint64_t sample_index = 0;  // stream position (model-rate samples) at the end of the keyword
  std::vector<std::pair<std::string, float>> scores;
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

  // Applies `config`'s stage-1 keyword settings (SIGHUP) without dropping
  // audio state. On error nothing changed; unknown labels are an error naming
  // the config entry. On success, a note about settings that need a restart
  // (or ""). Called on the processing thread, between process() calls.
  virtual Result<std::string> apply_config(const config::Config& config) = 0;
};

}  // namespace kws::daemon
