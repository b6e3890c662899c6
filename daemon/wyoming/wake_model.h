// Wake-word models for the Wyoming server: one immutable WakeModel per model
// file, shared by every client, and one ModelInstance per client and model
// holding that client's own interpreter arena and Pipeline state.
//
// Cascade: with kwsd.yaml's stage2.mode model (stage2.model.path set), each
// instance also runs the stage-2 model as the pipeline's cascade hook, with
// the stage-2 model's thresholds unless stage2.keywords sets them, deciding
// stage2.delay_ms after the trigger: the same cascade as the daemon's
// microphone path (daemon/model). Mode external is not run for Wyoming
// clients (stage 1 alone decides; the daemon warns).
//
// Memory: a ModelInstance allocates its arenas once, when it is created (at
// connect); pushing audio then allocates nothing in the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/result.h"
#include "daemon/model/oww_model.h"
#include "nn/tflite_model.h"
#include "pipeline/cascade.h"
#include "pipeline/model_classifier.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

namespace kws::wyoming {

class WakeModel {
 public:
  // `path` may be an openWakeWord head, or several joined as
  // daemon::join_model_list does: they share one backbone (per client: one
  // backbone plus N heads), their scores are this model's keywords.
  // Reads and parses `path`, finds its description (embedded metadata, an
  // explicit sidecar, or a sidecar found beside it / in the sidecar folder)
  // and applies `config`'s overrides when given. Instances are checked once
  // here, so a model that cannot run is an error at load, not at connect.
  static Result<std::shared_ptr<const WakeModel>> load(const std::string& path,
                                                       const std::string& sidecar = "",
                                                       const config::Config* config = nullptr);

  // The same model file with `config`'s overrides applied afresh to the
  // model's own description (not on top of this one's). Shares the file's
  // bytes; checked like load(). For reloads: new sessions use the result.
  Result<std::shared_ptr<const WakeModel>> with_config(const config::Config& config) const;

  WakeModel(const WakeModel&) = delete;
  WakeModel& operator=(const WakeModel&) = delete;

  const std::string& path() const { return path_; }
  const ModelInfo& info() const { return info_; }
  const nn::TfliteModel& tflite() const { return tflite_; }
  const std::string& info_origin() const { return origin_; }
  // Labels that can trigger, in label order.
  std::vector<std::string> keywords() const;
  // Bytes one ModelInstance allocates (interpreter arenas, pipeline, cascade).
  size_t instance_bytes() const {
    return classifier_bytes_ + pipeline_bytes_ + stage2_classifier_bytes_ + cascade_bytes_;
  }
  // The stage-2 model the instances run as the cascade ("" = stage 1 alone).
  std::string stage2_path() const;
  // Stage-2 threshold per stage-1 label (cascade only; -1 for labels stage 2 does not decide).
  const std::vector<float>& stage2_thresholds() const { return stage2_thresholds_; }

 private:
  friend class ModelInstance;
  WakeModel() = default;

  // Parses *bytes_, applies `config` (may be null) to base_info_, sizes and
  // checks one instance.
  static Result<std::shared_ptr<const WakeModel>> finish(std::shared_ptr<WakeModel> m,
                                                         const config::Config* config);
  // Loads (or reuses) the stage-2 model of config's stage2 section and sizes
  // the cascade; "" or what is wrong. Stage 2 off unless mode is model.
  static std::string plan_stage2(WakeModel* m, const config::Config* config);
  CascadeConfig cascade_config() const;

  std::string path_;
  std::shared_ptr<const daemon::OwwModelSet> oww_;     // openWakeWord heads, else null
  std::shared_ptr<const std::vector<uint8_t>> bytes_;  // the .tflite; tflite_ points into it
  nn::TfliteModel tflite_;
  ModelInfo base_info_;  // embedded metadata or sidecar, before kwsd.yaml
  ModelInfo info_;
  std::string origin_;
  size_t classifier_bytes_ = 0;
  size_t pipeline_bytes_ = 0;

  // The cascade's stage 2 (see the top of this file), shared like the stage-1 bytes.
  struct Stage2 {
    std::string path;
    std::string sidecar;
    std::vector<uint8_t> bytes;
    nn::TfliteModel tflite;
    ModelInfo info;
  };
  std::shared_ptr<const Stage2> stage2_;
  ModelInfo cascade_stage1_;  // stage 1 as the cascade sees it: every model keyword covered
  uint32_t stage2_delay_frames_ = 0;
  std::vector<float> stage2_thresholds_;
  size_t stage2_classifier_bytes_ = 0;
  size_t cascade_bytes_ = 0;
};

// A detection from one instance, in the instance's sample clock.
struct Hit {
  std::string name;
  float score = 0.0f;
  uint64_t sample_index = 0;  // model-rate samples since create()/reset(), end of the keyword
};

class ModelInstance {
 public:
  static Result<std::unique_ptr<ModelInstance>> create(std::shared_ptr<const WakeModel> model);

  ModelInstance(const ModelInstance&) = delete;
  ModelInstance& operator=(const ModelInstance&) = delete;

  const WakeModel& model() const { return *model_; }
  uint32_t sample_rate() const { return model_->info().frontend.sample_rate; }

  // Back to the state after create() (a new audio stream).
  void reset() { pipeline_.reset(); }
  // Pushes model-rate mono samples; appends detections to *out. "" or an error.
  std::string push(const int16_t* samples, size_t n, std::vector<Hit>* out);
  // End of a stream: the cascade decides candidates still waiting for their
  // delay on the audio seen so far (nothing to do for stage 1 alone).
  std::string flush(std::vector<Hit>* out);

 private:
  explicit ModelInstance(std::shared_ptr<const WakeModel> model) : model_(std::move(model)) {}

  std::shared_ptr<const WakeModel> model_;
  std::vector<std::max_align_t> classifier_arena_;
  std::vector<std::max_align_t> pipeline_arena_;
  std::unique_ptr<daemon::OwwStream> oww_stream_;  // openWakeWord models
  ModelClassifier classifier_;
  Pipeline pipeline_;
  std::vector<std::max_align_t> stage2_arena_;
  std::vector<std::max_align_t> cascade_arena_;
  ModelClassifier stage2_classifier_;
  ModelCascade cascade_;
};

}  // namespace kws::wyoming
