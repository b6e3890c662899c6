#include "daemon/replay/replay_command.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/log.h"
#include "daemon/model/model_runtime.h"
#include "daemon/replay/detection_json.h"
#include "daemon/replay/replay.h"

namespace kws::replay {

using daemon::join_model_list;
using daemon::ModelRuntime;

namespace {

constexpr const char* kUsage =
    "usage: kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml] [--chunk N]\n"
    "                   [--stage2 M2.tflite [--stage2-sidecar S2.yaml]] [--quiet] FILE...\n"
    "  --model    stage-1 int8 .tflite (kwsd metadata, else a sidecar YAML is looked up),\n"
    "             or an openWakeWord head (e.g. hey_jarvis_v0.1.tflite; its backbone\n"
    "             embedding_model.tflite is found by itself); repeat --model for several\n"
    "             openWakeWord heads on one shared backbone\n"
    "  --sidecar  model description for a model without kwsd metadata\n"
    "  --config   kwsd.yaml: model.frontend, stage1 and stage2 settings, logging.level\n"
    "  --stage2   run the cascade with this stage-2 model (stage2.mode model; the\n"
    "             config's stage2.delay_ms and stage2.keywords thresholds apply)\n"
    "  --stage2-sidecar  description of that model when it has no kwsd metadata\n"
    "  --chunk    samples per Pipeline::push (default 160 = 10 ms at 16 kHz)\n"
    "  --quiet    only warnings and errors on stderr (the summary line stays)\n"
    "stdout: one JSON line per detection; stderr: logs and a summary line.\n"
    "exit: 0 all files ok, 1 some files failed, 2 usage or model error\n";

struct Args {
  std::string model;
  std::string sidecar;
  std::string config;
  std::string stage2;
  std::string stage2_sidecar;
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
      std::string m;
      err = value(&m);
      args->model = args->model.empty() ? m : join_model_list({args->model, m});
    } else if (a == "--sidecar") {
      err = value(&args->sidecar);
    } else if (a == "--config") {
      err = value(&args->config);
    } else if (a == "--stage2") {
      err = value(&args->stage2);
    } else if (a == "--stage2-sidecar") {
      err = value(&args->stage2_sidecar);
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
  if (!args->stage2_sidecar.empty() && args->stage2.empty())
    return "--stage2-sidecar needs --stage2";
  return {};
}

// Stage 2's rejections at info, confirmations at debug (stderr).
class StageTwoLog final : public CascadeObserver {
 public:
  StageTwoLog(spdlog::logger* log, ModelRuntime* rt) : log_(log), rt_(rt) {}
  void on_decision(const Event& e, bool accepted) override {
    const float t = rt_->cascade()->threshold(e.label_index);
    kws::log::at(*log_, accepted ? spdlog::level::debug : spdlog::level::info,
                 "stage 2 {} '{}' at {:.3f} s (stage 1 {:.4f}, stage 2 {:.4f}, threshold {:.3f})",
                 accepted ? "confirmed" : "rejected", e.keyword, e.time_s, e.score, e.stage2_score,
                 t);
  }

 private:
  spdlog::logger* log_;
  ModelRuntime* rt_;
};

}  // namespace

int replay_main(int argc, char** argv, const std::string& default_stage2) {
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
      kws::log::at(*log, spdlog::level::err, "{}", loaded.error());
      return 2;
    }
    cfg = *loaded;
    cfg_ptr = &cfg;
    if (!args.quiet) log->set_level(spdlog::level::from_str(cfg.logging.level));
  }
  if (!args.stage2.empty()) {
    cfg.stage2.mode = config::Stage2Mode::kModel;
    cfg.stage2.model_path = args.stage2;
    cfg.stage2.sidecar = args.stage2_sidecar;
    cfg_ptr = &cfg;
  } else if (cfg.stage2.mode == config::Stage2Mode::kExternal) {
    kws::log::at(*log, spdlog::level::err,
                 "{}: stage2.mode external (a program) is not run by replay; give --stage2 "
                 "M2.tflite for a stage-2 model, or set stage2.mode off",
                 args.config);
    return 2;
  } else if (cfg.stage2.mode == config::Stage2Mode::kModel && cfg.stage2.model_path.empty() &&
             !default_stage2.empty()) {
    cfg.stage2.model_path = default_stage2;  // the shipped stage 2, as the daemon runs it
  } else if (cfg.stage2.mode == config::Stage2Mode::kModel && cfg.stage2.model_path.empty()) {
    kws::log::at(*log, spdlog::level::err,
                 "{}: stage2.mode model without stage2.model.path: give --stage2 M2.tflite",
                 args.config);
    return 2;
  }

  Result<std::unique_ptr<ModelRuntime>> runtime =
      ModelRuntime::load(args.model, args.sidecar, cfg_ptr);  // no verifier: mode external refused
  if (!runtime) {
    kws::log::at(*log, spdlog::level::err, "{}", runtime.error());
    return 2;
  }
  ModelRuntime& rt = **runtime;
  const ModelInfo& info = rt.info();
  kws::log::at(*log, spdlog::level::info,
               "model {} ({} labels, {} frames x {} features, {} Hz; described by {})", args.model,
               info.num_labels, info.window_frames, info.frontend.feature_dim(),
               info.frontend.sample_rate, rt.info_origin());
  StageTwoLog stage2_log(log.get(), &rt);
  if (ModelCascade* cascade = rt.cascade()) {
    cascade->set_observer(&stage2_log);
    kws::log::at(*log, spdlog::level::info,
                 "stage 2: {} ({} frames, decides {} frames after the trigger; described by {})",
                 cfg.stage2.model_path, rt.stage2_info()->window_frames, cascade->delay_frames(),
                 rt.stage2_origin());
  }

  const auto wall_start = std::chrono::steady_clock::now();
  double audio_seconds = 0.0;
  size_t failed = 0;
  size_t detections = 0;
  for (const std::string& file : args.files) {
    const FileReport report = replay_file(file, &rt, args.chunk, [&](const Event& event) {
      const std::string line = detection_json(file, event) + "\n";
      std::fwrite(line.data(), 1, line.size(), stdout);
    });
    std::fflush(stdout);
    audio_seconds += report.audio_seconds;
    detections += report.detections;
    if (!report.ok) {
      ++failed;
      kws::log::at(*log, spdlog::level::err, "{}", report.error);
    } else {
      kws::log::at(*log, spdlog::level::debug, "{}: {:.2f} s, {} detections", file,
                   report.audio_seconds, report.detections);
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
