#include "pipeline/frontend.h"

#include <cmath>
#include <cstring>

#include "pipeline/memory_carver.h"
#include "pipeline/micro_frontend.h"

// 0: this build cannot compute the constant tables (no double log/cos in the
// image, e.g. the firmware, which is given them precomputed in flash); init()
// then requires FrontendTables. 1 (default): computed when not given.
#ifndef KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
#define KWS_PIPELINE_COMPUTE_FRONTEND_TABLES 1
#endif

namespace kws {
namespace {

#if KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
constexpr double kPi = 3.14159265358979323846;

double hz_to_mel(double hz) { return 1127.0 * std::log(1.0 + hz / 700.0); }

// TensorFlow's linear_to_mel_weight_matrix entry for mel band m and spectrum bin k.
double tf_mel_weight(const FrontendConfig& cfg, uint32_t m, uint32_t k) {
  if (k == 0) return 0.0;  // TF zeroes the DC bin ("bands_to_zero" = 1)
  const uint32_t num_bins = cfg.fft_size / 2 + 1;
  const double nyquist = static_cast<double>(cfg.sample_rate) / 2.0;
  const double bin_mel =
      hz_to_mel(nyquist * static_cast<double>(k) / static_cast<double>(num_bins - 1));
  const double lo = hz_to_mel(static_cast<double>(cfg.fmin_hz));
  const double hi = hz_to_mel(static_cast<double>(cfg.fmax_hz));
  const double step = (hi - lo) / static_cast<double>(cfg.mel_bins + 1);
  const double left = lo + step * static_cast<double>(m);
  const double center = lo + step * static_cast<double>(m + 1);
  const double right = lo + step * static_cast<double>(m + 2);
  const double rising = (bin_mel - left) / (center - left);
  const double falling = (right - bin_mel) / (right - center);
  const double w = rising < falling ? rising : falling;
  return w > 0.0 ? w : 0.0;
}

// Upper bound of the stored mel weights: every bin lies under at most two
// adjacent triangles, and only bins between fmin and fmax (one bin of slack
// each side for rounding) can have a positive weight. layout() checks it.
uint32_t mel_weight_capacity(const FrontendConfig& cfg) {
  const uint32_t last_bin = cfg.fft_size / 2;
  const double bin_hz = static_cast<double>(cfg.sample_rate) / static_cast<double>(cfg.fft_size);
  const double lo = std::floor(static_cast<double>(cfg.fmin_hz) / bin_hz) - 1.0;
  const double hi = std::ceil(static_cast<double>(cfg.fmax_hz) / bin_hz) + 1.0;
  const uint32_t first = lo < 1.0 ? 1u : static_cast<uint32_t>(lo);
  const uint32_t last = hi > static_cast<double>(last_bin) ? last_bin : static_cast<uint32_t>(hi);
  return last < first ? 0u : 2 * (last - first + 1);
}

#endif  // KWS_PIPELINE_COMPUTE_FRONTEND_TABLES

}  // namespace

Status validate_frontend_config(const FrontendConfig& cfg) {
  if (cfg.sample_rate < 1000 || cfg.sample_rate > 192000) {
    return Status::Error(StatusCode::kInvalidArgument, "sample_rate %u out of 1000..192000",
                         static_cast<unsigned>(cfg.sample_rate));
  }
  if (!is_power_of_two(cfg.fft_size) || cfg.fft_size < Radix2RealFft::kMinSize ||
      cfg.fft_size > Radix2RealFft::kMaxSize) {
    return Status::Error(
        StatusCode::kInvalidArgument, "fft_size %u is not a power of two in %zu..%zu",
        static_cast<unsigned>(cfg.fft_size), Radix2RealFft::kMinSize, Radix2RealFft::kMaxSize);
  }
  if (cfg.window_samples == 0 || cfg.window_samples > cfg.fft_size) {
    return Status::Error(StatusCode::kInvalidArgument, "window_samples %u out of 1..fft_size (%u)",
                         static_cast<unsigned>(cfg.window_samples),
                         static_cast<unsigned>(cfg.fft_size));
  }
  if (cfg.hop_samples == 0 || cfg.hop_samples > cfg.sample_rate) {
    return Status::Error(StatusCode::kInvalidArgument, "hop_samples %u out of 1..sample_rate",
                         static_cast<unsigned>(cfg.hop_samples));
  }
  if (cfg.window != WindowFunction::kHann && cfg.window != WindowFunction::kHamming &&
      cfg.window != WindowFunction::kRectangular) {
    return Status::Error(StatusCode::kInvalidArgument, "window function %d unknown",
                         static_cast<int>(cfg.window));
  }
  if (cfg.spectrum != SpectrumType::kMagnitude && cfg.spectrum != SpectrumType::kPower) {
    return Status::Error(StatusCode::kInvalidArgument, "spectrum type %d unknown",
                         static_cast<int>(cfg.spectrum));
  }
  if (cfg.mel_bins == 0 || cfg.mel_bins > 256) {
    return Status::Error(StatusCode::kInvalidArgument, "mel_bins %u out of 1..256",
                         static_cast<unsigned>(cfg.mel_bins));
  }
  const float nyquist = static_cast<float>(cfg.sample_rate) / 2.0f;
  if (!std::isfinite(cfg.fmin_hz) || !std::isfinite(cfg.fmax_hz) || cfg.fmin_hz < 0.0f ||
      cfg.fmin_hz >= cfg.fmax_hz || cfg.fmax_hz > nyquist) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "fmin/fmax %g/%g Hz must satisfy 0 <= fmin < fmax <= %g",
                         static_cast<double>(cfg.fmin_hz), static_cast<double>(cfg.fmax_hz),
                         static_cast<double>(nyquist));
  }
  if (!std::isfinite(cfg.log_offset) || cfg.log_offset <= 0.0f) {
    return Status::Error(StatusCode::kInvalidArgument, "log_offset %g must be > 0",
                         static_cast<double>(cfg.log_offset));
  }
  if (cfg.features != FeatureType::kMfcc && cfg.features != FeatureType::kLogMel &&
      cfg.features != FeatureType::kMicro) {
    return Status::Error(StatusCode::kInvalidArgument, "feature type %d unknown",
                         static_cast<int>(cfg.features));
  }
  if (cfg.features == FeatureType::kMicro) KWS_RETURN_IF_ERROR(validate_micro_frontend_config(cfg));
  if (cfg.features == FeatureType::kMfcc && (cfg.num_mfcc == 0 || cfg.num_mfcc > cfg.mel_bins)) {
    return Status::Error(StatusCode::kInvalidArgument, "num_mfcc %u out of 1..mel_bins (%u)",
                         static_cast<unsigned>(cfg.num_mfcc), static_cast<unsigned>(cfg.mel_bins));
  }
  if (!std::isfinite(cfg.quant_scale) || cfg.quant_scale <= 0.0f) {
    return Status::Error(StatusCode::kInvalidArgument, "quant_scale %g must be > 0",
                         static_cast<double>(cfg.quant_scale));
  }
  if (cfg.quant_rounding != QuantRounding::kHalfAwayFromZero &&
      cfg.quant_rounding != QuantRounding::kTruncate) {
    return Status::Error(StatusCode::kInvalidArgument, "quant rounding %d unknown",
                         static_cast<int>(cfg.quant_rounding));
  }
  if (cfg.quant_zero_point < -128 || cfg.quant_zero_point > 127) {
    return Status::Error(StatusCode::kInvalidArgument, "quant_zero_point %d out of -128..127",
                         static_cast<int>(cfg.quant_zero_point));
  }
  return Status::Ok();
}

