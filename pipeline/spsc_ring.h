// Lock-free, wait-free single-producer/single-consumer ring buffer.
//
// Contract: exactly one thread calls the producer side (write, write_regions,
// commit_write) and exactly one thread calls the consumer side (read,
// read_regions, commit_read). Neither side ever blocks or allocates; a full
// ring makes write() return fewer items than offered, and counting those
// dropped items is the caller's business. Storage comes from the caller.
//
// Indices are free-running counters (wrapping modulo 2^N is harmless because
// the capacity is a power of two). Each side publishes its counter with a
// release store and reads the other side's with an acquire load, so the data
// copied before a commit is visible to the other thread after it sees the
// new counter.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "nn/status.h"
#include "pipeline/memory_carver.h"

namespace kws {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>, "SpscRing holds trivially copyable items");

 public:
  // Up to two contiguous pieces of the ring, in order.
  template <typename P>
  struct Regions {
    P* first = nullptr;
    size_t first_len = 0;
    P* second = nullptr;
    size_t second_len = 0;
    size_t total() const { return first_len + second_len; }
  };

  SpscRing() = default;
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  static Status needed_bytes(size_t capacity, size_t* bytes) {
    KWS_RETURN_IF_ERROR(check_capacity(capacity));
    if (bytes == nullptr) return Status::Error(StatusCode::kInvalidArgument, "ring: bytes is null");
    *bytes = capacity * sizeof(T);
    return Status::Ok();
  }

  // Not thread-safe: call before either thread starts using the ring.
  Status init(size_t capacity, void* mem, size_t len) {
    KWS_RETURN_IF_ERROR(check_capacity(capacity));
    if (mem == nullptr || !MemoryCarver::aligned(mem)) {
      return Status::Error(StatusCode::kInvalidArgument, "ring: memory is null or not %zu-aligned",
                           kMemoryAlignment);
    }
    if (len < capacity * sizeof(T)) {
      return Status::Error(StatusCode::kBufferTooSmall, "ring: %zu bytes given, %zu needed", len,
                           capacity * sizeof(T));
    }
    buf_ = static_cast<T*>(mem);
    capacity_ = capacity;
    mask_ = capacity - 1;
    head_.store(0, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
    return Status::Ok();
  }

  size_t capacity() const { return capacity_; }

  // --- producer side ---

  size_t write_available() const {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    return capacity_ - (head - tail);
  }

  Regions<T> write_regions() {
    const size_t head = head_.load(std::memory_order_relaxed);
    const size_t tail = tail_.load(std::memory_order_acquire);
    return regions<T>(head, capacity_ - (head - tail));
  }

  // Publishes n items written into write_regions(); n <= its total().
  void commit_write(size_t n) {
    head_.store(head_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

  // Copies as many of `data` as fit; returns how many were written.
  size_t write(const T* data, size_t n) {
    Regions<T> r = write_regions();
    const size_t a = n < r.first_len ? n : r.first_len;
    const size_t b = (n - a) < r.second_len ? (n - a) : r.second_len;
    if (a > 0) std::memcpy(r.first, data, a * sizeof(T));
    if (b > 0) std::memcpy(r.second, data + a, b * sizeof(T));
    commit_write(a + b);
    return a + b;
  }

  // --- consumer side ---

  size_t read_available() const {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    return head - tail;
  }

  Regions<const T> read_regions() const {
    const size_t tail = tail_.load(std::memory_order_relaxed);
    const size_t head = head_.load(std::memory_order_acquire);
    return regions<const T>(tail, head - tail);
  }

  // Releases n items seen through read_regions(); n <= its total().
  void commit_read(size_t n) {
    tail_.store(tail_.load(std::memory_order_relaxed) + n, std::memory_order_release);
  }

  // Copies up to n items out; returns how many were read.
  size_t read(T* out, size_t n) {
    Regions<const T> r = read_regions();
    const size_t a = n < r.first_len ? n : r.first_len;
    const size_t b = (n - a) < r.second_len ? (n - a) : r.second_len;
    if (a > 0) std::memcpy(out, r.first, a * sizeof(T));
    if (b > 0) std::memcpy(out + a, r.second, b * sizeof(T));
    commit_read(a + b);
    return a + b;
  }

 private:
  static Status check_capacity(size_t capacity) {
    if (capacity < 2 || (capacity & (capacity - 1)) != 0 || capacity > (SIZE_MAX / 2) / sizeof(T)) {
      return Status::Error(StatusCode::kInvalidArgument,
                           "ring: capacity %zu is not a power of two >= 2", capacity);
    }
    return Status::Ok();
  }

  // Pieces of `count` items starting at free-running index `start`.
  template <typename P>
  Regions<P> regions(size_t start, size_t count) const {
    Regions<P> r;
    const size_t pos = start & mask_;
    const size_t until_end = capacity_ - pos;
    r.first = buf_ + pos;
    r.first_len = count < until_end ? count : until_end;
    r.second = buf_;
    r.second_len = count - r.first_len;
    return r;
  }

  T* buf_ = nullptr;
  size_t capacity_ = 0;
  size_t mask_ = 0;
  // Separate cache lines so the two threads do not false-share.
  alignas(64) std::atomic<size_t> head_{0};  // written by the producer
  alignas(64) std::atomic<size_t> tail_{0};  // written by the consumer
};

}  // namespace kws
