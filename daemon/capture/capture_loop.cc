#include "daemon/capture/capture_loop.h"
#include "daemon/log.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <thread>

namespace kws::daemon {

CaptureLoop::CaptureLoop(AudioSource* source, SpscRing<int16_t>* ring, CaptureLoopConfig config)
    : source_(source), ring_(ring), config_(config), backoff_(config.backoff_initial) {}

SourceStatus CaptureLoop::open() {
  StreamFormat format;
  SourceStatus status = source_->open(&format);
  if (!status.ok()) {
    stats_.failed_opens.fetch_add(1, std::memory_order_relaxed);
    return status;
  }
  size_t period = format.period_frames > 0 ? format.period_frames : format.rate / 50u;
  Result<std::unique_ptr<audio::Resampler>> resampler =
      audio::Resampler::create(format.rate, format.channels, config_.output_rate);
  if (!resampler) {
    source_->close();
    stats_.failed_opens.fetch_add(1, std::memory_order_relaxed);
    return {SourceError::kOther, 0, "'" + source_->name() + "': " + resampler.error()};
  }
  resampler_ = std::move(*resampler);
  format.period_frames = period;
  format_ = format;
  buffer_.assign(period * format.frame_bytes(), 0);
  samples_.assign(period * format.channels, 0.0f);
  // Run one period through so the resampler's own buffers reach their working
  // size now, not on the capture path; then forget that silence.
  converted_.clear();
  converted_.reserve(period * config_.output_rate / format.rate + 1024);
  (void)resampler_->process(samples_.data(), period, &converted_);
  resampler_->reset();
  converted_.clear();
  open_ = true;
  stats_.device_open.store(true, std::memory_order_relaxed);
  kws::log::info("capture: '{}' open: {} Hz, {} channel(s), {}, {} frames per period -> {} Hz mono",
                 source_->name(), format.rate, format.channels, sample_format_name(format.format),
                 period, config_.output_rate);
  return {};
}

bool CaptureLoop::try_open(bool after_loss) {
  SourceStatus status = open();
  if (status.ok()) {
    if (after_loss) {
      stats_.reopens.fetch_add(1, std::memory_order_relaxed);
      kws::log::info("capture: '{}' is back", source_->name());
    }
    backoff_ = config_.backoff_initial;
    return true;
  }
  kws::log::warn("capture: {} ({}); retrying in {} ms", status.message,
                 source_error_name(status.error), backoff_.count());
  return false;
}

void CaptureLoop::sleep_interruptible(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load(std::memory_order_relaxed) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void CaptureLoop::lose_device(SourceError error, int os_error, const char* context) {
  stats_.device_losses.fetch_add(1, std::memory_order_relaxed);
  stats_.device_open.store(false, std::memory_order_relaxed);
  kws::log::error("capture: '{}' {}: {} (errno {}); closing and reopening with backoff",
                  source_->name(), context, source_error_name(error), os_error);
  source_->close();
  open_ = false;
}

void CaptureLoop::handle_fault(SourceError error, int os_error) {
  if (error == SourceError::kOverrun || error == SourceError::kSuspended) {
    auto& counter = error == SourceError::kOverrun ? stats_.overruns : stats_.suspends;
    const uint64_t count = counter.fetch_add(1, std::memory_order_relaxed) + 1;
    const auto now = std::chrono::steady_clock::now();
    if (error == SourceError::kSuspended) {
      kws::log::warn("capture: '{}' suspended; resuming", source_->name());
    } else if (now - last_overrun_log_ >= config_.overrun_log_interval) {
      kws::log::warn("capture: '{}' overrun, samples lost ({} overruns, {} since last report)",
                     source_->name(), count, count - overruns_at_last_log_);
      last_overrun_log_ = now;
      overruns_at_last_log_ = count;
    }
    SourceStatus status = source_->recover(error);
    if (status.ok()) return;
    lose_device(status.error, status.os_error, "recovery failed");
    return;
  }
  lose_device(error, os_error, "read failed");
}

void CaptureLoop::to_float(size_t frames) {
  const size_t n = frames * format_.channels;
  switch (format_.format) {
    case SampleFormat::kS16: {
      const auto* in = reinterpret_cast<const int16_t*>(buffer_.data());
      for (size_t i = 0; i < n; ++i) samples_[i] = static_cast<float>(in[i]) * (1.0f / 32768.0f);
      break;
    }
    case SampleFormat::kS32: {
      const auto* in = reinterpret_cast<const int32_t*>(buffer_.data());
      for (size_t i = 0; i < n; ++i) {
        samples_[i] = static_cast<float>(in[i]) * (1.0f / 2147483648.0f);
      }
      break;
    }
    case SampleFormat::kFloat:
      std::memcpy(samples_.data(), buffer_.data(), n * sizeof(float));
      break;
  }
}

void CaptureLoop::run(const std::atomic<bool>& stop) {
  bool lost_before = !open_ && stats_.failed_opens.load(std::memory_order_relaxed) > 0;
  while (!stop.load(std::memory_order_relaxed)) {
    if (!open_) {
      if (!try_open(lost_before)) {
        sleep_interruptible(backoff_, stop);
        backoff_ = std::min(backoff_ * 2, config_.backoff_max);
        continue;
      }
    }
    lost_before = true;  // any later open is a reopen
    ReadResult r = source_->read(buffer_.data(), format_.period_frames);
    if (r.error == SourceError::kEndOfStream) break;
    if (r.error != SourceError::kNone) {
      handle_fault(r.error, r.os_error);
      continue;
    }
    if (r.frames == 0) continue;
    stats_.frames_read.fetch_add(r.frames, std::memory_order_relaxed);
    const size_t frames = std::min(r.frames, format_.period_frames);
    to_float(frames);
    converted_.clear();
    if (std::string err = resampler_->process(samples_.data(), frames, &converted_); !err.empty()) {
      lose_device(SourceError::kOther, 0, err.c_str());
      continue;
    }
    const size_t n = converted_.size();
    const size_t written = ring_->write(converted_.data(), n);
    stats_.samples_written.fetch_add(written, std::memory_order_relaxed);
    if (written < n) stats_.samples_dropped.fetch_add(n - written, std::memory_order_relaxed);
  }
  if (open_) source_->close();
  open_ = false;
  stats_.device_open.store(false, std::memory_order_relaxed);
}

}  // namespace kws::daemon
