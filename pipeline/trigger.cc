#include "pipeline/trigger.h"

#include <cmath>

#include "pipeline/memory_carver.h"

namespace kws {

Status Trigger::check_params(uint32_t label, const KeywordParams& p) {
  if (!std::isfinite(p.threshold) || p.threshold < 0.0f || p.threshold > 1.0f) {
    return Status::Error(StatusCode::kInvalidArgument, "trigger: label %u threshold %g not in 0..1",
                         static_cast<unsigned>(label), static_cast<double>(p.threshold));
  }
  if (p.min_count == 0 || p.min_count > 10000) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "trigger: label %u min_count %u not in 1..10000",
                         static_cast<unsigned>(label), static_cast<unsigned>(p.min_count));
  }
  if (p.refractory_ms > 3600000u) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "trigger: label %u refractory_ms %u above one hour",
                         static_cast<unsigned>(label), static_cast<unsigned>(p.refractory_ms));
  }
  return Status::Ok();
}

Status Trigger::needed_bytes(const TriggerConfig& cfg, size_t* bytes) {
  if (cfg.num_labels == 0 || cfg.num_labels > 1024) {
    return Status::Error(StatusCode::kInvalidArgument, "trigger: num_labels %u out of 1..1024",
                         static_cast<unsigned>(cfg.num_labels));
  }
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "trigger: bytes is null");
  MemoryCarver carver(nullptr, 0);
  carver.take<LabelState>(cfg.num_labels);
  *bytes = carver.used();
  return Status::Ok();
}

Status Trigger::init(const TriggerConfig& cfg, void* mem, size_t len) {
  size_t bytes = 0;
  KWS_RETURN_IF_ERROR(needed_bytes(cfg, &bytes));
  if (cfg.params == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "trigger: params null");
  if (cfg.sample_rate == 0)
    return Status::Error(StatusCode::kInvalidArgument, "trigger: sample_rate 0");
  for (uint32_t i = 0; i < cfg.num_labels; ++i) KWS_RETURN_IF_ERROR(check_params(i, cfg.params[i]));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "trigger: memory null or misaligned");
  }
  MemoryCarver carver(mem, len);
  LabelState* state = carver.take<LabelState>(cfg.num_labels);
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "trigger: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  state_ = state;
  num_labels_ = cfg.num_labels;
  sample_rate_ = cfg.sample_rate;
  for (uint32_t i = 0; i < num_labels_; ++i) state_[i].params = cfg.params[i];
  reset();
  return Status::Ok();
}

void Trigger::update(uint64_t sample_index, const float* raw, const float* smoothed,
                     Decision* decisions) {
  for (uint32_t i = 0; i < num_labels_; ++i) {
    LabelState& s = state_[i];
    Decision& d = decisions[i];
    d = Decision{};
    if (!s.params.is_keyword) continue;
    if (s.refractory) {
      if (sample_index < s.refractory_until) continue;
      s.refractory = false;
    }
    if (!(smoothed[i] >= s.params.threshold)) {
      s.count = 0;
      s.peak_raw = 0.0f;
      continue;
    }
    ++s.count;
    if (raw[i] > s.peak_raw) s.peak_raw = raw[i];
    if (s.count < s.params.min_count) continue;
    d.fired = true;
    d.peak_raw = s.peak_raw;
    s.count = 0;
    s.peak_raw = 0.0f;
    s.refractory = true;
    s.refractory_until = sample_index + uint64_t{s.params.refractory_ms} * sample_rate_ / 1000u;
  }
}

Status Trigger::set_params(uint32_t label, const KeywordParams& params) {
  if (label >= num_labels_) {
    return Status::Error(StatusCode::kInvalidArgument, "trigger: label %u out of 0..%u",
                         static_cast<unsigned>(label),
                         static_cast<unsigned>(num_labels_ == 0 ? 0 : num_labels_ - 1));
  }
  KWS_RETURN_IF_ERROR(check_params(label, params));
  LabelState& s = state_[label];
  if (!params.is_keyword) {
    s.count = 0;
    s.peak_raw = 0.0f;
  }
  s.params = params;
  return Status::Ok();
}

void Trigger::reset() {
  for (uint32_t i = 0; i < num_labels_; ++i) {
    state_[i].count = 0;
    state_[i].peak_raw = 0.0f;
    state_[i].refractory = false;
    state_[i].refractory_until = 0;
  }
}

}  // namespace kws
