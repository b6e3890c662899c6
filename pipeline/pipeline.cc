#include "pipeline/pipeline.h"

#include "pipeline/memory_carver.h"

// Compile-time front-end selection: an image for one model links only the
// front end that model's features need (the firmware sets these from its
// model, firmware/CMakeLists.txt). A model whose features are not built in is
// refused by needed_bytes/init. Both default to 1 (the host has both).
#ifndef KWS_PIPELINE_FLOAT_FRONTEND
#define KWS_PIPELINE_FLOAT_FRONTEND 1  // features mfcc and logmel (Frontend)
#endif
#ifndef KWS_PIPELINE_MICRO_FRONTEND
#define KWS_PIPELINE_MICRO_FRONTEND 1  // features micro (MicroFrontend)
#endif

namespace kws {

struct Pipeline::Layout {
  void* framer = nullptr;
  size_t framer_bytes = 0;
  void* frontend = nullptr;
  size_t frontend_bytes = 0;
  void* window = nullptr;
  size_t window_bytes = 0;
  void* smoother = nullptr;
  size_t smoother_bytes = 0;
  void* trigger = nullptr;
  size_t trigger_bytes = 0;
  int8_t* frame_features = nullptr;
  float* raw = nullptr;
  float* smoothed = nullptr;
  Trigger::Decision* decisions = nullptr;
};

namespace {

constexpr bool kFloatFrontend = KWS_PIPELINE_FLOAT_FRONTEND != 0;
constexpr bool kMicroFrontend = KWS_PIPELINE_MICRO_FRONTEND != 0;

Status frontend_not_built(const FrontendConfig& f) {
  return Status::Error(StatusCode::kUnsupported,
                       "pipeline: features '%s' are not built into this runtime",
                       f.features == FeatureType::kMfcc     ? "mfcc"
                       : f.features == FeatureType::kLogMel ? "logmel"
                                                            : "micro");
}

FramerConfig framer_config(const ModelInfo& info) {
  FramerConfig c;
  c.window_samples = info.frontend.window_samples;
  c.hop_samples = info.frontend.hop_samples;
  return c;
}

FeatureWindowConfig window_config(const ModelInfo& info) {
  FeatureWindowConfig c;
  c.feature_dim = info.frontend.feature_dim();
  c.window_frames = info.window_frames;
  c.stride_frames = info.stride_frames;
  return c;
}

SmootherConfig smoother_config(const ModelInfo& info) {
  SmootherConfig c;
  c.num_labels = info.num_labels;
  c.smoothing_frames = info.smoothing_frames;
  return c;
}

TriggerConfig trigger_config(const ModelInfo& info) {
  TriggerConfig c;
  c.num_labels = info.num_labels;
  c.sample_rate = info.frontend.sample_rate;
  c.params = info.keywords;
  return c;
}

}  // namespace

Status Pipeline::layout(const ModelInfo& info, bool use_external_fft,
                        const FrontendTables* frontend_tables, bool oww, void* mem, size_t len,
                        size_t* used, Layout* out) {
  KWS_RETURN_IF_ERROR(validate_model_info(info));
  Layout l;
  if (oww) {
    // The openWakeWord front end brings its own framing, features and window.
  } else if (info.frontend.features == FeatureType::kMicro) {
    if (frontend_tables != nullptr) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "pipeline: precomputed front-end tables are for the float front end, "
                           "not features 'micro'");
    }
    if constexpr (kMicroFrontend) {
      KWS_RETURN_IF_ERROR(MicroFrontend::needed_bytes(info.frontend, &l.frontend_bytes));
    } else {
      return frontend_not_built(info.frontend);
    }
  } else {
    if constexpr (kFloatFrontend) {
      KWS_RETURN_IF_ERROR(Frontend::needed_bytes(info.frontend, use_external_fft, &l.frontend_bytes,
                                                 frontend_tables));
    } else {
      return frontend_not_built(info.frontend);
    }
  }
  if (!oww) {
    KWS_RETURN_IF_ERROR(Framer::needed_bytes(framer_config(info), &l.framer_bytes));
    KWS_RETURN_IF_ERROR(FeatureWindow::needed_bytes(window_config(info), &l.window_bytes));
  }
  KWS_RETURN_IF_ERROR(PosteriorSmoother::needed_bytes(smoother_config(info), &l.smoother_bytes));
  KWS_RETURN_IF_ERROR(Trigger::needed_bytes(trigger_config(info), &l.trigger_bytes));
  MemoryCarver carver(mem, len);
  l.framer = carver.take_bytes(l.framer_bytes, kMemoryAlignment);
  l.frontend = carver.take_bytes(l.frontend_bytes, kMemoryAlignment);
  l.window = carver.take_bytes(l.window_bytes, kMemoryAlignment);
  l.smoother = carver.take_bytes(l.smoother_bytes, kMemoryAlignment);
  l.trigger = carver.take_bytes(l.trigger_bytes, kMemoryAlignment);
  l.frame_features = oww ? nullptr : carver.take<int8_t>(info.frontend.feature_dim());
  l.raw = carver.take<float>(info.num_labels);
  l.smoothed = carver.take<float>(info.num_labels);
  l.decisions = carver.take<Trigger::Decision>(info.num_labels);
  *used = carver.used();
  if (mem != nullptr && !carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "pipeline: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  if (out != nullptr) *out = l;
  return Status::Ok();
}

