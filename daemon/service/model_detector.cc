#include "daemon/service/model_detector.h"

#include <spdlog/spdlog.h>

namespace kws::daemon {
namespace {

// Turns the pipeline's events into Detections with every label's smoothed
// score at the firing step.
class CollectingSink final : public EventSink {
 public:
  CollectingSink(const Pipeline& pipeline, const ModelInfo& info, std::vector<Detection>* out)
      : pipeline_(pipeline), info_(info), out_(out) {}

  void on_event(const Event& event) override {
    Detection d;
    d.keyword = event.keyword;
    d.score = event.score;
    d.stage = static_cast<int>(event.stage);
    d.sample_index = event.sample_index;
    const float* smoothed = pipeline_.smoothed_scores();
    for (uint32_t i = 0; i < info_.num_labels; ++i) {
      d.scores.emplace_back(info_.labels[i], smoothed != nullptr ? smoothed[i] : 0.0f);
    }
    out_->push_back(std::move(d));
  }

 private:
  const Pipeline& pipeline_;
  const ModelInfo& info_;
  std::vector<Detection>* out_;
};

}  // namespace

Result<std::unique_ptr<Detector>> ModelDetector::load(const ServiceSettings& settings) {
  using R = Result<std::unique_ptr<Detector>>;
  Result<std::unique_ptr<ModelRuntime>> rt =
      ModelRuntime::load(settings.model_path, settings.config.model.sidecar, &settings.config);
  if (!rt) {
    return R::failure("model: " + rt.error() +
                      (settings.config.model.path.empty()
                           ? " (the shipped default model; set model.path or pass --model)"
                           : ""));
  }
  const ModelInfo& info = (*rt)->info();
  std::string keywords;
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    if (!info.keywords[i].is_keyword) continue;
    keywords += (keywords.empty() ? "" : ", ") + std::string(info.labels[i]);
  }
  spdlog::info("model: {} (keywords: {}; {} Hz, {} frames x {} features; described by {})",
               settings.model_path, keywords, info.frontend.sample_rate, info.window_frames,
               info.frontend.feature_dim(), (*rt)->info_origin());
  return R::success(std::unique_ptr<Detector>(new ModelDetector(std::move(*rt))));
}

uint32_t ModelDetector::sample_rate() const { return runtime_->info().frontend.sample_rate; }

size_t ModelDetector::keyword_samples() const {
  // The audio the model's input window spans: (frames - 1) hops + one window.
  const ModelInfo& info = runtime_->info();
  return static_cast<size_t>(info.window_frames - 1) * info.frontend.hop_samples +
         info.frontend.window_samples;
}

std::string ModelDetector::process(const int16_t* samples, size_t n, std::vector<Detection>* out) {
  Pipeline& pipeline = runtime_->pipeline();
  CollectingSink sink(pipeline, runtime_->info(), out);
  Status s = pipeline.push(samples, n, &sink);
  return s.ok() ? std::string() : s.message();
}

Result<std::string> ModelDetector::apply_config(const config::Config& config) {
  const ModelInfo before = runtime_->info();
  Result<std::string> note = runtime_->retune(config);
  if (!note) return note;
  const ModelInfo& after = runtime_->info();
  for (uint32_t i = 0; i < after.num_labels; ++i) {
    const KeywordParams& a = before.keywords[i];
    const KeywordParams& b = after.keywords[i];
    if (a.is_keyword == b.is_keyword && a.threshold == b.threshold && a.min_count == b.min_count &&
        a.refractory_ms == b.refractory_ms) {
      continue;
    }
    spdlog::info("keyword '{}': {}threshold {:.3f}, min_count {}, refractory {} ms",
                 after.labels[i], b.is_keyword ? "" : "disabled, ", b.threshold, b.min_count,
                 b.refractory_ms);
  }
  return note;
}

}  // namespace kws::daemon
