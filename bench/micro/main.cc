// kws-bench-micro: the Google Benchmark micro-benchmarks. Some are registered
// at run time because their shapes come from the model files.
#include <benchmark/benchmark.h>

#include "bench/micro/inference_bench.h"
#include "bench/micro/kernels_bench.h"

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  kws::bench::register_kernel_benchmarks();
  kws::bench::register_inference_benchmarks();
  kws::bench::register_oww_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
