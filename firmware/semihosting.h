// Arm semihosting: the firmware's file system and console on QEMU (or a debug
// probe). Each call traps into the host with `bkpt 0xAB`, r0 = operation,
// r1 = parameter block, as the Arm semihosting specification defines. Only the
// calls the firmware needs are wrapped. Without a host attached a semihosting
// trap is a HardFault, so these are for development and test images only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kws::fw::semihost {

// SYS_OPEN modes from the specification's fopen() table.
enum class OpenMode : uint32_t {
  kReadBinary = 1,   // "rb"
  kWriteBinary = 5,  // "wb"
};

// Opens a host file (":tt" is the host's stdin/stdout). Returns a handle >= 0,
// or -1 if the host could not open it.
int32_t open(const char* path, OpenMode mode);

// Returns false if the host reports an error.
bool close(int32_t handle);

// Reads up to `len` bytes. Returns the number of bytes read: 0 at end of file.
// Semihosting cannot tell a read error from end of file.
uint32_t read(int32_t handle, void* buf, uint32_t len);

// Writes all `len` bytes; false if the host wrote fewer.
bool write(int32_t handle, const void* buf, uint32_t len);

// Length of an open file in bytes, or -1.
int32_t file_length(int32_t handle);

// Copies the command line into buf (NUL-terminated). QEMU builds it from the
// kernel file name followed by -append's text. False if it does not fit.
bool command_line(char* buf, uint32_t len);

// Ends the emulation with `code` as the host process's exit status
// (SYS_EXIT_EXTENDED, reason ADP_Stopped_ApplicationExit).
[[noreturn]] void exit(int32_t code);

// Writes text to the host's stdout (the ":tt" handle, opened on first use).
void print(const char* text);

// printf-style print through a fixed 256-byte buffer; longer output is cut.
void printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kws::fw::semihost
