// The default model (models/kwsd_default.tflite), loaded once for the
// micro-benchmarks that need its shapes or its front-end settings.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/tflite_model.h"
#include "pipeline/model_info.h"

namespace kws::bench {

struct LoadedModel {
  std::string path;
  std::vector<uint8_t> bytes;
  nn::TfliteModel model;
  bool ok = false;
  std::string error;
};

// Parses the file at `path` (bytes stay owned by the returned object).
const LoadedModel& load_model(const std::string& path);

const LoadedModel& default_model();
// The default model's ModelInfo ("kwsd" metadata); aborts the benchmark run
// with a message when the model is missing or broken.
const ModelInfo& default_model_info();

}  // namespace kws::bench
