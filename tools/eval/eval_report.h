// kws-eval's analysis of one Experiment: the configured operating point as run
// online (and the offline replay that must agree with it), threshold sweeps
// for stage 1 and the cascade, FRR at fixed FA/h, latency and CPU; written as
// report.md, det.csv, events.tsv and det.png in one folder.
#pragma once

#include <string>
#include <vector>

#include "config/result.h"
#include "tools/eval/experiment.h"
#include "tools/eval/sweep.h"

namespace kws::eval {

struct EvalOptions {
  std::vector<double> targets_fa_per_hour = {1.0, 0.5, 0.1};
  std::vector<float> thresholds;              // stage-1 and stage-2 sweep; empty: default grid
  float cascade_min_stage1_threshold = 0.3f;  // cascade sweep uses stage-1 thresholds >= this
  std::string out_dir;                        // "" = print the report only
  bool plot = true;
  std::string command_line;  // quoted in the report
};

struct KeywordResult {
  uint32_t label = 0;
  std::string keyword;
  SweepPoint stage1_online;      // configured operating point, offline replay
  SweepPoint cascade_online;     // same with stage 2 (if any)
  size_t online_mismatches = 0;  // online events the replay did not reproduce (+ vice versa)
  std::vector<SweepPoint> stage1_sweep;
  std::vector<SweepPoint> cascade_sweep;
};

struct EvalResult {
  std::vector<KeywordResult> keywords;
  std::string report;  // markdown
  double rtf_total = 0.0;
  double stage2_share = 0.0;
};

std::vector<float> default_threshold_grid();

Result<EvalResult> evaluate(const Experiment& ex, const EvalOptions& options);

}  // namespace kws::eval
