// The production Detector: the stage-1 model loaded by daemon/model (the same
// ModelRuntime `kwsd replay` uses) running in kws::Pipeline, so the live
// daemon detects exactly what a replay of the same audio detects.
#pragma once

#include <memory>
#include <string>

#include "config/result.h"
#include "daemon/model/model_runtime.h"
#include "daemon/service/detector.h"
#include "daemon/service/service_settings.h"

namespace kws::daemon {

class ModelDetector final : public Detector {
 public:
  // Loads settings.model_path with settings.config's model and stage1
  // sections. A failure names the model file and what is wrong with it.
  static Result<std::unique_ptr<Detector>> load(const ServiceSettings& settings);

  uint32_t sample_rate() const override;
  size_t keyword_samples() const override;
  std::string process(const int16_t* samples, size_t n, std::vector<Detection>* out) override;
  Result<std::string> apply_config(const config::Config& config) override;

  const ModelRuntime& runtime() const { return *runtime_; }

 private:
  explicit ModelDetector(std::unique_ptr<ModelRuntime> runtime) : runtime_(std::move(runtime)) {}

  std::unique_ptr<ModelRuntime> runtime_;
};

}  // namespace kws::daemon