Status Pipeline::needed_bytes(const ModelInfo& info, size_t* bytes, bool use_external_fft,
                              const FrontendTables* frontend_tables) {
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "pipeline: bytes is null");
  return layout(info, use_external_fft, frontend_tables, false, nullptr, 0, bytes, nullptr);
}

Status Pipeline::needed_bytes_oww(const ModelInfo& info, size_t* bytes) {
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "pipeline: bytes is null");
  return layout(info, false, nullptr, true, nullptr, 0, bytes, nullptr);
}

Status Pipeline::init(const ModelInfo& info, Classifier* classifier, void* mem, size_t len,
                      RealFft* fft_override, const FrontendTables* frontend_tables) {
  ready_ = false;
  if (classifier == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "pipeline: classifier is null");
  }
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "pipeline: memory is null or not %zu-byte aligned", kMemoryAlignment);
  }
  Layout l;
  size_t used = 0;
  KWS_RETURN_IF_ERROR(
      layout(info, fft_override != nullptr, frontend_tables, false, mem, len, &used, &l));
  oww_ = nullptr;
  KWS_RETURN_IF_ERROR(framer_.init(framer_config(info), l.framer, l.framer_bytes));
  micro_ = info.frontend.features == FeatureType::kMicro;
  if (micro_) {
    if (fft_override != nullptr) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "pipeline: the micro front end has its own integer FFT (no override)");
    }
    if constexpr (kMicroFrontend) {
      KWS_RETURN_IF_ERROR(micro_frontend_.init(info.frontend, l.frontend, l.frontend_bytes));
    }
  } else {
    if constexpr (kFloatFrontend) {
      KWS_RETURN_IF_ERROR(frontend_.init(info.frontend, l.frontend, l.frontend_bytes, fft_override,
                                         frontend_tables));
    }
  }
  KWS_RETURN_IF_ERROR(window_.init(window_config(info), l.window, l.window_bytes));
  classifier_ = classifier;
  return init_common(info, l);
}

Status Pipeline::init_oww(const ModelInfo& info, OwwFrontend* oww, void* mem, size_t len) {
  ready_ = false;
  if (oww == nullptr || oww->num_scores() == 0) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "pipeline: openWakeWord front end is null or not initialised");
  }
  if (oww->num_scores() != info.num_labels) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "pipeline: openWakeWord heads give %u scores, model info has %u labels",
                         static_cast<unsigned>(oww->num_scores()),
                         static_cast<unsigned>(info.num_labels));
  }
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "pipeline: memory is null or not %zu-byte aligned", kMemoryAlignment);
  }
  Layout l;
  size_t used = 0;
  KWS_RETURN_IF_ERROR(layout(info, false, nullptr, true, mem, len, &used, &l));
  classifier_ = nullptr;
  micro_ = false;
  oww_ = oww;
  return init_common(info, l);
}

