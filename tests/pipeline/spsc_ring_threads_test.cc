#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>

#include "pipeline/spsc_ring.h"

namespace kws {
namespace {

// The producer writes a counter sequence in varying chunk sizes, the consumer
// reads in other chunk sizes and checks every item arrives once, in order.
TEST(SpscRingThreads, ProducerConsumerSeeEveryItemInOrder) {
  constexpr size_t kCapacity = 1024;
  constexpr uint32_t kItems = 4'000'000;
  alignas(16) static uint32_t storage[kCapacity];
  SpscRing<uint32_t> ring;
  ASSERT_TRUE(ring.init(kCapacity, storage, sizeof(storage)).ok());

  std::thread producer([&] {
    uint32_t next = 0;
    uint32_t chunk[97];
    size_t chunk_size = 1;
    while (next < kItems) {
      size_t n = chunk_size;
      if (n > kItems - next) n = kItems - next;
      for (size_t i = 0; i < n; ++i) chunk[i] = next + static_cast<uint32_t>(i);
      size_t done = 0;
      while (done < n) {
        const size_t w = ring.write(chunk + done, n - done);
        if (w == 0) std::this_thread::yield();
        done += w;
      }
      next += static_cast<uint32_t>(n);
      chunk_size = chunk_size % 97 + 1;
    }
  });

  uint32_t expected = 0;
  uint32_t errors = 0;
  uint32_t buf[61];
  size_t want = 1;
  while (expected < kItems) {
    const size_t got = ring.read(buf, want);
    if (got == 0) std::this_thread::yield();
    for (size_t i = 0; i < got; ++i) {
      if (buf[i] != expected) ++errors;
      expected = buf[i] + 1;
    }
    want = want % 61 + 1;
  }
  producer.join();
  EXPECT_EQ(errors, 0u);
  EXPECT_EQ(expected, kItems);
  EXPECT_EQ(ring.read_available(), 0u);
}

}  // namespace
}  // namespace kws
