// Per-keyword decision on the smoothed posteriors.
//
// A keyword fires when its smoothed score has been >= threshold for min_count
// consecutive classifier steps and it is not inside its refractory time. After
// firing, its run restarts and it cannot fire again until refractory_ms of audio
// have passed (measured in samples at the end of each step). Steps inside the
// refractory time do not count towards a run. Labels that are not keywords
// never fire.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/model_info.h"

namespace kws {

struct TriggerConfig {
  uint32_t num_labels = 0;
  uint32_t sample_rate = 16000;
  const KeywordParams* params = nullptr;  // num_labels entries, copied at init
};

class Trigger {
 public:
  struct Decision {
    bool fired = false;
    float peak_raw = 0.0f;  // max raw posterior over the run that fired
  };

  static Status needed_bytes(const TriggerConfig& cfg, size_t* bytes);
  Status init(const TriggerConfig& cfg, void* mem, size_t len);

  // One classifier step ending at `sample_index`. decisions: num_labels entries.
  void update(uint64_t sample_index, const float* raw, const float* smoothed, Decision* decisions);

  // Changes one label's parameters; keeps the run and refractory state, except
  // that a run is restarted if the label stops being a keyword.
  Status set_params(uint32_t label, const KeywordParams& params);
  const KeywordParams& params(uint32_t label) const { return state_[label].params; }
  void reset();

 private:
  struct LabelState {
    KeywordParams params;
    uint32_t count;
    float peak_raw;
    bool refractory;
    uint64_t refractory_until;  // first sample index at which it may fire again
  };

  static Status check_params(uint32_t label, const KeywordParams& p);

  LabelState* state_ = nullptr;
  uint32_t num_labels_ = 0;
  uint32_t sample_rate_ = 0;
};

}  // namespace kws
