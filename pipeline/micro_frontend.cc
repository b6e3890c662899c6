#include "pipeline/micro_frontend.h"

#include <cmath>
#include <cstring>

#include "pipeline/frontend.h"
#include "pipeline/memory_carver.h"

namespace kws {
namespace {

constexpr int kNoiseBits = 14;       // Q format of the noise smoothing coefficients
constexpr int kPcanSnrBits = 12;     // fractional bits of the PCAN snr
constexpr int kPcanOutputBits = 6;   // fractional bits after the shrink
constexpr int kPcanOctaves = 31;     // LUT segments for noise in [2^1, 2^32)
constexpr int kLogScaleBits = 16;    // log2 values in Q16
constexpr int kLogSegmentBits = 7;   // 128 interpolation segments per octave
constexpr uint32_t kLn2Q16 = 45426;  // round(ln(2) * 2^16)
constexpr uint32_t kLogTableSize = (1u << kLogSegmentBits) + 1;
constexpr uint32_t kMaxFftSize = 4096;

// Bits needed to represent x (0 for 0): the position of the highest set bit, 1-based.
int bit_length(uint64_t x) {
  int n = 0;
  while (x != 0) {
    ++n;
    x >>= 1;
  }
  return n;
}

// Rounded integer square root with the reference's saturation: values below
// 2^32 round within 16 bits (never past 0xFFFF), larger ones within 32 bits.
uint32_t rounded_sqrt(uint64_t num) {
  if (num == 0) return 0;
  // Floor square root by binary digits, then round half up on the remainder.
  uint64_t root = 0;
  uint64_t bit = uint64_t{1} << ((bit_length(num) - 1) & ~1);
  uint64_t rest = num;
  while (bit != 0) {
    if (rest >= root + bit) {
      rest -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  const uint64_t cap = (num >> 32) == 0 ? 0xFFFFu : 0xFFFFFFFFu;
  if (rest > root && root != cap) ++root;
  return static_cast<uint32_t>(root);
}

float freq_to_mel(float hz) { return 1127.0f * log1pf(hz / 700.0f); }

// Q15 fixed-point helpers with kissfft's FIXED_POINT=16 rounding.
int16_t q15_round(int64_t x) { return static_cast<int16_t>((x + (1 << 14)) >> 15); }
int16_t q15_div(int16_t x, int32_t k) { return q15_round(int64_t{x} * (32767 / k)); }
int16_t q15_cos(double phase) {
  return static_cast<int16_t>(std::floor(0.5 + 32767.0 * std::cos(phase)));
}
int16_t q15_sin(double phase) {
  return static_cast<int16_t>(std::floor(0.5 + 32767.0 * std::sin(phase)));
}

}  // namespace

int8_t micro_feature_to_int8(uint16_t value) {
  const int32_t q = (static_cast<int32_t>(value) * 256 + 333) / 666 - 128;
  return static_cast<int8_t>(q < -128 ? -128 : (q > 127 ? 127 : q));
}

Status validate_micro_frontend_config(const FrontendConfig& cfg) {
  const MicroFrontendParams& m = cfg.micro;
  if (cfg.fft_size > kMaxFftSize) {
    return Status::Error(StatusCode::kInvalidArgument, "micro front end: fft_size %u above %u",
                         static_cast<unsigned>(cfg.fft_size), static_cast<unsigned>(kMaxFftSize));
  }
  if (cfg.mel_bins < 1 || cfg.mel_bins > 128) {
    return Status::Error(StatusCode::kInvalidArgument, "micro front end: mel_bins %u out of 1..128",
                         static_cast<unsigned>(cfg.mel_bins));
  }
  if (m.smoothing_bits > 16) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "micro front end: smoothing_bits %u out of 0..16",
                         static_cast<unsigned>(m.smoothing_bits));
  }
  const float unit[3] = {m.even_smoothing, m.odd_smoothing, m.min_signal_remaining};
  for (float v : unit) {
    if (!(v >= 0.0f && v <= 1.0f)) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "micro front end: smoothing/min_signal_remaining %g out of 0..1",
                           static_cast<double>(v));
    }
  }
  if (m.enable_pcan) {
    if (!(m.pcan_strength >= 0.0f && m.pcan_strength <= 4.0f) || !(m.pcan_offset > 0.0f) ||
        !std::isfinite(m.pcan_offset) || m.pcan_gain_bits < 1 || m.pcan_gain_bits > 30) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "micro front end: PCAN strength %g, offset %g or gain_bits %u invalid",
                           static_cast<double>(m.pcan_strength), static_cast<double>(m.pcan_offset),
                           static_cast<unsigned>(m.pcan_gain_bits));
    }
  }
  if (m.log_scale_shift > 16) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "micro front end: log_scale_shift %u out of 0..16",
                         static_cast<unsigned>(m.log_scale_shift));
  }
  return Status::Ok();
}

