// Stage 2 of the cascade: a CascadeHook that confirms or rejects stage-1
// candidates with a larger model (or an external verifier) that sees a longer
// stretch of features than stage 1.
//
// Timing contract. Stage 1 fires near the end of a keyword, often before its
// last phoneme has left the microphone. Stage 2 therefore decides `delay_frames`
// feature frames after the trigger: its input is the `window_frames` frames
// ending delay_frames after the frame that completed the firing step. Until
// then the candidate is pending (the pipeline emits nothing for it); the
// decision is taken in on_frame() when that frame arrives and a confirmed event
// is emitted there, with decision_sample_index = that frame's end. Latency
// grows by delay_frames * hop. With delay_frames = 0 stage 2 decides inside
// on_candidate() on the frames up to the trigger. Near the start of a stream
// the window is left-padded with copies of the oldest frame held. flush() decides
// whatever is pending with the frames seen so far (end of a file).
//
// Modes: kOff passes every candidate through (stage 1 alone). kModel runs a
// Classifier (a ModelClassifier over the stage-2 .tflite) on the window; the
// candidate is confirmed when stage 2's probability for the same label name is
// >= that keyword's stage-2 threshold. Stage-1 keywords that stage 2 has no
// label for are decided by stage 1 alone (event.stage stays 1). kExternal hands
// the window to a CandidateVerifier (the daemon's exec hook): it may accept,
// reject, or take the candidate over (kPending) and emit it later itself.
//
// Features: stage 2 must use the same front end as stage 1 except for the int8
// quantisation; when the scale or zero point differ, each value is
// requantised through a 256-entry table built at init (exact when they match).
//
// Memory: needed_bytes() then init() into caller memory; nothing allocated
// after init. Deterministic: the same frames and candidates give the same
// decisions. Not thread-safe (it runs on the pipeline's thread).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/classifier.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

namespace kws {

enum class Stage2Mode : uint8_t { kOff, kModel, kExternal };

// What an external verifier gets for one candidate.
struct Candidate {
  const Event* event = nullptr;
  const int8_t* features = nullptr;  // window_frames * feature_dim, oldest frame first
  uint32_t window_frames = 0;
  uint32_t feature_dim = 0;
  uint64_t window_end_sample = 0;  // stream position at the end of the newest frame
};

enum class Verdict : uint8_t { kAccept, kReject, kPending };

class CandidateVerifier {
 public:
  // Decides one candidate. *score: 0..1 when the verifier has one, else
  // leave -1. kPending: the host owns the candidate from now on (e.g. waits
  // for a hook's exit code) and emits the detection itself; the cascade drops it.
  virtual Status verify(const Candidate& candidate, Verdict* verdict, float* score) = 0;

 protected:
  CandidateVerifier() = default;
  CandidateVerifier(const CandidateVerifier&) = default;
  CandidateVerifier& operator=(const CandidateVerifier&) = default;
  ~CandidateVerifier() = default;
};

// Sees every stage-2 decision, accepted or not (evaluation tools).
class CascadeObserver {
 public:
  virtual void on_decision(const Event& event, bool accepted) = 0;

 protected:
  CascadeObserver() = default;
  CascadeObserver(const CascadeObserver&) = default;
  CascadeObserver& operator=(const CascadeObserver&) = default;
  ~CascadeObserver() = default;
};

struct CascadeConfig {
  Stage2Mode mode = Stage2Mode::kOff;
  const ModelInfo* stage1 = nullptr;  // required: labels and front end
  // kModel: the stage-2 model's description (labels, window_frames, front end,
  // keywords[].threshold = the stage-2 thresholds). Ignored otherwise.
  const ModelInfo* stage2 = nullptr;
  // kExternal: frames handed to the verifier (0: stage 1's window_frames).
  uint32_t window_frames = 0;
  uint32_t delay_frames = 0;  // see the timing contract above; <= 4096
  // Candidates waiting for their delay at once (1..64). When full, a new
  // candidate is decided at once on the frames up to its trigger.
  uint32_t max_pending = 4;
};

class ModelCascade final : public CascadeHook {
 public:
  ModelCascade() = default;
  ModelCascade(const ModelCascade&) = delete;
  ModelCascade& operator=(const ModelCascade&) = delete;

