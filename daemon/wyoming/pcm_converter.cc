#include "daemon/wyoming/pcm_converter.h"

#include <algorithm>
#include <cstring>

namespace kws::wyoming {

std::string check_pcm_format(const PcmFormat& f) {
  if (f.rate < 1000 || f.rate > 384000) {
    return "sample rate " + std::to_string(f.rate) + " Hz is outside 1000..384000";
  }
  if (f.width < 1 || f.width > 4) {
    return "sample width " + std::to_string(f.width) + " bytes is not 1, 2, 3 or 4";
  }
  if (f.channels < 1 || f.channels > audio::kMaxChannels) {
    return "channel count " + std::to_string(f.channels) + " is outside 1.." +
           std::to_string(audio::kMaxChannels);
  }
  return "";
}

Result<std::unique_ptr<PcmConverter>> PcmConverter::create(const PcmFormat& in, uint32_t out_rate) {
  using R = Result<std::unique_ptr<PcmConverter>>;
  if (std::string e = check_pcm_format(in); !e.empty()) return R::failure(e);
  auto resampler = audio::Resampler::create(in.rate, in.channels, out_rate);
  if (!resampler) return R::failure(resampler.error());
  return R::success(std::unique_ptr<PcmConverter>(new PcmConverter(in, std::move(*resampler))));
}

namespace {

// One little-endian signed sample of `width` bytes, scaled to [-1, 1).
float sample_to_float(const uint8_t* p, uint32_t width) {
  switch (width) {
    case 1:
      return static_cast<float>(static_cast<int8_t>(p[0])) / 128.0f;
    case 2:
      return static_cast<float>(static_cast<int16_t>(static_cast<uint16_t>(p[0] | (p[1] << 8)))) /
             32768.0f;
    case 3: {
      const uint32_t u = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                         (static_cast<uint32_t>(p[2]) << 16);
      const int32_t v = static_cast<int32_t>(u << 8) / 256;  // sign-extend 24 -> 32 bits
      return static_cast<float>(v) / 8388608.0f;
    }
    default: {
      const uint32_t u = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
      return static_cast<float>(static_cast<double>(static_cast<int32_t>(u)) / 2147483648.0);
    }
  }
}

}  // namespace

std::string PcmConverter::push(const uint8_t* bytes, size_t n, std::vector<int16_t>* out) {
  const size_t frame_bytes = size_t{format_.width} * format_.channels;
  floats_.clear();
  size_t i = 0;
  if (!partial_.empty()) {
    const size_t take = std::min(frame_bytes - partial_.size(), n);
    partial_.insert(partial_.end(), bytes, bytes + take);
    i = take;
    if (partial_.size() < frame_bytes) return "";
    for (uint32_t c = 0; c < format_.channels; ++c) {
      floats_.push_back(
          sample_to_float(partial_.data() + size_t{c} * format_.width, format_.width));
    }
    partial_.clear();
  }
  const size_t whole = (n - i) / frame_bytes;
  floats_.reserve(floats_.size() + whole * format_.channels);
  for (size_t f = 0; f < whole; ++f) {
    const uint8_t* frame = bytes + i + f * frame_bytes;
    for (uint32_t c = 0; c < format_.channels; ++c) {
      floats_.push_back(sample_to_float(frame + size_t{c} * format_.width, format_.width));
    }
  }
  i += whole * frame_bytes;
  partial_.assign(bytes + i, bytes + n);
  if (floats_.empty()) return "";
  return resampler_->process(floats_.data(), floats_.size() / format_.channels, out);
}

std::string PcmConverter::flush(std::vector<int16_t>* out) {
  partial_.clear();
  std::string e = resampler_->flush(out);
  resampler_->reset();
  return e;
}

}  // namespace kws::wyoming
