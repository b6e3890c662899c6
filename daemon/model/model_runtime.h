// A stage-1 model ready to run on the host, shared by `kwsd replay` and the
// live daemon (one loading path, so both run exactly the same thing): the
// .tflite bytes, their parsed form, the ModelInfo (embedded "kwsd" metadata or
// a sidecar, then kwsd.yaml overrides), pipeline's ModelClassifier and a
// Pipeline, with all their memory owned here. The core objects never allocate
// after load().
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "config/result.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

namespace kws::daemon {

class ModelRuntime {
 public:
  virtual ~ModelRuntime() = default;

  // config may be null (no overrides). sidecar: explicit sidecar or "".
  // Errors name the model file (or the config entry that broke it).
  static Result<std::unique_ptr<ModelRuntime>> load(const std::string& model_path,
                                                    const std::string& sidecar,
                                                    const config::Config* config);

  virtual const ModelInfo& info() const = 0;
  virtual Pipeline& pipeline() = 0;
  // Where the ModelInfo came from ("embedded kwsd metadata" or a sidecar path).
  virtual const std::string& info_origin() const = 0;

  // Live retune (SIGHUP): applies `config`'s stage-1 keyword settings with
  // Pipeline::set_keyword_params, keeping all audio state. Settings that
  // change the features or the smoother (model.frontend, smoothing_frames)
  // cannot change live: they are left as they are and named in the returned
  // note ("" when there is nothing to say). On error nothing changed.
  // Call from the thread that pushes audio.
  virtual Result<std::string> retune(const config::Config& config) = 0;
};

}  // namespace kws::daemon
