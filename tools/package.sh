#!/usr/bin/env bash
# Builds the Debian package kwsd_<version>_<arch>.deb (CPack DEB, see
# docs/package.md) in build/package-<arch>/ and prints its path.
#
#   tools/package.sh                 this machine's architecture (amd64 here)
#   tools/package.sh --arch arm64    cross-build for a 64-bit Raspberry Pi OS
#   tools/package.sh --arch armhf    cross-build for a 32-bit one
#
# Compiler flags are Debian's (dpkg-buildflags, hardening=+all), so lintian
# finds a hardened, stripped binary. A cross build needs the cross compiler
# and the target's -dev packages (docs/package.md lists them); on the Pi
# itself, plain tools/package.sh builds the native package.
set -euo pipefail
cd "$(dirname "$0")/.."

host_arch=$(dpkg --print-architecture)
arch=$host_arch
while (($#)); do
  case $1 in
    --arch) arch=${2:?--arch needs amd64, arm64 or armhf}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "package.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

cmake_args=()
if [[ $arch != "$host_arch" ]]; then
  case $arch in
    arm64) triplet=aarch64-linux-gnu ;;
    armhf) triplet=arm-linux-gnueabihf ;;
    *) echo "package.sh: no cross toolchain for '$arch' (amd64, arm64, armhf)" >&2; exit 2 ;;
  esac
  if ! command -v "$triplet-g++" >/dev/null; then
    echo "package.sh: $triplet-g++ not found; install crossbuild-essential-$arch and the" \
         "$arch -dev packages (docs/package.md, 'Raspberry Pi')" >&2
    exit 1
  fi
  cmake_args+=(-DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/debian-cross.cmake" -DKWS_CROSS_TRIPLET="$triplet")
  export PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig
  # dpkg-shlibdeps finds the target's libraries through the target's dpkg database.
  export DEB_HOST_ARCH=$arch
fi

export DEB_BUILD_MAINT_OPTIONS=hardening=+all
export DEB_HOST_ARCH=${DEB_HOST_ARCH:-$arch}
CFLAGS="$(dpkg-buildflags --get CFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
CXXFLAGS="$(dpkg-buildflags --get CXXFLAGS) $(dpkg-buildflags --get CPPFLAGS)"
LDFLAGS="$(dpkg-buildflags --get LDFLAGS)"
export CFLAGS CXXFLAGS LDFLAGS

build=build/package-$arch
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DBUILD_TESTING=OFF \
  -DKWS_PACKAGE=ON -DCMAKE_INSTALL_PREFIX=/usr -DCPACK_DEBIAN_PACKAGE_ARCHITECTURE="$arch" \
  "${cmake_args[@]}" >/dev/null
cmake --build "$build" -j "$(nproc)"
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(ls -t "$build"/kwsd_*_"$arch".deb | head -n 1)
echo "package.sh: built $deb"