Status MicroFrontend::layout(const FrontendConfig& cfg, void* mem, size_t len, size_t* used,
                             MicroFrontend* self) {
  const size_t n = cfg.fft_size;
  const size_t bins = n / 2 + 1;
  const size_t channels = cfg.mel_bins;
  MemoryCarver carver(mem, len);
  int16_t* window = carver.take<int16_t>(cfg.window_samples);
  int16_t* fft_in = carver.take<int16_t>(n);
  Cpx* twiddles = carver.take<Cpx>(n / 2);
  Cpx* split_twiddles = carver.take<Cpx>(n / 4);
  Cpx* sub_out = carver.take<Cpx>(n / 2);
  Cpx* spectrum = carver.take<Cpx>(bins);
  int32_t* energy = carver.take<int32_t>(bins);
  Band* bands = carver.take<Band>(channels + 1);
  int16_t* weights = carver.take<int16_t>(bins);
  int16_t* unweights = carver.take<int16_t>(bins);
  uint64_t* accum = carver.take<uint64_t>(channels + 1);
  uint32_t* signal = carver.take<uint32_t>(channels);
  uint32_t* noise = carver.take<uint32_t>(channels);
  PcanSegment* pcan = carver.take<PcanSegment>(kPcanOctaves);
  uint16_t* log_table = carver.take<uint16_t>(kLogTableSize);
  *used = carver.used();
  if (self == nullptr) return Status::Ok();
  if (!carver.fits()) {
    return Status::Error(StatusCode::kBufferTooSmall,
                         "micro front end: %zu bytes given, %zu needed", len, carver.used());
  }
  self->window_ = window;
  self->fft_in_ = fft_in;
  self->twiddles_ = twiddles;
  self->split_twiddles_ = split_twiddles;
  self->sub_out_ = sub_out;
  self->spectrum_ = spectrum;
  self->energy_ = energy;
  self->bands_ = bands;
  self->weights_ = weights;
  self->unweights_ = unweights;
  self->accum_ = accum;
  self->signal_ = signal;
  self->noise_ = noise;
  self->pcan_ = pcan;
  self->log_table_ = log_table;
  return Status::Ok();
}

Status MicroFrontend::needed_bytes(const FrontendConfig& cfg, size_t* bytes) {
  if (bytes == nullptr) {
    return Status::Error(StatusCode::kInvalidArgument, "micro front end: bytes is null");
  }
  KWS_RETURN_IF_ERROR(validate_frontend_config(cfg));
  return layout(cfg, nullptr, 0, bytes, nullptr);
}

