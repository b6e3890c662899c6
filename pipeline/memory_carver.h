// Carves one caller-supplied block into aligned sub-blocks.
//
// The same layout code serves needed_bytes() and init(): constructed with a
// null base it only counts (take() returns nullptr), so the size query and the
// real layout can never disagree. Offsets are aligned relative to the base,
// which must itself be aligned to kMemoryAlignment.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kws {

// Alignment every caller block passed to an init() must have.
inline constexpr size_t kMemoryAlignment = 16;

class MemoryCarver {
 public:
  // base == nullptr: counting mode, len is ignored.
  MemoryCarver(void* base, size_t len)
      : base_(static_cast<uint8_t*>(base)), len_(base == nullptr ? SIZE_MAX : len) {}

  // Reserves `bytes` aligned to `align` (a power of two <= kMemoryAlignment).
  // Returns nullptr when counting or when the block is too small (see fits()).
  void* take_bytes(size_t bytes, size_t align) {
    const size_t start = (used_ + align - 1) & ~(align - 1);
    if (start < used_ || bytes > SIZE_MAX - start) {
      overflow_ = true;
      return nullptr;
    }
    used_ = start + bytes;
    // Compare the rounded size so any len below needed_bytes() is refused.
    if (used() > len_) overflow_ = true;
    if (base_ == nullptr || overflow_) return nullptr;
    return base_ + start;
  }

  template <typename T>
  T* take(size_t count) {
    if (count > SIZE_MAX / sizeof(T)) {
      overflow_ = true;
      return nullptr;
    }
    return static_cast<T*>(take_bytes(count * sizeof(T), alignof(T)));
  }

  // Bytes laid out so far (rounded so the next block stays aligned).
  size_t used() const { return (used_ + kMemoryAlignment - 1) & ~(kMemoryAlignment - 1); }
  bool fits() const { return !overflow_; }

  static bool aligned(const void* p) {
    return (reinterpret_cast<uintptr_t>(p) & (kMemoryAlignment - 1)) == 0;
  }

 private:
  uint8_t* base_;
  size_t len_;
  size_t used_ = 0;
  bool overflow_ = false;
};

}  // namespace kws
