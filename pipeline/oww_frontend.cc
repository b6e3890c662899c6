#include "pipeline/oww_frontend.h"

#include <cstdio>
#include <cstring>

#include "pipeline/memory_carver.h"

namespace kws {
namespace {

constexpr uint32_t kMelBins = OwwMel::kBins;
constexpr uint32_t kMaxStepFrames = 8;    // frames of a 1760-sample call
constexpr float kSilenceFeature = -8.0f;  // transformed mel of digital silence

size_t elements(const nn::TensorDesc& t) { return t.elements; }

Status single_io(const nn::TfliteModel& m, const char* what, nn::TensorDesc* in,
                 nn::TensorDesc* out) {
  if (!m.parsed() || m.num_subgraphs() == 0) {
    return Status::Error(StatusCode::kInvalidArgument, "%s: model not parsed", what);
  }
  const nn::I32List ins = m.inputs(0);
  const nn::I32List outs = m.outputs(0);
  if (ins.size() != 1 || outs.size() != 1) {
    return Status::Error(StatusCode::kUnsupported, "%s: %u inputs and %u outputs, want 1 and 1",
                         what, static_cast<unsigned>(ins.size()),
                         static_cast<unsigned>(outs.size()));
  }
  *in = m.tensor(0, static_cast<uint32_t>(ins[0]));
  *out = m.tensor(0, static_cast<uint32_t>(outs[0]));
  if (in->type != nn::TensorType::kFloat32 || out->type != nn::TensorType::kFloat32) {
    return Status::Error(StatusCode::kUnsupported, "%s: input %s and output %s, want float32", what,
                         nn::tensor_type_name(in->type), nn::tensor_type_name(out->type));
  }
  return Status::Ok();
}

}  // namespace

Status oww_head_shape(const nn::TfliteModel& head, OwwHeadShape* out) {
  nn::TensorDesc in, o;
  KWS_RETURN_IF_ERROR(single_io(head, "openWakeWord head", &in, &o));
  if (in.num_dims != 3 || in.dims[0] != 1 || in.dims[1] < 1 ||
      in.dims[2] != static_cast<int32_t>(OwwFrontend::kEmbeddingDim)) {
    return Status::Error(StatusCode::kUnsupported,
                         "openWakeWord head: input must be [1, n, 96] embeddings");
  }
  const size_t classes = elements(o);
  if (classes < 1 || classes > 64 || o.dims[0] != 1) {
    return Status::Error(StatusCode::kUnsupported,
                         "openWakeWord head: output must be [1, 1] or [1, C] scores");
  }
  out->window = static_cast<uint32_t>(in.dims[1]);
  out->scores = classes == 1 ? 1u : static_cast<uint32_t>(classes - 1);
  return Status::Ok();
}

Status check_oww_embedding(const nn::TfliteModel& model) {
  nn::TensorDesc in, o;
  KWS_RETURN_IF_ERROR(single_io(model, "openWakeWord embedding model", &in, &o));
  if (elements(in) != size_t{OwwFrontend::kMelRows} * kMelBins || in.num_dims < 2 ||
      in.dims[1] != static_cast<int32_t>(OwwFrontend::kMelRows) ||
      elements(o) != OwwFrontend::kEmbeddingDim) {
    return Status::Error(StatusCode::kUnsupported,
                         "openWakeWord embedding model: want [1, 76, 32, 1] in, 96 values out");
  }
  return Status::Ok();
}

struct OwwFrontend::Layout {
  void* mel = nullptr;
  size_t mel_bytes = 0;
  void* embedding = nullptr;
  size_t embedding_bytes = 0;
  void* heads[kMaxOwwHeads] = {};
  size_t head_bytes[kMaxOwwHeads] = {};
  OwwHeadShape shapes[kMaxOwwHeads] = {};
  uint32_t num_scores = 0;
  uint32_t max_window = 0;
  int16_t* raw = nullptr;
  float* mel_rows = nullptr;
  float* new_rows = nullptr;
  float* features = nullptr;
  float* startup = nullptr;
};

Status OwwFrontend::layout(const OwwConfig& cfg, void* mem, size_t len, size_t* used, Layout* out) {
  Layout l;
  if (cfg.embedding == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: no embedding model");
  }
  // No heads: embeddings only (kws-features --embeddings, last_embedding()).
  if (cfg.num_heads > kMaxOwwHeads) {
    return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: %u heads, want 0..%u",
                         static_cast<unsigned>(cfg.num_heads), static_cast<unsigned>(kMaxOwwHeads));
  }
  KWS_RETURN_IF_ERROR(check_oww_embedding(*cfg.embedding));
  KWS_RETURN_IF_ERROR(OwwMel::needed_bytes(&l.mel_bytes));
  nn::InterpreterOptions eo;
  eo.stream_shift_rows = cfg.embedding_stream_shift_rows;
  KWS_RETURN_IF_ERROR(nn::Interpreter::needed_bytes(*cfg.embedding, &l.embedding_bytes, eo));
  for (uint32_t h = 0; h < cfg.num_heads; ++h) {
    if (cfg.heads[h] == nullptr) {
      return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: head %u is null",
                           static_cast<unsigned>(h));
    }
    KWS_RETURN_IF_ERROR(oww_head_shape(*cfg.heads[h], &l.shapes[h]));
    KWS_RETURN_IF_ERROR(nn::Interpreter::needed_bytes(*cfg.heads[h], &l.head_bytes[h]));
    l.num_scores += l.shapes[h].scores;
    if (l.shapes[h].window > l.max_window) l.max_window = l.shapes[h].window;
  }
  if (l.max_window == 0) l.max_window = 1;  // no heads: keep the latest embedding
  MemoryCarver c(mem, len);
  l.mel = c.take_bytes(l.mel_bytes, kMemoryAlignment);
  l.embedding = c.take_bytes(l.embedding_bytes, kMemoryAlignment);
  for (uint32_t h = 0; h < cfg.num_heads; ++h) {
    l.heads[h] = c.take_bytes(l.head_bytes[h], kMemoryAlignment);
  }
  l.raw = c.take<int16_t>(kContextSamples + kStepSamples);
  l.mel_rows = c.take<float>(size_t{kMelRows} * kMelBins);
  l.new_rows = c.take<float>(size_t{kMaxStepFrames} * kMelBins);
  l.features = c.take<float>(size_t{l.max_window + kFeatureSlackRows} * kEmbeddingDim);
  l.startup = c.take<float>(kEmbeddingDim);
  *used = c.used();
  if (mem != nullptr && !c.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "openWakeWord: %zu bytes given, %zu needed",
                         len, c.used());
  }
  *out = l;
  return Status::Ok();
}

