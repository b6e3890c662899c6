// Audio front end: one frame of int16 samples -> one int8 feature vector.
//
// Per frame, every parameter taken from FrontendConfig:
//   x[n] = sample[n] / 32768 * window[n]     (periodic Hann/Hamming or rectangular,
//                                             zero-padded from window_samples to fft_size)
//   S[k] = |X[k]| or |X[k]|^2                (k = 0 .. fft_size/2)
//   mel[m] = sum_k W[m][k] S[k]              (TensorFlow linear_to_mel_weight_matrix:
//                                             HTK mel 1127 ln(1 + f/700), triangles in the
//                                             mel domain, bin 0 weight zero)
//   L[m] = ln(mel[m] + log_offset)
//   MFCC: c[j] = sum_m L[m] 2 cos(pi j (2m+1) / (2M)) / sqrt(2M), j < num_mfcc
//         (TensorFlow mfccs_from_log_mel_spectrograms: unnormalised DCT-II * rsqrt(2M))
//   log-mel: the L[m] themselves
//   q = clamp(zero_point + round_half_away(v / quant_scale), -128, 127)
// With the defaults this is MLPerf Tiny KWS's front end (../shared/DATA.md).
//
// Rounding (FrontendConfig::quant_rounding): the default is half away from
// zero, added to the zero point after rounding, which is what TFLite's QUANTIZE
// reference kernel does (zero_point + round(x/scale)), so int8 inputs match a
// TFLite-quantised graph (DESIGN invariant 5); exact .5 ties are practically
// never produced by float features anyway. kTruncate is int(x/scale + zp),
// toward zero, as a Python (x/scale + zp).astype(int8) does: MLPerf Tiny's
// shipped int8 vectors were made that way (measured on its 100 clips: 99.8 %
// of values equal with truncation, 50 % with half-away rounding).
//
// Tables (window, FFT twiddles and bit reversal, mel triangles, DCT) are
// computed in double at init and stored as float in the caller's memory, or
// given precomputed (FrontendTables, below: the firmware keeps them in flash);
// compute() is float and allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/model_info.h"
#include "pipeline/radix2_fft.h"
#include "pipeline/real_fft.h"

namespace kws {

// Checks the front-end parameters on their own (validate_model_info checks them too).
Status validate_frontend_config(const FrontendConfig& cfg);

// Float -> int8 with the given rounding (see above), clamped to [-128, 127].
int8_t quantize_feature(float value, float scale, int32_t zero_point,
                        QuantRounding rounding = QuantRounding::kHalfAwayFromZero);

// The front end's constant tables, computed elsewhere (tools/frontend_tables
// writes them as a const C++ source from a model's metadata, by running this
// front end's own init() on the build machine). The parameters they were
// computed for travel with them: init() refuses a config that differs in any
// of them, so tables and model can never disagree silently.
struct FrontendTables {
  struct MelBand {  // weights mel_weights[weight_offset ..+ num_bins) for bins first_bin..
    uint32_t first_bin;
    uint32_t num_bins;
    uint32_t weight_offset;
  };
  // The parameters the tables depend on.
  uint32_t sample_rate;
  uint32_t window_samples;
  uint32_t fft_size;
  WindowFunction window;
  uint32_t mel_bins;
  float fmin_hz;
  float fmax_hz;
  FeatureType features;
  uint32_t num_mfcc;  // rows of dct; 0 for log-mel
  // The tables.
  const float* window_coefficients;  // window_samples
  const uint16_t* fft_bitrev;        // fft_size/2 (Radix2RealFft)
  const float* fft_twiddles;         // fft_size (Radix2RealFft)
  const MelBand* mel_bands;          // mel_bins
  const float* mel_weights;          // mel_weight_count
  uint32_t mel_weight_count;
  const float* dct;  // num_mfcc x mel_bins, row-major; null for log-mel
};

// Ok if `tables` were computed for exactly these parameters and are complete
// (sizes, band ranges); otherwise an error naming the first difference.
Status check_frontend_tables(const FrontendConfig& cfg, const FrontendTables& tables,
                             bool use_external_fft);

class Frontend {
 public:
  Frontend() = default;
  Frontend(const Frontend&) = delete;
  Frontend& operator=(const Frontend&) = delete;

  // use_external_fft: true when init() will be given a RealFft; the portable
  // FFT's tables are then not part of the layout. `tables`: init() will be
  // given these precomputed tables, which are then not part of the layout
  // either (only the per-frame buffers are).
  static Status needed_bytes(const FrontendConfig& cfg, bool use_external_fft, size_t* bytes,
                             const FrontendTables* tables = nullptr);
  // `fft`, if given, must have size() == cfg.fft_size and outlive the front end.
  // `tables`, if given, must match cfg (check_frontend_tables) and outlive the
  // front end; they are used in place instead of being computed. A build with
  // KWS_PIPELINE_COMPUTE_FRONTEND_TABLES=0 cannot compute them and requires them.
  Status init(const FrontendConfig& cfg, void* mem, size_t len, RealFft* fft = nullptr,
              const FrontendTables* tables = nullptr);

  uint32_t feature_dim() const { return cfg_.feature_dim(); }

  // Multiplies the input by `gain` (x = sample / 32768 * gain); 1 after init.
  // For clip-level tools only: MLPerf Tiny trained on clips divided by their
  // positive peak, so reproducing its vectors needs gain = 32768 / max(clip).
  // A streaming pipeline cannot know a clip's peak and leaves this at 1.
  void set_input_gain(float gain) { input_scale_ = gain / 32768.0f; }

  // window_samples samples in; feature_dim() int8 values out. If `values` is
  // not null it also receives the feature_dim() float values before quantisation.
  void compute(const int16_t* frame, int8_t* features, float* values = nullptr);

  // Introspection for tests and tools (valid after init).
  const float* window() const { return window_; }
  const float* spectrum() const { return spectrum_; }  // fft_size/2+1 values of the last frame
  const float* log_mel() const { return log_mel_; }    // mel_bins values of the last frame
  // Weight of spectrum bin k in mel band m (0 outside the band's triangle).
  float mel_weight(uint32_t m, uint32_t k) const;
  // DCT table entry: coefficient j, mel band m.
  float dct_weight(uint32_t j, uint32_t m) const { return dct_[j * cfg_.mel_bins + m]; }
  // The tables in use (computed at init or given), with their parameters;
  // fft_bitrev/fft_twiddles are null with an external FFT.
  FrontendTables tables() const;

 private:
  using MelBand = FrontendTables::MelBand;

  static Status layout(const FrontendConfig& cfg, bool use_external_fft,
                       const FrontendTables* tables, void* mem, size_t len, size_t* used,
                       Frontend* self);

  FrontendConfig cfg_;
  RealFft* fft_ = nullptr;  // external backend, or null to use own_fft_
  Radix2RealFft own_fft_;
  float input_scale_ = 1.0f / 32768.0f;
  const float* window_ = nullptr;
  float* fft_in_ = nullptr;
  float* fft_out_ = nullptr;
  float* spectrum_ = nullptr;
  const MelBand* bands_ = nullptr;
  const float* mel_weights_ = nullptr;
  float* log_mel_ = nullptr;
  const float* dct_ = nullptr;
  float* values_ = nullptr;
};

}  // namespace kws
