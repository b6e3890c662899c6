#include "pipeline/spsc_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace kws {
namespace {

struct alignas(16) Storage {
  int16_t data[64];
};

TEST(SpscRing, RejectsCapacityThatIsNotAPowerOfTwo) {
  size_t bytes = 0;
  EXPECT_EQ(SpscRing<int16_t>::needed_bytes(48, &bytes).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SpscRing<int16_t>::needed_bytes(0, &bytes).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(SpscRing<int16_t>::needed_bytes(64, &bytes).ok());
  EXPECT_EQ(bytes, 64 * sizeof(int16_t));
}

TEST(SpscRing, RejectsTooSmallMemory) {
  Storage s;
  SpscRing<int16_t> ring;
  Status st = ring.init(128, s.data, sizeof(s.data));
  EXPECT_EQ(st.code(), StatusCode::kBufferTooSmall);
}

TEST(SpscRing, WriteReturnsHowManyFitAndReadPreservesOrderAcrossWrap) {
  Storage s;
  SpscRing<int16_t> ring;
  ASSERT_TRUE(ring.init(8, s.data, sizeof(s.data)).ok());
  const int16_t in[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(ring.write(in, 12), 8u);  // full: only 8 fit
  EXPECT_EQ(ring.write_available(), 0u);
  int16_t out[16] = {};
  EXPECT_EQ(ring.read(out, 5), 5u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[4], 5);
  EXPECT_EQ(ring.write(in + 8, 4), 4u);  // wraps around the end
  EXPECT_EQ(ring.read_available(), 7u);
  EXPECT_EQ(ring.read(out, 16), 7u);
  const int16_t expected[7] = {6, 7, 8, 9, 10, 11, 12};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(out[i], expected[i]) << i;
  EXPECT_EQ(ring.read(out, 1), 0u);
}

TEST(SpscRing, RegionsSplitAtTheEndOfStorage) {
  Storage s;
  SpscRing<int16_t> ring;
  ASSERT_TRUE(ring.init(8, s.data, sizeof(s.data)).ok());
  int16_t tmp[6] = {};
  ring.write(tmp, 6);
  ring.read(tmp, 6);  // both indices now at 6
  auto w = ring.write_regions();
  EXPECT_EQ(w.first_len, 2u);
  EXPECT_EQ(w.second_len, 6u);
  for (size_t i = 0; i < w.first_len; ++i) w.first[i] = static_cast<int16_t>(100 + i);
  for (size_t i = 0; i < 3; ++i) w.second[i] = static_cast<int16_t>(102 + i);
  ring.commit_write(5);
  auto r = ring.read_regions();
  EXPECT_EQ(r.total(), 5u);
  EXPECT_EQ(r.first_len, 2u);
  EXPECT_EQ(r.first[0], 100);
  EXPECT_EQ(r.second[2], 104);
  ring.commit_read(5);
  EXPECT_EQ(ring.read_available(), 0u);
}

}  // namespace
}  // namespace kws
