// A 64-bit count of core clock ticks from SysTick, for measuring the cost of
// the pipeline on the device. On hardware a tick is a CPU cycle. On QEMU's
// MPS2 boards SysTick's processor clock is the 25 MHz SYSCLK of virtual time;
// with `-icount shift=0` one instruction takes 1 ns of virtual time, so one
// tick is exactly kQemuInstructionsPerTick instructions.
#pragma once

#include <cstdint>

namespace kws::fw {

inline constexpr uint32_t kQemuMps2SysclkHz = 25'000'000;
inline constexpr uint32_t kQemuInstructionsPerTick = 1'000'000'000 / kQemuMps2SysclkHz;

// Starts SysTick free-running on the processor clock with its wrap interrupt.
void cycle_counter_start();

// Ticks since cycle_counter_start(); monotonic.
uint64_t cycle_counter_now();

}  // namespace kws::fw
