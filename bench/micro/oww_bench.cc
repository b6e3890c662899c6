// openWakeWord's float models through kwsd's runtime (shared data; skipped
// when absent): the embedding backbone on a full 76-frame window and streamed
// (the window moved by 8 frames per 80 ms step, stream_shift_rows = 8), one
// head, and the melspectrogram on one 80 ms step (1760 samples).
// cpu_s_per_audio_hour = CPU time per invoke x 45,000 (12.5 invokes per audio
// second).
//
// KWS_BENCH_OWW_PROFILE=1 also prints, once, the embedding model's per-op
// MACs and time (time of invoke_ops(o + 1) minus invoke_ops(o), best of 20)
// and the MACs a streamed invoke computes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "bench/bench_data.h"
#include "bench/micro/aligned_buffer.h"
#include "bench/micro/inference_bench.h"
#include "nn/interpreter.h"
#include "nn/kernels/kernels.h"

namespace kws::bench {
namespace {

constexpr double kInvokesPerAudioHour = 12.5 * 3600.0;

struct Runner {
  std::vector<uint8_t> bytes;
  nn::TfliteModel model;
  AlignedBuffer arena{0};
  nn::Interpreter interp;
  std::string error;

  bool load(const std::string& path, const nn::InterpreterOptions& options = {}) {
    bytes = read_bytes(path);
    Status s = model.parse(bytes.data(), bytes.size());
    size_t need = 0;
    if (s.ok()) s = nn::Interpreter::needed_bytes(model, &need, options);
    if (s.ok()) {
      arena = AlignedBuffer(need);
      s = interp.init(model, arena.data(), arena.size(), options);
    }
    if (!s.ok()) error = path + ": " + s.message();
    return s.ok();
  }
  float* input() { return static_cast<float*>(interp.input(0).data); }
};

void fill(float* x, size_t n, std::mt19937& rng, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  for (size_t i = 0; i < n; ++i) x[i] = d(rng);
}

void set_rate(benchmark::State& state) {
  state.counters["cpu_s_per_audio_hour"] =
      benchmark::Counter(static_cast<double>(state.iterations()) / kInvokesPerAudioHour,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void run_embedding(benchmark::State& state, const std::string& path, bool streamed) {
  Runner r;
  nn::InterpreterOptions options;
  options.stream_shift_rows = streamed ? 8 : 0;
  if (!r.load(path, options)) return state.SkipWithError(r.error.c_str());
  std::mt19937 rng(7);
  std::vector<float> window(76 * 32);
  fill(window.data(), window.size(), rng, -8.0f, 4.0f);
  Status s;
  for (auto _ : state) {
    if (streamed) {
      std::memmove(window.data(), window.data() + 8 * 32, (76 - 8) * 32 * sizeof(float));
      fill(window.data() + (76 - 8) * 32, 8 * 32, rng, -8.0f, 4.0f);
    }
    std::memcpy(r.input(), window.data(), window.size() * sizeof(float));
    s = r.interp.invoke();
    benchmark::DoNotOptimize(r.interp.output(0).data);
    benchmark::ClobberMemory();
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  set_rate(state);
  state.SetLabel(std::string(nn::kernels_variant()) + "/" + nn::kernels_isa() + ", " +
                 std::to_string(r.interp.streamed_ops()) + " ops streamed, arena " +
                 std::to_string(r.arena.size()) + " B");
}

void run_model(benchmark::State& state, const std::string& path, int32_t samples) {
  Runner r;
  nn::InputShape shape;
  nn::InterpreterOptions options;
  if (samples > 0) {
    shape.num_dims = 2;
    shape.dims[0] = 1;
    shape.dims[1] = samples;
    options.input_shapes = &shape;
    options.num_input_shapes = 1;
  }
  if (!r.load(path, options)) return state.SkipWithError(r.error.c_str());
  std::mt19937 rng(7);
  const size_t n = r.interp.input(0).bytes / sizeof(float);
  if (samples > 0) {
    fill(r.input(), n, rng, -3000.0f, 3000.0f);
  } else {
    fill(r.input(), n, rng, -2.0f, 2.0f);
  }
  Status s;
  for (auto _ : state) {
    s = r.interp.invoke();
    benchmark::DoNotOptimize(r.interp.output(0).data);
    benchmark::ClobberMemory();
  }
  if (!s.ok()) return state.SkipWithError(s.message());
  set_rate(state);
  state.SetLabel(std::string(nn::kernels_variant()) + "/" + nn::kernels_isa());
}

double seconds_of(nn::Interpreter& in, uint32_t ops) {
  double best = 1e9;
  for (int rep = 0; rep < 20; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)in.invoke_ops(ops);
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

void print_profile(const std::string& path) {
  Runner full;
  nn::InterpreterOptions options;
  options.stream_shift_rows = 8;
  Runner streamed;
  if (!full.load(path) || !streamed.load(path, options)) {
    std::fprintf(stderr, "oww profile: %s\n", (full.error + streamed.error).c_str());
    return;
  }
  std::mt19937 rng(7);
  fill(full.input(), 76 * 32, rng, -8.0f, 4.0f);
  // Streamed rows per op: out_h - first_row of out_h computed.
  std::vector<double> share(full.interp.num_ops(), 1.0);
  for (uint32_t k = 0; k < streamed.interp.streamed_ops(); ++k) {
    const nn::StreamStep& st = streamed.interp.stream_steps()[k];
    const nn::OperatorDesc d = streamed.model.op(0, st.op);
    const nn::TensorView out = streamed.interp.tensor(static_cast<uint32_t>(d.outputs[0]));
    share[st.op] = static_cast<double>(out.dims[1] - st.first_row) / out.dims[1];
  }
  std::fprintf(stderr, "op  name         MACs       streamed MACs  full time (us)\n");
  double prev = 0.0;
  int64_t total = 0;
  double total_streamed = 0.0;
  for (uint32_t o = 0; o < full.interp.num_ops(); ++o) {
    const double t = seconds_of(full.interp, o + 1);
    const int64_t macs = op_macs(full.model, o);
    total += macs;
    total_streamed += static_cast<double>(macs) * share[o];
    std::fprintf(stderr, "%2u  %-12s %9lld  %12.0f  %8.1f\n", static_cast<unsigned>(o),
                 nn::builtin_op_name(full.model.op_builtin(0, o)), static_cast<long long>(macs),
                 static_cast<double>(macs) * share[o], (t - prev) * 1e6);
    prev = t;
  }
  std::fprintf(stderr, "total: %lld MACs full, %.0f MACs streamed; full invoke %.1f us\n",
               static_cast<long long>(total), total_streamed, prev * 1e6);
}

}  // namespace

void register_oww_benchmarks() {
  const std::string dir = "models/openwakeword/";
  const std::string emb = shared_data_path(dir + "embedding_model.tflite");
  if (emb.empty()) {
    std::fprintf(stderr, "BM_Oww* skipped: shared data not found under %s\n",
                 shared_data_dir().c_str());
    return;
  }
  const char* profile = std::getenv("KWS_BENCH_OWW_PROFILE");
  if (profile != nullptr && profile[0] == '1') print_profile(emb);
  benchmark::RegisterBenchmark("BM_OwwEmbedding/full",
                               [emb](benchmark::State& st) { run_embedding(st, emb, false); });
  benchmark::RegisterBenchmark("BM_OwwEmbedding/streamed",
                               [emb](benchmark::State& st) { run_embedding(st, emb, true); });
  for (const char* head : {"alexa_v0.1", "hey_jarvis_v0.1"}) {
    const std::string p = shared_data_path(dir + head + ".tflite");
    if (p.empty()) continue;
    benchmark::RegisterBenchmark(("BM_OwwHead/" + std::string(head)).c_str(),
                                 [p](benchmark::State& st) { run_model(st, p, 0); });
  }
  const std::string mel = shared_data_path(dir + "melspectrogram.tflite");
  if (!mel.empty()) {
    benchmark::RegisterBenchmark("BM_OwwMelspectrogram/1760",
                                 [mel](benchmark::State& st) { run_model(st, mel, 1760); });
  }
}

}  // namespace kws::bench
