#include "pipeline/oww_mel.h"

#include <cmath>

#include "pipeline/memory_carver.h"

namespace kws {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kFminHz = 60.0;
constexpr double kFmaxHz = 3800.0;
constexpr uint32_t kWindowOffset = (OwwMel::kFrameSamples - OwwMel::kWindowSamples) / 2;  // 56

// Slaney's mel scale (librosa htk=False): linear below 1 kHz, log above.
constexpr double kLinearHzPerMel = 200.0 / 3.0;
constexpr double kLogStartHz = 1000.0;
constexpr double kLogStartMel = kLogStartHz / kLinearHzPerMel;  // 15

double log_step() { return std::log(6.4) / 27.0; }

double hz_to_mel(double hz) {
  if (hz < kLogStartHz) return hz / kLinearHzPerMel;
  return kLogStartMel + std::log(hz / kLogStartHz) / log_step();
}

double mel_to_hz(double mel) {
  if (mel < kLogStartMel) return mel * kLinearHzPerMel;
  return kLogStartHz * std::exp(log_step() * (mel - kLogStartMel));
}

struct Layout {
  void* fft = nullptr;
  size_t fft_bytes = 0;
  float* window = nullptr;
  float* filters = nullptr;
  void* bands = nullptr;
  float* frame = nullptr;
  float* spectrum = nullptr;
  float* power = nullptr;
};

template <typename BandT>
Status layout(bool external_fft, void* mem, size_t len, size_t* used, Layout* out) {
  Layout l;
  if (!external_fft) {
    KWS_RETURN_IF_ERROR(Radix2RealFft::needed_bytes(OwwMel::kFrameSamples, &l.fft_bytes));
  }
  MemoryCarver c(mem, len);
  l.fft = l.fft_bytes ? c.take_bytes(l.fft_bytes, kMemoryAlignment) : nullptr;
  l.window = c.take<float>(OwwMel::kFrameSamples);
  l.filters = c.take<float>(size_t{OwwMel::kBins} * OwwMel::kSpectrumBins);
  l.bands = c.take<BandT>(OwwMel::kBins);
  l.frame = c.take<float>(OwwMel::kFrameSamples + 2);
  l.spectrum = c.take<float>(OwwMel::kFrameSamples + 2);
  l.power = c.take<float>(OwwMel::kSpectrumBins);
  *used = c.used();
  if (mem != nullptr && !c.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "oww mel: %zu bytes given, %zu needed", len,
                         c.used());
  }
  *out = l;
  return Status::Ok();
}

}  // namespace

Status OwwMel::needed_bytes(size_t* bytes, bool use_external_fft) {
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "oww mel: bytes is null");
  Layout l;
  return layout<Band>(use_external_fft, nullptr, 0, bytes, &l);
}

