#include "firmware/cycle_counter.h"

#include "firmware/cortex_m.h"

namespace kws::fw {
namespace {

constexpr uint32_t kReload = 0x00FF'FFFF;  // SysTick is a 24-bit down counter
volatile uint32_t g_wraps = 0;

}  // namespace

void cycle_counter_start() {
  cortex_m::kSysTick->ctrl = 0;
  cortex_m::kSysTick->load = kReload;
  cortex_m::kSysTick->val = 0;
  cortex_m::kSysTick->ctrl =
      cortex_m::kSysTickClkSourceCpu | cortex_m::kSysTickTickInt | cortex_m::kSysTickEnable;
  // A cleared counter reloads on its first tick without an interrupt; start
  // counting from there so the first reading is not one wrap ahead.
  while (cortex_m::kSysTick->val == 0) {
  }
  g_wraps = 0;
}

uint64_t cycle_counter_now() {
  // With interrupts masked g_wraps cannot move. A wrap that happened but whose
  // interrupt is still pending is counted here, and the counter re-read so
  // that value and wrap count agree.
  asm volatile("cpsid i" ::: "memory");
  uint32_t wraps = g_wraps;
  uint32_t val = cortex_m::kSysTick->val;
  if ((*cortex_m::kIcsr & cortex_m::kIcsrPendStSet) != 0) {
    val = cortex_m::kSysTick->val;
    ++wraps;
  }
  asm volatile("cpsie i" ::: "memory");
  return (static_cast<uint64_t>(wraps) << 24) + (kReload - val);
}

}  // namespace kws::fw

extern "C" void SysTick_Handler() { kws::fw::g_wraps = kws::fw::g_wraps + 1; }
