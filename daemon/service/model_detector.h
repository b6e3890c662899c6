// The production Detector: the stage-1 model loaded by daemon/model (the same
// ModelRuntime `kwsd replay` uses) running in kws::Pipeline, with the
// cascade's stage 2 when the config asks for it, so the live daemon detects
// exactly what a replay of the same audio detects.
//
// stage2.mode external: the cascade hands each candidate (at its decision
// time) to this detector's CandidateVerifier, which takes it over (kPending)
// and reports it as a Detection with needs_verification set; the service runs
// the verifier program asynchronously and emits the detection if it accepts.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/result.h"
#include "daemon/model/model_runtime.h"
#include "daemon/service/detector.h"
#include "daemon/service/service_settings.h"
#include "pipeline/cascade.h"

namespace kws::daemon {

class ModelDetector final : public Detector, CandidateVerifier, CascadeObserver {
 public:
  // Loads settings.model_path with settings.config's model, stage1 and stage2
  // sections (an empty stage2.model.path is the shipped stage-2 model). A
  // failure names the model file and what is wrong with it.
  static Result<std::unique_ptr<Detector>> load(const ServiceSettings& settings);

  uint32_t sample_rate() const override;
  size_t keyword_samples() const override;
  std::string process(const int16_t* samples, size_t n, std::vector<Detection>* out) override;
  std::string flush(std::vector<Detection>* out) override;
  Result<std::string> apply_config(const config::Config& config) override;
  std::vector<std::pair<std::string, float>> keywords() const override;

  const ModelRuntime& runtime() const { return *runtime_; }

 private:
  ModelDetector() = default;

  // CandidateVerifier (mode external): takes the candidate over.
  Status verify(const Candidate& candidate, Verdict* verdict, float* score) override;
  // CascadeObserver: logs stage 2's decisions.
  void on_decision(const Event& event, bool accepted) override;

  std::unique_ptr<ModelRuntime> runtime_;
  std::vector<Detection>* out_ = nullptr;  // during process()/flush()
};

// config with an empty stage2.model.path (mode model) set to the shipped
// stage-2 model, as the daemon resolves it.
config::Config with_stage2_default(const config::Config& config);

}  // namespace kws::daemon