int8_t quantize_feature(float value, float scale, int32_t zero_point, QuantRounding rounding) {
  const float scaled = value / scale;
  if (std::isnan(scaled)) return static_cast<int8_t>(zero_point);
  // Clamp before converting so huge values (or inf) cannot overflow the int conversion.
  if (scaled >= 512.0f) return 127;
  if (scaled <= -512.0f) return -128;
  int32_t q = 0;
  switch (rounding) {
    case QuantRounding::kHalfAwayFromZero:
      q = zero_point + static_cast<int32_t>(std::round(scaled));
      break;
    case QuantRounding::kTruncate:
      q = static_cast<int32_t>(std::trunc(scaled + static_cast<float>(zero_point)));
      break;
  }
  return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
}

Status check_frontend_tables(const FrontendConfig& cfg, const FrontendTables& t,
                             bool use_external_fft) {
  const auto differs = [](const char* what, unsigned tables, unsigned config) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "frontend: precomputed tables are for %s %u, the config has %u", what,
                         tables, config);
  };
  if (t.sample_rate != cfg.sample_rate)
    return differs("sample_rate", t.sample_rate, cfg.sample_rate);
  if (t.window_samples != cfg.window_samples)
    return differs("window_samples", t.window_samples, cfg.window_samples);
  if (t.fft_size != cfg.fft_size) return differs("fft_size", t.fft_size, cfg.fft_size);
  if (t.window != cfg.window) {
    return differs("window function", static_cast<unsigned>(t.window),
                   static_cast<unsigned>(cfg.window));
  }
  if (t.mel_bins != cfg.mel_bins) return differs("mel_bins", t.mel_bins, cfg.mel_bins);
  if (t.fmin_hz != cfg.fmin_hz || t.fmax_hz != cfg.fmax_hz) {
    // In mHz as integers: the firmware's printf (newlib-nano) prints no floats.
    const auto mhz = [](float hz) { return static_cast<unsigned long>(hz * 1000.0f + 0.5f); };
    return Status::Error(StatusCode::kInvalidArgument,
                         "frontend: precomputed tables are for fmin/fmax %lu/%lu mHz, the config "
                         "has %lu/%lu mHz",
                         mhz(t.fmin_hz), mhz(t.fmax_hz), mhz(cfg.fmin_hz), mhz(cfg.fmax_hz));
  }
  if (t.features != cfg.features) {
    return differs("feature type", static_cast<unsigned>(t.features),
                   static_cast<unsigned>(cfg.features));
  }
  const bool mfcc = cfg.features == FeatureType::kMfcc;
  if (mfcc && t.num_mfcc != cfg.num_mfcc) return differs("num_mfcc", t.num_mfcc, cfg.num_mfcc);
  if (t.window_coefficients == nullptr || t.mel_bands == nullptr ||
      (t.mel_weights == nullptr && t.mel_weight_count != 0) || (mfcc && t.dct == nullptr) ||
      (!use_external_fft && (t.fft_bitrev == nullptr || t.fft_twiddles == nullptr))) {
    return Status::Error(StatusCode::kInvalidArgument, "frontend: precomputed tables incomplete");
  }
  const uint32_t num_bins = cfg.fft_size / 2 + 1;
  for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
    const FrontendTables::MelBand& b = t.mel_bands[m];
    if (b.num_bins == 0) continue;
    if (b.first_bin >= num_bins || b.num_bins > num_bins - b.first_bin ||
        b.weight_offset > t.mel_weight_count || b.num_bins > t.mel_weight_count - b.weight_offset) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "frontend: precomputed mel band %u is out of range",
                           static_cast<unsigned>(m));
    }
  }
  return Status::Ok();
}

