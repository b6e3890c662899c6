#include "daemon/model/model_runtime.h"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>
#include <vector>

#include "config/sidecar.h"
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

class Runtime final : public ModelRuntime {
 public:
  const ModelInfo& info() const override { return info_; }
  Pipeline& pipeline() override { return pipeline_; }
  const std::string& info_origin() const override { return origin_; }

  Result<std::string> retune(const config::Config& config) override {
    Result<ModelInfo> next = config::apply_config(config, base_info_);
    if (!next) return Result<std::string>::failure(next.error());
    std::string note;
    if (!same_frontend(next->frontend, info_.frontend) ||
        next->window_frames != info_.window_frames || next->stride_frames != info_.stride_frames) {
      note = "model.frontend changes need a restart; ignored";
    }
    if (next->smoothing_frames != info_.smoothing_frames) {
      note += std::string(note.empty() ? "" : "; ") +
              "stage1.smoothing_frames changes need a restart; ignored";
    }
    // Validated as a whole by apply_config, so no label can fail half way.
    for (uint32_t i = 0; i < info_.num_labels; ++i) {
      if (Status s = pipeline_.set_keyword_params(i, next->keywords[i]); !s.ok()) {
        return Result<std::string>::failure(config.source + ": " + s.message());
      }
      info_.keywords[i] = next->keywords[i];
    }
    return Result<std::string>::success(note);
  }

  std::vector<uint8_t> model_bytes_;
  nn::TfliteModel model_;
  ModelInfo base_info_;  // metadata or sidecar, before kwsd.yaml
  ModelInfo info_;       // what runs; the pipeline points into it
  std::string origin_;
  std::unique_ptr<AlignedBytes> arena_;
  ModelClassifier classifier_;
  std::unique_ptr<AlignedBytes> pipeline_mem_;
  Pipeline pipeline_;
};

}  // namespace

Result<std::unique_ptr<ModelRuntime>> ModelRuntime::load(const std::string& model_path,
                                                         const std::string& sidecar,
                                                         const config::Config* config) {
  using R = Result<std::unique_ptr<ModelRuntime>>;
  auto rt = std::make_unique<Runtime>();
  std::ifstream in(model_path, std::ios::binary);
  if (!in) {
    return R::failure(model_path + ": cannot open model file: " + std::strerror(errno));
  }
  rt->model_bytes_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (Status s = rt->model_.parse(rt->model_bytes_.data(), rt->model_bytes_.size()); !s.ok()) {
    return R::failure(model_path + ": " + s.message());
  }
  const uint8_t* meta = nullptr;
  size_t meta_size = 0;
  std::string_view embedded;
  if (rt->model_.metadata("kwsd", &meta, &meta_size)) {
    embedded = std::string_view(reinterpret_cast<const char*>(meta), meta_size);
  }
  Result<config::ResolvedModelInfo> resolved =
      config::resolve_model_info(model_path, embedded, sidecar);
  if (!resolved) return R::failure(resolved.error());
  rt->base_info_ = resolved->info;
  rt->info_ = resolved->info;
  rt->origin_ = resolved->origin;
  if (config != nullptr) {
    Result<ModelInfo> applied = config::apply_config(*config, rt->base_info_);
    if (!applied) return R::failure(applied.error());
    rt->info_ = *applied;
  }
  size_t bytes = 0;
  if (Status s = ModelClassifier::needed_bytes(rt->model_, &bytes); !s.ok()) {
    return R::failure(model_path + ": " + s.message());
  }
  rt->arena_ = std::make_unique<AlignedBytes>(bytes);
  if (Status s =
          rt->classifier_.init(rt->model_, rt->info_, rt->arena_->data(), rt->arena_->size());
      !s.ok()) {
    return R::failure(model_path + ": " + s.message());
  }
  if (Status s = Pipeline::needed_bytes(rt->info_, &bytes); !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  rt->pipeline_mem_ = std::make_unique<AlignedBytes>(bytes);
  if (Status s = rt->pipeline_.init(rt->info_, &rt->classifier_, rt->pipeline_mem_->data(),
                                    rt->pipeline_mem_->size());
      !s.ok()) {
    return R::failure(model_path + ": pipeline: " + s.message());
  }
  return R::success(std::move(rt));
}

}  // namespace kws::daemon