Status MicroFrontend::init(const FrontendConfig& cfg, void* mem, size_t len) {
  window_ = nullptr;
  KWS_RETURN_IF_ERROR(validate_frontend_config(cfg));
  if (cfg.features != FeatureType::kMicro) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "micro front end: config features is not 'micro'");
  }
  if (mem == nullptr || !MemoryCarver::aligned(mem)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "micro front end: memory is null or not %zu-byte aligned",
                         kMemoryAlignment);
  }
  size_t used = 0;
  KWS_RETURN_IF_ERROR(layout(cfg, mem, len, &used, this));
  cfg_ = cfg;
  fft_size_ = cfg.fft_size;
  const MicroFrontendParams& m = cfg.micro;

  // Window: Hann sampled at half-sample offsets, Q12, computed in float.
  const float arg = 3.14159265358979323846f * 2.0f / static_cast<float>(cfg.window_samples);
  for (uint32_t i = 0; i < cfg.window_samples; ++i) {
    const float v = 0.5f - 0.5f * cosf(arg * (static_cast<float>(i) + 0.5f));
    window_[i] = static_cast<int16_t>(floorf(v * static_cast<float>(1 << kWindowBits) + 0.5f));
  }

  // FFT plan: the complex half-size FFT factored into radix 4s, then a 2 if needed.
  const uint32_t half = fft_size_ / 2;
  num_stages_ = 0;
  for (uint32_t rest = half; rest > 1;) {
    const uint8_t r = (rest % 4 == 0) ? 4 : 2;
    radix_[num_stages_++] = r;
    rest /= r;
  }
  const double pi = 3.14159265358979323846264338327;
  for (uint32_t i = 0; i < half; ++i) {
    const double phase = -2.0 * pi * static_cast<double>(i) / static_cast<double>(half);
    twiddles_[i] = {q15_cos(phase), q15_sin(phase)};
  }
  for (uint32_t i = 0; i < half / 2; ++i) {
    const double phase = -pi * (static_cast<double>(i + 1) / static_cast<double>(half) + 0.5);
    split_twiddles_[i] = {q15_cos(phase), q15_sin(phase)};
  }

  KWS_RETURN_IF_ERROR(build_filterbank());

  // Noise reduction coefficients in Q14 (float product truncated, as the reference).
  even_smoothing_ = static_cast<uint32_t>(m.even_smoothing * static_cast<float>(1 << kNoiseBits));
  odd_smoothing_ = static_cast<uint32_t>(m.odd_smoothing * static_cast<float>(1 << kNoiseBits));
  min_signal_remaining_ =
      static_cast<uint32_t>(m.min_signal_remaining * static_cast<float>(1 << kNoiseBits));

  // The filterbank output is sqrt(energy) of an FFT scaled by 1/fft_size; these
  // bits bring it back to a common scale for PCAN and the log.
  correction_bits_ = bit_length(fft_size_) - 1 - kFilterbankBits / 2;
  snr_shift_ = static_cast<int>(m.pcan_gain_bits) - correction_bits_ - kPcanSnrBits;
  if (m.enable_pcan && (snr_shift_ < 0 || snr_shift_ > 63)) {
    return Status::Error(StatusCode::kInvalidArgument,
                         "micro front end: pcan gain_bits %u too small for fft_size %u",
                         static_cast<unsigned>(m.pcan_gain_bits), static_cast<unsigned>(fft_size_));
  }
  if (m.enable_pcan) build_pcan_lut();

  // log2(1 + x) - x on 128 segments of [0, 1], Q16.
  for (uint32_t i = 0; i < kLogTableSize; ++i) {
    const double x = static_cast<double>(i) / static_cast<double>(kLogTableSize - 1);
    log_table_[i] = static_cast<uint16_t>(std::floor(65536.0 * (std::log2(1.0 + x) - x) + 0.5));
  }
  reset();
  return Status::Ok();
}

Status MicroFrontend::build_filterbank() {
  const uint32_t channels = cfg_.mel_bins;
  const uint32_t bins = fft_size_ / 2 + 1;
  const float mel_low = freq_to_mel(cfg_.fmin_hz);
  const float mel_high = freq_to_mel(cfg_.fmax_hz);
  const float mel_spacing = (mel_high - mel_low) / static_cast<float>(channels + 1);
  const float hz_per_bin =
      0.5f * static_cast<float>(cfg_.sample_rate) / (static_cast<float>(bins) - 1.0f);
  // DC is always excluded: the first bin is the one nearest fmin, plus one.
  uint32_t bin = static_cast<uint32_t>(1.5f + cfg_.fmin_hz / hz_per_bin);
  uint32_t offset = 0;
  float prev_center = mel_low;
  for (uint32_t c = 0; c <= channels; ++c) {
    const float center = mel_low + mel_spacing * static_cast<float>(c + 1);
    const uint32_t first = bin;
    while (bin < bins && freq_to_mel(static_cast<float>(bin) * hz_per_bin) <= center) ++bin;
    if (bin >= bins) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "micro front end: fmax %g Hz leaves no spectrum bin above the last "
                           "filterbank edge (fft_size %u)",
                           static_cast<double>(cfg_.fmax_hz), static_cast<unsigned>(fft_size_));
    }
    bands_[c] = {static_cast<uint16_t>(first), static_cast<uint16_t>(bin - first),
                 static_cast<uint16_t>(offset)};
    for (uint32_t k = first; k < bin; ++k) {
      const float w =
          (center - freq_to_mel(static_cast<float>(k) * hz_per_bin)) / (center - prev_center);
      const float one = static_cast<float>(1 << kFilterbankBits);
      weights_[offset] = static_cast<int16_t>(floorf(w * one + 0.5f));
      unweights_[offset] = static_cast<int16_t>(floorf((1.0f - w) * one + 0.5f));
      ++offset;
    }
    prev_center = center;
  }
  return Status::Ok();
}