Status Frontend::layout(const FrontendConfig& cfg, bool use_external_fft,
                        const FrontendTables* tables, void* mem, size_t len, size_t* used,
                        Frontend* self) {
  // Given tables are used in place: only the per-frame buffers are laid out.
  const bool computed = tables == nullptr;
  MemoryCarver carver(mem, len);
  void* fft_mem = nullptr;
  size_t fft_bytes = 0;
  if (!use_external_fft && computed) {
    KWS_RETURN_IF_ERROR(Radix2RealFft::needed_bytes(cfg.fft_size, &fft_bytes));
    fft_mem = carver.take_bytes(fft_bytes, kMemoryAlignment);
  }
  float* window = computed ? carver.take<float>(cfg.window_samples) : nullptr;
  // The portable FFT runs in place: input and bins share one buffer. An
  // external FFT (RealFft) reads and writes separate ones.
  float* fft_out = carver.take<float>(cfg.fft_size + 2);
  float* fft_in = use_external_fft ? carver.take<float>(cfg.fft_size) : fft_out;
  MelBand* bands = nullptr;
  float* mel_weights = nullptr;
  uint32_t weight_capacity = 0;
#if KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
  if (computed) {
    bands = carver.take<MelBand>(cfg.mel_bins);
    weight_capacity = mel_weight_capacity(cfg);
    mel_weights = carver.take<float>(weight_capacity);
  }
#endif
  float* log_mel = carver.take<float>(cfg.mel_bins);
  float* dct = nullptr;
  if (cfg.features == FeatureType::kMfcc && computed)
    dct = carver.take<float>(size_t{cfg.num_mfcc} * cfg.mel_bins);
  // log-mel features are the log_mel values themselves.
  float* values =
      cfg.features == FeatureType::kMfcc ? carver.take<float>(cfg.feature_dim()) : log_mel;
  *used = carver.used();
  if (self == nullptr) return Status::Ok();
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall, "frontend: %zu bytes given, %zu needed", len,
                         carver.used());
  }

  self->cfg_ = cfg;
  self->input_scale_ = 1.0f / 32768.0f;
  self->window_ = nullptr;  // compute() does nothing unless init succeeds
  std::memset(fft_in, 0, sizeof(float) * cfg.fft_size);
  self->fft_in_ = fft_in;
  self->fft_out_ = fft_out;
  self->spectrum_ = fft_out;  // |X[k]| overwrites the bins it is computed from
  self->log_mel_ = log_mel;
  self->values_ = values;
  if (!computed) {
    if (!use_external_fft) {
      KWS_RETURN_IF_ERROR(
          self->own_fft_.init_with_tables(cfg.fft_size, tables->fft_bitrev, tables->fft_twiddles));
    }
    self->window_ = tables->window_coefficients;
    self->bands_ = tables->mel_bands;
    self->mel_weights_ = tables->mel_weights;
    self->dct_ = cfg.features == FeatureType::kMfcc ? tables->dct : nullptr;
    return Status::Ok();
  }
