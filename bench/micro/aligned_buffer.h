// Caller memory for core objects (needed_bytes, then init into it): 16-byte aligned.
#pragma once

#include <cstddef>
#include <vector>

namespace kws::bench {

class AlignedBuffer {
 public:
  explicit AlignedBuffer(size_t bytes) : storage_(bytes / sizeof(Block) + 1), bytes_(bytes) {}
  void* data() { return storage_.data(); }
  size_t size() const { return bytes_; }

 private:
  struct alignas(16) Block {
    unsigned char b[16];
  };
  std::vector<Block> storage_;
  size_t bytes_;
};

}  // namespace kws::bench
