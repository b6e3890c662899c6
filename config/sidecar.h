// Model descriptions for models without embedded "kwsd" metadata: a sidecar
// YAML file with the same keys as the metadata text (pipeline/model_info.h).
//
//   labels: [Down, Go, ..., Unknown]     # a list (or "a,b,c")
//   keywords: [Down, Go]                 # optional, default: all but silence/unknown/_*
//   features: mfcc
//   sample_rate: 16000
//   ...
//   threshold: 0.8                       # default for every label, or per label:
//   threshold: {default: 0.8, Yes: 0.7}  # (same for min_count, refractory_ms)
//   threshold.Yes: 0.7                   # the metadata text's spelling also works
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/model_keys.h"
#include "config/result.h"
#include "nn/tflite_model.h"
#include "pipeline/model_info.h"

namespace YAML {
class Node;
}

namespace kws::config {

namespace detail {
class YamlReader;
// Records every key of a sidecar-style YAML map into `builder`, with positions.
void add_model_keys(const YamlReader& reader, const YAML::Node& map, std::string_view path,
                    ModelInfoBuilder* builder);
}  // namespace detail

// Parses sidecar YAML text on top of `base` and validates the result with
// validate_model_info. `source_name` appears in messages ("x.yaml:3:1: ...").
Result<ModelInfo> parse_model_info_yaml(const std::string& text, const std::string& source_name,
                                        const ModelInfo& base = ModelInfo{});

// Same, reading the file at `path`.
Result<ModelInfo> load_model_info_yaml(const std::string& path,
                                       const ModelInfo& base = ModelInfo{});

// Front-end description only (kws-features --frontend F.yaml): the sidecar
// keys, labels optional; only the front end is validated
// (validate_frontend_config). `overrides` are "key=value" strings (--set)
// applied after the file; `path` may be "" for defaults plus overrides.
Result<ModelInfo> load_frontend_yaml(const std::string& path,
                                     const std::vector<std::string>& overrides = {},
                                     const ModelInfo& base = ModelInfo{});

// Applies "key=value" overrides (--set) to a full model description and
// validates it with validate_model_info.
Result<ModelInfo> apply_overrides(const ModelInfo& base, const std::vector<std::string>& overrides);

// Where the project's sidecars for third-party models live: $KWS_SIDECAR_DIR
// if set, else the models/sidecars folder of the source tree it was built from.
std::string default_sidecar_dir();

struct ResolvedModelInfo {
  ModelInfo info;
  std::string origin;  // "embedded kwsd metadata" or the sidecar path used
};

// Finds the description of model file `model_path` (M.tflite), in this order:
//   1. `explicit_sidecar` if not empty (the user asked for it: no fallback),
//   2. `embedded_metadata` (the model's "kwsd" metadata text) if not empty,
//   3. M.yaml next to the model,
//   4. <sidecar_dir>/<basename of M without extension>.yaml,
// else an error listing what was tried.
Result<ResolvedModelInfo> resolve_model_info(
    const std::string& model_path, std::string_view embedded_metadata,
    const std::string& explicit_sidecar = {},
    const std::string& sidecar_dir = default_sidecar_dir());

// The same for a parsed model: its "kwsd" metadata entry is the embedded text.
Result<ResolvedModelInfo> resolve_model_info(const std::string& model_path,
                                             const nn::TfliteModel& model,
                                             const std::string& explicit_sidecar = {});

}  // namespace kws::config