#if !KWS_PIPELINE_COMPUTE_FRONTEND_TABLES
  (void)fft_mem, (void)window, (void)bands, (void)mel_weights, (void)weight_capacity, (void)dct;
  return Status::Error(StatusCode::kInternal, "frontend: no tables");  // refused by check_tables
#else
  const uint32_t num_bins = cfg.fft_size / 2 + 1;
  if (!use_external_fft) {
    KWS_RETURN_IF_ERROR(self->own_fft_.init(cfg.fft_size, fft_mem, fft_bytes));
  }
  for (uint32_t n = 0; n < cfg.window_samples; ++n) {
    const double phase =
        2.0 * kPi * static_cast<double>(n) / static_cast<double>(cfg.window_samples);
    double w = 1.0;
    if (cfg.window == WindowFunction::kHann) w = 0.5 - 0.5 * std::cos(phase);
    if (cfg.window == WindowFunction::kHamming) w = 0.54 - 0.46 * std::cos(phase);
    window[n] = static_cast<float>(w);
  }
  uint32_t offset = 0;
  for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
    uint32_t first = num_bins;
    uint32_t last = 0;
    for (uint32_t k = 0; k < num_bins; ++k) {
      if (tf_mel_weight(cfg, m, k) > 0.0) {
        if (first == num_bins) first = k;
        last = k;
      }
    }
    MelBand& band = bands[m];
    band.weight_offset = offset;
    if (first == num_bins) {  // band narrower than a bin: contributes nothing
      band.first_bin = 0;
      band.num_bins = 0;
      continue;
    }
    band.first_bin = first;
    band.num_bins = last - first + 1;
    if (offset + band.num_bins > weight_capacity) {
      return Status::Error(StatusCode::kInternal, "frontend: mel weights exceed their bound");
    }
    for (uint32_t k = first; k <= last; ++k) {
      mel_weights[offset++] = static_cast<float>(tf_mel_weight(cfg, m, k));
    }
  }
  if (dct != nullptr) {
    const double m_count = static_cast<double>(cfg.mel_bins);
    const double norm = 1.0 / std::sqrt(2.0 * m_count);
    for (uint32_t j = 0; j < cfg.num_mfcc; ++j) {
      for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
        const double c = std::cos(kPi * static_cast<double>(j) *
                                  (2.0 * static_cast<double>(m) + 1.0) / (2.0 * m_count));
        dct[j * cfg.mel_bins + m] = static_cast<float>(2.0 * c * norm);
      }
    }
  }
  self->window_ = window;
  self->bands_ = bands;
  self->mel_weights_ = mel_weights;
  self->dct_ = dct;
  return Status::Ok();
