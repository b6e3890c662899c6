// openWakeWord's mel spectrogram, computed natively (the same numbers as its
// melspectrogram.tflite/.onnx graph, whose constants define it):
//
//   frame t = samples [160 t, 160 t + 512) of one call, no padding;
//   x[n] = sample * w[n]: periodic Hann of length 400 at positions 56..455 of
//          the 512-point frame, zero elsewhere (samples at int16 scale);
//   P[k] = re^2 + im^2 of the 512-point DFT, k = 0..256;
//   mel[m] = sum_k W[m][k] P[k]: 32 triangles on the Slaney mel scale from 60
//          to 3800 Hz with Slaney area normalisation (librosa's default);
//   dB = 10 * log10(max(mel, 1e-10));
//   out = max(dB, max over every frame and bin of the call - 80)  (top_db 80).
//
// The last step makes a frame depend on the whole call, so compute() is one
// call of the graph: T = (n - 512) / 160 + 1 frames of n >= 512 samples.
// transform() is openWakeWord's default melspec_transform, x / 10 + 2, with
// each operation rounded to float32.
//
// Tables (window, filterbank, FFT twiddles) are computed in double at init
// and kept as float in the caller's memory; compute() allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"
#include "pipeline/radix2_fft.h"
#include "pipeline/real_fft.h"

namespace kws {

class OwwMel {
 public:
  static constexpr uint32_t kSampleRate = 16000;
  static constexpr uint32_t kFrameSamples = 512;
  static constexpr uint32_t kHopSamples = 160;
  static constexpr uint32_t kWindowSamples = 400;
  static constexpr uint32_t kBins = 32;
  static constexpr uint32_t kSpectrumBins = kFrameSamples / 2 + 1;
  static constexpr float kTopDb = 80.0f;

  // Frames one call on n samples yields (0 when n < 512).
  static size_t frames_for(size_t n) {
    return n < kFrameSamples ? 0 : (n - kFrameSamples) / kHopSamples + 1;
  }

  // use_external_fft: init() will receive an fft_override (its memory is then not counted).
  static Status needed_bytes(size_t* bytes, bool use_external_fft = false);
  // fft_override (512 points) must outlive this object.
  Status init(void* mem, size_t len, RealFft* fft_override = nullptr);

  // One call of the graph on n samples: writes frames_for(n) rows of 32 dB
  // values to out (max_frames rows available) and sets *frames.
  Status compute(const int16_t* samples, size_t n, float* out, size_t max_frames, size_t* frames);

  // Pre-clamp dB of one 512-sample frame (32 values); the top_db clamp of a
  // call is clamp_top_db() over all its frames.
  void frame_db(const int16_t* frame, float* db);
  static void clamp_top_db(float* db, size_t values);

  // openWakeWord's melspec_transform, in place: x / 10 + 2.
  static void transform(float* values, size_t n);

  // The filterbank row m over spectrum bins (kSpectrumBins floats; tests).
  const float* filter(uint32_t m) const { return filters_ + size_t{m} * kSpectrumBins; }

 private:
  struct Band {
    uint16_t first;
    uint16_t count;
  };

  Radix2RealFft radix2_;
  RealFft* fft_override_ = nullptr;
  float* window_ = nullptr;    // kFrameSamples
  float* filters_ = nullptr;   // kBins x kSpectrumBins (dense, for tests)
  Band* bands_ = nullptr;      // non-zero range of each filter
  float* frame_ = nullptr;     // kFrameSamples + 2 (FFT in place)
  float* spectrum_ = nullptr;  // kFrameSamples + 2
  float* power_ = nullptr;     // kSpectrumBins
  bool ready_ = false;
};

}  // namespace kws
