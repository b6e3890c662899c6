# Cross toolchain for the firmware: arm-none-eabi-gcc (Debian gcc-arm-none-eabi
# + libnewlib-arm-none-eabi) targeting a Cortex-M4F, e.g. QEMU's mps2-an386.
# Sets KWS_MCU_CPU_FLAGS and KWS_MCU_BOARD (the QEMU machine and linker script
# firmware/ uses).
#
# The CPU flags are compile/link *options* rather than CMAKE_<LANG>_FLAGS_INIT:
# a preset that sets CMAKE_<LANG>_FLAGS (ours sets the warning flags) would
# silently discard *_INIT, and a build without -mfloat-abi=hard links against
# the wrong multilib. Options added here reach every target and every
# try_compile, because CMake includes this file in both.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

find_program(KWS_ARM_GCC arm-none-eabi-gcc)
if(NOT KWS_ARM_GCC)
  message(FATAL_ERROR "arm-none-eabi-gcc not found: apt-get install gcc-arm-none-eabi "
                      "libnewlib-arm-none-eabi (tools/bootstrap.sh does)")
endif()
get_filename_component(_kws_arm_bin "${KWS_ARM_GCC}" DIRECTORY)

set(CMAKE_C_COMPILER "${_kws_arm_bin}/arm-none-eabi-gcc")
set(CMAKE_CXX_COMPILER "${_kws_arm_bin}/arm-none-eabi-g++")
set(CMAKE_ASM_COMPILER "${_kws_arm_bin}/arm-none-eabi-gcc")
set(CMAKE_OBJCOPY "${_kws_arm_bin}/arm-none-eabi-objcopy" CACHE FILEPATH "")
set(CMAKE_SIZE "${_kws_arm_bin}/arm-none-eabi-size" CACHE FILEPATH "")

# Compiler checks build a static library: a bare-metal executable cannot link
# without our startup code and linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Cortex-M4 with the single-precision FPU, hard-float calling convention,
# run on QEMU's mps2-an386, unless a wrapper toolchain file (e.g.
# cmake/arm-none-eabi-m33.cmake) chose another part and board first.
if(NOT KWS_MCU_CPU_FLAGS)
  set(KWS_MCU_CPU_FLAGS -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16)
  set(KWS_MCU_BOARD mps2-an386)
endif()
add_compile_options(
  ${KWS_MCU_CPU_FLAGS}
  # One section per function/object so --gc-sections drops what is unused.
  -ffunction-sections -fdata-sections
  # No unwinding or type info anywhere in the image, not only in the core.
  $<$<COMPILE_LANGUAGE:CXX>:-fno-exceptions>
  $<$<COMPILE_LANGUAGE:CXX>:-fno-rtti>
  $<$<COMPILE_LANGUAGE:CXX>:-fno-unwind-tables>
  # Single-threaded firmware: function-local statics need no guard calls.
  $<$<COMPILE_LANGUAGE:CXX>:-fno-threadsafe-statics>
  # Static destructors are never run (the firmware ends with SYS_EXIT); this
  # keeps __cxa_atexit (and the allocator behind it) out of the link.
  $<$<COMPILE_LANGUAGE:CXX>:-fno-use-cxa-atexit>)
add_link_options(${KWS_MCU_CPU_FLAGS} -Wl,--gc-sections --specs=nano.specs)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
