// A .tflite keyword model loaded for the evaluation tools: its bytes, parsed
// form and description (embedded metadata or sidecar, then kwsd.yaml), shared
// read-only between worker threads; each thread builds its own ClassifierInstance.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/result.h"
#include "daemon/model/oww_model.h"
#include "nn/tflite_model.h"
#include "pipeline/classifier.h"
#include "pipeline/model_classifier.h"
#include "pipeline/model_info.h"

namespace kws::eval {

struct LoadedModel {
  std::string path;
  std::vector<uint8_t> bytes;
  nn::TfliteModel model;
  ModelInfo info;
  std::string origin;  // "embedded kwsd metadata" or the sidecar used
  size_t arena_bytes = 0;
  // openWakeWord heads (one or several joined by daemon::join_model_list,
  // sharing one backbone): model/arena_bytes are unused, each runner makes
  // its own OwwStream.
  std::shared_ptr<const daemon::OwwModelSet> oww;
};

// config may be null (no overrides). sidecar: explicit sidecar or "".
// `path` may name openWakeWord heads (see LoadedModel::oww).
Result<std::shared_ptr<const LoadedModel>> load_model(const std::string& path,
                                                      const std::string& sidecar,
                                                      const config::Config* config);

// Thread CPU time in seconds (CLOCK_THREAD_CPUTIME_ID).
double thread_cpu_seconds();

// A ModelClassifier with its own arena that adds up the thread CPU time it
// spends (for the real-time factor and stage 2's share).
class ClassifierInstance final : public Classifier {
 public:
  // sliding: the instance classifies a sliding window (stage 1 in a
  // pipeline), so its interpreter streams (pipeline/model_classifier.h).
  static Result<std::unique_ptr<ClassifierInstance>> create(
      std::shared_ptr<const LoadedModel> model, bool sliding);

  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override;

  double cpu_seconds() const { return cpu_seconds_; }
  uint64_t calls() const { return calls_; }
  void clear_counters() { cpu_seconds_ = 0.0, calls_ = 0; }

 private:
  ClassifierInstance() = default;
  std::shared_ptr<const LoadedModel> model_;
  std::vector<std::max_align_t> arena_;
  ModelClassifier classifier_;
  double cpu_seconds_ = 0.0;
  uint64_t calls_ = 0;
};

}  // namespace kws::eval