void MicroFrontend::build_pcan_lut() {
  const MicroFrontendParams& m = cfg_.micro;
  const int input_bits = static_cast<int>(m.smoothing_bits) - correction_bits_;
  const float gain_one = static_cast<float>(uint32_t{1} << m.pcan_gain_bits);
  auto gain = [&](uint32_t x) -> int16_t {
    const float xf = input_bits >= 0
                         ? static_cast<float>(x) / static_cast<float>(1u << input_bits)
                         : static_cast<float>(x) * static_cast<float>(1u << -input_bits);
    const float g = gain_one * powf(xf + m.pcan_offset, -m.pcan_strength);
    if (g > 32767.0f) return 32767;
    return static_cast<int16_t>(g + 0.5f);
  };
  pcan_small_[0] = gain(0);
  pcan_small_[1] = gain(1);
  // Octave [2^(k-1), 2^k), k = 2..32: a quadratic through the gains at its
  // start, middle and end (the last octave ends at 2^32 - 1).
  for (int k = 2; k <= 32; ++k) {
    const uint32_t x0 = uint32_t{1} << (k - 1);
    const uint32_t x1 = x0 + (x0 >> 1);
    const uint32_t x2 = k == 32 ? x0 + (x0 - 1) : 2 * x0;
    const int32_t y0 = gain(x0);
    const int32_t d1 = gain(x1) - y0;
    const int32_t d2 = gain(x2) - y0;
    const int32_t a1 = 4 * d1 - d2;
    const int32_t a2 = d2 - a1;
    pcan_[k - 2] = {static_cast<int16_t>(y0), static_cast<int16_t>(a1), static_cast<int16_t>(a2)};
  }
}

int16_t MicroFrontend::pcan_gain(uint32_t noise) const {
  if (noise < 2) return pcan_small_[noise];
  const int k = bit_length(noise);  // noise in [2^(k-1), 2^k)
  const PcanSegment& s = pcan_[k - 2];
  // Position inside the octave, 10 bits.
  const int32_t t =
      static_cast<int32_t>((k < 11 ? (noise << (11 - k)) : (noise >> (k - 11))) & 0x3FF);
  int64_t r = (int64_t{s.a2} * t) >> 5;
  r += int64_t{s.a1} * 32;
  r = static_cast<int32_t>(r * t);
  r = (r + (1 << 14)) >> 15;
  r += s.y0;
  return static_cast<int16_t>(r);
}

uint16_t MicroFrontend::log_scale(uint32_t x) const {
  // x > 1. log2(x) in Q16: integer part from the top bit, fraction from the
  // table: frac + table(frac) ~ 2^16 log2(1 + frac / 2^16).
  const uint32_t integer = static_cast<uint32_t>(bit_length(x) - 1);
  int32_t frac = static_cast<int32_t>(x - (uint32_t{1} << integer));
  if (integer < kLogScaleBits) {
    frac = static_cast<int32_t>(static_cast<uint32_t>(frac) << (kLogScaleBits - integer));
  } else {
    frac >>= (integer - kLogScaleBits);
  }
  const uint32_t seg = static_cast<uint32_t>(frac) >> (kLogScaleBits - kLogSegmentBits);
  const int32_t c0 = log_table_[seg];
  const int32_t c1 = log_table_[seg + 1];
  const int32_t seg_start = static_cast<int32_t>(seg << (kLogScaleBits - kLogSegmentBits));
  const int32_t interp = ((c1 - c0) * (frac - seg_start)) >> kLogScaleBits;
  const uint32_t log2 = (integer << kLogScaleBits) + static_cast<uint32_t>(frac + c0 + interp);
  const uint32_t half = 1u << (kLogScaleBits - 1);
  const uint32_t ln = static_cast<uint32_t>((uint64_t{kLn2Q16} * log2 + half) >> kLogScaleBits);
  const uint32_t scaled = ((ln << cfg_.micro.log_scale_shift) + half) >> kLogScaleBits;
  return static_cast<uint16_t>(scaled < 0xFFFFu ? scaled : 0xFFFFu);
}

void MicroFrontend::reset() {
  if (noise_ != nullptr) std::memset(noise_, 0, sizeof(uint32_t) * cfg_.mel_bins);
}

