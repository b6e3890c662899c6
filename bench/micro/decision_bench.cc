// Smoother and trigger: one classifier step's worth of work, with the default
// model's labels, smoothing length and keyword parameters.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "bench/micro/aligned_buffer.h"
#include "bench/micro/micro_model.h"
#include "pipeline/smoother.h"
#include "pipeline/trigger.h"

namespace {

using kws::bench::AlignedBuffer;

// Posteriors for 1024 steps: mostly background, with a keyword run now and then.
std::vector<float> posterior_track(uint32_t labels) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> raw(1024 * static_cast<size_t>(labels));
  for (size_t step = 0; step < 1024; ++step) {
    const bool keyword = (step / 40) % 5 == 4;
    for (uint32_t l = 0; l < labels; ++l) {
      const float base = keyword && l == labels - 1 ? 0.9f : 0.05f;
      raw[step * labels + l] = base + 0.1f * u(rng);
    }
  }
  return raw;
}

void BM_Smoother(benchmark::State& state) {
  const kws::ModelInfo& info = kws::bench::default_model_info();
  kws::SmootherConfig cfg{info.num_labels, info.smoothing_frames};
  size_t bytes = 0;
  if (!kws::PosteriorSmoother::needed_bytes(cfg, &bytes).ok()) return state.SkipWithError("size");
  AlignedBuffer mem(bytes);
  kws::PosteriorSmoother smoother;
  if (!smoother.init(cfg, mem.data(), mem.size()).ok()) return state.SkipWithError("init");
  const std::vector<float> raw = posterior_track(info.num_labels);
  std::vector<float> smoothed(info.num_labels);
  size_t step = 0;
  for (auto _ : state) {
    smoother.update(raw.data() + (step++ % 1024) * info.num_labels, smoothed.data());
    benchmark::DoNotOptimize(smoothed.data());
  }
}
BENCHMARK(BM_Smoother);

void BM_SmootherAndTrigger(benchmark::State& state) {
  const kws::ModelInfo& info = kws::bench::default_model_info();
  kws::SmootherConfig scfg{info.num_labels, info.smoothing_frames};
  kws::TriggerConfig tcfg{info.num_labels, info.frontend.sample_rate, info.keywords};
  size_t sbytes = 0, tbytes = 0;
  if (!kws::PosteriorSmoother::needed_bytes(scfg, &sbytes).ok() ||
      !kws::Trigger::needed_bytes(tcfg, &tbytes).ok()) {
    return state.SkipWithError("size");
  }
  AlignedBuffer smem(sbytes), tmem(tbytes);
  kws::PosteriorSmoother smoother;
  kws::Trigger trigger;
  if (!smoother.init(scfg, smem.data(), smem.size()).ok() ||
      !trigger.init(tcfg, tmem.data(), tmem.size()).ok()) {
    return state.SkipWithError("init");
  }
  const std::vector<float> raw = posterior_track(info.num_labels);
  std::vector<float> smoothed(info.num_labels);
  std::vector<kws::Trigger::Decision> decisions(info.num_labels);
  const uint64_t samples_per_step = uint64_t{info.frontend.hop_samples} * info.stride_frames;
  uint64_t step = 0;
  for (auto _ : state) {
    const float* r = raw.data() + (step % 1024) * info.num_labels;
    smoother.update(r, smoothed.data());
    trigger.update(step * samples_per_step, r, smoothed.data(), decisions.data());
    ++step;
    benchmark::DoNotOptimize(decisions.data());
  }
}
BENCHMARK(BM_SmootherAndTrigger);

}  // namespace
