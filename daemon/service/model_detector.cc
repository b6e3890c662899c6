#include "daemon/service/model_detector.h"

#include "daemon/log.h"
#include "daemon/service/shipped_files.h"

namespace kws::daemon {
namespace {

Detection to_detection(const Event& event, const Pipeline& pipeline, const ModelInfo& info) {
  Detection d;
  d.keyword = event.keyword;
  d.score = event.score;
  d.stage = static_cast<int>(event.stage);
  d.sample_index = event.sample_index;
  d.stage2_score = event.stage2_score;
  d.decision_sample_index = event.decision_sample_index;
  // The latest step's smoothed scores: the firing step's unless stage 2
  // decided later.
  const float* smoothed = pipeline.smoothed_scores();
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    d.scores.emplace_back(info.labels[i], smoothed != nullptr ? smoothed[i] : 0.0f);
  }
  return d;
}

// Turns the pipeline's events into Detections.
class CollectingSink final : public EventSink {
 public:
  CollectingSink(const Pipeline& pipeline, const ModelInfo& info, std::vector<Detection>* out)
      : pipeline_(pipeline), info_(info), out_(out) {}

  void on_event(const Event& event) override {
    out_->push_back(to_detection(event, pipeline_, info_));
  }

 private:
  const Pipeline& pipeline_;
  const ModelInfo& info_;
  std::vector<Detection>* out_;
};

double seconds(uint64_t samples, const ModelInfo& info) {
  return static_cast<double>(samples) / info.frontend.sample_rate;
}

}  // namespace

config::Config with_stage2_default(const config::Config& config) {
  config::Config c = config;
  if (c.stage2.mode == config::Stage2Mode::kModel && c.stage2.model_path.empty()) {
    c.stage2.model_path = default_stage2_model_path();
  }
  return c;
}

Result<std::unique_ptr<Detector>> ModelDetector::load(const ServiceSettings& settings) {
  using R = Result<std::unique_ptr<Detector>>;
  const config::Config config = with_stage2_default(settings.config);
  std::unique_ptr<ModelDetector> det(new ModelDetector());
  Result<std::unique_ptr<ModelRuntime>> rt =
      ModelRuntime::load(settings.model_path, config.model.sidecar, &config, det.get());
  if (!rt) {
    const bool stage2 = rt.error().rfind("stage2: ", 0) == 0;
    if (stage2) {
      return R::failure(rt.error() + (settings.config.stage2.model_path.empty() &&
                                              config.stage2.mode == config::Stage2Mode::kModel
                                          ? " (the shipped stage-2 model; set stage2.model.path)"
                                          : ""));
    }
    return R::failure("model: " + rt.error() +
                      (settings.config.model.path.empty()
                           ? " (the shipped default model; set model.path or pass --model)"
                           : ""));
  }
  det->runtime_ = std::move(*rt);
  const ModelInfo& info = det->runtime_->info();
  std::string keywords;
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    if (!info.keywords[i].is_keyword) continue;
    keywords += (keywords.empty() ? "" : ", ") + std::string(info.labels[i]);
  }
  kws::log::info("model: {} (keywords: {}; {} Hz, {} frames x {} features; described by {})",
                 settings.model_path, keywords, info.frontend.sample_rate, info.window_frames,
                 info.frontend.feature_dim(), det->runtime_->info_origin());
  if (ModelCascade* cascade = det->runtime_->cascade()) {
    cascade->set_observer(det.get());
    const double delay_ms =
        cascade->delay_frames() * info.frontend.hop_samples * 1000.0 / info.frontend.sample_rate;
    if (const ModelInfo* s2 = det->runtime_->stage2_info()) {
      std::string thresholds;
      for (uint32_t i = 0; i < info.num_labels; ++i) {
        if (info.keywords[i].is_keyword && !cascade->covers(i)) {
          kws::log::warn("stage 2: {} has no label '{}'; stage 1 alone decides it",
                         config.stage2.model_path, info.labels[i]);
        }
        if (!cascade->covers(i)) continue;
        thresholds += fmt::format("{}{} {:.3f}", thresholds.empty() ? "" : ", ", info.labels[i],
                                  cascade->threshold(i));
      }
      kws::log::info(
          "stage 2: model {} ({} frames, decides {:.0f} ms after the trigger; thresholds: {}; "
          "described by {})",
          config.stage2.model_path, s2->window_frames, delay_ms,
          thresholds.empty() ? "none (no stage-1 keyword is a stage-2 label)" : thresholds,
          det->runtime_->stage2_origin());
    } else {
      kws::log::info(
          "stage 2: external verifier '{}' (decides {:.0f} ms after the trigger, {} ms "
          "timeout)",
          config.stage2.external.argv.front(), delay_ms, config.stage2.external.timeout_ms);
    }
  }
  return R::success(std::unique_ptr<Detector>(det.release()));
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
  out_ = out;
  Status s = pipeline.push(samples, n, &sink);
  out_ = nullptr;
  return s.ok() ? std::string() : s.message();
}

