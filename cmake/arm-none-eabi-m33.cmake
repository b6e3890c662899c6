# Cross toolchain for a Cortex-M33 (Armv8-M Mainline with the DSP extension and
# the single-precision FPU, hard-float calling convention), run on QEMU's
# mps2-an505 (Arm MPS2+ with the AN505 FPGA image) in the Secure state it
# resets into. Everything else is cmake/arm-none-eabi.cmake.
set(KWS_MCU_CPU_FLAGS -mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16)
set(KWS_MCU_BOARD mps2-an505)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
