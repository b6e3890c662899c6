#include "pipeline/framer.h"

#include <cstring>

#include "pipeline/memory_carver.h"

namespace kws {

Status Framer::check(const FramerConfig& cfg) {
  if (cfg.window_samples == 0 || cfg.window_samples > (1u << 20)) {
    return Status::Error(StatusCode::kInvalidArgument, "framer: window_samples %u out of 1..%u",
                         static_cast<unsigned>(cfg.window_samples),
                         static_cast<unsigned>(1u << 20));
  }
  if (cfg.hop_samples == 0 || cfg.hop_samples > (1u << 20)) {
    return Status::Error(StatusCode::kInvalidArgument, "framer: hop_samples %u out of 1..%u",
                         static_cast<unsigned>(cfg.hop_samples), static_cast<unsigned>(1u << 20));
  }
  return Status::Ok();
}

Status Framer::needed_bytes(const FramerConfig& cfg, size_t* bytes) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (bytes == nullptr) return Status::Error(StatusCode::kInvalidArgument, "framer: bytes is null");
  MemoryCarver carver(nullptr, 0);
  carver.take<int16_t>(cfg.window_samples);
  *bytes = carver.used();
  return Status::Ok();
}

Status Framer::init(const FramerConfig& cfg, void* mem, size_t len) {
  KWS_RETURN_IF_ERROR(check(cfg));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "framer: memory is null or misaligned");
  }
  MemoryCarver carver(mem, len);
  int16_t* buf = carver.take<int16_t>(cfg.window_samples);
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "framer: %zu bytes given, %zu needed", len,
                         carver.used());
  }
  buf_ = buf;
  window_ = cfg.window_samples;
  hop_ = cfg.hop_samples;
  reset();
  return Status::Ok();
}

size_t Framer::feed(const int16_t* samples, size_t n) {
  size_t used = 0;
  if (skip_ > 0) {
    const size_t s = n < skip_ ? n : skip_;
    skip_ -= static_cast<uint32_t>(s);
    used += s;
  }
  const size_t room = window_ - fill_;
  const size_t take = (n - used) < room ? (n - used) : room;
  if (take > 0) {
    std::memcpy(buf_ + fill_, samples + used, take * sizeof(int16_t));
    fill_ += static_cast<uint32_t>(take);
    used += take;
  }
  return used;
}

void Framer::pop_frame() {
  if (fill_ != window_) return;
  if (hop_ < window_) {
    std::memmove(buf_, buf_ + hop_, (window_ - hop_) * sizeof(int16_t));
    fill_ = window_ - hop_;
  } else {
    fill_ = 0;
    skip_ = hop_ - window_;
  }
}

void Framer::reset() {
  fill_ = 0;
  skip_ = 0;
}

}  // namespace kws
