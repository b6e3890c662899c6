// A stage-1 model ready to run on the host, shared by `kwsd replay` and the
// live daemon (one loading path, so both run exactly the same thing): the
// .tflite bytes, their parsed form, the ModelInfo (embedded "kwsd" metadata or
// a sidecar, then kwsd.yaml overrides), pipeline's ModelClassifier and a
// Pipeline, with all their memory owned here. The core objects never allocate
// after load().
//
// Stage 2 (config's stage2 section): mode model loads the stage-2 .tflite the
// same way (its own ModelInfo, no kwsd.yaml overrides except the stage-2
// thresholds), plans its arena and the ModelCascade's memory at load and
// installs the cascade as the pipeline's hook. Mode external installs the
// cascade with the caller's CandidateVerifier (the daemon's exec hook).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/result.h"
#include "pipeline/cascade.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

namespace kws::daemon {

// Several model files in one model path string (`--model a --model b`, a
// list under model.path): joined with this separator. A path that exists as
// a file is never split.
inline constexpr const char* kModelListSeparator = ", ";
std::vector<std::string> split_model_list(const std::string& models);
std::string join_model_list(const std::vector<std::string>& models);

class ModelRuntime {
 public:
  virtual ~ModelRuntime() = default;

  // model_path: one model, or several openWakeWord heads joined by
  // kModelListSeparator (join_model_list): they share one backbone and one
  // pipeline, their scores are its labels. An openWakeWord head (float32
  // [1, n, 96] input) needs its backbone (daemon/model/oww_model.h); stage 2
  // does not apply to it (left off, said in info_origin()).
  // config may be null (no overrides, stage 2 off). sidecar: explicit sidecar
  // or "". stage2.mode model needs stage2.model_path set (callers resolve the
  // default); stage2.mode external needs `verifier` (must outlive the runtime).
  // Errors name the model file (or the config entry that broke it).
  static Result<std::unique_ptr<ModelRuntime>> load(const std::string& model_path,
                                                    const std::string& sidecar,
                                                    const config::Config* config,
                                                    CandidateVerifier* verifier = nullptr);

  virtual const ModelInfo& info() const = 0;
  virtual Pipeline& pipeline() = 0;
  // Where the ModelInfo came from ("embedded kwsd metadata" or a sidecar path).
  virtual const std::string& info_origin() const = 0;

  // The mode stage 2 runs in (as loaded).
  virtual config::Stage2Mode stage2_mode() const = 0;
  // The installed cascade (null when stage 2 is off).
  virtual ModelCascade* cascade() = 0;
  // Stage 2's model description and where it came from (mode model only, else null / "").
  virtual const ModelInfo* stage2_info() const = 0;
  virtual const std::string& stage2_origin() const = 0;

  // End of a stream: decides every candidate still waiting for its delay on
  // the frames seen so far; confirmed ones go to sink. No-op when stage 2 is off.
  virtual Status flush(EventSink* sink) = 0;

  // Live retune (SIGHUP): applies `config`'s stage-1 keyword settings with
  // Pipeline::set_keyword_params and its stage-2 thresholds with
  // ModelCascade::set_threshold, keeping all audio state. Settings that
  // change the features, the smoother or stage 2's setup (model.frontend,
  // smoothing_frames, stage2.mode/model/delay_ms) cannot change live: they
  // are left as they are and named in the returned note ("" when there is
  // nothing to say). On error nothing changed. Call from the thread that
  // pushes audio.
  virtual Result<std::string> retune(const config::Config& config) = 0;
};

}  // namespace kws::daemon
