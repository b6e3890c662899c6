// Public int8 kernel API: the functions the interpreter's op glue calls.
//
// `kws::nn::<op>_s8` is the variant this build selected with the CMake cache variable
// KWS_NN_KERNELS (reference | optimized); `kws::nn::ref::` (reference.h) and
// `kws::nn::opt::` (optimized.h) are always built, for tests and benchmarks. All
// variants are bit-identical: the choice changes speed, never outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/quantization.h"
#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn {

#include "nn/kernels/ops.inc"

// "reference" or "optimized": what KWS_NN_KERNELS selected.
const char* kernels_variant();

// Which ISA path the optimized kernels take on this CPU ("avx2", "sse4.1", "neon",
// "scalar"), decided once at first use.
const char* kernels_isa();

}  // namespace kws::nn
