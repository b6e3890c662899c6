#include "pipeline/feature_window.h"

#include <cstring>

#include "pipeline/memory_carver.h"

namespace kws {

Status FeatureWindow::check(const FeatureWindowConfig& cfg) {
  if (cfg.feature_dim == 0 || cfg.feature_dim > 1024) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "feature window: feature_dim %u out of 1..1024",
                         static_cast<unsigned>(cfg.feature_dim));
  }
  if (cfg.window_frames == 0 || cfg.window_frames > 4096) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "feature window: window_frames %u out of 1..4096",
                         static_cast<unsigned>(cfg.window_frames));
  }
  if (cfg.stride_frames == 0 || cfg.stride_frames > 4096) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "feature window: stride_frames %u out of 1..4096",
                         static_cast<unsigned>(cfg.stride_frames));
  }
  return Status::Ok();
}

Status FeatureWindow::needed_bytes(const FeatureWindowConfig& cfg, size_t* bytes) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "feature window: bytes is null");
  }
  MemoryCarver carver(nullptr, 0);
  carver.take<int8_t>((size_t{cfg.window_frames} + kSlackFrames) * cfg.feature_dim);
  *bytes = carver.used();
  return Status::Ok();
}

Status FeatureWindow::init(const FeatureWindowConfig& cfg, void* mem, size_t len) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "feature window: memory null or misaligned");
  }
  MemoryCarver carver(mem, len);
  int8_t* buf = carver.take<int8_t>((size_t{cfg.window_frames} + kSlackFrames) * cfg.feature_dim);
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "feature window: %zu bytes given, %zu needed",
                         len, carver.used());
  }
  buf_ = buf;
  feature_dim_ = cfg.feature_dim;
  window_frames_ = cfg.window_frames;
  stride_frames_ = cfg.stride_frames;
  reset();
  return Status::Ok();
}

bool FeatureWindow::push(const int8_t* frame) {
  const size_t dim = feature_dim_;
  const size_t keep = (size_t{window_frames_} - 1) * dim;  // frames that stay in the window
  if (head_ == kSlackFrames) {
    std::memmove(buf_, buf_ + (size_t{head_} + 1) * dim, keep);
    head_ = 0;
  } else {
    ++head_;
  }
  std::memcpy(buf_ + size_t{head_} * dim + keep, frame, dim);
  if (filled_ < window_frames_) {
    ++filled_;
    if (filled_ < window_frames_) return false;
    since_step_ = 0;
    return true;
  }
  if (++since_step_ < stride_frames_) return false;
  since_step_ = 0;
  return true;
}

const int8_t* FeatureWindow::window() const {
  // Frames not yet pushed are zeros, as after reset().
  return buf_ + size_t{head_} * feature_dim_;
}

void FeatureWindow::reset() {
  head_ = 0;
  filled_ = 0;
  since_step_ = 0;
  if (buf_ != nullptr) {
    std::memset(buf_, 0, (size_t{window_frames_} + kSlackFrames) * feature_dim_);
  }
}

}  // namespace kws
