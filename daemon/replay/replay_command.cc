#include "daemon/replay/replay_command.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/model/model_runtime.h"
#include "daemon/replay/detection_json.h"
#include "daemon/replay/replay.h"

namespace kws::replay {

using daemon::ModelRuntime;

namespace {

constexpr const char* kUsage =
    "usage: kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml] [--chunk N]\n"
    "                   [--quiet] FILE...\n"
    "  --model    stage-1 int8 .tflite (kwsd metadata, else a sidecar YAML is looked up)\n"
    "  --sidecar  model description for a model without kwsd metadata\n"
    "  --config   kwsd.yaml: model.frontend and stage1 overrides, logging.level\n"
    "  --chunk    samples per Pipeline::push (default 160 = 10 ms at 16 kHz)\n"
    "  --quiet    only warnings and errors on stderr (the summary line stays)\n"
    "stdout: one JSON line per detection; stderr: logs and a summary line.\n"
    "exit: 0 all files ok, 1 some files failed, 2 usage or model error\n";

struct Args {
  std::string model;
  std::string sidecar;
  std::string config;
  size_t chunk = 160;
  bool quiet = false;
  std::vector<std::string> files;
};

// Returns "" or a usage error.
std::string parse_args(int argc, char** argv, Args* args) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* out) -> std::string {
      if (i + 1 >= argc) return a + " needs a value";
      *out = argv[++i];
      return {};
    };
    std::string err;
    if (a == "--model") {
      err = value(&args->model);
    } else if (a == "--sidecar") {
      err = value(&args->sidecar);
    } else if (a == "--config") {
      err = value(&args->config);
    } else if (a == "--chunk") {
      std::string text;
      err = value(&text);
      char* end = nullptr;
      const unsigned long long n = std::strtoull(text.c_str(), &end, 10);
      if (err.empty() && (text.empty() || *end != '\0' || n == 0 || n > 10'000'000)) {
        err = "--chunk: '" + text + "' is not a sample count in [1, 10000000]";
      }
      args->chunk = static_cast<size_t>(n);
    } else if (a == "--quiet") {
      args->quiet = true;
    } else if (a == "-h" || a == "--help") {
      return "help";
    } else if (a == "--") {
      for (++i; i < argc; ++i) args->files.emplace_back(argv[i]);
    } else if (a.size() > 1 && a[0] == '-') {
      err = "unknown option " + a;
    } else {
      args->files.push_back(a);
    }
    if (!err.empty()) return err;
  }
  if (args->model.empty()) return "--model is required";
  if (args->files.empty()) return "no audio files given";
  return {};
}

}  // namespace

int replay_main(int argc, char** argv) {
  Args args;
  if (std::string err = parse_args(argc, argv, &args); !err.empty()) {
    if (err == "help") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    std::fprintf(stderr, "kwsd replay: %s\n%s", err.c_str(), kUsage);
    return 2;
  }
  auto log = spdlog::stderr_color_mt("replay");
  log->set_pattern("kwsd replay: %^%l%$: %v");
  log->set_level(args.quiet ? spdlog::level::warn : spdlog::level::info);

  config::Config cfg;
  const config::Config* cfg_ptr = nullptr;
  if (!args.config.empty()) {
    Result<config::Config> loaded = config::load_config(args.config);
    if (!loaded) {
      log->error("{}", loaded.error());
      return 2;
    }
    cfg = *loaded;
    cfg_ptr = &cfg;
    if (!args.quiet) log->set_level(spdlog::level::from_str(cfg.logging.level));
  }

  Result<std::unique_ptr<ModelRuntime>> runtime =
      ModelRuntime::load(args.model, args.sidecar, cfg_ptr);
  if (!runtime) {
    log->error("{}", runtime.error());
    return 2;
  }
  ModelRuntime& rt = **runtime;
  const ModelInfo& info = rt.info();
  log->info("model {} ({} labels, {} frames x {} features, {} Hz; described by {})", args.model,
            info.num_labels, info.window_frames, info.frontend.feature_dim(),
            info.frontend.sample_rate, rt.info_origin());

  const auto wall_start = std::chrono::steady_clock::now();
  double audio_seconds = 0.0;
  size_t failed = 0;
  size_t detections = 0;
  for (const std::string& file : args.files) {
    const FileReport report =
        replay_file(file, info, &rt.pipeline(), args.chunk, [&](const Event& event) {
          const std::string line = detection_json(file, event) + "\n";
          std::fwrite(line.data(), 1, line.size(), stdout);
        });
    std::fflush(stdout);
    audio_seconds += report.audio_seconds;
    detections += report.detections;
    if (!report.ok) {
      ++failed;
      log->error("{}", report.error);
    } else {
      log->debug("{}: {:.2f} s, {} detections", file, report.audio_seconds, report.detections);
    }
  }
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::fprintf(stderr,
               "kwsd replay: summary: files=%zu failed=%zu detections=%zu audio_s=%.3f "
               "wall_s=%.3f rtf=%.5f speed=%.1fx\n",
               args.files.size(), failed, detections, audio_seconds, wall,
               audio_seconds > 0 ? wall / audio_seconds : 0.0,
               wall > 0 ? audio_seconds / wall : 0.0);
  spdlog::drop("replay");
  return failed == 0 ? 0 : 1;
}

}  // namespace kws::replay
