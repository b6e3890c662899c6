#include "daemon/capture/capture_converter.h"

#include <samplerate.h>

#include <cmath>
#include <cstring>

namespace kws::daemon {
namespace {

template <typename T>
void downmix(const void* data, size_t frames, uint32_t channels, float scale, float* out) {
  const T* in = static_cast<const T*>(data);
  const float per_channel = scale / static_cast<float>(channels);
  for (size_t f = 0; f < frames; ++f) {
    float sum = 0.0f;
    for (uint32_t c = 0; c < channels; ++c) sum += static_cast<float>(in[f * channels + c]);
    out[f] = sum * per_channel;
  }
}

int16_t to_int16(float x) {
  float scaled = std::nearbyint(x * 32768.0f);
  if (scaled > 32767.0f) return 32767;
  if (scaled < -32768.0f) return -32768;
  return static_cast<int16_t>(scaled);
}

}  // namespace

CaptureConverter::~CaptureConverter() {
  if (src_ != nullptr) src_delete(src_);
}

std::string CaptureConverter::reset(const StreamFormat& in, size_t max_frames,
                                    uint32_t output_rate) {
  if (in.rate == 0 || in.channels == 0 || output_rate == 0 || max_frames == 0) {
    return "capture format has a zero rate, channel count or period";
  }
  in_ = in;
  ratio_ = static_cast<double>(output_rate) / static_cast<double>(in.rate);
  if (src_ != nullptr) {
    src_delete(src_);
    src_ = nullptr;
  }
  size_t out_frames = max_frames;
  if (in.rate != output_rate) {
    int err = 0;
    src_ = src_new(SRC_SINC_FASTEST, 1, &err);
    if (src_ == nullptr) return std::string("libsamplerate: ") + src_strerror(err);
    out_frames = static_cast<size_t>(std::ceil(static_cast<double>(max_frames) * ratio_)) + 64;
  }
  mono_.assign(max_frames, 0.0f);
  resampled_.assign(out_frames, 0.0f);
  output_.assign(out_frames, 0);
  return {};
}

size_t CaptureConverter::convert(const void* data, size_t frames, const int16_t** out) {
  if (frames > mono_.size()) frames = mono_.size();
  switch (in_.format) {
    case SampleFormat::kS16:
      downmix<int16_t>(data, frames, in_.channels, 1.0f / 32768.0f, mono_.data());
      break;
    case SampleFormat::kS32:
      downmix<int32_t>(data, frames, in_.channels, 1.0f / 2147483648.0f, mono_.data());
      break;
    case SampleFormat::kFloat:
      downmix<float>(data, frames, in_.channels, 1.0f, mono_.data());
      break;
  }
  const float* samples = mono_.data();
  size_t count = frames;
  if (src_ != nullptr) {
    SRC_DATA d;
    std::memset(&d, 0, sizeof(d));
    d.data_in = mono_.data();
    d.input_frames = static_cast<long>(frames);
    d.data_out = resampled_.data();
    d.output_frames = static_cast<long>(resampled_.size());
    d.src_ratio = ratio_;
    d.end_of_input = 0;
    if (src_process(src_, &d) != 0) {
      count = 0;  // cannot happen with a valid state; drop this period
    } else {
      count = static_cast<size_t>(d.output_frames_gen);
    }
    samples = resampled_.data();
  }
  for (size_t i = 0; i < count; ++i) output_[i] = to_int16(samples[i]);
  *out = output_.data();
  return count;
}

}  // namespace kws::daemon
