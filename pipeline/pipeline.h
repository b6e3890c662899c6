// The portable streaming core: push int16 audio in, get keyword events out.
//
//   framer -> frontend -> feature window -> classifier (every stride) ->
//   smoother -> trigger -> [cascade hook] -> EventSink
//
// Push-based, single-threaded and deterministic: the same audio gives the same
// events byte for byte however it is chunked. needed_bytes() then init() into
// caller memory; push() allocates nothing. Not thread-safe: one thread pushes
// (set_keyword_params() must be called from that same thread, between pushes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/classifier.h"
#include "pipeline/feature_window.h"
#include "pipeline/framer.h"
#include "pipeline/frontend.h"
#include "pipeline/micro_frontend.h"
#include "pipeline/model_info.h"
#include "pipeline/oww_frontend.h"
#include "pipeline/real_fft.h"
#include "pipeline/smoother.h"
#include "pipeline/trigger.h"

namespace kws {

struct Event {
  uint32_t label_index = 0;
  const char* keyword = nullptr;  // points into the ModelInfo given to init()
  float score = 0.0f;             // smoothed posterior at the firing step
  float peak_score = 0.0f;        // max raw posterior during the above-threshold run
  uint64_t sample_index = 0;      // samples since init/reset at the end of the firing step
  double time_s = 0.0;            // sample_index / sample_rate
  uint32_t stage = 1;             // 1 = stage-1 trigger; a cascade hook may raise it
  uint64_t step = 0;              // classifier step index since init/reset (0-based)
  float stage2_score = -1.0f;     // stage 2's score for this keyword when it ran, else -1
  // When the event was decided and emitted: equals sample_index unless a
  // cascade deferred its decision to see audio after the trigger.
  uint64_t decision_sample_index = 0;
};

class EventSink {
 public:
  virtual void on_event(const Event& event) = 0;
  // Every classifier step, before the trigger decides (evaluation and tuning
  // tools). raw and smoothed hold n values in label order.
  virtual void on_scores(uint64_t step, uint64_t sample_index, const float* raw,
                         const float* smoothed, size_t n) {
    (void)step, (void)sample_index, (void)raw, (void)smoothed, (void)n;
  }

 protected:
  EventSink() = default;
  EventSink(const EventSink&) = default;
  EventSink& operator=(const EventSink&) = default;
  ~EventSink() = default;
};

// Per-candidate hook for a cascade (stage 2). Called for each stage-1
// detection with the feature window that produced it; it may confirm (and set
// event->stage = 2), reject (the event is dropped), or leave it as is.
// A hook that needs audio after the trigger sets *accept = false, keeps the
// event and emits it later from on_frame() through the sink it is given.
class CascadeHook {
 public:
  virtual Status on_candidate(Event* event, const int8_t* features, size_t n, bool* accept) = 0;
  // Every feature frame (dim values), before the classifier step that frame
  // may complete; sample_index is the stream position at the frame's end.
  // sink may be null (events dropped).
  virtual Status on_frame(const int8_t* frame, size_t dim, uint64_t sample_index, EventSink* sink) {
    (void)frame, (void)dim, (void)sample_index, (void)sink;
    return Status::Ok();
  }
  // Pipeline::reset(): forget history and pending candidates.
  virtual void on_reset() {}

 protected:
  CascadeHook() = default;
  CascadeHook(const CascadeHook&) = default;
  CascadeHook& operator=(const CascadeHook&) = default;
  ~CascadeHook() = default;
};

class Pipeline {
 public:
  Pipeline() = default;
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  // use_external_fft: init() will receive an fft_override (its memory is then not counted).
  // frontend_tables: init() will receive these (their memory is then not counted).
  static Status needed_bytes(const ModelInfo& info, size_t* bytes, bool use_external_fft = false,
                             const FrontendTables* frontend_tables = nullptr);

  // `info`, `classifier`, `fft_override` and `frontend_tables` (if any) must
  // outlive the pipeline. mem must be kMemoryAlignment-aligned (memory_carver.h).
  // frontend_tables: the float front end's constant tables precomputed for
  // info.frontend (Frontend::init; refused if they were computed for other
  // parameters, and for features 'micro').
  Status init(const ModelInfo& info, Classifier* classifier, void* mem, size_t len,
              RealFft* fft_override = nullptr, const FrontendTables* frontend_tables = nullptr);

  // openWakeWord models (pipeline/oww_frontend.h): `oww`, initialised and
  // outliving the pipeline, replaces framer, front end, feature window and
  // classifier, one step per 80 ms; its scores go through the same smoother,
  // trigger and events. info (make_oww_model_info) names its scores
  // (num_labels == oww->num_scores()) and holds their trigger settings. A
  // cascade hook is not called for these models (it reads int8 features).
  static Status needed_bytes_oww(const ModelInfo& info, size_t* bytes);
  Status init_oww(const ModelInfo& info, OwwFrontend* oww, void* mem, size_t len);
  bool is_oww() const { return oww_ != nullptr; }

  // Processes n samples (any n, including 0). sink may be null (events dropped).
  // Stops at the first classifier or hook error and returns it; the samples
  // after the failing step are not consumed (the call can be repeated after reset()).
  Status push(const int16_t* samples, size_t n, EventSink* sink);

  // Back to the state right after init (time, windows, the micro front end's
  // noise estimate, the classifier's streaming state, smoother, trigger, and
  // the cascade hook's on_reset()).
  void reset();

  // Live change of one label's trigger parameters, keeping audio state.
  Status set_keyword_params(uint32_t label_index, const KeywordParams& params);
  const KeywordParams& keyword_params(uint32_t label_index) const {
    return trigger_.params(label_index);
  }

  void set_cascade_hook(CascadeHook* hook) { hook_ = hook; }

  uint64_t samples_processed() const { return samples_; }
  uint64_t steps() const { return steps_; }
  // Latest classifier step's probabilities (num_labels each).
  const float* raw_scores() const { return raw_; }
  const float* smoothed_scores() const { return smoothed_; }

 private:
  struct Layout;
  static Status layout(const ModelInfo& info, bool use_external_fft,
                       const FrontendTables* frontend_tables, bool oww, void* mem, size_t len,
                       size_t* used, Layout* out);
  Status init_common(const ModelInfo& info, const Layout& l);
  Status push_oww(const int16_t* samples, size_t n, EventSink* sink);
  Status run_step(EventSink* sink);

  const ModelInfo* info_ = nullptr;
  Classifier* classifier_ = nullptr;
  OwwFrontend* oww_ = nullptr;
  CascadeHook* hook_ = nullptr;
  Framer framer_;
  Frontend frontend_;
  MicroFrontend micro_frontend_;  // used instead of frontend_ for features == kMicro
  bool micro_ = false;
  FeatureWindow window_;
  PosteriorSmoother smoother_;
  Trigger trigger_;
  int8_t* frame_features_ = nullptr;
  float* raw_ = nullptr;
  float* smoothed_ = nullptr;
  Trigger::Decision* decisions_ = nullptr;
  uint64_t samples_ = 0;
  uint64_t steps_ = 0;
  bool ready_ = false;
};

}  // namespace kws