#endif
}

namespace {
Status refuse_micro(const FrontendConfig& cfg) {
  if (cfg.features != FeatureType::kMicro) return Status::Ok();
  return Status::Error(StatusCode::kInvalidArgument,
                       "frontend: features 'micro' are computed by MicroFrontend");
}

Status check_tables(const FrontendConfig& cfg, const FrontendTables* tables,
                    bool use_external_fft) {
  if (tables != nullptr) return check_frontend_tables(cfg, *tables, use_external_fft);
  if (KWS_PIPELINE_COMPUTE_FRONTEND_TABLES == 0) {
    return Status::Error(StatusCode::kUnsupported,
                         "frontend: this build computes no tables "
                         "(KWS_PIPELINE_COMPUTE_FRONTEND_TABLES=0); give precomputed ones");
  }
  return Status::Ok();
}
}  // namespace

Status Frontend::needed_bytes(const FrontendConfig& cfg, bool use_external_fft, size_t* bytes,
                              const FrontendTables* tables) {
  KWS_RETURN_IF_ERROR(validate_frontend_config(cfg));
  KWS_RETURN_IF_ERROR(refuse_micro(cfg));
  KWS_RETURN_IF_ERROR(check_tables(cfg, tables, use_external_fft));
  if (bytes == nullptr)
    return Status::Error(StatusCode::kInvalidArgument, "frontend: bytes is null");
  return layout(cfg, use_external_fft, tables, nullptr, 0, bytes, nullptr);
}

Status Frontend::init(const FrontendConfig& cfg, void* mem, size_t len, RealFft* fft,
                      const FrontendTables* tables) {
  KWS_RETURN_IF_ERROR(validate_frontend_config(cfg));
  KWS_RETURN_IF_ERROR(refuse_micro(cfg));
  KWS_RETURN_IF_ERROR(check_tables(cfg, tables, fft != nullptr));
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument, "frontend: memory is null or misaligned");
  }
  if (fft != nullptr && fft->size() != cfg.fft_size) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "frontend: external FFT has size %zu, not %u", fft->size(),
                         static_cast<unsigned>(cfg.fft_size));
  }
  fft_ = fft;
  size_t used = 0;
  return layout(cfg, fft != nullptr, tables, mem, len, &used, this);
}

