// The TFLite Micro "micro front end" (tflite-micro experimental/microfrontend),
// re-implemented from its published algorithm with the same integer arithmetic,
// so models trained on its features (micro_speech, microWakeWord) see the
// values they were trained on. Per window of window_samples int16 samples:
//
//   1. window: int16 x Hann coefficients in Q12 (w[n] = 0.5 - 0.5 cos(2 pi (n+0.5)/N),
//      rounded), >> 12; the largest |value| gives a shift that scales the
//      frame up to use all 15 bits before the FFT.
//   2. FFT: fixed-point int16 real FFT of fft_size points computed the way
//      kissfft's FIXED_POINT=16 build does (an fft_size/2 complex FFT with
//      radix-4 (and one radix-2) decimation-in-time stages, each input scaled
//      by 1/radix with Q15 rounding, then the real-FFT split with its own /2
//      scalings), so the integer rounding matches bit for bit.
//   3. filterbank: |X[k]|^2 (int32) weighted by triangular mel bands
//      (1127 ln(1 + f/700), num_channels + 1 edges from fmin to fmax, weights
//      in Q12, the channel's rising edge plus the previous channel's falling
//      edge), accumulated in 64 bits, rounded integer square root, >> shift.
//   4. noise reduction: per-channel noise estimate, smoothing in Q14 (even and
//      odd channels differ), signal scaled up by smoothing_bits, estimate
//      subtracted, floored at min_signal_remaining of the signal.
//   5. PCAN gain control: gain = 2^gain_bits (noise/2^input_bits + offset)^-strength
//      from a piecewise-quadratic LUT over the noise estimate's octave, snr =
//      signal * gain >> snr_shift, then a soft "shrink" to kPcanOutputBits.
//   6. log scale: fixed-point log2 (128-segment interpolation table), times
//      ln 2, << scale_shift, rounded, clamped to uint16.
//
// The uint16 result becomes the int8 model input the way ESPHome's
// microWakeWord component and TFLM's micro_speech example do it:
// q = (v * 256 + 333) / 666 - 128, clamped (v / 25.6 is the float feature the
// models were trained on, and the models' input scale is 26/256 ~ 0.1016,
// zero point -128).
//
// Tables (window, filterbank weights, PCAN LUT, log table) are computed at
// init in float the way the reference does; compute() is integer only and
// allocates nothing. State: the per-channel noise estimate (reset() clears it).
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/model_info.h"

namespace kws {

// uint16 micro front end output -> int8 model input (see above).
int8_t micro_feature_to_int8(uint16_t value);

// Checks the front-end parameters the micro front end uses (cfg.features
// must be kMicro; validate_frontend_config calls this for such configs).
Status validate_micro_frontend_config(const FrontendConfig& cfg);

class MicroFrontend {
 public:
  // Number of fractional bits of the window coefficients and filterbank weights.
  static constexpr int kWindowBits = 12;
  static constexpr int kFilterbankBits = 12;

  MicroFrontend() = default;
  MicroFrontend(const MicroFrontend&) = delete;
  MicroFrontend& operator=(const MicroFrontend&) = delete;

  static Status needed_bytes(const FrontendConfig& cfg, size_t* bytes);
  Status init(const FrontendConfig& cfg, void* mem, size_t len);

  // Clears the noise estimate (the only state carried between frames).
  void reset();

  uint32_t feature_dim() const { return cfg_.mel_bins; }

  // One window (cfg.window_samples samples) in; feature_dim() int8 values out.
  // If `raw` is not null it also receives the feature_dim() uint16 values.
  void compute(const int16_t* frame, int8_t* features, uint16_t* raw = nullptr);

  // Introspection for tests and tools (valid after init).
  const int16_t* window() const { return window_; }
  // Bin k (0..fft_size/2) of the last frame's fixed-point FFT, scaled as in
  // the reference: X[k] * 2^last_shift() / fft_size.
  int16_t spectrum_re(uint32_t k) const { return spectrum_[k].r; }
  int16_t spectrum_im(uint32_t k) const { return spectrum_[k].i; }
  int last_shift() const { return last_shift_; }
  const uint32_t* noise_estimate() const { return noise_; }
  // Spectrum bins [first, first + count) feed channel c's rising edge.
  uint32_t channel_first_bin(uint32_t c) const { return bands_[c].first_bin; }
  uint32_t channel_num_bins(uint32_t c) const { return bands_[c].num_bins; }
  // Q12 weight of spectrum bin (first + j) in edge band c (c = 0..channels).
  int16_t channel_weight(uint32_t c, uint32_t j) const {
    return weights_[bands_[c].weight_offset + j];
  }

 private:
  struct Band {  // one of num_channels + 1 filterbank edges
    uint16_t first_bin;
    uint16_t num_bins;
    uint16_t weight_offset;
  };
  struct PcanSegment {  // gain ~ y0 + a1 t + a2 t^2 over one octave of the noise
    int16_t y0;
    int16_t a1;
    int16_t a2;
  };
  struct Cpx {
    int16_t r;
    int16_t i;
  };

  static Status layout(const FrontendConfig& cfg, void* mem, size_t len, size_t* used,
                       MicroFrontend* self);
  Status build_filterbank();
  void build_pcan_lut();
  void fft();
  void complex_fft(const int16_t* in, Cpx* out, uint32_t n, uint32_t stride, uint32_t stage);
  uint16_t log_scale(uint32_t value) const;
  int16_t pcan_gain(uint32_t noise) const;

  FrontendConfig cfg_;
  uint32_t fft_size_ = 0;
  uint32_t num_stages_ = 0;
  uint8_t radix_[16] = {};
  int correction_bits_ = 0;
  int snr_shift_ = 0;
  uint32_t even_smoothing_ = 0;
  uint32_t odd_smoothing_ = 0;
  uint32_t min_signal_remaining_ = 0;
  int last_shift_ = 0;

  int16_t* window_ = nullptr;
  int16_t* fft_in_ = nullptr;      // fft_size
  Cpx* twiddles_ = nullptr;        // fft_size/2
  Cpx* split_twiddles_ = nullptr;  // fft_size/4
  Cpx* sub_out_ = nullptr;         // fft_size/2
  Cpx* spectrum_ = nullptr;        // fft_size/2 + 1
  int32_t* energy_ = nullptr;      // fft_size/2 + 1
  Band* bands_ = nullptr;          // mel_bins + 1
  int16_t* weights_ = nullptr;     // fft_size/2 + 1 (rising-edge weights)
  int16_t* unweights_ = nullptr;   // fft_size/2 + 1 (falling-edge weights)
  uint64_t* accum_ = nullptr;      // mel_bins + 1
  uint32_t* signal_ = nullptr;     // mel_bins
  uint32_t* noise_ = nullptr;      // mel_bins
  int16_t pcan_small_[2] = {};     // gain at noise 0 and 1
  PcanSegment* pcan_ = nullptr;    // 31 octaves (noise 2^1 .. 2^32)
  uint16_t* log_table_ = nullptr;  // 129 entries
};

}  // namespace kws
