// kws-eval: FRR, FA/h, DET curves, latency and CPU of stage 1 alone and of the
// cascade, on labelled positives and long negative audio, through the same
// streaming pipeline the daemon runs.
#include <cstdio>
#include <string>

#include "daemon/guarded_main.h"
#include "tools/eval/cli_args.h"
#include "tools/eval/eval_report.h"
#include "tools/eval/experiment.h"

namespace {

const char* const kUsage =
    "usage: kws-eval --model M.tflite --positives DIR|TSV --negatives PATH [--negatives PATH...]\n"
    "                [--noise PATH] [--stage2 M2.tflite] [--out DIR] [options]\n\n"
    "Runs every clip and negative file through the streaming pipeline once (all cores),\n"
    "then sweeps thresholds offline with the core's own smoother and trigger.\n\n";

const char* const kEvalUsage =
    "  --out DIR                 write report.md, det.csv, det.png, events.tsv there\n"
    "  --targets LIST            FA/h operating points (default 1,0.5,0.1)\n"
    "  --thresholds LIST         sweep grid (default 0.05..0.90 by 0.05, 0.91..0.99, "
    "0.992..0.998)\n"
    "  --cascade-min-t1 T        cascade sweep: stage-1 thresholds >= T (default 0.3)\n"
    "  --no-plot                 skip det.png\n";

}  // namespace

static int tool_main(int argc, char** argv) {
  using namespace kws::eval;
  std::set<std::string> flags = experiment_flags();
  flags.insert({"--out", "--targets", "--thresholds", "--cascade-min-t1"});
  auto args = CliArgs::parse(argc, argv, flags, {"--no-plot"});
  if (!args) {
    std::fprintf(stderr, "kws-eval: %s\n%s%s%s", args.error().c_str(), kUsage, kExperimentUsage,
                 kEvalUsage);
    return 2;
  }
  if (args->has("--help")) {
    std::printf("%s%s%s", kUsage, kExperimentUsage, kEvalUsage);
    return 0;
  }
  auto options = experiment_options(*args);
  if (!options) {
    std::fprintf(stderr, "kws-eval: %s\n", options.error().c_str());
    return 2;
  }
  EvalOptions eo;
  eo.out_dir = args->get("--out");
  eo.plot = !args->has("--no-plot");
  if (args->has("--targets")) {
    auto t = parse_number_list(args->get("--targets"), "--targets");
    if (!t) {
      std::fprintf(stderr, "kws-eval: %s\n", t.error().c_str());
      return 2;
    }
    eo.targets_fa_per_hour = *t;
  }
  if (args->has("--thresholds")) {
    auto t = parse_number_list(args->get("--thresholds"), "--thresholds");
    if (!t) {
      std::fprintf(stderr, "kws-eval: %s\n", t.error().c_str());
      return 2;
    }
    for (double v : *t) {
      if (v < 0.0 || v > 1.0) {
        std::fprintf(stderr, "kws-eval: --thresholds: %g not in 0..1\n", v);
        return 2;
      }
      eo.thresholds.push_back(static_cast<float>(v));
    }
  }
  if (args->has("--cascade-min-t1")) {
    auto t = parse_number_list(args->get("--cascade-min-t1"), "--cascade-min-t1");
    if (!t || t->size() != 1) {
      std::fprintf(stderr, "kws-eval: --cascade-min-t1 wants one number\n");
      return 2;
    }
    eo.cascade_min_stage1_threshold = static_cast<float>((*t)[0]);
  }
  for (int i = 0; i < argc; ++i) eo.command_line += (i ? " " : "") + std::string(argv[i]);
  auto ex = run_experiment(*options);
  if (!ex) {
    std::fprintf(stderr, "kws-eval: %s\n", ex.error().c_str());
    return 1;
  }
  auto result = evaluate(**ex, eo);
  if (!result) {
    std::fprintf(stderr, "kws-eval: %s\n", result.error().c_str());
    return 1;
  }
  std::printf("%s", result->report.c_str());
  return 0;
}

int main(int argc, char** argv) {
  return kws::guarded_main("kws-eval", [&] { return tool_main(argc, argv); });
}
