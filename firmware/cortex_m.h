// The few Cortex-M4 system registers the firmware touches (Armv7-M ARM, B3.2).
#pragma once

#include <cstdint>

namespace kws::fw::cortex_m {

struct SysTickRegs {
  volatile uint32_t ctrl;
  volatile uint32_t load;
  volatile uint32_t val;
  volatile uint32_t calib;
};

inline SysTickRegs* const kSysTick = reinterpret_cast<SysTickRegs*>(0xE000E010u);
inline constexpr uint32_t kSysTickEnable = 1u << 0;
inline constexpr uint32_t kSysTickTickInt = 1u << 1;
inline constexpr uint32_t kSysTickClkSourceCpu = 1u << 2;

// Interrupt control and state: PENDSTSET reads 1 while a SysTick is pending.
inline volatile uint32_t* const kIcsr = reinterpret_cast<volatile uint32_t*>(0xE000ED04u);
inline constexpr uint32_t kIcsrPendStSet = 1u << 26;

// Configurable fault status, HardFault status, fault addresses.
inline volatile uint32_t* const kCfsr = reinterpret_cast<volatile uint32_t*>(0xE000ED28u);
inline volatile uint32_t* const kHfsr = reinterpret_cast<volatile uint32_t*>(0xE000ED2Cu);
inline volatile uint32_t* const kMmfar = reinterpret_cast<volatile uint32_t*>(0xE000ED34u);
inline volatile uint32_t* const kBfar = reinterpret_cast<volatile uint32_t*>(0xE000ED38u);

inline uint32_t stack_pointer() {
  uint32_t sp = 0;
  asm volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

}  // namespace kws::fw::cortex_m
