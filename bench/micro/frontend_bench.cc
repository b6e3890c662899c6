// Front end per frame: each step on its own (both FFT backends, mel, DCT) and
// the whole frame, with the default model's settings (log-mel, 480-sample
// window, 512-point FFT, 40 bands) and with the MFCC defaults (MLPerf Tiny).
//
// Mel and DCT are not separately callable in Frontend; their benchmarks run
// the same loops over the Frontend's own tables (mel_weight, dct_weight), so
// the arithmetic and the table sizes are the ones compute() uses.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "bench/micro/aligned_buffer.h"
#include "bench/micro/micro_model.h"
#include "pipeline/fftw_fft.h"
#include "pipeline/frontend.h"
#include "pipeline/radix2_fft.h"

namespace {

using kws::bench::AlignedBuffer;

std::vector<int16_t> speech_like_frame(size_t n) {
  std::mt19937 rng(7);
  std::normal_distribution<float> noise(0.0f, 1500.0f);
  std::vector<int16_t> x(n);
  for (size_t i = 0; i < n; ++i) {
    const float tone = 4000.0f * std::sin(0.07f * static_cast<float>(i));
    x[i] = static_cast<int16_t>(std::lround(tone + noise(rng)));
  }
  return x;
}

std::vector<float> random_floats(size_t n) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = u(rng);
  return x;
}

