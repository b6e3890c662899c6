// Board bring-up check, run by tests/firmware under QEMU: the FPU is usable
// (hard-float code runs without a NOCP UsageFault), semihosting file reads and
// the command line work, and SysTick ticks convert to instructions as
// cycle_counter.h says. Prints `key=value` lines for the test to check.
//
//   usage (QEMU -append): fpu_smoke.elf <file>
// Exit status: 0 all checks passed, 1 a float check failed, 2 bad usage or file.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "firmware/cortex_m.h"
#include "firmware/cycle_counter.h"
#include "firmware/semihosting.h"
#include "firmware/stack_usage.h"

namespace sh = kws::fw::semihost;

namespace {

constexpr uint32_t kCalibrationIterations = 1'000'000;  // two instructions each

// Second whitespace-separated token of the command line (the first is the
// kernel file name), copied into out.
bool first_argument(const char* cmdline, char* out, size_t len) {
  const char* p = std::strchr(cmdline, ' ');
  if (p == nullptr) return false;
  while (*p == ' ') ++p;
  size_t n = 0;
  while (p[n] != '\0' && p[n] != ' ') ++n;
  if (n == 0 || n >= len) return false;
  std::memcpy(out, p, n);
  out[n] = '\0';
  return true;
}

// FNV-1a over a host file, read in small chunks like the audio source does.
bool hash_file(const char* path, uint32_t* hash, uint32_t* bytes) {
  const int32_t fd = sh::open(path, sh::OpenMode::kReadBinary);
  if (fd < 0) return false;
  uint32_t h = 2166136261u;
  uint32_t total = 0;
  uint8_t buf[100];  // deliberately not a power of two
  for (uint32_t n; (n = sh::read(fd, buf, sizeof buf)) > 0; total += n) {
    for (uint32_t i = 0; i < n; ++i) h = (h ^ buf[i]) * 16777619u;
  }
  const bool length_agrees = sh::file_length(fd) == static_cast<int32_t>(total);
  sh::close(fd);
  *hash = h;
  *bytes = total;
  return length_agrees;
}

bool near(float a, float b, float tol) { return std::fabs(a - b) <= tol; }

// Float work the compiler cannot fold: inputs come through volatiles.
bool float_checks() {
  volatile float two = 2.0f;
  volatile float angle = 0.5f;
  float dot = 0.0f;
  for (int i = 1; i <= 100; ++i) dot += static_cast<float>(i) * (1.0f / static_cast<float>(i));
  const bool ok = near(std::sqrt(two), 1.41421356f, 1e-6f) &&
                  near(std::sin(angle), 0.47942554f, 1e-6f) &&
                  near(std::log(two), 0.69314718f, 1e-6f) && near(dot, 100.0f, 1e-3f);
  sh::printf("float_checks=%s\n", ok ? "ok" : "FAILED");
  return ok;
}

}  // namespace

int main() {
  const uint32_t cpacr = *reinterpret_cast<volatile uint32_t*>(0xE000ED88u);
  sh::printf("cpacr_cp10_cp11=0x%lx\n", static_cast<unsigned long>((cpacr >> 20) & 0xFu));

  kws::fw::cycle_counter_start();
  const uint64_t t0 = kws::fw::cycle_counter_now();
  uint32_t n = kCalibrationIterations;
  asm volatile(
      "1: subs %0, %0, #1\n"
      "   bne 1b\n"
      : "+r"(n)
      :
      : "cc");
  const uint64_t ticks = kws::fw::cycle_counter_now() - t0;
  sh::printf("calibration_instructions=%lu calibration_ticks=%lu\n",
             static_cast<unsigned long>(2 * kCalibrationIterations),
             static_cast<unsigned long>(ticks));

  const bool floats_ok = float_checks();

  char cmdline[256];
  char path[200];
  if (!sh::command_line(cmdline, sizeof cmdline) || !first_argument(cmdline, path, sizeof path)) {
    sh::print("usage: fpu_smoke.elf <file>\n");
    return 2;
  }
  uint32_t hash = 0;
  uint32_t bytes = 0;
  if (!hash_file(path, &hash, &bytes)) {
    sh::printf("error: cannot read %s\n", path);
    return 2;
  }
  sh::printf("file_bytes=%lu file_fnv1a=0x%08lx\n", static_cast<unsigned long>(bytes),
             static_cast<unsigned long>(hash));
  sh::printf("stack_high_water_bytes=%lu stack_bytes=%lu\n",
             static_cast<unsigned long>(kws::fw::stack_high_water_bytes()),
             static_cast<unsigned long>(kws::fw::stack_size_bytes()));
  return floats_ok ? 0 : 1;
}
