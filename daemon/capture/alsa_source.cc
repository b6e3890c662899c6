#include "daemon/capture/alsa_source.h"
#include "daemon/log.h"

#include <alsa/asoundlib.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <mutex>
#include <thread>
#include <utility>

namespace kws::daemon {
namespace {

SourceStatus failure(int err, const std::string& what) {
  SourceStatus status;
  status.error = classify_alsa_error(err);
  status.os_error = -err;
  status.message = what + ": " + snd_strerror(err);
  return status;
}

// The first format in our preference order that the device accepts.
bool pick_format(snd_pcm_t* pcm, snd_pcm_hw_params_t* hw, SampleFormat* out,
                 snd_pcm_format_t* alsa_format) {
  struct Candidate {
    snd_pcm_format_t alsa;
    SampleFormat ours;
  };
  static constexpr Candidate kCandidates[] = {
      {SND_PCM_FORMAT_S16_LE, SampleFormat::kS16},
      {SND_PCM_FORMAT_S32_LE, SampleFormat::kS32},
      {SND_PCM_FORMAT_FLOAT_LE, SampleFormat::kFloat},
  };
  for (const Candidate& c : kCandidates) {
    if (snd_pcm_hw_params_test_format(pcm, hw, c.alsa) == 0) {
      *out = c.ours;
      *alsa_format = c.alsa;
      return true;
    }
  }
  return false;
}

// alsa-lib prints its own diagnostics to stderr (several lines for a missing
// device); our messages already say what failed, so its lines go to the debug
// log instead.
void alsa_lib_message(const char* file, int line, const char* function, int err, const char* fmt,
                      ...) {
  char text[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(text, sizeof(text), fmt, args);
  va_end(args);
  kws::log::debug("alsa-lib: {}:{} ({}): {}{}{}", file, line, function, text, err ? ": " : "",
                  err ? snd_strerror(err) : "");
}

void route_alsa_messages() {
  static std::once_flag once;
  std::call_once(once, [] { snd_lib_error_set_handler(alsa_lib_message); });
}

}  // namespace

const char* sample_format_name(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return "S16_LE";
    case SampleFormat::kS32:
      return "S32_LE";
    case SampleFormat::kFloat:
      return "FLOAT_LE";
  }
  return "?";
}

const char* source_error_name(SourceError error) {
  switch (error) {
    case SourceError::kNone:
      return "none";
    case SourceError::kOverrun:
      return "overrun";
    case SourceError::kSuspended:
      return "suspended";
    case SourceError::kDeviceLost:
      return "device lost";
    case SourceError::kBusy:
      return "device busy";
    case SourceError::kNotFound:
      return "device not found";
    case SourceError::kEndOfStream:
      return "end of stream";
    case SourceError::kOther:
      return "error";
  }
  return "?";
}

SourceError classify_alsa_error(int err) {
  switch (-err) {
    case 0:
      return SourceError::kNone;
    case EPIPE:
      return SourceError::kOverrun;
    case ESTRPIPE:
      return SourceError::kSuspended;
    case ENODEV:
    case EIO:
    case EBADFD:
    case ENXIO:
      return SourceError::kDeviceLost;
    case EBUSY:
      return SourceError::kBusy;
    case ENOENT:
      return SourceError::kNotFound;
    default:
      return SourceError::kOther;
  }
}

AlsaSource::AlsaSource(AlsaSourceConfig config) : config_(std::move(config)) {
  route_alsa_messages();
}

AlsaSource::~AlsaSource() { close(); }

SourceStatus AlsaSource::open(StreamFormat* format) {
  close();
  int err = snd_pcm_open(&pcm_, config_.device.c_str(), SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
  if (err < 0) {
    pcm_ = nullptr;
    return failure(err, "cannot open capture device '" + config_.device + "'");
  }
  SourceStatus status = configure(format);
  if (!status.ok()) close();
  return status;
}

SourceStatus AlsaSource::configure(StreamFormat* format) {
  snd_pcm_hw_params_t* hw = nullptr;
  snd_pcm_hw_params_alloca(&hw);
  int err = snd_pcm_hw_params_any(pcm_, hw);
  if (err < 0) return failure(err, "'" + config_.device + "': no hardware configuration");
  err = snd_pcm_hw_params_set_access(pcm_, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
  if (err < 0) return failure(err, "'" + config_.device + "': interleaved access not offered");

  StreamFormat f;
  snd_pcm_format_t alsa_format = SND_PCM_FORMAT_UNKNOWN;
  if (!pick_format(pcm_, hw, &f.format, &alsa_format)) {
    SourceStatus s;
    s.error = SourceError::kOther;
    s.message = "'" + config_.device + "' offers none of S16_LE, S32_LE, FLOAT_LE";
    return s;
  }
  err = snd_pcm_hw_params_set_format(pcm_, hw, alsa_format);
  if (err < 0) return failure(err, "'" + config_.device + "': cannot set sample format");

  unsigned int channels = config_.preferred_channels;
  if (snd_pcm_hw_params_test_channels(pcm_, hw, channels) != 0) {
    err = snd_pcm_hw_params_get_channels_min(hw, &channels);
    if (err < 0) return failure(err, "'" + config_.device + "': no channel count");
  }
  err = snd_pcm_hw_params_set_channels(pcm_, hw, channels);
  if (err < 0) return failure(err, "'" + config_.device + "': cannot set channels");

  unsigned int rate = config_.preferred_rate;
  err = snd_pcm_hw_params_set_rate_near(pcm_, hw, &rate, nullptr);
  if (err < 0) return failure(err, "'" + config_.device + "': cannot set a sample rate");

  unsigned int period_us = config_.period_ms * 1000u;
  unsigned int buffer_us = config_.buffer_ms * 1000u;
  // Both are hints: a device with fixed periods keeps its own.
  (void)snd_pcm_hw_params_set_buffer_time_near(pcm_, hw, &buffer_us, nullptr);
  (void)snd_pcm_hw_params_set_period_time_near(pcm_, hw, &period_us, nullptr);

  err = snd_pcm_hw_params(pcm_, hw);
  if (err < 0) return failure(err, "'" + config_.device + "': hardware parameters refused");

  snd_pcm_uframes_t period = 0;
  err = snd_pcm_hw_params_get_period_size(hw, &period, nullptr);
  if (err < 0 || period == 0) period = rate / 50u;

  err = snd_pcm_prepare(pcm_);
  if (err < 0) return failure(err, "'" + config_.device + "': prepare failed");
  err = snd_pcm_start(pcm_);
  if (err < 0) return failure(err, "'" + config_.device + "': start failed");

  f.rate = rate;
  f.channels = channels;
  f.period_frames = period;
  *format = f;
  return {};
}

ReadResult AlsaSource::read(void* buffer, size_t max_frames) {
  ReadResult result;
  if (pcm_ == nullptr) {
    result.error = SourceError::kDeviceLost;
    result.os_error = EBADFD;
    return result;
  }
  int err = snd_pcm_wait(pcm_, config_.wait_timeout_ms);
  if (err == 0) return result;  // timeout: nothing yet
  if (err < 0) {
    result.error = classify_alsa_error(err);
    result.os_error = -err;
    return result;
  }
  snd_pcm_sframes_t n = snd_pcm_readi(pcm_, buffer, static_cast<snd_pcm_uframes_t>(max_frames));
  if (n == -EAGAIN) return result;
  if (n < 0) {
    result.error = classify_alsa_error(static_cast<int>(n));
    result.os_error = static_cast<int>(-n);
    // A plugin may report a generic error while the state says what happened.
    snd_pcm_state_t state = snd_pcm_state(pcm_);
    if (state == SND_PCM_STATE_XRUN) result.error = SourceError::kOverrun;
    if (state == SND_PCM_STATE_SUSPENDED) result.error = SourceError::kSuspended;
    if (state == SND_PCM_STATE_DISCONNECTED) result.error = SourceError::kDeviceLost;
    return result;
  }
  result.frames = static_cast<size_t>(n);
  return result;
}

SourceStatus AlsaSource::recover(SourceError what) {
  if (pcm_ == nullptr) return failure(-EBADFD, "'" + config_.device + "' is not open");
  int err = 0;
  if (what == SourceError::kSuspended) {
    // Resume while the driver says "try again"; if the hardware cannot
    // resume, a prepare restarts the stream from scratch.
    for (uint32_t i = 0; i < config_.resume_attempts; ++i) {
      err = snd_pcm_resume(pcm_);
      if (err != -EAGAIN) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (err == 0) return {};
  }
  err = snd_pcm_prepare(pcm_);
  if (err < 0)
    return failure(
        err, "'" + config_.device + "': prepare after " + source_error_name(what) + " failed");
  err = snd_pcm_start(pcm_);
  if (err < 0) return failure(err, "'" + config_.device + "': restart failed");
  return {};
}

void AlsaSource::close() {
  if (pcm_ != nullptr) {
    snd_pcm_close(pcm_);
    pcm_ = nullptr;
  }
}

}  // namespace kws::daemon
