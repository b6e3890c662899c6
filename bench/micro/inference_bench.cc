// Whole stage-1 inference: one Interpreter::invoke() of the default model and,
// when the shared data is present, of MLPerf Tiny's DS-CNN reference model;
// and one streamed step of the default model (the window moved by its stride,
// as the pipeline feeds it: nn/interpreter.h streaming).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

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

// One pipeline step: the window moves by the model's stride (new random
// frames at the end), then invoke() with streaming on.
void run_streamed_step(benchmark::State& state) {
  const LoadedModel& m = default_model();
  if (!m.ok) return state.SkipWithError(m.error.c_str());
  const ModelInfo& info = default_model_info();
  nn::InterpreterOptions opts;
  opts.stream_shift_rows = static_cast<int32_t>(info.stride_frames);
  size_t bytes = 0;
  Status s = nn::Interpreter::needed_bytes(m.model, &bytes, opts);
  if (!s.ok()) return state.SkipWithError(s.message());
  AlignedBuffer arena(bytes);
  nn::Interpreter interpreter;
  s = interpreter.init(m.model, arena.data(), arena.size(), opts);
  if (!s.ok()) return state.SkipWithError(s.message());
  const nn::TensorView in = interpreter.input(0);
  std::vector<uint8_t> window(in.bytes);
  std::mt19937 rng(5);
  for (uint8_t& v : window) v = static_cast<uint8_t>(rng());
  const size_t shift = in.bytes / static_cast<size_t>(in.dims[1]) * info.stride_frames;
  uint64_t streamed = 0;
  for (auto _ : state) {
    std::memmove(window.data(), window.data() + shift, window.size() - shift);
    for (size_t i = window.size() - shift; i < window.size(); ++i) {
      window[i] = static_cast<uint8_t>(rng());
    }
    std::memcpy(in.data, window.data(), window.size());
    s = interpreter.invoke();
    streamed += interpreter.last_invoke_streamed() ? 1 : 0;
    benchmark::DoNotOptimize(interpreter.output(0).data);
    benchmark::ClobberMemory();
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  state.counters["streamed_share"] =
      static_cast<double>(streamed) / static_cast<double>(state.iterations());
  state.SetLabel(std::string(nn::kernels_variant()) + "/" + nn::kernels_isa() + ", " +
                 std::to_string(interpreter.streamed_ops()) + " ops streamed, arena " +
                 std::to_string(bytes) + " B");
}

}  // namespace

void register_inference_benchmarks() {
  benchmark::RegisterBenchmark("BM_InferenceStreamedStep/kwsd_default", run_streamed_step);
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
