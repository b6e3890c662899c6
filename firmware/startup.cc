// Reset and exception entry for the Cortex-M4F on mps2-an386: the vector
// table, the reset handler, and fault handlers that report over semihosting
// and end the run instead of spinning, so a crash fails a test quickly.
//
// Reset order matters: the FPU is enabled (CPACR) before any compiled code
// runs, because with -mfloat-abi=hard the compiler may use FP registers
// anywhere; then .data is copied, .bss zeroed, the stack painted, the static
// constructors run, and main()'s return value becomes the exit status.
#include <cstdint>

#include "firmware/cortex_m.h"
#include "firmware/semihosting.h"
#include "firmware/stack_usage.h"

extern "C" {

extern uint32_t __data_load[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];
extern uint32_t __stack_top[];
extern void (*__init_array_start[])();
extern void (*__init_array_end[])();

int main();

void Reset_Handler();
void HardFault_Handler();
void SysTick_Handler();
[[noreturn]] void kws_fw_start();
[[noreturn]] void kws_fw_fault(const uint32_t* frame, uint32_t exc_return);

}  // extern "C"

namespace {

using Handler = void (*)();

// Exit status of a run that ended in a fault or an unexpected interrupt.
constexpr int32_t kExitFault = 3;

[[noreturn]] void unexpected_exception() {
  uint32_t ipsr = 0;
  asm volatile("mrs %0, ipsr" : "=r"(ipsr));
  kws::fw::semihost::printf("firmware: unexpected exception %lu\n",
                            static_cast<unsigned long>(ipsr & 0x1FFu));
  kws::fw::semihost::exit(kExitFault);
}

void default_handler() { unexpected_exception(); }

struct VectorTable {
  uint32_t* initial_sp;
  Handler system[15];  // Reset .. SysTick
  Handler irq[32];     // AN386 external interrupts; none are used
};

constexpr VectorTable make_vector_table() {
  VectorTable t{__stack_top, {}, {}};
  for (Handler& h : t.system) h = default_handler;
  for (Handler& h : t.irq) h = default_handler;
  t.system[0] = Reset_Handler;
  t.system[2] = HardFault_Handler;  // also receives MemManage/Bus/Usage faults
  t.system[14] = SysTick_Handler;
  constexpr int kReserved[] = {6, 7, 8, 9, 12};
  for (int i : kReserved) t.system[i] = nullptr;
  return t;
}

}  // namespace

__attribute__((section(".vectors"), used)) const VectorTable g_vector_table = make_vector_table();

extern "C" {

// Enables CP10/CP11 (the FPU) and only then enters compiled code.
__attribute__((naked, noreturn)) void Reset_Handler() {
  asm volatile(
      "movw r0, #0xED88\n"  // CPACR, 0xE000ED88 (no literal pool to place)
      "movt r0, #0xE000\n"
      "ldr r1, [r0]\n"
      "orr r1, r1, #(0xF << 20)\n"  // CP10 and CP11: full access
      "str r1, [r0]\n"
      "dsb\n"
      "isb\n"
      "b kws_fw_start\n");
}

// `used`: reached only from the asm above (a link-time optimised image keeps it).
__attribute__((used)) void kws_fw_start() {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t* dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  kws::fw::paint_stack();
  for (void (**ctor)() = __init_array_start; ctor < __init_array_end; ++ctor) (*ctor)();
  kws::fw::semihost::exit(main());
}

// Finds the stacked exception frame and hands it to kws_fw_fault.
__attribute__((naked)) void HardFault_Handler() {
  asm volatile(
      "tst lr, #4\n"
      "ite eq\n"
      "mrseq r0, msp\n"
      "mrsne r0, psp\n"
      "mov r1, lr\n"
      "b kws_fw_fault\n");
}

__attribute__((used)) void kws_fw_fault(const uint32_t* frame, uint32_t exc_return) {
  namespace cm = kws::fw::cortex_m;
  kws::fw::semihost::printf(
      "firmware: hard fault: pc=0x%08lx lr=0x%08lx cfsr=0x%08lx hfsr=0x%08lx mmfar=0x%08lx "
      "bfar=0x%08lx exc_return=0x%08lx\n",
      static_cast<unsigned long>(frame[6]), static_cast<unsigned long>(frame[5]),
      static_cast<unsigned long>(*cm::kCfsr), static_cast<unsigned long>(*cm::kHfsr),
      static_cast<unsigned long>(*cm::kMmfar), static_cast<unsigned long>(*cm::kBfar),
      static_cast<unsigned long>(exc_return));
  kws::fw::semihost::exit(kExitFault);
}

// A pure virtual call is a bug; report it rather than pulling in libstdc++'s
// terminate machinery (and the allocator behind it).
[[noreturn]] void __cxa_pure_virtual() {
  kws::fw::semihost::print("firmware: pure virtual call\n");
  kws::fw::semihost::exit(kExitFault);
}

}  // extern "C"
