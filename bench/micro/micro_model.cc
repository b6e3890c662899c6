#include "bench/micro/micro_model.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "bench/bench_data.h"
#include "pipeline/model_classifier.h"

namespace kws::bench {

const LoadedModel& load_model(const std::string& path) {
  static std::map<std::string, std::unique_ptr<LoadedModel>> cache;
  auto& slot = cache[path];
  if (slot) return *slot;
  slot = std::make_unique<LoadedModel>();
  slot->path = path;
  slot->bytes = read_bytes(path);
  if (slot->bytes.empty()) {
    slot->error = "cannot read " + path;
    return *slot;
  }
  const Status s = slot->model.parse(slot->bytes.data(), slot->bytes.size());
  slot->ok = s.ok();
  if (!s.ok()) slot->error = path + ": " + s.message();
  return *slot;
}

const LoadedModel& default_model() {
  return load_model(repo_dir() + "/models/kwsd_default.tflite");
}

const ModelInfo& default_model_info() {
  static ModelInfo info;
  static bool done = false;
  if (!done) {
    const LoadedModel& m = default_model();
    if (!m.ok) {
      std::fprintf(stderr, "kws-bench-micro: %s\n", m.error.c_str());
      std::exit(1);
    }
    const Status s = model_info_from_tflite(m.model, &info);
    if (!s.ok()) {
      std::fprintf(stderr, "kws-bench-micro: %s: %s\n", m.path.c_str(), s.message());
      std::exit(1);
    }
    done = true;
  }
  return info;
}

}  // namespace kws::bench
