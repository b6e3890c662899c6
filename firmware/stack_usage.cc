#include "firmware/stack_usage.h"

#include "firmware/cortex_m.h"

extern "C" uint32_t __stack_bottom[];
extern "C" uint32_t __stack_top[];

namespace kws::fw {

void paint_stack() {
  // Leave a margin below the current frame for this function's own spills.
  constexpr uint32_t kMargin = 64;
  auto* const end = reinterpret_cast<volatile uint32_t*>(cortex_m::stack_pointer() - kMargin);
  for (volatile uint32_t* p = __stack_bottom; p < end; ++p) *p = kStackPaint;
}

size_t stack_size_bytes() {
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(__stack_top) -
                             reinterpret_cast<uintptr_t>(__stack_bottom));
}

size_t stack_high_water_bytes() {
  const volatile uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == kStackPaint) ++p;
  return static_cast<size_t>(reinterpret_cast<uintptr_t>(__stack_top) -
                             reinterpret_cast<uintptr_t>(p));
}

}  // namespace kws::fw
