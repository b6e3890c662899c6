#include "pipeline/cascade.h"

#include <cmath>
#include <cstring>

#include "pipeline/memory_carver.h"

namespace kws {

struct ModelCascade::Layout {
  int8_t* history = nullptr;
  int8_t* window = nullptr;
  float* probs = nullptr;
  int16_t* label_map = nullptr;
  float* thresholds = nullptr;
  int8_t* requant = nullptr;
  Pending* pending = nullptr;
  uint32_t window_frames = 0;
};

namespace {

constexpr uint32_t kMaxDelayFrames = 4096;
constexpr uint32_t kMaxWindowFrames = 4096;
constexpr uint32_t kMaxPending = 64;

bool same_label(const char* a, const char* b) {
  for (;; ++a, ++b) {
    char ca = *a;
    char cb = *b;
    if (ca >= 'A' && ca <= 'Z') ca = static_cast<char>(ca - 'A' + 'a');
    if (cb >= 'A' && cb <= 'Z') cb = static_cast<char>(cb - 'A' + 'a');
    if (ca != cb) return false;
    if (ca == '\0') return true;
  }
}

// Every front-end field that shapes the features, except the int8 quantisation.
Status check_same_frontend(const FrontendConfig& a, const FrontendConfig& b) {
  const char* field = nullptr;
  if (a.sample_rate != b.sample_rate) field = "sample_rate";
  if (a.window_samples != b.window_samples) field = "window_samples";
  if (a.hop_samples != b.hop_samples) field = "hop_samples";
  if (a.fft_size != b.fft_size) field = "fft_size";
  if (a.window != b.window) field = "window";
  if (a.spectrum != b.spectrum) field = "spectrum";
  if (a.mel_bins != b.mel_bins) field = "mel_bins";
  if (a.fmin_hz != b.fmin_hz) field = "fmin";
  if (a.fmax_hz != b.fmax_hz) field = "fmax";
  if (a.log_offset != b.log_offset) field = "log_offset";
  if (a.features != b.features) field = "features";
  if (a.features == FeatureType::kMfcc && a.num_mfcc != b.num_mfcc) field = "num_mfcc";
  if (field == nullptr) return Status::Ok();
  return Status::Error(StatusCode::kInvalidArgument,
                       "cascade: stage 2's front end differs from stage 1's in %s", field);
}

int8_t requantize(int32_t q, const FrontendConfig& from, const FrontendConfig& to) {
  const double x = static_cast<double>(q - from.quant_zero_point) * from.quant_scale;
  const double r = std::round(x / static_cast<double>(to.quant_scale));  // half away from zero
  double v = r + to.quant_zero_point;
  if (v < -128.0) v = -128.0;
  if (v > 127.0) v = 127.0;
  return static_cast<int8_t>(v);
}

}  // namespace

Status ModelCascade::check(const CascadeConfig& cfg, uint32_t* window_frames) {
  if (cfg.stage1 == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: stage 1's model info is null");
  }
  KWS_RETURN_IF_ERROR(validate_model_info(*cfg.stage1));
  if (cfg.delay_frames > kMaxDelayFrames) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: delay_frames %u above %u",
                         static_cast<unsigned>(cfg.delay_frames),
                         static_cast<unsigned>(kMaxDelayFrames));
  }
  if (cfg.max_pending == 0 || cfg.max_pending > kMaxPending) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: max_pending %u not in 1..%u",
                         static_cast<unsigned>(cfg.max_pending),
                         static_cast<unsigned>(kMaxPending));
  }
  uint32_t w = cfg.stage1->window_frames;
  if (cfg.mode == Stage2Mode::kModel) {
    if (cfg.stage2 == nullptr) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "cascade: mode model needs stage 2's model info");
    }
    Status s = validate_model_info(*cfg.stage2);
    if (!s.ok()) {
      return Status::Error(s.code(), "cascade: stage 2: %s", s.message());
    }
    KWS_RETURN_IF_ERROR(check_same_frontend(cfg.stage1->frontend, cfg.stage2->frontend));
    w = cfg.stage2->window_frames;
  } else if (cfg.mode == Stage2Mode::kExternal && cfg.window_frames != 0) {
    w = cfg.window_frames;
  }
  if (w == 0 || w > kMaxWindowFrames) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: window_frames %u not in 1..%u",
                         static_cast<unsigned>(w), static_cast<unsigned>(kMaxWindowFrames));
  }
  *window_frames = w;
  return Status::Ok();
}

