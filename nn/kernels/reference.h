// Reference int8 and float32 kernels: plain portable C++ that mirrors TFLite's reference
// integer kernels, loop for loop. They define the expected outputs.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/kernels/types.h"
#include "nn/status.h"

namespace kws::nn::ref {

#include "nn/kernels/ops.inc"
#include "nn/kernels/ops_f32.inc"

}  // namespace kws::nn::ref
