#include "daemon/wyoming/wake_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <string_view>

#include "config/sidecar.h"
#include "daemon/model/model_runtime.h"
#include "pipeline/memory_carver.h"

namespace kws::wyoming {

namespace {

static_assert(alignof(std::max_align_t) >= kMemoryAlignment);

size_t words_for(size_t bytes) {
  return (bytes + sizeof(std::max_align_t) - 1) / sizeof(std::max_align_t);
}

class HitCollector final : public EventSink {
 public:
  explicit HitCollector(std::vector<Hit>* out) : out_(out) {}
  void on_event(const kws::Event& event) override {
    out_->push_back(
        Hit{event.keyword != nullptr ? event.keyword : "", event.score, event.sample_index});
  }

 private:
  std::vector<Hit>* out_;
};

}  // namespace

Result<std::shared_ptr<const WakeModel>> WakeModel::load(const std::string& path,
                                                         const std::string& sidecar,
                                                         const config::Config* config) {
  using R = Result<std::shared_ptr<const WakeModel>>;
  std::shared_ptr<WakeModel> m(new WakeModel());
  m->path_ = path;
  const std::vector<std::string> paths = daemon::split_model_list(path);
  if (paths.size() > 1 || daemon::is_oww_head_file(paths.front())) {
    Result<std::shared_ptr<const daemon::OwwModelSet>> set = daemon::OwwModelSet::load(paths);
    if (!set) return R::failure(set.error());
    m->oww_ = std::move(*set);
    m->base_info_ = m->oww_->info();
    m->origin_ = "openWakeWord, backbone " + m->oww_->backbone_path();
    return finish(std::move(m), config);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path + ": cannot open model file");
  m->bytes_ = std::make_shared<const std::vector<uint8_t>>(std::istreambuf_iterator<char>(in),
                                                           std::istreambuf_iterator<char>());
  if (Status s = m->tflite_.parse(m->bytes_->data(), m->bytes_->size()); !s.ok()) {
    return R::failure(path + ": " + s.message());
  }
  Result<config::ResolvedModelInfo> resolved =
      config::resolve_model_info(path, m->tflite_, sidecar);
  if (!resolved) return R::failure(resolved.error());
  m->base_info_ = resolved->info;
  m->origin_ = resolved->origin;
  return finish(std::move(m), config);
}

Result<std::shared_ptr<const WakeModel>> WakeModel::with_config(
    const config::Config& config) const {
  std::shared_ptr<WakeModel> m(new WakeModel());
  m->path_ = path_;
  m->oww_ = oww_;
  m->bytes_ = bytes_;
  m->base_info_ = base_info_;
  m->origin_ = origin_;
  m->stage2_ = stage2_;  // reused when the config names the same stage-2 model
  return finish(std::move(m), &config);
}

Result<std::shared_ptr<const WakeModel>> WakeModel::finish(std::shared_ptr<WakeModel> m,
                                                           const config::Config* config) {
  using R = Result<std::shared_ptr<const WakeModel>>;
  const std::string& path = m->path_;
  if (m->oww_ != nullptr) {
    m->stage2_.reset();  // stage 2 does not apply to openWakeWord heads
    m->info_ = m->base_info_;
    if (config != nullptr) {
      Result<ModelInfo> applied = config::apply_config(*config, m->base_info_);
      if (!applied) return R::failure(applied.error());
      m->info_ = *applied;
    }
    m->classifier_bytes_ = m->oww_->stream_bytes();
    if (Status s = Pipeline::needed_bytes_oww(m->info_, &m->pipeline_bytes_); !s.ok()) {
      return R::failure(path + ": pipeline: " + s.message());
    }
    std::shared_ptr<const WakeModel> shared = m;
    if (auto trial = ModelInstance::create(shared); !trial) return R::failure(trial.error());
    return R::success(std::move(shared));
  }
  if (!m->tflite_.parsed()) {
    if (Status s = m->tflite_.parse(m->bytes_->data(), m->bytes_->size()); !s.ok()) {
      return R::failure(path + ": " + s.message());
    }
  }
  m->info_ = m->base_info_;
  if (config != nullptr) {
    Result<ModelInfo> applied = config::apply_config(*config, m->base_info_);
    if (!applied) return R::failure(applied.error());
    m->info_ = *applied;
  }
  if (Status s =
          ModelClassifier::needed_bytes(m->tflite_, &m->classifier_bytes_, m->info_.stride_frames);
      !s.ok()) {
    return R::failure(path + ": " + s.message());
  }
  if (Status s = Pipeline::needed_bytes(m->info_, &m->pipeline_bytes_); !s.ok()) {
    return R::failure(path + ": pipeline: " + s.message());
  }
  if (std::string e = plan_stage2(m.get(), config); !e.empty()) return R::failure(e);
  std::shared_ptr<const WakeModel> shared = m;
  // One trial instance: model/description mismatches surface now.
  if (auto trial = ModelInstance::create(shared); !trial) return R::failure(trial.error());
  return R::success(std::move(shared));
}

std::string WakeModel::plan_stage2(WakeModel* m, const config::Config* config) {
  if (config == nullptr || config->stage2.mode != config::Stage2Mode::kModel) {
    m->stage2_.reset();
    return "";
  }
  const config::Stage2Section& s2 = config->stage2;
  if (s2.model_path.empty()) return "stage2: mode model needs stage2.model.path";
  if (m->stage2_ == nullptr || m->stage2_->path != s2.model_path ||
      m->stage2_->sidecar != s2.sidecar) {
    auto loaded = std::make_shared<Stage2>();
    loaded->path = s2.model_path;
    loaded->sidecar = s2.sidecar;
    std::ifstream in(s2.model_path, std::ios::binary);
    if (!in) return "stage2: " + s2.model_path + ": cannot open model file";
    loaded->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (Status st = loaded->tflite.parse(loaded->bytes.data(), loaded->bytes.size()); !st.ok()) {
      return "stage2: " + s2.model_path + ": " + st.message();
    }
    auto resolved = config::resolve_model_info(s2.model_path, loaded->tflite, s2.sidecar);
    if (!resolved) return "stage2: " + resolved.error();
    loaded->info = resolved->info;
    m->stage2_ = std::move(loaded);
  }
  const Stage2& st2 = *m->stage2_;
  // Stage 2 covers every label the model calls a keyword, also those the config
  // disables (as the daemon's cascade, daemon/model).
  m->cascade_stage1_ = m->info_;
  for (uint32_t i = 0; i < m->info_.num_labels; ++i) {
    m->cascade_stage1_.keywords[i].is_keyword =
        m->info_.keywords[i].is_keyword || m->base_info_.keywords[i].is_keyword;
  }
  const FrontendConfig& fe = m->info_.frontend;
  // Rounded as kws-eval's --stage2-delay-ms and the daemon's cascade.
  m->stage2_delay_frames_ = static_cast<uint32_t>(std::lround(
      std::max(0.0, static_cast<double>(s2.delay_ms) * fe.sample_rate / 1000.0 / fe.hop_samples)));
  if (Status st = ModelClassifier::needed_bytes(st2.tflite, &m->stage2_classifier_bytes_, 0);
      !st.ok()) {
    return "stage2: " + st2.path + ": " + st.message();
  }
  CascadeConfig cc = m->cascade_config();
  if (Status st = ModelCascade::needed_bytes(cc, &m->cascade_bytes_); !st.ok()) {
    return "stage2: " + st2.path + ": " + st.message();
  }
  // Thresholds: the stage-2 model's for its labels, then stage2.keywords.
  m->stage2_thresholds_.assign(m->info_.num_labels, -1.0f);
  for (uint32_t i = 0; i < m->info_.num_labels; ++i) {
    const int j = st2.info.label_index(m->info_.labels[i]);
    if (m->cascade_stage1_.keywords[i].is_keyword && j >= 0) {
      m->stage2_thresholds_[i] = st2.info.keywords[j].threshold;
    }
  }
  for (const auto& [name, k] : s2.keywords) {
    const int i = m->info_.label_index(name.c_str());
    if (i < 0 || m->stage2_thresholds_[static_cast<size_t>(i)] < 0.0f) {
      return k.where + ": stage2.keywords." + name + ": stage 2 (" + st2.path +
             ") does not decide this label of " + m->path_;
    }
    if (k.threshold) m->stage2_thresholds_[static_cast<size_t>(i)] = *k.threshold;
  }
  if (std::none_of(m->stage2_thresholds_.begin(), m->stage2_thresholds_.end(),
                   [](float t) { return t >= 0.0f; })) {
    return "stage2: " + st2.path + ": decides none of the keywords of " + m->path_;
  }
  return "";
}

CascadeConfig WakeModel::cascade_config() const {
  CascadeConfig cc;
  cc.mode = Stage2Mode::kModel;
  cc.stage1 = &cascade_stage1_;
  cc.stage2 = &stage2_->info;
  cc.delay_frames = stage2_delay_frames_;
  return cc;
}

std::string WakeModel::stage2_path() const { return stage2_ ? stage2_->path : ""; }

std::vector<std::string> WakeModel::keywords() const {
  std::vector<std::string> out;
  for (uint32_t i = 0; i < info_.num_labels; ++i) {
    if (info_.keywords[i].is_keyword) out.emplace_back(info_.labels[i]);
  }
  return out;
}

Result<std::unique_ptr<ModelInstance>> ModelInstance::create(
    std::shared_ptr<const WakeModel> model) {
  using R = Result<std::unique_ptr<ModelInstance>>;
  std::unique_ptr<ModelInstance> inst(new ModelInstance(std::move(model)));
  const WakeModel& m = *inst->model_;
  inst->pipeline_arena_.resize(words_for(m.pipeline_bytes_));
  if (m.oww_ != nullptr) {
    Result<std::unique_ptr<daemon::OwwStream>> stream = m.oww_->new_stream();
    if (!stream) return R::failure(stream.error());
    inst->oww_stream_ = std::move(*stream);
    if (Status s = inst->pipeline_.init_oww(m.info_, &inst->oww_stream_->frontend,
                                            inst->pipeline_arena_.data(), m.pipeline_bytes_);
        !s.ok()) {
      return R::failure(m.path_ + ": pipeline: " + s.message());
    }
    return R::success(std::move(inst));
  }
  inst->classifier_arena_.resize(words_for(m.classifier_bytes_));
  if (Status s = inst->classifier_.init(m.tflite_, m.info_, inst->classifier_arena_.data(),
                                        m.classifier_bytes_, m.info_.stride_frames);
      !s.ok()) {
    return R::failure(m.path_ + ": " + s.message());
  }
  if (Status s = inst->pipeline_.init(m.info_, &inst->classifier_, inst->pipeline_arena_.data(),
                                      m.pipeline_bytes_);
      !s.ok()) {
    return R::failure(m.path_ + ": pipeline: " + s.message());
  }
  if (m.stage2_ != nullptr) {
    const std::string& p2 = m.stage2_->path;
    inst->stage2_arena_.resize(words_for(m.stage2_classifier_bytes_));
    inst->cascade_arena_.resize(words_for(m.cascade_bytes_));
    if (Status s = inst->stage2_classifier_.init(m.stage2_->tflite, m.stage2_->info,
                                                 inst->stage2_arena_.data(),
                                                 m.stage2_classifier_bytes_, 0);
        !s.ok()) {
      return R::failure("stage2: " + p2 + ": " + s.message());
    }
    const CascadeConfig cc = m.cascade_config();
    if (Status s = inst->cascade_.init(cc, &inst->stage2_classifier_, nullptr,
                                       inst->cascade_arena_.data(), m.cascade_bytes_);
        !s.ok()) {
      return R::failure("stage2: " + p2 + ": " + s.message());
    }
    for (uint32_t i = 0; i < m.stage2_thresholds_.size(); ++i) {
      if (m.stage2_thresholds_[i] >= 0.0f && inst->cascade_.covers(i)) {
        if (Status s = inst->cascade_.set_threshold(i, m.stage2_thresholds_[i]); !s.ok()) {
          return R::failure("stage2: " + p2 + ": " + s.message());
        }
      }
    }
    inst->pipeline_.set_cascade_hook(&inst->cascade_);
  }
  return R::success(std::move(inst));
}

std::string ModelInstance::flush(std::vector<Hit>* out) {
  if (model_->stage2_ == nullptr) return "";
  HitCollector sink(out);
  if (Status s = cascade_.flush(&sink); !s.ok()) return model_->path() + ": " + s.message();
  return "";
}

std::string ModelInstance::push(const int16_t* samples, size_t n, std::vector<Hit>* out) {
  HitCollector sink(out);
  if (Status s = pipeline_.push(samples, n, &sink); !s.ok()) {
    return model_->path() + ": " + s.message();
  }
  return "";
}

}  // namespace kws::wyoming
