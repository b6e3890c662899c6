#include "tools/eval/loaded_model.h"

#include <ctime>
#include <fstream>
#include <iterator>
#include <string_view>

#include "config/sidecar.h"
#include "daemon/model/model_runtime.h"

namespace kws::eval {

Result<std::shared_ptr<const LoadedModel>> load_model(const std::string& path,
                                                      const std::string& sidecar,
                                                      const config::Config* config) {
  using R = Result<std::shared_ptr<const LoadedModel>>;
  auto m = std::make_shared<LoadedModel>();
  m->path = path;
  const std::vector<std::string> paths = daemon::split_model_list(path);
  if (paths.size() > 1 || daemon::is_oww_head_file(paths.front())) {
    Result<std::shared_ptr<const daemon::OwwModelSet>> set = daemon::OwwModelSet::load(paths);
    if (!set) return R::failure(set.error());
    m->oww = std::move(*set);
    m->info = m->oww->info();
    m->origin = "openWakeWord, backbone " + m->oww->backbone_path();
    if (config != nullptr) {
      Result<ModelInfo> applied = config::apply_config(*config, m->info);
      if (!applied) return R::failure(applied.error());
      m->info = *applied;
    }
    return R::success(std::move(m));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return R::failure(path + ": cannot open model file");
  m->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (Status s = m->model.parse(m->bytes.data(), m->bytes.size()); !s.ok()) {
    return R::failure(path + ": " + s.message());
  }
  Result<config::ResolvedModelInfo> resolved = config::resolve_model_info(path, m->model, sidecar);
  if (!resolved) return R::failure(resolved.error());
  m->info = resolved->info;
  m->origin = resolved->origin;
  if (config != nullptr) {
    Result<ModelInfo> applied = config::apply_config(*config, m->info);
    if (!applied) return R::failure(applied.error());
    m->info = *applied;
  }
  if (Status s = ModelClassifier::needed_bytes(m->model, &m->arena_bytes); !s.ok()) {
    return R::failure(path + ": " + s.message());
  }
  return R::success(std::move(m));
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

Result<std::unique_ptr<ClassifierInstance>> ClassifierInstance::create(
    std::shared_ptr<const LoadedModel> model, bool sliding) {
  using R = Result<std::unique_ptr<ClassifierInstance>>;
  std::unique_ptr<ClassifierInstance> c(new ClassifierInstance());
  c->model_ = std::move(model);
  const uint32_t stride = sliding ? c->model_->info.stride_frames : 0;
  size_t bytes = c->model_->arena_bytes;
  if (Status s = ModelClassifier::needed_bytes(c->model_->model, &bytes, stride); !s.ok()) {
    return R::failure(c->model_->path + ": " + s.message());
  }
  c->arena_.resize(bytes / sizeof(std::max_align_t) + 1);
  if (Status s =
          c->classifier_.init(c->model_->model, c->model_->info, c->arena_.data(), bytes, stride);
      !s.ok()) {
    return R::failure(c->model_->path + ": " + s.message());
  }
  return R::success(std::move(c));
}

Status ClassifierInstance::classify(const int8_t* features, size_t n, float* probs,
                                    size_t num_labels) {
  const double t0 = thread_cpu_seconds();
  Status s = classifier_.classify(features, n, probs, num_labels);
  cpu_seconds_ += thread_cpu_seconds() - t0;
  ++calls_;
  return s;
}

}  // namespace kws::eval