// Decimation in time over the stages from `stage` on: out[0..n) is the DFT of
// in[0], in[stride], ..., each butterfly input scaled by 1/radix in Q15.
// The input is the real frame read as complex pairs (even sample = re, odd = im).
void MicroFrontend::complex_fft(const int16_t* in, Cpx* out, uint32_t n, uint32_t stride,
                                uint32_t stage) {
  const uint32_t p = radix_[stage];
  const uint32_t m = n / p;
  for (uint32_t q = 0; q < p; ++q) {
    if (m == 1) {
      out[q] = {in[2 * q * stride], in[2 * q * stride + 1]};
    } else {
      complex_fft(in + 2 * q * stride, out + q * m, m, stride * p, stage + 1);
    }
  }
  auto mul = [](Cpx a, Cpx b) -> Cpx {
    return {q15_round(int64_t{a.r} * b.r - int64_t{a.i} * b.i),
            q15_round(int64_t{a.r} * b.i + int64_t{a.i} * b.r)};
  };
  auto scale = [p](Cpx* c) {
    c->r = q15_div(c->r, static_cast<int32_t>(p));
    c->i = q15_div(c->i, static_cast<int32_t>(p));
  };
  auto s16 = [](int32_t v) { return static_cast<int16_t>(v); };
  if (p == 2) {
    for (uint32_t k = 0; k < m; ++k) {
      Cpx& a = out[k];
      Cpx& b = out[k + m];
      scale(&a);
      scale(&b);
      const Cpx t = mul(b, twiddles_[k * stride]);
      b = {s16(a.r - t.r), s16(a.i - t.i)};
      a = {s16(a.r + t.r), s16(a.i + t.i)};
    }
    return;
  }
  for (uint32_t k = 0; k < m; ++k) {
    Cpx& a0 = out[k];
    Cpx& a1 = out[k + m];
    Cpx& a2 = out[k + 2 * m];
    Cpx& a3 = out[k + 3 * m];
    scale(&a0);
    scale(&a1);
    scale(&a2);
    scale(&a3);
    const Cpx t1 = mul(a1, twiddles_[k * stride]);
    const Cpx t2 = mul(a2, twiddles_[2 * k * stride]);
    const Cpx t3 = mul(a3, twiddles_[3 * k * stride]);
    const Cpx diff02 = {s16(a0.r - t2.r), s16(a0.i - t2.i)};
    const Cpx sum02 = {s16(a0.r + t2.r), s16(a0.i + t2.i)};
    const Cpx sum13 = {s16(t1.r + t3.r), s16(t1.i + t3.i)};
    const Cpx diff13 = {s16(t1.r - t3.r), s16(t1.i - t3.i)};
    a2 = {s16(sum02.r - sum13.r), s16(sum02.i - sum13.i)};
    a0 = {s16(sum02.r + sum13.r), s16(sum02.i + sum13.i)};
    a1 = {s16(diff02.r + diff13.i), s16(diff02.i - diff13.r)};
    a3 = {s16(diff02.r - diff13.i), s16(diff02.i + diff13.r)};
  }
}

void MicroFrontend::fft() {
  const uint32_t half = fft_size_ / 2;
  complex_fft(fft_in_, sub_out_, half, 1, 0);
  // Split the packed transform into the real signal's spectrum.
  Cpx* out = spectrum_;
  const int16_t dc_r = q15_div(sub_out_[0].r, 2);
  const int16_t dc_i = q15_div(sub_out_[0].i, 2);
  out[0] = {static_cast<int16_t>(dc_r + dc_i), 0};
  out[half] = {static_cast<int16_t>(dc_r - dc_i), 0};
  for (uint32_t k = 1; k <= half / 2; ++k) {
    const Cpx fk = {q15_div(sub_out_[k].r, 2), q15_div(sub_out_[k].i, 2)};
    const Cpx fnk = {q15_div(sub_out_[half - k].r, 2),
                     q15_div(static_cast<int16_t>(-sub_out_[half - k].i), 2)};
    const Cpx f1 = {static_cast<int16_t>(fk.r + fnk.r), static_cast<int16_t>(fk.i + fnk.i)};
    const Cpx f2 = {static_cast<int16_t>(fk.r - fnk.r), static_cast<int16_t>(fk.i - fnk.i)};
    const Cpx w = split_twiddles_[k - 1];
    const Cpx t = {q15_round(int64_t{f2.r} * w.r - int64_t{f2.i} * w.i),
                   q15_round(int64_t{f2.r} * w.i + int64_t{f2.i} * w.r)};
    out[k] = {static_cast<int16_t>((f1.r + t.r) >> 1), static_cast<int16_t>((f1.i + t.i) >> 1)};
    out[half - k] = {static_cast<int16_t>((f1.r - t.r) >> 1),
                     static_cast<int16_t>((t.i - f1.i) >> 1)};
  }
}

