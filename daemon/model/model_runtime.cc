#include "daemon/model/model_runtime.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "config/sidecar.h"
#include "daemon/model/oww_model.h"
#include "nn/tflite_model.h"
#include "pipeline/memory_carver.h"
#include "pipeline/model_classifier.h"

namespace kws::daemon {

namespace {

// Caller memory for the core, aligned for every core object.
class AlignedBytes {
 public:
  static_assert(alignof(std::max_align_t) >= kMemoryAlignment);
  explicit AlignedBytes(size_t bytes)
      : words_((bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t)), bytes_(bytes) {}
  void* data() { return words_.data(); }
  size_t size() const { return bytes_; }

 private:
  std::vector<std::max_align_t> words_;
  size_t bytes_;
};

bool same_frontend(const FrontendConfig& a, const FrontendConfig& b) {
  return a.sample_rate == b.sample_rate && a.window_samples == b.window_samples &&
         a.hop_samples == b.hop_samples && a.fft_size == b.fft_size && a.window == b.window &&
         a.spectrum == b.spectrum && a.mel_bins == b.mel_bins && a.fmin_hz == b.fmin_hz &&
         a.fmax_hz == b.fmax_hz && a.log_offset == b.log_offset && a.features == b.features &&
         a.num_mfcc == b.num_mfcc && a.quant_scale == b.quant_scale &&
         a.quant_zero_point == b.quant_zero_point && a.quant_rounding == b.quant_rounding;
}

// One .tflite with its description and a ModelClassifier over it.
struct LoadedModel {
  std::vector<uint8_t> bytes;
  nn::TfliteModel model;
  ModelInfo base_info;  // metadata or sidecar, before kwsd.yaml
  ModelInfo info;       // what runs; the classifier points into it
  std::string origin;
  std::unique_ptr<AlignedBytes> arena;
  ModelClassifier classifier;
};

// Reads and parses `path` and resolves its description (no config applied).
std::string read_model(const std::string& path, const std::string& sidecar, LoadedModel* m) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return path + ": cannot open model file: " + std::strerror(errno);
  m->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (Status s = m->model.parse(m->bytes.data(), m->bytes.size()); !s.ok()) {
    return path + ": " + s.message();
  }
  Result<config::ResolvedModelInfo> resolved = config::resolve_model_info(path, m->model, sidecar);
  if (!resolved) return resolved.error();
  m->base_info = resolved->info;
  m->info = resolved->info;
  m->origin = resolved->origin;
  return {};
}

// Plans the classifier's arena for m->info and initialises it. Stage 1 sees a
// sliding window (the interpreter streams); stage 2 sees unrelated windows.
std::string init_classifier(const std::string& path, bool sliding, LoadedModel* m) {
  size_t bytes = 0;
  const uint32_t stride = sliding ? m->info.stride_frames : 0;
  if (Status s = ModelClassifier::needed_bytes(m->model, &bytes, stride); !s.ok()) {
    return path + ": " + s.message();
  }
  m->arena = std::make_unique<AlignedBytes>(bytes);
  if (Status s = m->classifier.init(m->model, m->info, m->arena->data(), m->arena->size(), stride);
      !s.ok()) {
    return path + ": " + s.message();
  }
  return {};
}

std::string label_list(const ModelInfo& info) {
  std::string labels;
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    labels += (i ? ", " : "");
    labels += info.labels[i];
  }
  return labels;
}

class Runtime final : public ModelRuntime {
 public:
  const ModelInfo& info() const override { return stage1_.info; }
  Pipeline& pipeline() override { return pipeline_; }
  const std::string& info_origin() const override { return stage1_.origin; }
  config::Stage2Mode stage2_mode() const override { return stage2_cfg_.mode; }
  ModelCascade* cascade() override {
    return stage2_cfg_.mode == config::Stage2Mode::kOff ? nullptr : &cascade_;
  }
  const ModelInfo* stage2_info() const override {
    return stage2_cfg_.mode == config::Stage2Mode::kModel ? &stage2_.info : nullptr;
  }
  const std::string& stage2_origin() const override { return stage2_.origin; }