Status OwwFrontend::needed_bytes(const OwwConfig& cfg, size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: bytes is null");
  }
  Layout l;
  return layout(cfg, nullptr, 0, bytes, &l);
}

Status OwwFrontend::init(const OwwConfig& cfg, void* mem, size_t len) {
  ready_ = false;
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "openWakeWord: memory is null or not %zu-byte aligned", kMemoryAlignment);
  }
  Layout l;
  size_t used = 0;
  KWS_RETURN_IF_ERROR(layout(cfg, mem, len, &used, &l));
  KWS_RETURN_IF_ERROR(mel_.init(l.mel, l.mel_bytes));
  nn::InterpreterOptions eo;
  eo.stream_shift_rows = cfg.embedding_stream_shift_rows;
  KWS_RETURN_IF_ERROR(embedding_.init(*cfg.embedding, l.embedding, l.embedding_bytes, eo));
  for (uint32_t h = 0; h < cfg.num_heads; ++h) {
    KWS_RETURN_IF_ERROR(heads_[h].init(*cfg.heads[h], l.heads[h], l.head_bytes[h]));
    shapes_[h] = l.shapes[h];
  }
  num_heads_ = cfg.num_heads;
  num_scores_ = l.num_scores;
  max_window_ = l.max_window;
  raw_ = l.raw;
  mel_rows_ = l.mel_rows;
  new_rows_ = l.new_rows;
  features_ = l.features;
  startup_ = l.startup;
  // The start-up embedding: a window of silence (see the header).
  for (size_t i = 0; i < size_t{kMelRows} * kMelBins; ++i) mel_rows_[i] = kSilenceFeature;
  KWS_RETURN_IF_ERROR(run_embedding(mel_rows_, startup_));
  ready_ = true;
  reset();
  return Status::Ok();
}

