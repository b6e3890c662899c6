# Cross toolchain for the Debian package on a Raspberry Pi (tools/package.sh
# --arch; docs/package.md): Debian's <triplet>-gcc/g++ and the target's
# libraries from its multiarch folders (apt-get install <lib>-dev:<arch>).
# -DKWS_CROSS_TRIPLET=aarch64-linux-gnu (arm64) or arm-linux-gnueabihf (armhf).
if(NOT KWS_CROSS_TRIPLET)
  message(FATAL_ERROR "debian-cross.cmake needs -DKWS_CROSS_TRIPLET=<gnu triplet>")
endif()
string(REGEX REPLACE "-.*" "" processor "${KWS_CROSS_TRIPLET}")
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${processor})
set(CMAKE_C_COMPILER ${KWS_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${KWS_CROSS_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${KWS_CROSS_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_FIND_ROOT_PATH /usr/${KWS_CROSS_TRIPLET} /usr/lib/${KWS_CROSS_TRIPLET} /usr)
