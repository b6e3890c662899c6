// kws-tune: per-keyword stage-1 settings that meet a target FA/h (or FRR) on
// the tuning split, written into a kwsd.yaml the daemon reads.
#include <cstdio>
#include <sstream>
#include <string>

#include "daemon/guarded_main.h"
#include "tools/eval/cli_args.h"
#include "tools/eval/experiment.h"
#include "tools/tune/tuning.h"

namespace {

const char* const kUsage =
    "usage: kws-tune --model M.tflite --positives DIR|TSV --negatives PATH --noise PATH\n"
    "                --write-config OUT.yaml [--base-config kwsd.yaml] [options]\n\n"
    "Runs the tuning split (default --split tune) through the pipeline once, sweeps\n"
    "threshold x min count x smoothing with the core's smoother and trigger, and writes\n"
    "the settings with the lowest FRR at --target-fa (or fewest FAs at --target-frr).\n"
    "With --stage2 it tunes the cascade (stage-1 x stage-2 threshold) and writes a\n"
    "stage2 section (mode model) as well.\n"
    "Evaluate on the other half: kws-eval --split eval --config OUT.yaml ...\n\n";

const char* const kTuneUsage =
    "  --write-config OUT.yaml   the kwsd.yaml to write (required)\n"
    "  --base-config kwsd.yaml   start from this config (its comments are not kept)\n"
    "  --target-fa X             false accepts per hour to meet (default 1)\n"
    "  --target-frr X            or: false-reject rate to meet, 0..1\n"
    "  --allow-zero-fa           when the negatives are too short for --target-fa, tune for 0 FA\n"
    "  --smoothing LIST          smoothing_frames candidates (default 1,2,3,4,6)\n"
    "  --min-count LIST          min_count candidates (default 1,2,3)\n"
    "  --thresholds LIST         threshold grid (default: kws-eval's)\n"
    "  --cascade-min-t1 T        with --stage2: stage-1 thresholds >= T (default 0.3)\n";

}  // namespace

static int tool_main(int argc, char** argv) {
  using namespace kws;
  std::set<std::string> flags = eval::experiment_flags();
  flags.insert({"--write-config", "--base-config", "--target-fa", "--target-frr", "--smoothing",
                "--min-count", "--thresholds", "--cascade-min-t1"});
  auto args = eval::CliArgs::parse(argc, argv, flags, {"--allow-zero-fa"});
  if (!args) {
    std::fprintf(stderr, "kws-tune: %s\n%s%s%s", args.error().c_str(), kUsage,
                 eval::kExperimentUsage, kTuneUsage);
    return 2;
  }
  if (args->has("--help")) {
    std::printf("%s%s%s", kUsage, eval::kExperimentUsage, kTuneUsage);
    return 0;
  }
  auto fail = [](const std::string& msg, int code) {
    std::fprintf(stderr, "kws-tune: %s\n", msg.c_str());
    return code;
  };
  if (!args->has("--write-config")) return fail("--write-config OUT.yaml is required", 2);
  auto options = eval::experiment_options(*args);
  if (!options) return fail(options.error(), 2);
  if (!options->stage2_model.empty() && options->stage2_delay_ms > 5000.0) {
    return fail("--stage2-delay-ms: kwsd's stage2.delay_ms takes 0..5000", 2);
  }
  if (!args->has("--split")) options->split = eval::Split::kTune;
  tune::TuneOptions to;
  to.allow_zero_fa = args->has("--allow-zero-fa");
  auto numbers = [&](const char* flag, std::vector<double>* out) -> bool {
    if (!args->has(flag)) return true;
    auto v = eval::parse_number_list(args->get(flag), flag);
    if (!v) return false;
    *out = *v;
    return true;
  };
  std::vector<double> v;
  if (!numbers("--target-fa", &v) || (!v.empty() && (v.size() != 1 || v[0] < 0.0))) {
    return fail("--target-fa wants one number >= 0", 2);
  }
  if (!v.empty()) to.target_fa_per_hour = v[0];
  v.clear();
  if (!numbers("--target-frr", &v) || (!v.empty() && (v.size() != 1 || v[0] < 0.0 || v[0] > 1.0))) {
    return fail("--target-frr wants one number in 0..1", 2);
  }
  if (!v.empty()) to.target_frr = v[0];
  for (const char* flag : {"--smoothing", "--min-count"}) {
    v.clear();
    if (!numbers(flag, &v)) return fail(std::string(flag) + " wants numbers", 2);
    if (v.empty()) continue;
    std::vector<uint32_t> u;
    for (double x : v) {
      if (x < 1.0 || x > 1000.0 || x != static_cast<double>(static_cast<uint32_t>(x))) {
        return fail(std::string(flag) + ": " + std::to_string(x) + " is not an integer in 1..1000",
                    2);
      }
      u.push_back(static_cast<uint32_t>(x));
    }
    (std::string(flag) == "--smoothing" ? to.smoothing : to.min_count) = u;
  }
  v.clear();
  if (!numbers("--thresholds", &v)) return fail("--thresholds wants numbers", 2);
  for (double x : v) {
    if (x < 0.0 || x > 1.0) return fail("--thresholds: values must be in 0..1", 2);
    to.thresholds.push_back(static_cast<float>(x));
  }
  v.clear();
  if (!numbers("--cascade-min-t1", &v) ||
      (!v.empty() && (v.size() != 1 || v[0] < 0.0 || v[0] > 1.0))) {
    return fail("--cascade-min-t1 wants one number in 0..1", 2);
  }
  if (!v.empty()) to.cascade_min_stage1_threshold = static_cast<float>(v[0]);
  if (to.target_frr < 0.0 && !to.allow_zero_fa && to.target_fa_per_hour > 0.0) {
    options->required_negative_hours = 1.0 / to.target_fa_per_hour;
    options->required_because = "needed to resolve a target of " +
                                std::to_string(to.target_fa_per_hour) +
                                " FA/h; add negatives, or --allow-zero-fa to require zero false "
                                "accepts on this set";
  }
  auto ex = eval::run_experiment(*options);
  if (!ex) return fail(ex.error(), 1);
  auto result = tune::tune(**ex, to);
  if (!result) return fail(result.error(), 1);
  std::ostringstream header;
  header << "kwsd.yaml written by kws-tune\n";
  for (int i = 0; i < argc; ++i) header << (i ? " " : "") << argv[i];
  header << "\n" << result->summary;
  const std::string out = args->get("--write-config");
  auto written = tune::write_config(*result, args->get("--base-config"), options->model,
                                    options->sidecar, (*ex)->stage1->info, header.str(), out);
  if (!written) return fail(written.error(), 1);
  std::printf("%s\nwrote %s\n", result->summary.c_str(), out.c_str());
  for (const auto& k : result->keywords) {
    if (!k.met) return 3;  // written, but some keyword missed the target
  }
  return 0;
}

int main(int argc, char** argv) {
  return kws::guarded_main("kws-tune", [&] { return tool_main(argc, argv); });
}