Status ModelCascade::layout(const CascadeConfig& cfg, void* mem, size_t len, size_t* used,
                            Layout* out) {
  Layout l;
  KWS_RETURN_IF_ERROR(check(cfg, &l.window_frames));
  const size_t frame_bytes = cfg.stage1->frontend.feature_dim();
  const uint32_t labels2 = cfg.mode == Stage2Mode::kModel ? cfg.stage2->num_labels : 1;
  MemoryCarver carver(mem, len);
  l.history = carver.take<int8_t>(size_t{l.window_frames} * frame_bytes);
  l.window = carver.take<int8_t>(size_t{l.window_frames} * frame_bytes);
  l.probs = carver.take<float>(labels2);
  l.label_map = carver.take<int16_t>(cfg.stage1->num_labels);
  l.thresholds = carver.take<float>(cfg.stage1->num_labels);
  l.requant = carver.take<int8_t>(256);
  l.pending = carver.take<Pending>(cfg.max_pending);
  *used = carver.used();
  if (mem != nullptr && !carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "cascade: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  if (out != nullptr) *out = l;
  return Status::Ok();
}

Status ModelCascade::needed_bytes(const CascadeConfig& cfg, size_t* bytes) {
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "cascade: bytes is null");
  return layout(cfg, nullptr, 0, bytes, nullptr);
}

Status ModelCascade::init(const CascadeConfig& cfg, Classifier* stage2, CandidateVerifier* verifier,
                          void* mem, size_t len) {
  ready_ = false;
  if (cfg.mode == Stage2Mode::kModel && stage2 == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: mode model needs a classifier");
  }
  if (cfg.mode == Stage2Mode::kExternal && verifier == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: mode external needs a verifier");
  }
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "cascade: memory is null or not %zu-byte aligned", kMemoryAlignment);
  }
  Layout l;
  size_t used = 0;
  KWS_RETURN_IF_ERROR(layout(cfg, mem, len, &used, &l));
  const ModelInfo& s1 = *cfg.stage1;
  for (uint32_t i = 0; i < s1.num_labels; ++i) {
    l.label_map[i] = -1;
    l.thresholds[i] = 0.0f;
    if (!s1.keywords[i].is_keyword) continue;
    if (cfg.mode == Stage2Mode::kExternal) {
      l.label_map[i] = 0;
    } else if (cfg.mode == Stage2Mode::kModel) {
      const ModelInfo& s2 = *cfg.stage2;
      for (uint32_t j = 0; j < s2.num_labels; ++j) {
        if (!same_label(s1.labels[i], s2.labels[j])) continue;
        l.label_map[i] = static_cast<int16_t>(j);
        l.thresholds[i] = s2.keywords[j].threshold;
        break;
      }
    }
  }
  const FrontendConfig& to =
      cfg.mode == Stage2Mode::kModel ? cfg.stage2->frontend : cfg.stage1->frontend;
  requantize_ = s1.frontend.quant_scale != to.quant_scale ||
                s1.frontend.quant_zero_point != to.quant_zero_point;
  for (int32_t q = -128; q <= 127; ++q) l.requant[q + 128] = requantize(q, s1.frontend, to);
  cfg_ = cfg;
  stage2_ = stage2;
  verifier_ = verifier;
  history_ = l.history;
  window_ = l.window;
  probs_ = l.probs;
  label_map_ = l.label_map;
  thresholds_ = l.thresholds;
  requant_ = l.requant;
  pending_ = l.pending;
  window_frames_ = l.window_frames;
  delay_frames_ = cfg.delay_frames;
  feature_dim_ = s1.frontend.feature_dim();
  stage2_labels_ = cfg.mode == Stage2Mode::kModel ? cfg.stage2->num_labels : 1;
  runs_ = 0;
  ready_ = true;
  reset();
  return Status::Ok();
}

Status ModelCascade::set_threshold(uint32_t stage1_label, float threshold) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "cascade: not initialized");
  if (stage1_label >= cfg_.stage1->num_labels) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: label %u out of range",
                         static_cast<unsigned>(stage1_label));
  }
  if (!std::isfinite(threshold) || threshold < 0.0f || threshold > 1.0f) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: threshold %g not in 0..1",
                         static_cast<double>(threshold));
  }
  thresholds_[stage1_label] = threshold;
  return Status::Ok();
}

float ModelCascade::threshold(uint32_t stage1_label) const {
  return ready_ && stage1_label < cfg_.stage1->num_labels ? thresholds_[stage1_label] : 0.0f;
}

bool ModelCascade::covers(uint32_t stage1_label) const {
  return ready_ && cfg_.mode != Stage2Mode::kOff && stage1_label < cfg_.stage1->num_labels &&
         label_map_[stage1_label] >= 0;
}

void ModelCascade::reset() {
  num_pending_ = 0;
  next_ = 0;
  frames_ = 0;
  last_sample_ = 0;
}

