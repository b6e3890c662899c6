// Offline placement of buffers with known lifetimes in one arena.
//
// Contract: buffers whose lifetimes [first, last] (inclusive, in execution
// steps) overlap never share bytes; buffers that are never alive at the same
// time may. Placement is greedy by size (largest first, ties by index), each at
// the lowest aligned offset that does not collide with an already placed,
// time-overlapping buffer. Deterministic: the same input gives the same plan,
// so needed_bytes() and init() agree. No memory beyond the caller's array.
#pragma once

#include <cstddef>
#include <cstdint>

#include "nn/status.h"

namespace kws::nn {

struct PlanBuffer {
  uint32_t size = 0;    // bytes; 0 = nothing to place (offset stays 0)
  int32_t first = 0;    // first step the buffer is alive
  int32_t last = 0;     // last step the buffer is alive (>= first)
  uint32_t offset = 0;  // output: placement from the arena's start
};

// Assigns `offset` to every buffer and writes the arena bytes they need.
// `alignment` must be a power of two; each offset is a multiple of it.
Status plan_buffers(PlanBuffer* buffers, size_t count, uint32_t alignment, size_t* total_bytes);

}  // namespace kws::nn