void OwwFrontend::reset() {
  if (!ready_) return;
  pending_ = 0;
  have_context_ = false;
  steps_ = 0;
  for (size_t i = 0; i < size_t{kMelRows} * kMelBins; ++i) mel_rows_[i] = 1.0f;
  feature_head_ = 0;
  for (uint32_t r = 0; r < max_window_; ++r) {
    std::memcpy(features_ + size_t{r} * kEmbeddingDim, startup_, kEmbeddingDim * sizeof(float));
  }
  embedding_.reset_state();
}

size_t OwwFrontend::feed(const int16_t* samples, size_t n) {
  if (!ready_ || samples == nullptr) return 0;
  const size_t room = kStepSamples - pending_;
  const size_t take = n < room ? n : room;
  std::memcpy(raw_ + kContextSamples + pending_, samples, take * sizeof(int16_t));
  pending_ += static_cast<uint32_t>(take);
  return take;
}

const float* OwwFrontend::last_embedding() const {
  return features_ + size_t{feature_head_ + max_window_ - 1} * kEmbeddingDim;
}

void OwwFrontend::append_embedding(const float* e) {
  if (feature_head_ + max_window_ == max_window_ + kFeatureSlackRows) {
    std::memmove(features_, features_ + size_t{feature_head_ + 1} * kEmbeddingDim,
                 size_t{max_window_ - 1} * kEmbeddingDim * sizeof(float));
    feature_head_ = 0;
  } else {
    ++feature_head_;
  }
  std::memcpy(features_ + size_t{feature_head_ + max_window_ - 1} * kEmbeddingDim, e,
              kEmbeddingDim * sizeof(float));
}

Status OwwFrontend::run_embedding(const float* mel_rows, float* out) {
  const nn::TensorView in = embedding_.input(0);
  std::memcpy(in.data, mel_rows, size_t{kMelRows} * kMelBins * sizeof(float));
  KWS_RETURN_IF_ERROR(embedding_.invoke());
  std::memcpy(out, embedding_.output(0).data, kEmbeddingDim * sizeof(float));
  return Status::Ok();
}