Status Pipeline::init_common(const ModelInfo& info, const Layout& l) {
  KWS_RETURN_IF_ERROR(smoother_.init(smoother_config(info), l.smoother, l.smoother_bytes));
  KWS_RETURN_IF_ERROR(trigger_.init(trigger_config(info), l.trigger, l.trigger_bytes));
  info_ = &info;
  frame_features_ = l.frame_features;
  raw_ = l.raw;
  smoothed_ = l.smoothed;
  decisions_ = l.decisions;
  reset();
  ready_ = true;
  return Status::Ok();
}

void Pipeline::reset() {
  if (oww_ != nullptr) {
    oww_->reset();
  } else {
    framer_.reset();
    if constexpr (kMicroFrontend) {
      if (micro_) micro_frontend_.reset();
    }
    if (classifier_ != nullptr) classifier_->reset_state();
    window_.reset();
  }
  smoother_.reset();
  trigger_.reset();
  samples_ = 0;
  steps_ = 0;
  if (hook_ != nullptr) hook_->on_reset();
  if (raw_ != nullptr) {
    for (uint32_t i = 0; i < info_->num_labels; ++i) raw_[i] = smoothed_[i] = 0.0f;
  }
}

Status Pipeline::set_keyword_params(uint32_t label_index, const KeywordParams& params) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "pipeline: not initialized");
  return trigger_.set_params(label_index, params);
}

Status Pipeline::push(const int16_t* samples, size_t n, EventSink* sink) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "pipeline: not initialized");
  if (samples == nullptr && n > 0) {
    return Status::Error(StatusCode::kInvalidArgument, "pipeline: samples is null");
  }
  if (oww_ != nullptr) return push_oww(samples, n, sink);
  while (n > 0) {
    const size_t used = framer_.feed(samples, n);
    samples += used;
    n -= used;
    samples_ += used;
    if (!framer_.frame_ready()) continue;
    if (micro_) {
      if constexpr (kMicroFrontend) micro_frontend_.compute(framer_.frame(), frame_features_);
    } else {
      if constexpr (kFloatFrontend) frontend_.compute(framer_.frame(), frame_features_);
    }
    framer_.pop_frame();
    if (hook_ != nullptr) {
      KWS_RETURN_IF_ERROR(
          hook_->on_frame(frame_features_, info_->frontend.feature_dim(), samples_, sink));
    }
    if (window_.push(frame_features_)) KWS_RETURN_IF_ERROR(run_step(sink));
  }
  return Status::Ok();
}

Status Pipeline::push_oww(const int16_t* samples, size_t n, EventSink* sink) {
  while (n > 0) {
    const size_t used = oww_->feed(samples, n);
    samples += used;
    n -= used;
    samples_ += used;
    if (oww_->step_ready()) KWS_RETURN_IF_ERROR(run_step(sink));
  }
  return Status::Ok();
}

Status Pipeline::run_step(EventSink* sink) {
  const uint32_t labels = info_->num_labels;
  if (oww_ != nullptr) {
    KWS_RETURN_IF_ERROR(oww_->run_step(raw_, labels));
  } else {
    KWS_RETURN_IF_ERROR(classifier_->classify(window_.window(), window_.size(), raw_, labels));
  }
  smoother_.update(raw_, smoothed_);
  const uint64_t step = steps_++;
  if (sink != nullptr) sink->on_scores(step, samples_, raw_, smoothed_, labels);
  trigger_.update(samples_, raw_, smoothed_, decisions_);
  for (uint32_t i = 0; i < labels; ++i) {
    if (!decisions_[i].fired) continue;
    Event e;
    e.label_index = i;
    e.keyword = info_->labels[i];
    e.score = smoothed_[i];
    e.peak_score = decisions_[i].peak_raw;
    e.sample_index = samples_;
    e.time_s = static_cast<double>(samples_) / static_cast<double>(info_->frontend.sample_rate);
    e.stage = 1;
    e.step = step;
    e.decision_sample_index = samples_;
    bool accept = true;
    if (hook_ != nullptr && oww_ == nullptr) {
      KWS_RETURN_IF_ERROR(hook_->on_candidate(&e, window_.window(), window_.size(), &accept));
    }
    if (accept && sink != nullptr) sink->on_event(e);
  }
  return Status::Ok();
}

}  // namespace kws
