// Registers whole-model inference benchmarks (the MLPerf one only when shared data exists).
#pragma once

namespace kws::bench {

void register_inference_benchmarks();
// openWakeWord's float models (bench/micro/oww_bench.cc).
void register_oww_benchmarks();

}  // namespace kws::bench
