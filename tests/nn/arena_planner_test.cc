#include "nn/arena_planner.h"

#include <gtest/gtest.h>

namespace kws::nn {
namespace {

bool collide(const PlanBuffer& a, const PlanBuffer& b) {
  const bool time = a.first <= b.last && b.first <= a.last;
  const bool space = a.offset < b.offset + b.size && b.offset < a.offset + a.size;
  return time && space && a.size > 0 && b.size > 0;
}

TEST(ArenaPlanner, ReusesMemoryOfDeadBuffers) {
  // A chain: 0 -> 1 -> 2 -> 3; each buffer lives for two steps.
  PlanBuffer b[4] = {{100, 0, 1, 0}, {200, 1, 2, 0}, {100, 2, 3, 0}, {50, 3, 4, 0}};
  size_t total = 0;
  ASSERT_TRUE(plan_buffers(b, 4, 16, &total).ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(b[i].offset % 16, 0u);
    for (int j = i + 1; j < 4; ++j) EXPECT_FALSE(collide(b[i], b[j])) << i << " " << j;
  }
  // Largest first at 0; 100-byte ones after it; 0 and 2 do not overlap in time
  // and share an offset; the total is far below the 450-byte sum.
  EXPECT_EQ(b[1].offset, 0u);
  EXPECT_EQ(b[0].offset, 208u);
  EXPECT_EQ(b[2].offset, 208u);
  EXPECT_EQ(total, 320u);
}

TEST(ArenaPlanner, RejectsBadAlignmentAndLifetimes) {
  PlanBuffer b[1] = {{10, 2, 1, 0}};
  size_t total = 0;
  EXPECT_FALSE(plan_buffers(b, 1, 16, &total).ok());
  b[0] = {10, 0, 1, 0};
  EXPECT_FALSE(plan_buffers(b, 1, 12, &total).ok());
  EXPECT_TRUE(plan_buffers(b, 1, 4, &total).ok());
  EXPECT_EQ(total, 12u);
}

}  // namespace
}  // namespace kws::nn
