// Whole stage-1 inference: one Interpreter::invoke() of the default model and,
// when the shared data is present, of MLPerf Tiny's DS-CNN reference model.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>

#include "bench/bench_data.h"
#include "bench/micro/aligned_buffer.h"
#include "bench/micro/inference_bench.h"
#include "bench/micro/micro_model.h"
#include "nn/interpreter.h"
#include "nn/kernels/kernels.h"

namespace kws::bench {
namespace {

void run_invoke(benchmark::State& state, const std::string& path) {
  const LoadedModel& m = load_model(path);
  if (!m.ok) return state.SkipWithError(m.error.c_str());
  size_t bytes = 0;
  Status s = nn::Interpreter::needed_bytes(m.model, &bytes);
  if (!s.ok()) return state.SkipWithError(s.message());
  AlignedBuffer arena(bytes);
  nn::Interpreter interpreter;
  s = interpreter.init(m.model, arena.data(), arena.size());
  if (!s.ok()) return state.SkipWithError(s.message());
  const nn::TensorView in = interpreter.input(0);
  std::mt19937 rng(5);
  auto* data = static_cast<uint8_t*>(in.data);
  for (size_t i = 0; i < in.bytes; ++i) data[i] = static_cast<uint8_t>(rng());
  for (auto _ : state) {
    s = interpreter.invoke();
    benchmark::DoNotOptimize(interpreter.output(0).data);
    benchmark::ClobberMemory();
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  state.SetLabel(std::string(nn::kernels_variant()) + "/" + nn::kernels_isa() + ", arena " +
                 std::to_string(bytes) + " B");
}

}  // namespace

void register_inference_benchmarks() {
  benchmark::RegisterBenchmark("BM_Inference/kwsd_default",
                               [](benchmark::State& st) { run_invoke(st, default_model().path); });
  const std::string mlperf = shared_data_path("models/mlperf_tiny/kws_ref_model.tflite");
  if (mlperf.empty()) {
    std::fprintf(stderr, "BM_Inference/mlperf_ds_cnn skipped: shared data not found under %s\n",
                 shared_data_dir().c_str());
    return;
  }
  benchmark::RegisterBenchmark("BM_Inference/mlperf_ds_cnn",
                               [mlperf](benchmark::State& st) { run_invoke(st, mlperf); });
}

}  // namespace kws::bench
