#include "daemon/audio/resampler.h"

#include <samplerate.h>

#include <cmath>

namespace kws::audio {

int16_t float_to_int16(float x) {
  const float scaled = std::nearbyint(x * 32768.0f);
  if (!(scaled > -32768.0f)) return -32768;  // also maps NaN to the rail, never UB
  if (scaled > 32767.0f) return 32767;
  return static_cast<int16_t>(scaled);
}

Resampler::~Resampler() {
  if (src_ != nullptr) src_delete(src_);
}

Result<std::unique_ptr<Resampler>> Resampler::create(uint32_t in_rate, uint32_t channels,
                                                     uint32_t out_rate) {
  using R = Result<std::unique_ptr<Resampler>>;
  if (channels == 0 || channels > kMaxChannels) {
    return R::failure("unsupported channel count " + std::to_string(channels) + " (1.." +
                      std::to_string(kMaxChannels) + ")");
  }
  for (uint32_t rate : {in_rate, out_rate}) {
    if (rate < 1000 || rate > 384000) {
      return R::failure("unsupported sample rate " + std::to_string(rate) + " Hz (1000..384000)");
    }
  }
  std::unique_ptr<Resampler> r(new Resampler(in_rate, channels, out_rate));
  if (in_rate != out_rate) {
    int err = 0;
    r->src_ = src_new(SRC_SINC_MEDIUM_QUALITY, 1, &err);
    if (r->src_ == nullptr) return R::failure(std::string("libsamplerate: ") + src_strerror(err));
  }
  return R::success(std::move(r));
}

void Resampler::reset() {
  if (src_ != nullptr) src_reset(src_);
}

std::string Resampler::process(const float* interleaved, size_t frames, std::vector<int16_t>* out) {
  if (frames == 0) return {};
  mono_.resize(frames);
  if (channels_ == 1) {
    std::copy(interleaved, interleaved + frames, mono_.begin());
  } else {
    const float inv = 1.0f / static_cast<float>(channels_);
    for (size_t i = 0; i < frames; ++i) {
      float sum = 0.0f;
      for (uint32_t c = 0; c < channels_; ++c) sum += interleaved[i * channels_ + c];
      mono_[i] = sum * inv;
    }
  }
  return run(mono_.data(), frames, false, out);
}

std::string Resampler::flush(std::vector<int16_t>* out) {
  if (src_ == nullptr) return {};
  // libsamplerate wants a valid input pointer even with zero input frames.
  static const float kNoInput = 0.0f;
  return run(&kNoInput, 0, true, out);
}

std::string Resampler::run(const float* mono, size_t frames, bool end, std::vector<int16_t>* out) {
  if (src_ == nullptr) {
    for (size_t i = 0; i < frames; ++i) out->push_back(float_to_int16(mono[i]));
    return {};
  }
  const double ratio = static_cast<double>(out_rate_) / static_cast<double>(in_rate_);
  resampled_.resize(static_cast<size_t>(std::ceil(static_cast<double>(frames) * ratio)) + 1024);
  SRC_DATA data{};
  data.data_in = mono;
  data.input_frames = static_cast<long>(frames);
  data.src_ratio = ratio;
  data.end_of_input = end ? 1 : 0;
  // The converter may hold input back; loop until it has consumed everything
  // (and, at the end, drained its tail).
  for (;;) {
    data.data_out = resampled_.data();
    data.output_frames = static_cast<long>(resampled_.size());
    if (int err = src_process(src_, &data); err != 0) {
      return std::string("libsamplerate: ") + src_strerror(err);
    }
    for (long i = 0; i < data.output_frames_gen; ++i) {
      out->push_back(float_to_int16(resampled_[static_cast<size_t>(i)]));
    }
    data.data_in += data.input_frames_used;
    data.input_frames -= data.input_frames_used;
    if (data.input_frames == 0 && (!end || data.output_frames_gen == 0)) break;
  }
  return {};
}

}  // namespace kws::audio