  Status flush(EventSink* sink) override {
    return stage2_cfg_.mode == config::Stage2Mode::kOff ? Status::Ok() : cascade_.flush(sink);
  }

  // Stage-2 thresholds per stage-1 label for `config` (defaults: the stage-2
  // model's), checked against both models' labels.
  Result<std::vector<float>> stage2_thresholds(const config::Config& config) const {
    using R = Result<std::vector<float>>;
    std::vector<float> t = base_thresholds_;
    if (stage2_cfg_.mode != config::Stage2Mode::kModel) return R::success(t);
    const ModelInfo& s1 = stage1_.info;
    for (const auto& [name, k] : config.stage2.keywords) {
      const int i = s1.label_index(name.c_str());
      if (i < 0) {
        return R::failure(k.where + ": stage2.keywords." + name +
                          ": the stage-1 model has no such label (labels: " + label_list(s1) + ")");
      }
      if (!cascade_.covers(static_cast<uint32_t>(i))) {
        return R::failure(k.where + ": stage2.keywords." + name + ": stage 2 (" +
                          stage2_cfg_.model_path +
                          ") does not decide this label (it is not a stage-1 keyword or the "
                          "stage-2 model has no such label; labels: " +
                          label_list(stage2_.info) + ")");
      }
      if (k.threshold) t[static_cast<size_t>(i)] = *k.threshold;
    }
    return R::success(t);
  }

  void apply_thresholds(const std::vector<float>& t) {
    for (uint32_t i = 0; i < t.size(); ++i) {
      if (cascade_.covers(i)) (void)cascade_.set_threshold(i, t[i]);  // 0..1 by the schema
    }
  }

  Result<std::string> retune(const config::Config& config) override {
    Result<ModelInfo> next = config::apply_config(config, stage1_.base_info);
    if (!next) return Result<std::string>::failure(next.error());
    Result<std::vector<float>> thresholds = stage2_thresholds(config);
    if (!thresholds) return Result<std::string>::failure(thresholds.error());
    std::string note;
    auto add_note = [&note](const char* what) {
      note += std::string(note.empty() ? "" : "; ") + what;
    };
    const ModelInfo& now = stage1_.info;
    if (!same_frontend(next->frontend, now.frontend) || next->window_frames != now.window_frames ||
        next->stride_frames != now.stride_frames) {
      add_note("model.frontend changes need a restart; ignored");
    }
    if (next->smoothing_frames != now.smoothing_frames) {
      add_note("stage1.smoothing_frames changes need a restart; ignored");
    }
    const config::Stage2Section& s2 = config.stage2;
    if (s2.mode != stage2_cfg_.mode) {
      add_note("stage2.mode changes need a restart; ignored");
    } else if (s2.mode == config::Stage2Mode::kModel &&
               (s2.model_path != stage2_cfg_.model_path || s2.sidecar != stage2_cfg_.sidecar)) {
      add_note("stage2.model changes need a restart; ignored");
    }
    if (s2.mode != config::Stage2Mode::kOff && s2.delay_ms != stage2_cfg_.delay_ms) {
      add_note("stage2.delay_ms changes need a restart; ignored");
    }
    // Validated as a whole by apply_config, so no label can fail half way.
    for (uint32_t i = 0; i < now.num_labels; ++i) {
      if (Status s = pipeline_.set_keyword_params(i, next->keywords[i]); !s.ok()) {
        return Result<std::string>::failure(config.source + ": " + s.message());
      }
      stage1_.info.keywords[i] = next->keywords[i];
    }
    apply_thresholds(*thresholds);
    return Result<std::string>::success(note);
  }