void BM_Fft_Radix2(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  size_t bytes = 0;
  if (!kws::Radix2RealFft::needed_bytes(n, &bytes).ok()) return state.SkipWithError("size");
  AlignedBuffer mem(bytes);
  kws::Radix2RealFft fft;
  if (!fft.init(n, mem.data(), mem.size()).ok()) return state.SkipWithError("init");
  std::vector<float> in = random_floats(n), out(n + 2);
  for (auto _ : state) {
    fft.forward(in.data(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Fft_Radix2)->Arg(512);

void BM_Fft_Fftw(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  kws::FftwRealFft fft;
  if (!fft.init(n).ok()) return state.SkipWithError("fftw init");
  std::vector<float> in = random_floats(n), out(n + 2);
  for (auto _ : state) {
    fft.forward(in.data(), out.data());
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Fft_Fftw)->Arg(512);

// A Frontend with the given settings and (optionally) the FFTW backend.
struct FrontendFixture {
  explicit FrontendFixture(const kws::FrontendConfig& cfg, bool fftw) : cfg_(cfg) {
    if (fftw && !fftw_.init(cfg.fft_size).ok()) return;
    size_t bytes = 0;
    if (!kws::Frontend::needed_bytes(cfg, fftw, &bytes).ok()) return;
    mem_ = std::make_unique<AlignedBuffer>(bytes);
    ok_ = frontend_.init(cfg, mem_->data(), mem_->size(), fftw ? &fftw_ : nullptr).ok();
  }
  kws::FrontendConfig cfg_;
  kws::FftwRealFft fftw_;
  std::unique_ptr<AlignedBuffer> mem_;
  kws::Frontend frontend_;
  bool ok_ = false;
};

kws::FrontendConfig mfcc_config() { return kws::FrontendConfig{}; }  // MLPerf Tiny defaults

void run_frame(benchmark::State& state, const kws::FrontendConfig& cfg, bool fftw) {
  FrontendFixture f(cfg, fftw);
  if (!f.ok_) return state.SkipWithError("frontend init");
  const std::vector<int16_t> frame = speech_like_frame(cfg.window_samples);
  std::vector<int8_t> features(cfg.feature_dim());
  for (auto _ : state) {
    f.frontend_.compute(frame.data(), features.data());
    benchmark::DoNotOptimize(features.data());
    benchmark::ClobberMemory();
  }
}

void BM_Frame_LogMel_Radix2(benchmark::State& state) {
  run_frame(state, kws::bench::default_model_info().frontend, false);
}
BENCHMARK(BM_Frame_LogMel_Radix2);

void BM_Frame_LogMel_Fftw(benchmark::State& state) {
  run_frame(state, kws::bench::default_model_info().frontend, true);
}
BENCHMARK(BM_Frame_LogMel_Fftw);

void BM_Frame_Mfcc_Radix2(benchmark::State& state) { run_frame(state, mfcc_config(), false); }
BENCHMARK(BM_Frame_Mfcc_Radix2);

void BM_Frame_Mfcc_Fftw(benchmark::State& state) { run_frame(state, mfcc_config(), true); }
BENCHMARK(BM_Frame_Mfcc_Fftw);

// Window + magnitude: the per-sample and per-bin loops around the FFT.
void BM_WindowAndMagnitude(benchmark::State& state) {
  const kws::FrontendConfig cfg = kws::bench::default_model_info().frontend;
  FrontendFixture f(cfg, false);
  if (!f.ok_) return state.SkipWithError("frontend init");
  const std::vector<int16_t> frame = speech_like_frame(cfg.window_samples);
  const float* window = f.frontend_.window();
  std::vector<float> x(cfg.fft_size, 0.0f), spectrum(cfg.fft_size / 2 + 1);
  const std::vector<float> bins = random_floats(cfg.fft_size + 2);
  for (auto _ : state) {
    for (uint32_t n = 0; n < cfg.window_samples; ++n) {
      x[n] = static_cast<float>(frame[n]) * (1.0f / 32768.0f) * window[n];
    }
    for (size_t k = 0; k < spectrum.size(); ++k) {
      spectrum[k] = std::sqrt(bins[2 * k] * bins[2 * k] + bins[2 * k + 1] * bins[2 * k + 1]);
    }
    benchmark::DoNotOptimize(x.data());
    benchmark::DoNotOptimize(spectrum.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_WindowAndMagnitude);

// Mel projection + log over the front end's own triangle weights.
void BM_MelLog(benchmark::State& state) {
  const kws::FrontendConfig cfg = kws::bench::default_model_info().frontend;
  FrontendFixture f(cfg, false);
  if (!f.ok_) return state.SkipWithError("frontend init");
  const uint32_t num_bins = cfg.fft_size / 2 + 1;
  struct Band {
    uint32_t first = 0;
    std::vector<float> w;
  };
  std::vector<Band> bands(cfg.mel_bins);
  for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
    uint32_t first = num_bins, last = 0;
    for (uint32_t k = 0; k < num_bins; ++k) {
      if (f.frontend_.mel_weight(m, k) != 0.0f) {
        if (first == num_bins) first = k;
        last = k;
      }
    }
    if (first == num_bins) continue;
    bands[m].first = first;
    for (uint32_t k = first; k <= last; ++k) bands[m].w.push_back(f.frontend_.mel_weight(m, k));
  }
  std::vector<float> spectrum = random_floats(num_bins), log_mel(cfg.mel_bins);
  for (float& v : spectrum) v = std::fabs(v);
  for (auto _ : state) {
    for (uint32_t m = 0; m < cfg.mel_bins; ++m) {
      const Band& b = bands[m];
      float acc = 0.0f;
      for (size_t i = 0; i < b.w.size(); ++i) acc += b.w[i] * spectrum[b.first + i];
      log_mel[m] = std::log(acc + cfg.log_offset);
    }
    benchmark::DoNotOptimize(log_mel.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_MelLog);

// DCT-II of 40 log-mel values to 10 MFCC (MFCC front ends only).
void BM_Dct(benchmark::State& state) {
  const kws::FrontendConfig cfg = mfcc_config();
  FrontendFixture f(cfg, false);
  if (!f.ok_) return state.SkipWithError("frontend init");
  std::vector<float> table(static_cast<size_t>(cfg.num_mfcc) * cfg.mel_bins);
  for (uint32_t j = 0; j < cfg.num_mfcc; ++j) {
    for (uint32_t m = 0; m < cfg.mel_bins; ++m)
      table[j * cfg.mel_bins + m] = f.frontend_.dct_weight(j, m);
  }
  const std::vector<float> log_mel = random_floats(cfg.mel_bins);
  std::vector<float> out(cfg.num_mfcc);
  for (auto _ : state) {
    for (uint32_t j = 0; j < cfg.num_mfcc; ++j) {
      const float* row = table.data() + j * cfg.mel_bins;
      float acc = 0.0f;
      for (uint32_t m = 0; m < cfg.mel_bins; ++m) acc += row[m] * log_mel[m];
      out[j] = acc;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_Dct);

}  // namespace
