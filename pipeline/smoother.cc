#include "pipeline/smoother.h"

#include <cstring>

#include "pipeline/memory_carver.h"

namespace kws {

Status PosteriorSmoother::check(const SmootherConfig& cfg) {
  if (cfg.num_labels == 0 || cfg.num_labels > 1024) {
    return Status::Error(StatusCode::kInvalidArgument, "smoother: num_labels %u out of 1..1024",
                         static_cast<unsigned>(cfg.num_labels));
  }
  if (cfg.smoothing_frames == 0 || cfg.smoothing_frames > 1024) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "smoother: smoothing_frames %u out of 1..1024",
                         static_cast<unsigned>(cfg.smoothing_frames));
  }
  return Status::Ok();
}

Status PosteriorSmoother::needed_bytes(const SmootherConfig& cfg, size_t* bytes) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "smoother: bytes is null");
  MemoryCarver carver(nullptr, 0);
  carver.take<float>(size_t{cfg.num_labels} * cfg.smoothing_frames);
  *bytes = carver.used();
  return Status::Ok();
}

Status PosteriorSmoother::init(const SmootherConfig& cfg, void* mem, size_t len) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "smoother: memory null or misaligned");
  }
  MemoryCarver carver(mem, len);
  float* history = carver.take<float>(size_t{cfg.num_labels} * cfg.smoothing_frames);
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "smoother: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  history_ = history;
  num_labels_ = cfg.num_labels;
  length_ = cfg.smoothing_frames;
  reset();
  return Status::Ok();
}

void PosteriorSmoother::update(const float* raw, float* smoothed) {
  std::memcpy(history_ + size_t{next_} * num_labels_, raw, sizeof(float) * num_labels_);
  next_ = next_ + 1 == length_ ? 0 : next_ + 1;
  if (seen_ < length_) ++seen_;
  // Summed afresh each step (oldest row first) rather than kept as a running
  // sum, so the result does not drift and depends only on the last rows.
  const uint32_t oldest = seen_ < length_ ? 0 : next_;
  for (uint32_t c = 0; c < num_labels_; ++c) {
    float acc = 0.0f;
    for (uint32_t i = 0; i < seen_; ++i) {
      const uint32_t row = (oldest + i) % length_;
      acc += history_[size_t{row} * num_labels_ + c];
    }
    smoothed[c] = acc / static_cast<float>(seen_);
  }
}

void PosteriorSmoother::reset() {
  next_ = 0;
  seen_ = 0;
}

}  // namespace kws