void ModelCascade::gather_window() {
  const size_t dim = feature_dim_;
  const uint64_t held = frames_ < window_frames_ ? frames_ : window_frames_;
  // Oldest held frame: slot 0 until the ring wraps, then the next slot to write.
  const uint32_t oldest = frames_ < window_frames_ ? 0 : next_;
  const size_t pad = window_frames_ - static_cast<size_t>(held);
  for (size_t i = 0; i < pad; ++i) {
    std::memcpy(window_ + i * dim, history_ + size_t{oldest} * dim, dim);
  }
  for (size_t i = 0; i < held; ++i) {
    const size_t slot = (oldest + i) % window_frames_;
    std::memcpy(window_ + (pad + i) * dim, history_ + slot * dim, dim);
  }
  if (requantize_) {
    const size_t n = size_t{window_frames_} * dim;
    for (size_t i = 0; i < n; ++i) window_[i] = requant_[window_[i] + 128];
  }
}

Status ModelCascade::decide(Event* event, bool* accepted, bool* handed_over) {
  *accepted = false;
  *handed_over = false;
  gather_window();
  float score = -1.0f;
  if (cfg_.mode == Stage2Mode::kModel) {
    KWS_RETURN_IF_ERROR(
        stage2_->classify(window_, size_t{window_frames_} * feature_dim_, probs_, stage2_labels_));
    ++runs_;
    score = probs_[label_map_[event->label_index]];
    *accepted = score >= thresholds_[event->label_index];
  } else {
    Candidate c;
    c.event = event;
    c.features = window_;
    c.window_frames = window_frames_;
    c.feature_dim = feature_dim_;
    c.window_end_sample = last_sample_;
    Verdict verdict = Verdict::kReject;
    KWS_RETURN_IF_ERROR(verifier_->verify(c, &verdict, &score));
    ++runs_;
    *accepted = verdict == Verdict::kAccept;
    *handed_over = verdict == Verdict::kPending;
  }
  event->stage = 2;
  event->stage2_score = score;
  event->decision_sample_index = last_sample_;
  if (observer_ != nullptr && !*handed_over) observer_->on_decision(*event, *accepted);
  return Status::Ok();
}

Status ModelCascade::candidate(Event* event, bool* accept) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "cascade: not initialized");
  if (event == nullptr || accept == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: null event or accept");
  }
  if (!covers(event->label_index)) {
    *accept = true;
    return Status::Ok();
  }
  if (delay_frames_ == 0 || num_pending_ == cfg_.max_pending) {
    bool handed_over = false;
    return decide(event, accept, &handed_over);
  }
  pending_[num_pending_].event = *event;
  pending_[num_pending_].decide_at = frames_ + delay_frames_;
  ++num_pending_;
  *accept = false;
  return Status::Ok();
}

Status ModelCascade::frame_in(const int8_t* frame, size_t dim, uint64_t sample_index,
                              EventSink* sink) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "cascade: not initialized");
  if (frame == nullptr || dim != feature_dim_) {
    return Status::Error(StatusCode::kInvalidArgument, "cascade: frame of %zu values, want %u", dim,
                         static_cast<unsigned>(feature_dim_));
  }
  std::memcpy(history_ + size_t{next_} * dim, frame, dim);
  next_ = next_ + 1 == window_frames_ ? 0 : next_ + 1;
  ++frames_;
  last_sample_ = sample_index;
  size_t kept = 0;
  for (size_t i = 0; i < num_pending_; ++i) {
    if (pending_[i].decide_at > frames_) {
      pending_[kept++] = pending_[i];
      continue;
    }
    Event e = pending_[i].event;
    bool accepted = false;
    bool handed_over = false;
    Status s = decide(&e, &accepted, &handed_over);
    if (!s.ok()) {
      // Keep the undecided ones (this one is dropped) so a caller can reset.
      for (size_t j = i + 1; j < num_pending_; ++j) pending_[kept++] = pending_[j];
      num_pending_ = kept;
      return s;
    }
    if (accepted && sink != nullptr) sink->on_event(e);
  }
  num_pending_ = kept;
  return Status::Ok();
}

Status ModelCascade::flush(EventSink* sink) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "cascade: not initialized");
  const size_t n = num_pending_;
  num_pending_ = 0;  // on an error the rest are dropped too
  for (size_t i = 0; i < n; ++i) {
    Event e = pending_[i].event;
    bool accepted = false;
    bool handed_over = false;
    KWS_RETURN_IF_ERROR(decide(&e, &accepted, &handed_over));
    if (accepted && sink != nullptr) sink->on_event(e);
  }
  return Status::Ok();
}

}  // namespace kws