  static Status needed_bytes(const CascadeConfig& cfg, size_t* bytes);
  // stage2: required for kModel (num_labels of cfg.stage2 outputs);
  // verifier: required for kExternal. cfg's ModelInfos, stage2 and verifier
  // must outlive the cascade. mem: kMemoryAlignment-aligned.
  Status init(const CascadeConfig& cfg, Classifier* stage2, CandidateVerifier* verifier, void* mem,
              size_t len);

  // Stage-2 threshold of a stage-1 label (0..1).
  Status set_threshold(uint32_t stage1_label, float threshold);
  float threshold(uint32_t stage1_label) const;
  // Whether stage 2 decides this stage-1 label (else stage 1 alone does).
  bool covers(uint32_t stage1_label) const;

  void set_observer(CascadeObserver* observer) { observer_ = observer; }

  // Decides every pending candidate now, on the frames seen so far.
  Status flush(EventSink* sink);
  void reset();

  uint64_t stage2_runs() const { return runs_; }
  size_t pending() const { return num_pending_; }
  uint32_t window_frames() const { return window_frames_; }
  uint32_t delay_frames() const { return delay_frames_; }

  // CascadeHook, defined inline so this no-RTTI core class has no key function
  // (host code under UBSan's vptr check needs the typeinfo where it is used).
  Status on_candidate(Event* event, const int8_t* features, size_t n, bool* accept) override {
    (void)features, (void)n;
    return candidate(event, accept);
  }
  Status on_frame(const int8_t* frame, size_t dim, uint64_t sample_index,
                  EventSink* sink) override {
    return frame_in(frame, dim, sample_index, sink);
  }
  void on_reset() override { reset(); }

 private:
  struct Pending {
    Event event;
    uint64_t decide_at;  // frames_ value at which to decide
  };
  struct Layout;
  static Status layout(const CascadeConfig& cfg, void* mem, size_t len, size_t* used, Layout* out);
  static Status check(const CascadeConfig& cfg, uint32_t* window_frames);

  Status candidate(Event* event, bool* accept);
  Status frame_in(const int8_t* frame, size_t dim, uint64_t sample_index, EventSink* sink);
  // Runs stage 2 on the newest window for *event; sets *accepted, fills the
  // event's stage fields. *handed_over: an external verifier took it.
  Status decide(Event* event, bool* accepted, bool* handed_over);
  void gather_window();

  CascadeConfig cfg_;
  Classifier* stage2_ = nullptr;
  CandidateVerifier* verifier_ = nullptr;
  CascadeObserver* observer_ = nullptr;
  int8_t* history_ = nullptr;     // window_frames_ frames, ring
  int8_t* window_ = nullptr;      // window_frames_ frames, contiguous, oldest first
  float* probs_ = nullptr;        // stage-2 outputs
  int16_t* label_map_ = nullptr;  // stage-1 label -> stage-2 label, -1: not covered
  float* thresholds_ = nullptr;   // per stage-1 label
  int8_t* requant_ = nullptr;     // 256 entries, indexed by q + 128
  Pending* pending_ = nullptr;
  size_t num_pending_ = 0;
  uint32_t window_frames_ = 0;
  uint32_t delay_frames_ = 0;
  uint32_t feature_dim_ = 0;
  uint32_t stage2_labels_ = 0;
  uint32_t next_ = 0;    // ring slot of the next frame
  uint64_t frames_ = 0;  // frames seen since init/reset
  uint64_t last_sample_ = 0;
  uint64_t runs_ = 0;
  bool requantize_ = false;
  bool ready_ = false;
};

}  // namespace kws
