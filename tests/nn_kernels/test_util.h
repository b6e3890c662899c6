// Helpers shared by the kernel tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/kernels/types.h"

namespace kws::nn::test {

// 16-byte-aligned scratch owned by the test.
class AlignedScratch {
 public:
  explicit AlignedScratch(size_t bytes) : storage_(bytes + 16) {
    auto addr = reinterpret_cast<uintptr_t>(storage_.data());
    data_ = storage_.data() + ((16 - addr % 16) % 16);
    bytes_ = bytes;
  }
  Scratch scratch() const { return Scratch{data_, bytes_}; }

 private:
  std::vector<uint8_t> storage_;
  uint8_t* data_ = nullptr;
  size_t bytes_ = 0;
};

inline size_t count(const Dims4& d) {
  return static_cast<size_t>(d.n) * static_cast<size_t>(d.h) * static_cast<size_t>(d.w) *
         static_cast<size_t>(d.c);
}

// Multiplier/shift of exactly 1.0 and 0.5 (quantize_multiplier's output for them).
inline constexpr int32_t kHalfQ31 = 1 << 30;

}  // namespace kws::nn::test
