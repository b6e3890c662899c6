// openWakeWord's streaming feature pipeline and its heads, as Model.predict
// runs them on 1280-sample chunks (80 ms steps):
//
//   raw audio -> mel of the last 1760 samples (OwwMel; 5 frames on the first
//   step, 8 after) -> x/10+2 -> 76-row mel buffer (starts as ones) ->
//   embedding_model.tflite on its 76 rows -> one 96-value embedding per step
//   -> feature buffer (pre-filled with the start-up embedding) -> every head
//   on its last n embeddings ([1, n, 96], n from the head's input shape).
//
// The 8 mel frames of a step are new audio (step k holds whole-clip frames
// 8k-3 .. 8k+4): no frame is computed twice. The mel buffer, the feature
// buffer and the raw context are kept between steps; reset() returns them
// to the start-up state. Start-up embedding: the embedding of a 76 x 32
// window of -8.0 (the transformed mel of digital silence), computed once at
// init; openWakeWord uses 4 s of random noise there instead, which makes its
// first seconds non-deterministic (it also reports 0 for its first 5 steps;
// here every step reports the head's output).
//
// One backbone serves every head: N heads cost one mel + embedding per step
// plus N head invocations. Heads output [1, 1] (a sigmoid score) or [1, C]
// (softmax over classes, class 0 background): such a head gives C-1 scores,
// classes 1..C-1, as openWakeWord reports them.
//
// needed_bytes() then init() into caller memory (every interpreter arena
// included); feed()/run_step() allocate nothing. Models must outlive this.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/interpreter.h"
#include "nn/status.h"
#include "nn/tflite_model.h"
#include "pipeline/model_info.h"
#include "pipeline/oww_mel.h"

namespace kws {

inline constexpr uint32_t kMaxOwwHeads = 8;

struct OwwConfig {
  const nn::TfliteModel* embedding = nullptr;  // embedding_model.tflite
  const nn::TfliteModel* heads[kMaxOwwHeads] = {};
  uint32_t num_heads = 0;
  // > 0: let the embedding interpreter stream (nn/interpreter.h) with this
  // row shift; results are identical either way.
  int32_t embedding_stream_shift_rows = 0;
};

// What one head needs and gives, read from its tensors.
struct OwwHeadShape {
  uint32_t window = 0;  // n embeddings per input
  uint32_t scores = 0;  // 1 for a [1, 1] output, C-1 for [1, C]
};

// Checks that `head` looks like an openWakeWord head: one float32 input of
// shape [1, n, 96] and one float32 output of [1, 1] or [1, C] (C >= 2).
Status oww_head_shape(const nn::TfliteModel& head, OwwHeadShape* out);
// Checks that `model` is the embedding backbone: float32 [1, 76, 32, 1] in,
// 96 values out.
Status check_oww_embedding(const nn::TfliteModel& model);

// Trigger defaults for openWakeWord heads, as its users run them: a score
// >= 0.5 detects (openWakeWord's default threshold), one step suffices, no
// smoothing, and 2 s before the same keyword may fire again (the refractory
// time of the Wyoming openWakeWord server).
inline constexpr float kOwwDefaultThreshold = 0.5f;
inline constexpr uint32_t kOwwDefaultRefractoryMs = 2000;

class OwwFrontend;

// A ModelInfo for Pipeline::init_oww describing `oww`'s scores: labels[i]
// names score i (num_scores() names, each < kMaxLabelLength bytes), every
// one a keyword with the defaults above. The front-end fields describe the
// mel (16 kHz, hop 160, 512-point frames, 32 bands 60-3800 Hz), stride_frames
// is 8 (one step) and window_frames the mel frames the longest head sees
// (76 + 8 (n - 1)).
Status make_oww_model_info(const OwwFrontend& oww, const char* const* labels, ModelInfo* out);

class OwwFrontend {
 public:
  static constexpr uint32_t kStepSamples = 1280;
  static constexpr uint32_t kContextSamples = 480;
  static constexpr uint32_t kMelRows = 76;
  static constexpr uint32_t kEmbeddingDim = 96;
  static constexpr uint32_t kFeatureSlackRows = 16;

  static Status needed_bytes(const OwwConfig& cfg, size_t* bytes);
  Status init(const OwwConfig& cfg, void* mem, size_t len);

  // Consumes up to n samples; returns how many. Stops (consumes nothing more)
  // once a step's 1280 samples are complete: then step_ready() until run_step().
  size_t feed(const int16_t* samples, size_t n);
  bool step_ready() const { return pending_ == kStepSamples; }

  // One 80 ms step: mel, embedding, every head. scores receives num_scores()
  // values, head by head in config order.
  Status run_step(float* scores, size_t n);

  void reset();

  uint32_t num_heads() const { return num_heads_; }
  uint32_t num_scores() const { return num_scores_; }
  const OwwHeadShape& head_shape(uint32_t head) const { return shapes_[head]; }
  // The embedding of the latest step (kEmbeddingDim values) and the start-up one.
  const float* last_embedding() const;
  const float* startup_embedding() const { return startup_; }
  uint64_t steps() const { return steps_; }

 private:
  struct Layout;
  static Status layout(const OwwConfig& cfg, void* mem, size_t len, size_t* used, Layout* out);
  void append_embedding(const float* e);
  Status run_embedding(const float* mel_rows, float* out);

  OwwMel mel_;
  nn::Interpreter embedding_;
  nn::Interpreter heads_[kMaxOwwHeads];
  OwwHeadShape shapes_[kMaxOwwHeads] = {};
  uint32_t num_heads_ = 0;
  uint32_t num_scores_ = 0;
  uint32_t max_window_ = 0;

  int16_t* raw_ = nullptr;  // kContextSamples + kStepSamples; the step's samples at the end
  uint32_t pending_ = 0;    // samples of the current step received
  bool have_context_ = false;
  float* mel_rows_ = nullptr;  // kMelRows x 32, oldest first
  float* new_rows_ = nullptr;  // 8 x 32 scratch for one call's frames
  float* features_ = nullptr;  // (max_window_ + kFeatureSlackRows) x 96
  uint32_t feature_head_ = 0;  // row of the oldest of the last max_window_ embeddings
  float* startup_ = nullptr;   // kEmbeddingDim
  uint64_t steps_ = 0;
  bool ready_ = false;
};

}  // namespace kws
