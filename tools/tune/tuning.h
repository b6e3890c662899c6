// kws-tune's choice: per keyword the stage-1 threshold and min count, and one
// smoothing length for all (kwsd.yaml has one stage1.smoothing_frames), that
// meet a target FA/h with the lowest FRR, or a target FRR with the fewest
// false accepts, on the tuning split; and the kwsd.yaml that carries them.
// With a stage-2 model in the experiment the same search runs over the
// cascade (stage-1 threshold x stage-2 threshold, the core's ModelCascade
// replayed on the recorded frames), and the config gets a stage2 section.
#pragma once

#include <string>
#include <vector>

#include "config/result.h"
#include "tools/eval/experiment.h"
#include "tools/eval/sweep.h"

namespace kws::tune {

struct TuneOptions {
  double target_fa_per_hour = 1.0;
  double target_frr = -1.0;    // >= 0: tune for FRR instead of FA/h
  bool allow_zero_fa = false;  // target below the set's resolution: require 0 FA instead
  std::vector<uint32_t> smoothing = {1, 2, 3, 4, 6};
  std::vector<uint32_t> min_count = {1, 2, 3};
  std::vector<float> thresholds;              // empty: kws-eval's grid (both stages)
  float cascade_min_stage1_threshold = 0.3f;  // cascade: stage-1 thresholds >= this
};

struct KeywordChoice {
  std::string keyword;
  eval::SweepPoint point;  // on the tuning data
  bool met = true;         // false: no setting met the target (the closest is used)
};

struct TuneResult {
  uint32_t smoothing_frames = 1;
  // Set when tuned with a stage-2 model: what the stage2 section names.
  std::string stage2_model;
  std::string stage2_sidecar;
  double stage2_delay_ms = 0.0;
  std::vector<KeywordChoice> keywords;
  double resolution_fa_per_hour = 0.0;
  std::string summary;  // human-readable, markdown table
};

Result<TuneResult> tune(const eval::Experiment& ex, const TuneOptions& options);

// Writes `base_config` (or, if "", a new file naming model_path) with
// stage1.smoothing_frames and stage1.keywords.<kw>.{threshold, min_count}
// set (and, for a cascade, stage2.mode model, its model, delay_ms and
// stage2.keywords.<kw>.threshold), to out_path; then loads it with config/ and applies it to the
// model's description to prove the daemon accepts it. Comments of the base are not kept.
Result<bool> write_config(const TuneResult& result, const std::string& base_config,
                          const std::string& model_path, const std::string& sidecar,
                          const ModelInfo& model_info, const std::string& header,
                          const std::string& out_path);

}  // namespace kws::tune
