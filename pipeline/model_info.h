// What a keyword model needs from the front end and the trigger, in one struct.
//
// A model file is self-describing (DESIGN invariant 3): this struct travels
// inside the .tflite as the "kwsd" metadata entry, in the text format below, or
// in a sidecar YAML next to a third-party model (parsed by config/, host only).
// Fixed-size arrays only: the struct is usable on the MCU without a heap.
//
// "kwsd" metadata text format, version 1: UTF-8, one `key=value` per line,
// '#' starts a comment line, blank lines ignored, unknown keys are an error.
//   kwsd_metadata=1                 (required, first key)
//   labels=silence,unknown,computer (comma separated, 1..kMaxLabels)
//   keywords=computer               (labels that can trigger; default: all
//                                    labels except "silence", "unknown", "_*")
//   features=mfcc | logmel | micro   (micro: TFLM micro front end, window 480,
//                                     fft_size 512, fmin 125, fmax 7500 typical)
//   sample_rate=16000  window_samples=480  hop_samples=320  fft_size=512
//   window=hann | hamming | rectangular   (periodic windows)
//   spectrum=magnitude | power
//   mel_bins=40  fmin=20  fmax=4000  log_offset=1e-6  num_mfcc=10
//   quant_scale=0.5847029  quant_zero_point=83   (int8 = round(x/scale)+zp)
//   quant_rounding=half_away | truncate  (default half_away = TFLite QUANTIZE;
//                                         truncate = int(x/scale + zp), as MLPerf
//                                         Tiny's shipped int8 vectors were made)
//   window_frames=49  stride_frames=1
//   smoothing_frames=1  (moving-average length, in classifier steps)
//   threshold=0.8 | threshold.computer=0.7   (default, then per keyword)
//   min_count=1 | min_count.computer=2
//   refractory_ms=1000 | refractory_ms.computer=1500
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws {

// kMicro: TFLite Micro's integer "micro front end" (pipeline/micro_frontend.h),
// whose own parameters are in MicroFrontendParams; of the fields below it uses
// sample_rate, window_samples, hop_samples, fft_size, mel_bins (channels),
// fmin/fmax (band limits) and quant_scale/quant_zero_point (checked against
// the model's input, the conversion itself is fixed).
enum class FeatureType : uint8_t { kMfcc, kLogMel, kMicro };
enum class WindowFunction : uint8_t { kHann, kHamming, kRectangular };
enum class SpectrumType : uint8_t { kMagnitude, kPower };
// How x/scale becomes an integer before the zero point is added.
enum class QuantRounding : uint8_t { kHalfAwayFromZero, kTruncate };

// Micro front end settings; the defaults are the ones micro_speech and
// microWakeWord (ESPHome) use.
struct MicroFrontendParams {
  uint32_t smoothing_bits = 10;  // noise reduction
  float even_smoothing = 0.025f;
  float odd_smoothing = 0.06f;
  float min_signal_remaining = 0.05f;
  bool enable_pcan = true;  // per-channel amplitude normalisation
  float pcan_strength = 0.95f;
  float pcan_offset = 80.0f;
  uint32_t pcan_gain_bits = 21;
  uint32_t log_scale_shift = 6;
};

// Every front-end parameter. Defaults are MLPerf Tiny KWS's front end.
struct FrontendConfig {
  uint32_t sample_rate = 16000;
  uint32_t window_samples = 480;  // 30 ms
  uint32_t hop_samples = 320;     // 20 ms
  uint32_t fft_size = 512;        // >= window_samples, power of two
  WindowFunction window = WindowFunction::kHann;
  SpectrumType spectrum = SpectrumType::kMagnitude;
  uint32_t mel_bins = 40;
  float fmin_hz = 20.0f;
  float fmax_hz = 4000.0f;
  float log_offset = 1e-6f;  // log(mel + log_offset)
  FeatureType features = FeatureType::kMfcc;
  uint32_t num_mfcc = 10;  // ignored for kLogMel
  float quant_scale = 0.5847029f;
  int32_t quant_zero_point = 83;
  QuantRounding quant_rounding = QuantRounding::kHalfAwayFromZero;
  MicroFrontendParams micro;  // features == kMicro only

  // Values per frame: num_mfcc for MFCC, mel_bins for log-mel.
  uint32_t feature_dim() const { return features == FeatureType::kMfcc ? num_mfcc : mel_bins; }
};

inline constexpr size_t kMaxLabels = 16;
inline constexpr size_t kMaxLabelLength = 32;  // including the terminating NUL

// Trigger settings for one label.
struct KeywordParams {
  bool is_keyword = false;  // false for silence/unknown/background labels
  float threshold = 0.8f;   // on the smoothed posterior, 0..1
  uint32_t min_count = 1;   // consecutive smoothed scores >= threshold
  uint32_t refractory_ms = 1000;
};

struct ModelInfo {
  FrontendConfig frontend;
  uint32_t window_frames = 49;  // feature frames per classifier input
  uint32_t stride_frames = 1;   // classifier runs every stride_frames frames
  uint32_t smoothing_frames = 1;
  uint32_t num_labels = 0;
  char labels[kMaxLabels][kMaxLabelLength] = {};
  KeywordParams keywords[kMaxLabels] = {};

  // Index of `name` in labels, or -1.
  int label_index(const char* name) const;
};

// Checks ranges and consistency (fft_size >= window, fmax <= rate/2, ...).
Status validate_model_info(const ModelInfo& info);

// Parses the "kwsd" metadata text (format above) into *out and validates it.
// `text` need not be NUL-terminated. Errors name the line and key.
Status parse_model_metadata(const char* text, size_t len, ModelInfo* out);

// Writes the metadata text for `info` into buf (NUL-terminated). Sets
// *written to the length without the NUL. kBufferTooSmall if it does not fit.
Status format_model_metadata(const ModelInfo& info, char* buf, size_t len, size_t* written);

}  // namespace kws
