// The last few seconds of model-rate audio, for event pre-roll.
//
// Processing-thread only (no locking). append() allocates nothing; snapshot()
// copies out (allocates: it runs once per detection, not per sample).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace kws::daemon {

class AudioHistory {
 public:
  explicit AudioHistory(size_t capacity) : buf_(capacity == 0 ? 1 : capacity) {}

  void append(const int16_t* samples, size_t n);

  // Samples [end - length, end) where `end` is an absolute stream position
  // (samples since start) no later than total(); clipped to what is kept.
  std::shared_ptr<const std::vector<int16_t>> snapshot(uint64_t end, size_t length) const;

  uint64_t total() const { return total_; }
  size_t capacity() const { return buf_.size(); }

 private:
  std::vector<int16_t> buf_;
  uint64_t total_ = 0;  // samples ever appended
};

}  // namespace kws::daemon
