// Wake-word models for the Wyoming server: one immutable WakeModel per model
// file, shared by every client, and one ModelInstance per client and model
// holding that client's own interpreter arena and Pipeline state.
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
  // Bytes one ModelInstance allocates (interpreter arena + pipeline).
  size_t instance_bytes() const { return classifier_bytes_ + pipeline_bytes_; }

 private:
  friend class ModelInstance;
  WakeModel() = default;

  // Parses *bytes_, applies `config` (may be null) to base_info_, sizes and
  // checks one instance.
  static Result<std::shared_ptr<const WakeModel>> finish(std::shared_ptr<WakeModel> m,
                                                         const config::Config* config);

  std::string path_;
  std::shared_ptr<const daemon::OwwModelSet> oww_;     // openWakeWord heads, else null
  std::shared_ptr<const std::vector<uint8_t>> bytes_;  // the .tflite; tflite_ points into it
  nn::TfliteModel tflite_;
  ModelInfo base_info_;  // embedded metadata or sidecar, before kwsd.yaml
  ModelInfo info_;
  std::string origin_;
  size_t classifier_bytes_ = 0;
  size_t pipeline_bytes_ = 0;
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

 private:
  explicit ModelInstance(std::shared_ptr<const WakeModel> model) : model_(std::move(model)) {}

  std::shared_ptr<const WakeModel> model_;
  std::vector<std::max_align_t> classifier_arena_;
  std::vector<std::max_align_t> pipeline_arena_;
  std::unique_ptr<daemon::OwwStream> oww_stream_;  // openWakeWord models
  ModelClassifier classifier_;
  Pipeline pipeline_;
};

}  // namespace kws::wyoming