void MicroFrontend::compute(const int16_t* frame, int8_t* features, uint16_t* raw) {
  const uint32_t size = cfg_.window_samples;
  const uint32_t channels = cfg_.mel_bins;
  const MicroFrontendParams& m = cfg_.micro;

  // 1. Window, tracking the peak to scale the FFT input to 15 bits.
  int16_t peak = 0;
  for (uint32_t i = 0; i < size; ++i) {
    const int16_t v = static_cast<int16_t>((int32_t{frame[i]} * window_[i]) >> kWindowBits);
    fft_in_[i] = v;
    // |v| in int16 (|-32768| wraps and never counts as the peak, as in the reference).
    const int16_t mag = static_cast<int16_t>(v < 0 ? -v : v);
    if (mag > peak) peak = mag;
  }
  const int shift = 15 - bit_length(static_cast<uint32_t>(peak));
  last_shift_ = shift;
  for (uint32_t i = 0; i < size; ++i) {
    fft_in_[i] =
        static_cast<int16_t>(static_cast<uint16_t>(static_cast<uint16_t>(fft_in_[i]) << shift));
  }
  for (uint32_t i = size; i < fft_size_; ++i) fft_in_[i] = 0;

  // 2. Fixed-point FFT.
  fft();

  // 3. Energies, filterbank, square root.
  const uint32_t first = bands_[0].first_bin;
  const uint32_t end = bands_[channels].first_bin + bands_[channels].num_bins;
  for (uint32_t k = first; k < end; ++k) {
    const int32_t re = spectrum_[k].r;
    const int32_t im = spectrum_[k].i;
    const uint32_t e = static_cast<uint32_t>(re * re) + static_cast<uint32_t>(im * im);
    energy_[k] = static_cast<int32_t>(e);
  }
  uint64_t rising = 0;
  for (uint32_t c = 0; c <= channels; ++c) {
    const Band& b = bands_[c];
    uint64_t falling = 0;
    for (uint32_t j = 0; j < b.num_bins; ++j) {
      // int32 energy widened with sign extension, as the reference does.
      const uint64_t e = static_cast<uint64_t>(static_cast<int64_t>(energy_[b.first_bin + j]));
      rising += static_cast<uint64_t>(weights_[b.weight_offset + j]) * e;
      falling += static_cast<uint64_t>(unweights_[b.weight_offset + j]) * e;
    }
    accum_[c] = rising;
    rising = falling;
  }
  for (uint32_t c = 0; c < channels; ++c) signal_[c] = rounded_sqrt(accum_[c + 1]) >> shift;

  // 4. Noise reduction.
  for (uint32_t c = 0; c < channels; ++c) {
    const uint32_t smoothing = (c & 1) == 0 ? even_smoothing_ : odd_smoothing_;
    const uint32_t keep = (1u << kNoiseBits) - smoothing;
    const uint32_t scaled = signal_[c] << m.smoothing_bits;
    uint32_t estimate = static_cast<uint32_t>(
        (uint64_t{scaled} * smoothing + uint64_t{noise_[c]} * keep) >> kNoiseBits);
    noise_[c] = estimate;
    if (estimate > scaled) estimate = scaled;
    const uint32_t floor =
        static_cast<uint32_t>((uint64_t{signal_[c]} * min_signal_remaining_) >> kNoiseBits);
    const uint32_t subtracted = (scaled - estimate) >> m.smoothing_bits;
    signal_[c] = subtracted > floor ? subtracted : floor;
  }

  // 5. PCAN gain control.
  if (m.enable_pcan) {
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t gain = static_cast<uint32_t>(static_cast<int32_t>(pcan_gain(noise_[c])));
      const uint32_t snr = static_cast<uint32_t>((uint64_t{signal_[c]} * gain) >> snr_shift_);
      signal_[c] = snr < (2u << kPcanSnrBits)
                       ? (snr * snr) >> (2 + 2 * kPcanSnrBits - kPcanOutputBits)
                       : (snr >> (kPcanSnrBits - kPcanOutputBits)) - (1u << kPcanOutputBits);
    }
  }

  // 6. Log scale, then the int8 model input.
  for (uint32_t c = 0; c < channels; ++c) {
    uint32_t v = signal_[c];
    v = correction_bits_ < 0 ? v >> -correction_bits_ : v << correction_bits_;
    const uint16_t out = v > 1 ? log_scale(v) : 0;
    if (raw != nullptr) raw[c] = out;
    features[c] = micro_feature_to_int8(out);
  }
}

}  // namespace kws
