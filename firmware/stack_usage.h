// Stack high-water mark by painting: the reset handler fills the unused main
// stack with a pattern; the deepest word no longer holding it is the most the
// program has used. Exact for the main stack (the firmware runs no threads);
// it can only under-report if a frame happens to store the pattern value.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kws::fw {

inline constexpr uint32_t kStackPaint = 0x5AC3'A53Cu;

// Fills the stack below the caller's frame with kStackPaint. Called from the
// reset handler; calling it again restarts the measurement (the caller's own
// frame and those above it count as used).
void paint_stack();

// Size of the main stack reserved by the linker script.
size_t stack_size_bytes();

// Bytes of the main stack that have been written since paint_stack().
size_t stack_high_water_bytes();

}  // namespace kws::fw
