// Loads the models and data named on a kws-eval / kws-tune command line and
// runs every stream once through the real pipeline (all threads).
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "config/config.h"
#include "tools/eval/cli_args.h"
#include "tools/eval/dataset.h"
#include "tools/eval/loaded_model.h"
#include "tools/eval/runner.h"
#include "tools/eval/streams.h"

namespace kws::eval {

struct ExperimentOptions {
  std::string model;
  std::string sidecar;
  std::string config;  // kwsd.yaml whose model overrides, stage1 and stage2.keywords settings apply
  std::string stage2_model;  // "" = stage 1 alone
  std::string stage2_sidecar;
  double stage2_delay_ms = 200.0;
  float stage2_threshold = -1.0f;  // < 0: the stage-2 model's thresholds
  std::string positives;
  std::vector<std::string> negatives;
  std::vector<std::string> noise;
  Split split = Split::kAll;
  MixOptions mix;
  unsigned threads = 0;  // 0: all cores
  size_t chunk_samples = 1600;
  double max_stream_s = 600.0;
  size_t clips_per_stream = 16;
  // Checked before anything runs: at least this much negative audio (kws-tune's
  // target FA/h needs 1/target hours to resolve one false accept).
  double required_negative_hours = 0.0;
  std::string required_because;
};

struct Experiment {
  ExperimentOptions options;
  std::shared_ptr<const config::Config> config;
  std::shared_ptr<const LoadedModel> stage1;
  std::shared_ptr<const LoadedModel> stage2;
  CascadeOptions cascade;
  std::vector<LabelledClip> clips;
  std::vector<uint32_t> clip_labels;
  std::vector<uint32_t> keywords;  // stage-1 labels that have positives, ascending
  std::vector<StreamResult> streams;
  std::vector<std::string> warnings;
  std::vector<std::string> noise_files;  // the background actually loaded (non-empty files)
  double positive_hours = 0.0;
  double negative_hours = 0.0;
  double wall_s = 0.0;
  unsigned threads = 1;
};

Result<std::unique_ptr<Experiment>> run_experiment(const ExperimentOptions& options);

// The command-line flags both tools share, and their parsing.
const std::set<std::string>& experiment_flags();
extern const char* const kExperimentUsage;
Result<ExperimentOptions> experiment_options(const CliArgs& args);

// Comma-separated numbers ("1,0.5,0.1").
// One line each for the positives' and the negatives' acoustic condition
// (clean, or noise files + SNR + seed), as every report states it.
std::string describe_positive_condition(const Experiment& ex);
std::string describe_negative_condition(const Experiment& ex);

Result<std::vector<double>> parse_number_list(const std::string& text, const std::string& what);

}  // namespace kws::eval