Status OwwMel::init(void* mem, size_t len, RealFft* fft_override) {
  ready_ = false;
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "oww mel: memory is null or not %zu-byte aligned", kMemoryAlignment);
  }
  if (fft_override != nullptr && fft_override->size() != kFrameSamples) {
    return Status::Error(StatusCode::kInvalidArgument, "oww mel: FFT has %zu points, want %u",
                         fft_override->size(), static_cast<unsigned>(kFrameSamples));
  }
  Layout l;
  size_t used = 0;
  KWS_RETURN_IF_ERROR(layout<Band>(fft_override != nullptr, mem, len, &used, &l));
  fft_override_ = fft_override;
  if (fft_override == nullptr) KWS_RETURN_IF_ERROR(radix2_.init(kFrameSamples, l.fft, l.fft_bytes));
  window_ = l.window;
  filters_ = l.filters;
  bands_ = static_cast<Band*>(l.bands);
  frame_ = l.frame;
  spectrum_ = l.spectrum;
  power_ = l.power;

  for (uint32_t i = 0; i < kFrameSamples; ++i) window_[i] = 0.0f;
  for (uint32_t n = 0; n < kWindowSamples; ++n) {
    window_[kWindowOffset + n] =
        static_cast<float>(0.5 - 0.5 * std::cos(2.0 * kPi * n / kWindowSamples));
  }

  // librosa.filters.mel(sr=16000, n_fft=512, n_mels=32, fmin=60, fmax=3800),
  // Slaney scale and norm: triangles between consecutive mel points, scaled
  // by 2 / (upper - lower edge in Hz).
  double edges[kBins + 2];
  const double mel_lo = hz_to_mel(kFminHz);
  const double mel_hi = hz_to_mel(kFmaxHz);
  for (uint32_t i = 0; i < kBins + 2; ++i) {
    edges[i] = mel_to_hz(mel_lo + (mel_hi - mel_lo) * i / (kBins + 1));
  }
  for (uint32_t m = 0; m < kBins; ++m) {
    const double lower_w = edges[m + 1] - edges[m];
    const double upper_w = edges[m + 2] - edges[m + 1];
    const double norm = 2.0 / (edges[m + 2] - edges[m]);
    uint32_t first = kSpectrumBins;
    uint32_t last = 0;
    for (uint32_t k = 0; k < kSpectrumBins; ++k) {
      const double f = static_cast<double>(k) * kSampleRate / kFrameSamples;
      const double rise = (f - edges[m]) / lower_w;
      const double fall = (edges[m + 2] - f) / upper_w;
      const double w = std::fmax(0.0, std::fmin(rise, fall)) * norm;
      filters_[size_t{m} * kSpectrumBins + k] = static_cast<float>(w);
      if (w > 0.0) {
        if (k < first) first = k;
        last = k;
      }
    }
    bands_[m].first = static_cast<uint16_t>(first < kSpectrumBins ? first : 0);
    bands_[m].count = static_cast<uint16_t>(first < kSpectrumBins ? last - first + 1 : 0);
  }
  ready_ = true;
  return Status::Ok();
}

void OwwMel::frame_db(const int16_t* frame, float* db) {
  for (uint32_t i = 0; i < kFrameSamples; ++i)
    frame_[i] = static_cast<float>(frame[i]) * window_[i];
  if (fft_override_ != nullptr) {
    fft_override_->forward(frame_, spectrum_);
  } else {
    radix2_.forward(frame_, spectrum_);
  }
  for (uint32_t k = 0; k < kSpectrumBins; ++k) {
    const float re = spectrum_[2 * k];
    const float im = spectrum_[2 * k + 1];
    power_[k] = re * re + im * im;
  }
  for (uint32_t m = 0; m < kBins; ++m) {
    const float* w = filters_ + size_t{m} * kSpectrumBins;
    float acc = 0.0f;
    for (uint32_t k = bands_[m].first; k < uint32_t{bands_[m].first} + bands_[m].count; ++k) {
      acc += w[k] * power_[k];
    }
    // 10 * ln(x) / ln(10) in float, divided first: digital silence is exactly -100.
    db[m] = 10.0f * (std::log(acc > 1e-10f ? acc : 1e-10f) / 2.3025851f);
  }
}

void OwwMel::clamp_top_db(float* db, size_t values) {
  if (values == 0) return;
  float peak = db[0];
  for (size_t i = 1; i < values; ++i) peak = db[i] > peak ? db[i] : peak;
  const float floor = peak - kTopDb;
  for (size_t i = 0; i < values; ++i) db[i] = db[i] > floor ? db[i] : floor;
}

Status OwwMel::compute(const int16_t* samples, size_t n, float* out, size_t max_frames,
                       size_t* frames) {
  if (!ready_) return Status::Error(StatusCode::kNotInitialized, "oww mel: not initialized");
  const size_t t = frames_for(n);
  if (frames == nullptr || (t > 0 && (samples == nullptr || out == nullptr))) {
    return Status::Error(StatusCode::kInvalidArgument, "oww mel: null argument");
  }
  if (t > max_frames) {
    return Status::Error(StatusCode::kBufferTooSmall,
                         "oww mel: %zu samples give %zu frames, room for %zu", n, t, max_frames);
  }
  for (size_t f = 0; f < t; ++f) frame_db(samples + f * kHopSamples, out + f * kBins);
  clamp_top_db(out, t * kBins);
  *frames = t;
  return Status::Ok();
}

void OwwMel::transform(float* values, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const float tenth = values[i] / 10.0f;
    values[i] = tenth + 2.0f;
  }
}

}  // namespace kws