FrontendTables Frontend::tables() const {
  FrontendTables t{};
  t.sample_rate = cfg_.sample_rate;
  t.window_samples = cfg_.window_samples;
  t.fft_size = cfg_.fft_size;
  t.window = cfg_.window;
  t.mel_bins = cfg_.mel_bins;
  t.fmin_hz = cfg_.fmin_hz;
  t.fmax_hz = cfg_.fmax_hz;
  t.features = cfg_.features;
  t.num_mfcc = cfg_.features == FeatureType::kMfcc ? cfg_.num_mfcc : 0;
  t.window_coefficients = window_;
  t.fft_bitrev = fft_ == nullptr ? own_fft_.bitrev() : nullptr;
  t.fft_twiddles = fft_ == nullptr ? own_fft_.twiddles() : nullptr;
  t.mel_bands = bands_;
  t.mel_weights = mel_weights_;
  for (uint32_t m = 0; bands_ != nullptr && m < cfg_.mel_bins; ++m) {
    const uint32_t end = bands_[m].weight_offset + bands_[m].num_bins;
    if (end > t.mel_weight_count) t.mel_weight_count = end;
  }
  t.dct = dct_;
  return t;
}

float Frontend::mel_weight(uint32_t m, uint32_t k) const {
  if (bands_ == nullptr || m >= cfg_.mel_bins) return 0.0f;
  const MelBand& band = bands_[m];
  if (k < band.first_bin || k >= band.first_bin + band.num_bins) return 0.0f;
  return mel_weights_[band.weight_offset + (k - band.first_bin)];
}

void Frontend::compute(const int16_t* frame, int8_t* features, float* values) {
  if (window_ == nullptr) return;
  const uint32_t num_bins = cfg_.fft_size / 2 + 1;
  for (uint32_t n = 0; n < cfg_.window_samples; ++n) {
    fft_in_[n] = static_cast<float>(frame[n]) * input_scale_ * window_[n];
  }
  if (fft_ != nullptr) {
    // fft_in_[window_samples..fft_size) stays zero from init.
    fft_->forward(fft_in_, fft_out_);
  } else {
    // In place: the previous frame's bins overwrote the zero padding.
    std::memset(fft_in_ + cfg_.window_samples, 0,
                sizeof(float) * (cfg_.fft_size - cfg_.window_samples));
    own_fft_.forward_in_place(fft_out_);
  }
  // In place as well: bin k is read before spectrum_[k] (index k <= 2k) is written.
  for (uint32_t k = 0; k < num_bins; ++k) {
    const float re = fft_out_[2 * k];
    const float im = fft_out_[2 * k + 1];
    const float power = re * re + im * im;
    spectrum_[k] = cfg_.spectrum == SpectrumType::kPower ? power : std::sqrt(power);
  }
  for (uint32_t m = 0; m < cfg_.mel_bins; ++m) {
    const MelBand& band = bands_[m];
    const float* w = mel_weights_ + band.weight_offset;
    const float* s = spectrum_ + band.first_bin;
    float acc = 0.0f;
    for (uint32_t i = 0; i < band.num_bins; ++i) acc += w[i] * s[i];
    log_mel_[m] = std::log(acc + cfg_.log_offset);
  }
  const uint32_t dim = cfg_.feature_dim();
  if (cfg_.features == FeatureType::kMfcc) {
    for (uint32_t j = 0; j < dim; ++j) {
      const float* row = dct_ + j * cfg_.mel_bins;
      float acc = 0.0f;
      for (uint32_t m = 0; m < cfg_.mel_bins; ++m) acc += row[m] * log_mel_[m];
      values_[j] = acc;
    }
  }  // log-mel: values_ is log_mel_
  for (uint32_t j = 0; j < dim; ++j) {
    features[j] =
        quantize_feature(values_[j], cfg_.quant_scale, cfg_.quant_zero_point, cfg_.quant_rounding);
  }
  if (values != nullptr) std::memcpy(values, values_, sizeof(float) * dim);
}

}  // namespace kws
