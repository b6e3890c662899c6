#include "firmware/semihosting.h"

#include <cstdarg>
#include <cstdio>
#include <cstring>

namespace kws::fw::semihost {
namespace {

// Operation numbers from the Arm semihosting specification.
enum Op : uint32_t {
  kSysOpen = 0x01,
  kSysClose = 0x02,
  kSysWrite = 0x05,
  kSysRead = 0x06,
  kSysFlen = 0x0C,
  kSysGetCmdline = 0x15,
  kSysExitExtended = 0x20,
};

constexpr uint32_t kAdpStoppedApplicationExit = 0x20026;

int32_t call(uint32_t op, const void* args) {
  register uint32_t r0 asm("r0") = op;
  register const void* r1 asm("r1") = args;
  // The host reads and writes the parameter block: "memory" keeps the
  // compiler from caching it across the trap.
  asm volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
  return static_cast<int32_t>(r0);
}

uintptr_t word(const void* p) { return reinterpret_cast<uintptr_t>(p); }

int32_t g_stdout = -1;

}  // namespace

int32_t open(const char* path, OpenMode mode) {
  const uintptr_t args[3] = {word(path), static_cast<uintptr_t>(mode), std::strlen(path)};
  return call(kSysOpen, args);
}

bool close(int32_t handle) {
  const uintptr_t args[1] = {static_cast<uintptr_t>(handle)};
  return call(kSysClose, args) == 0;
}

uint32_t read(int32_t handle, void* buf, uint32_t len) {
  const uintptr_t args[3] = {static_cast<uintptr_t>(handle), word(buf), len};
  const int32_t not_read = call(kSysRead, args);
  if (not_read < 0 || static_cast<uint32_t>(not_read) > len) return 0;
  return len - static_cast<uint32_t>(not_read);
}

bool write(int32_t handle, const void* buf, uint32_t len) {
  const uintptr_t args[3] = {static_cast<uintptr_t>(handle), word(buf), len};
  return call(kSysWrite, args) == 0;
}

int32_t file_length(int32_t handle) {
  const uintptr_t args[1] = {static_cast<uintptr_t>(handle)};
  return call(kSysFlen, args);
}

bool command_line(char* buf, uint32_t len) {
  uintptr_t args[2] = {word(buf), len};
  return call(kSysGetCmdline, args) == 0;
}

void exit(int32_t code) {
  const uintptr_t args[2] = {kAdpStoppedApplicationExit, static_cast<uintptr_t>(code)};
  call(kSysExitExtended, args);
  // Only reached without a host that implements SYS_EXIT_EXTENDED.
  for (;;) asm volatile("bkpt 0x00");
}

void print(const char* text) {
  if (g_stdout < 0) g_stdout = open(":tt", OpenMode::kWriteBinary);
  if (g_stdout >= 0) write(g_stdout, text, static_cast<uint32_t>(std::strlen(text)));
}

void printf(const char* fmt, ...) {
  char line[256];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  print(line);
}

}  // namespace kws::fw::semihost