  // Loads and installs stage 2 per config.stage2 (mode off: nothing).
  std::string load_stage2(const config::Config& config, CandidateVerifier* verifier) {
    stage2_cfg_ = config.stage2;
    const config::Stage2Section& s2 = stage2_cfg_;
    if (s2.mode == config::Stage2Mode::kOff) return {};
    // Stage 2 covers every label the stage-1 model calls a keyword, also those
    // the config disables at start: a reload may enable them, and they must
    // then reach stage 2 like the rest.
    cascade_stage1_ = stage1_.info;
    for (uint32_t i = 0; i < cascade_stage1_.num_labels; ++i) {
      cascade_stage1_.keywords[i].is_keyword =
          stage1_.info.keywords[i].is_keyword || stage1_.base_info.keywords[i].is_keyword;
    }
    CascadeConfig cc;
    cc.stage1 = &cascade_stage1_;
    const FrontendConfig& fe = stage1_.info.frontend;
    // Rounded as kws-eval's --stage2-delay-ms, so both run the same cascade.
    cc.delay_frames = static_cast<uint32_t>(std::lround(std::max(
        0.0, static_cast<double>(s2.delay_ms) * fe.sample_rate / 1000.0 / fe.hop_samples)));
    if (s2.mode == config::Stage2Mode::kModel) {
      if (s2.model_path.empty()) return "stage2: mode model needs stage2.model.path";
      if (std::string err = read_model(s2.model_path, s2.sidecar, &stage2_); !err.empty()) {
        return "stage2: " + err;
      }
      if (std::string err = init_classifier(s2.model_path, false, &stage2_); !err.empty()) {
        return "stage2: " + err;
      }
      cc.mode = Stage2Mode::kModel;
      cc.stage2 = &stage2_.info;
    } else {
      if (verifier == nullptr) return "stage2: mode external needs a verifier (the exec hook)";
      cc.mode = Stage2Mode::kExternal;
    }
    size_t bytes = 0;
    const std::string what = s2.mode == config::Stage2Mode::kModel ? s2.model_path : "external";
    if (Status s = ModelCascade::needed_bytes(cc, &bytes); !s.ok()) {
      return "stage2: " + what + ": " + s.message();
    }
    cascade_mem_ = std::make_unique<AlignedBytes>(bytes);
    Classifier* classifier = cc.mode == Stage2Mode::kModel ? &stage2_.classifier : nullptr;
    if (Status s =
            cascade_.init(cc, classifier, verifier, cascade_mem_->data(), cascade_mem_->size());
        !s.ok()) {
      return "stage2: " + what + ": " + s.message();
    }
    if (s2.mode == config::Stage2Mode::kModel) {
      bool any = false;
      for (uint32_t i = 0; i < cascade_stage1_.num_labels; ++i) {
        any = any || (cascade_stage1_.keywords[i].is_keyword && cascade_.covers(i));
      }
      if (!any) {
        return "stage2: " + s2.model_path + ": decides none of the stage-1 keywords (stage-1 " +
               "labels: " + label_list(stage1_.info) +
               "; stage-2 labels: " + label_list(stage2_.info) + ")";
      }
    }
    base_thresholds_.assign(stage1_.info.num_labels, 0.0f);
    for (uint32_t i = 0; i < stage1_.info.num_labels; ++i) {
      base_thresholds_[i] = cascade_.threshold(i);
    }
    Result<std::vector<float>> t = stage2_thresholds(config);
    if (!t) return "stage2: " + t.error();
    apply_thresholds(*t);
    pipeline_.set_cascade_hook(&cascade_);
    return {};
  }