Status OwwFrontend::run_step(float* scores, size_t n) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "openWakeWord: not initialized");
  if (!step_ready()) {
    return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: step has %u of %u samples",
                         static_cast<unsigned>(pending_), static_cast<unsigned>(kStepSamples));
  }
  if ((scores == nullptr && n != 0) || n != num_scores_) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "openWakeWord: room for %zu scores, %u given", n,
                         static_cast<unsigned>(num_scores_));
  }
  // Mel of the last 1760 samples (only the step's 1280 on the first step).
  const int16_t* start = have_context_ ? raw_ : raw_ + kContextSamples;
  const size_t count = have_context_ ? kContextSamples + kStepSamples : kStepSamples;
  size_t frames = 0;
  KWS_RETURN_IF_ERROR(mel_.compute(start, count, new_rows_, kMaxStepFrames, &frames));
  OwwMel::transform(new_rows_, frames * kMelBins);
  const size_t keep = (kMelRows - frames) * kMelBins;
  std::memmove(mel_rows_, mel_rows_ + frames * kMelBins, keep * sizeof(float));
  std::memcpy(mel_rows_ + keep, new_rows_, frames * kMelBins * sizeof(float));
  // The raw context for the next step: this step's last 480 samples.
  std::memmove(raw_, raw_ + kStepSamples, kContextSamples * sizeof(int16_t));
  have_context_ = true;
  pending_ = 0;

  float embedding[kEmbeddingDim];
  KWS_RETURN_IF_ERROR(run_embedding(mel_rows_, embedding));
  append_embedding(embedding);

  const float* newest_end = features_ + size_t{feature_head_ + max_window_} * kEmbeddingDim;
  float* out = scores;
  for (uint32_t h = 0; h < num_heads_; ++h) {
    const OwwHeadShape& s = shapes_[h];
    const nn::TensorView in = heads_[h].input(0);
    std::memcpy(in.data, newest_end - size_t{s.window} * kEmbeddingDim,
                size_t{s.window} * kEmbeddingDim * sizeof(float));
    KWS_RETURN_IF_ERROR(heads_[h].invoke());
    const float* o = static_cast<const float*>(heads_[h].output(0).data);
    // [1, 1]: the score; [1, C]: classes 1..C-1.
    const uint32_t first = s.scores == 1 ? 0u : 1u;
    std::memcpy(out, o + first, s.scores * sizeof(float));
    out += s.scores;
  }
  ++steps_;
  return Status::Ok();
}

Status make_oww_model_info(const OwwFrontend& oww, const char* const* labels, ModelInfo* out) {
  if (out == nullptr || labels == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "openWakeWord: null argument");
  }
  const uint32_t n = oww.num_scores();
  if (n == 0 || n > kMaxLabels) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "openWakeWord: the heads give %u scores, at most %u supported",
                         static_cast<unsigned>(n), static_cast<unsigned>(kMaxLabels));
  }
  ModelInfo info;
  FrontendConfig& fe = info.frontend;
  fe.sample_rate = OwwMel::kSampleRate;
  fe.window_samples = OwwMel::kFrameSamples;
  fe.hop_samples = OwwMel::kHopSamples;
  fe.fft_size = OwwMel::kFrameSamples;
  fe.window = WindowFunction::kHann;
  fe.spectrum = SpectrumType::kPower;
  fe.mel_bins = OwwMel::kBins;
  fe.fmin_hz = 60.0f;
  fe.fmax_hz = 3800.0f;
  fe.log_offset = 1e-10f;
  fe.features = FeatureType::kLogMel;
  fe.quant_scale = 1.0f;
  fe.quant_zero_point = 0;
  uint32_t longest = 0;
  for (uint32_t h = 0; h < oww.num_heads(); ++h) {
    longest = oww.head_shape(h).window > longest ? oww.head_shape(h).window : longest;
  }
  const uint32_t frames_per_step = OwwFrontend::kStepSamples / OwwMel::kHopSamples;
  info.window_frames = OwwFrontend::kMelRows + frames_per_step * (longest - 1);
  info.stride_frames = frames_per_step;
  info.smoothing_frames = 1;
  info.num_labels = n;
  for (uint32_t i = 0; i < n; ++i) {
    if (labels[i] == nullptr || labels[i][0] == '\0' || std::strlen(labels[i]) >= kMaxLabelLength) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "openWakeWord: label %u is empty or longer than %zu bytes",
                           static_cast<unsigned>(i), kMaxLabelLength - 1);
    }
    std::snprintf(info.labels[i], kMaxLabelLength, "%s", labels[i]);
    info.keywords[i].is_keyword = true;
    info.keywords[i].threshold = kOwwDefaultThreshold;
    info.keywords[i].min_count = 1;
    info.keywords[i].refractory_ms = kOwwDefaultRefractoryMs;
  }
  KWS_RETURN_IF_ERROR(validate_model_info(info));
  *out = info;
  return Status::Ok();
}

}  // namespace kws
