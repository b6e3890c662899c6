// A stage-1 model ready to run on the host: the .tflite bytes, its parsed
// form, its ModelInfo (embedded metadata or sidecar, then kwsd.yaml
// overrides), the classifier and a Pipeline, with all their memory owned here.
// The core objects never allocate after load().
#pragma once

#include <memory>
#include <string>

#include "config/config.h"
#include "config/result.h"
#include "pipeline/model_info.h"
#include "pipeline/pipeline.h"

namespace kws::replay {

class ModelRuntime {
 public:
  virtual ~ModelRuntime() = default;

  // config may be null (no overrides). sidecar: explicit sidecar or "".
  static Result<std::unique_ptr<ModelRuntime>> load(const std::string& model_path,
                                                    const std::string& sidecar,
                                                    const config::Config* config);

  virtual const ModelInfo& info() const = 0;
  virtual Pipeline& pipeline() = 0;
  // Where the ModelInfo came from ("embedded kwsd metadata" or a sidecar path).
  virtual const std::string& info_origin() const = 0;
};

}  // namespace kws::replay
