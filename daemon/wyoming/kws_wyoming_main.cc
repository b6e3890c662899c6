// kws-wyoming: the Wyoming wake-word server on its own, with models from the
// command line. kwsd serves the same Server from its config (`wyoming:`
// section, daemon/service/wyoming_endpoint.h); this tool ignores that section.
//
//   kws-wyoming --model M.tflite [--sidecar S.yaml] [--model M2.tflite ...]
//               [--config kwsd.yaml] [--listen [HOST:]PORT] [--max-clients N]
//               [--idle-timeout-ms N] [--verbose]
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>

#include "config/config.h"
#include "daemon/log.h"
#include "daemon/model/model_runtime.h"
#include "daemon/model/oww_model.h"
#include "daemon/service/model_detector.h"
#include "daemon/wyoming/server.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: kws-wyoming --model M.tflite [--sidecar S.yaml] [--model M2.tflite ...]\n"
               "                   [--config kwsd.yaml] [--listen [HOST:]PORT] "
               "[--max-clients N]\n"
               "                   [--idle-timeout-ms N] [--verbose]\n"
               "Serves the models' keywords as Wyoming wake words (default 127.0.0.1:%u).\n",
               static_cast<unsigned>(kws::wyoming::kDefaultPort));
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

bool parse_uint(const char* text, uint32_t* out) {
  char* end = nullptr;
  errno = 0;
  const unsigned long v = std::strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v > 0xFFFFFFFFul) return false;
  *out = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  struct ModelArg {
    std::string path;
    std::string sidecar;
  };
  std::vector<ModelArg> model_args;
  std::string config_path;
  kws::wyoming::ServerOptions options;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "kws-wyoming: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--model") {
      model_args.push_back({next(), ""});
    } else if (a == "--sidecar") {
      if (model_args.empty()) {
        std::fprintf(stderr, "kws-wyoming: --sidecar must follow its --model\n");
        return 2;
      }
      model_args.back().sidecar = next();
    } else if (a == "--config") {
      config_path = next();
    } else if (a == "--listen") {
      auto parsed = kws::wyoming::parse_endpoint(next(), options);
      if (!parsed) {
        std::fprintf(stderr, "kws-wyoming: --listen %s\n", parsed.error().c_str());
        return 2;
      }
      options = *parsed;
    } else if (a == "--max-clients") {
      if (!parse_uint(next(), &options.max_clients) || options.max_clients == 0) {
        std::fprintf(stderr, "kws-wyoming: --max-clients wants a positive integer\n");
        return 2;
      }
    } else if (a == "--idle-timeout-ms") {
      if (!parse_uint(next(), &options.idle_timeout_ms)) {
        std::fprintf(stderr, "kws-wyoming: --idle-timeout-ms wants an integer\n");
        return 2;
      }
    } else if (a == "--verbose") {
      verbose = true;
    } else if (a == "-h" || a == "--help") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "kws-wyoming: unknown argument \"%s\"\n", a.c_str());
      usage();
      return 2;
    }
  }
  auto logger = spdlog::stderr_color_mt("kws-wyoming");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);

  std::optional<kws::config::Config> config;
  if (!config_path.empty()) {
    auto loaded = kws::config::load_config(config_path);
    if (!loaded) {
      kws::log::error("{}", loaded.error());
      return 2;
    }
    // stage2.mode model without a path: the shipped stage 2, as kwsd runs it.
    config = kws::daemon::with_stage2_default(*loaded);
    if (model_args.empty() && !config->model.path.empty()) {
      model_args.push_back({config->model.path, config->model.sidecar});
    }
  }
  if (model_args.empty()) {
    usage();
    return 2;
  }
  // openWakeWord heads share one backbone: every --model that is one becomes
  // part of a single model (one backbone plus N heads per client).
  {
    std::vector<ModelArg> grouped;
    std::vector<std::string> heads;
    for (const ModelArg& m : model_args) {
      if (kws::daemon::is_oww_head_file(m.path)) {
        heads.push_back(m.path);
      } else {
        grouped.push_back(m);
      }
    }
    if (!heads.empty()) grouped.push_back({kws::daemon::join_model_list(heads), ""});
    model_args = std::move(grouped);
  }
  kws::wyoming::ModelSet models;
  for (const ModelArg& m : model_args) {
    auto loaded = kws::wyoming::WakeModel::load(m.path, m.sidecar, config ? &*config : nullptr);
    if (!loaded) {
      kws::log::error("{}", loaded.error());
      return 1;
    }
    const std::string stage2 = (*loaded)->stage2_path();
    kws::log::info("model {} ({}): wake words {}{}", m.path, (*loaded)->info_origin(),
                   join((*loaded)->keywords()), stage2.empty() ? "" : ", cascade with " + stage2);
    models.push_back(std::move(*loaded));
  }
  return kws::wyoming::serve(options, models);
}
