// Registers the per-layer kernel benchmarks (shapes come from the model file at run time).
#pragma once

namespace kws::bench {

void register_kernel_benchmarks();

}  // namespace kws::bench
