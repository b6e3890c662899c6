// Runs streams through the real streaming pipeline (stage 1 + ModelCascade)
// on worker threads and records what the offline sweep needs: every step's
// raw posteriors, every feature frame, and the online events.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "pipeline/cascade.h"
#include "pipeline/pipeline.h"
#include "tools/eval/loaded_model.h"
#include "tools/eval/streams.h"

namespace kws::eval {

struct CascadeOptions {
  std::shared_ptr<const LoadedModel> stage2;  // null: stage 1 alone
  uint32_t delay_frames = 10;
  std::vector<float> thresholds;  // per stage-1 label (stage-2 threshold); empty: the model's
};

// One stage-2 decision made online.
struct Stage2Decision {
  uint32_t label = 0;
  uint64_t trigger_sample = 0;
  uint64_t decision_sample = 0;
  float score = 0.0f;
  bool accepted = false;
};

struct StreamResult {
  StreamSpec spec;
  std::string error;  // a stream that could not be built or run
  std::vector<std::string> warnings;
  std::vector<EmbeddedKeyword> truth;
  uint64_t samples = 0;
  uint32_t num_labels = 0;
  std::vector<uint64_t> step_samples;   // per classifier step
  std::vector<float> raw;               // steps x num_labels
  std::vector<uint64_t> frame_samples;  // per feature frame: stream position at its end
  std::vector<int8_t> frames;           // frames x feature_dim
  std::vector<Event> stage1_events;     // every stage-1 trigger (online)
  std::vector<Event> final_events;      // what the pipeline emitted (cascade if on)
  std::vector<Stage2Decision> decisions;
  double cpu_push_s = 0.0;    // thread CPU in Pipeline::push (+ flush)
  double cpu_stage2_s = 0.0;  // of that, in the stage-2 classifier
  uint64_t stage2_runs = 0;
};

// The per-thread objects: a Pipeline over stage 1 and, if configured, a
// ModelCascade over stage 2.
class StreamRunner {
 public:
  static Result<std::unique_ptr<StreamRunner>> create(std::shared_ptr<const LoadedModel> stage1,
                                                      const CascadeOptions& cascade);
  ~StreamRunner();
  // Resets everything, pushes the audio in chunks of chunk_samples, flushes
  // the cascade at the end.
  void run(const std::vector<int16_t>& audio, size_t chunk_samples, StreamResult* out);

 private:
  StreamRunner() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs `count` jobs on `threads` threads; job(i, thread) must write only its
// own result. Progress goes to stderr as "label: done/count" (tty: in place).
void parallel_for(size_t count, unsigned threads, const std::string& label,
                  const std::function<void(size_t index, unsigned thread)>& job);

}  // namespace kws::eval