  // Loads openWakeWord heads (one backbone for all) into the pipeline.
  std::string load_oww(const std::vector<std::string>& heads, const config::Config* config) {
    Result<std::shared_ptr<const OwwModelSet>> set = OwwModelSet::load(heads);
    if (!set) return set.error();
    oww_ = std::move(*set);
    Result<std::unique_ptr<OwwStream>> stream = oww_->new_stream();
    if (!stream) return stream.error();
    oww_stream_ = std::move(*stream);
    LoadedModel& m = stage1_;
    m.base_info = oww_->info();
    m.info = m.base_info;
    m.origin = "openWakeWord (backbone " + oww_->backbone_path() + ", default threshold 0.5)";
    const std::string what = heads.size() == 1 ? heads.front() : heads.front() + ", ...";
    if (config != nullptr) {
      Result<ModelInfo> applied = config::apply_config(*config, m.base_info);
      if (!applied) return applied.error();
      if (!same_frontend(applied->frontend, m.base_info.frontend)) {
        return config->source +
               ": model.frontend: openWakeWord heads use openWakeWord's own "
               "front end; remove the overrides";
      }
      m.info = *applied;
      if (config->stage2.mode != config::Stage2Mode::kOff) {
        m.origin += "; stage 2 does not apply to openWakeWord heads: off";
      }
    }
    size_t bytes = 0;
    if (Status s = Pipeline::needed_bytes_oww(m.info, &bytes); !s.ok()) {
      return what + ": pipeline: " + s.message();
    }
    pipeline_mem_ = std::make_unique<AlignedBytes>(bytes);
    if (Status s = pipeline_.init_oww(m.info, &oww_stream_->frontend, pipeline_mem_->data(),
                                      pipeline_mem_->size());
        !s.ok()) {
      return what + ": pipeline: " + s.message();
    }
    return {};
  }

  LoadedModel stage1_;
  // openWakeWord heads instead of stage1_'s classifier, and their front end.
  std::shared_ptr<const OwwModelSet> oww_;
  std::unique_ptr<OwwStream> oww_stream_;
  std::unique_ptr<AlignedBytes> pipeline_mem_;
  Pipeline pipeline_;
  LoadedModel stage2_;
  config::Stage2Section stage2_cfg_;    // as loaded
  ModelInfo cascade_stage1_;            // stage 1 as the cascade sees it (see load_stage2)
  std::vector<float> base_thresholds_;  // stage 2's own, per stage-1 label
  std::unique_ptr<AlignedBytes> cascade_mem_;
  ModelCascade cascade_;
};

}  // namespace

std::vector<std::string> split_model_list(const std::string& models) {
  std::vector<std::string> out;
  std::error_code ec;
  if (std::filesystem::exists(models, ec)) return {models};
  size_t start = 0;
  while (true) {
    const size_t at = models.find(kModelListSeparator, start);
    out.push_back(models.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + std::strlen(kModelListSeparator);
  }
  return out;
}

std::string join_model_list(const std::vector<std::string>& models) {
  std::string out;
  for (const std::string& m : models) out += (out.empty() ? "" : kModelListSeparator) + m;
  return out;
}

Result<std::unique_ptr<ModelRuntime>> ModelRuntime::load(const std::string& model_path,
                                                         const std::string& sidecar,
                                                         const config::Config* config,
                                                         CandidateVerifier* verifier) {
  using R = Result<std::unique_ptr<ModelRuntime>>;
  auto rt = std::make_unique<Runtime>();
  LoadedModel& m = rt->stage1_;
  const std::vector<std::string> paths = split_model_list(model_path);
  // openWakeWord heads (one or several) are recognised by their input shape.
  if (is_oww_head_file(paths.front())) {
    if (std::string err = rt->load_oww(paths, config); !err.empty()) return R::failure(err);
    return R::success(std::move(rt));
  }
  if (paths.size() > 1) {
    return R::failure(paths.front() +
                      ": only openWakeWord heads can share one pipeline; give one kwsd model");
  }
  if (std::string err = read_model(model_path, sidecar, &m); !err.empty()) return R::failure(err);
  if (config != nullptr) {
    Result<ModelInfo> applied = config::apply_config(*config, m.base_info);
    if (!applied) return R::failure(applied.error());
    m.info = *applied;
  }
  if (std::string err = init_classifier(model_path, true, &m); !err.empty()) return R::failure(err);
  size_t bytes = 0;
  if (Status s = Pipeline::needed_bytes(m.info, &bytes); !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  rt->pipeline_mem_ = std::make_unique<AlignedBytes>(bytes);
  if (Status s = rt->pipeline_.init(m.info, &m.classifier, rt->pipeline_mem_->data(),
                                    rt->pipeline_mem_->size());
      !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  if (config != nullptr) {
    if (std::string err = rt->load_stage2(*config, verifier); !err.empty()) {
      return R::failure(err);
    }
  }
  return R::success(std::move(rt));
}

}  // namespace kws::daemon