std::string ModelDetector::flush(std::vector<Detection>* out) {
  CollectingSink sink(runtime_->pipeline(), runtime_->info(), out);
  out_ = out;
  Status s = runtime_->flush(&sink);
  out_ = nullptr;
  return s.ok() ? std::string() : s.message();
}

Status ModelDetector::verify(const Candidate& candidate, Verdict* verdict, float* score) {
  *score = -1.0f;
  if (out_ == nullptr) {  // not inside process()/flush(): nobody to hand it to
    *verdict = Verdict::kReject;
    return Status::Ok();
  }
  Detection d = to_detection(*candidate.event, runtime_->pipeline(), runtime_->info());
  d.stage = 2;
  d.decision_sample_index = candidate.window_end_sample;
  d.needs_verification = true;
  out_->push_back(std::move(d));
  *verdict = Verdict::kPending;
  return Status::Ok();
}

void ModelDetector::on_decision(const Event& event, bool accepted) {
  const ModelInfo& info = runtime_->info();
  const ModelCascade* cascade = runtime_->cascade();
  const float t = cascade != nullptr ? cascade->threshold(event.label_index) : 0.0f;
  if (accepted) {
    kws::log::debug(
        "stage 2: confirmed '{}' at {:.3f} s (stage 1 {:.3f}, stage 2 {:.3f} >= {:.3f})",
        event.keyword, event.time_s, event.score, event.stage2_score, t);
  } else {
    kws::log::info(
        "stage 2: rejected '{}' at {:.3f} s (stage 1 {:.3f}, stage 2 {:.3f} < {:.3f}; "
        "decided at {:.3f} s)",
        event.keyword, event.time_s, event.score, event.stage2_score, t,
        seconds(event.decision_sample_index, info));
  }
}

Result<std::string> ModelDetector::apply_config(const config::Config& config) {
  const ModelInfo before = runtime_->info();
  const ModelCascade* cascade = runtime_->cascade();
  std::vector<float> t2_before;
  for (uint32_t i = 0; i < before.num_labels; ++i) {
    t2_before.push_back(cascade != nullptr ? cascade->threshold(i) : 0.0f);
  }
  Result<std::string> note = runtime_->retune(with_stage2_default(config));
  if (!note) return note;
  const ModelInfo& after = runtime_->info();
  for (uint32_t i = 0; i < after.num_labels; ++i) {
    const KeywordParams& a = before.keywords[i];
    const KeywordParams& b = after.keywords[i];
    if (a.is_keyword != b.is_keyword || a.threshold != b.threshold || a.min_count != b.min_count ||
        a.refractory_ms != b.refractory_ms) {
      kws::log::info("keyword '{}': {}threshold {:.3f}, min_count {}, refractory {} ms",
                     after.labels[i], b.is_keyword ? "" : "disabled, ", b.threshold, b.min_count,
                     b.refractory_ms);
    }
    if (cascade != nullptr && cascade->covers(i) && runtime_->stage2_info() != nullptr &&
        cascade->threshold(i) != t2_before[i]) {
      kws::log::info("keyword '{}': stage-2 threshold {:.3f}", after.labels[i],
                     cascade->threshold(i));
    }
  }
  return note;
}

std::vector<std::pair<std::string, float>> ModelDetector::keywords() const {
  const ModelInfo& info = runtime_->info();
  std::vector<std::pair<std::string, float>> out;
  for (uint32_t i = 0; i < info.num_labels; ++i) {
    if (info.keywords[i].is_keyword) out.emplace_back(info.labels[i], info.keywords[i].threshold);
  }
  return out;
}

}  // namespace kws::daemon
