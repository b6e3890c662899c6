#include "daemon/wyoming/wake_model.h"

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
  return finish(std::move(m), &config);
}

Result<std::shared_ptr<const WakeModel>> WakeModel::finish(std::shared_ptr<WakeModel> m,
                                                           const config::Config* config) {
  using R = Result<std::shared_ptr<const WakeModel>>;
  const std::string& path = m->path_;
  if (m->oww_ != nullptr) {
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
  std::shared_ptr<const WakeModel> shared = m;
  // One trial instance: model/description mismatches surface now.
  if (auto trial = ModelInstance::create(shared); !trial) return R::failure(trial.error());
  return R::success(std::move(shared));
}

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
  return R::success(std::move(inst));
}

std::string ModelInstance::push(const int16_t* samples, size_t n, std::vector<Hit>* out) {
  HitCollector sink(out);
  if (Status s = pipeline_.push(samples, n, &sink); !s.ok()) {
    return model_->path() + ": " + s.message();
  }
  return "";
}

}  // namespace kws::wyoming
