// Pooling: rounding of the average and clipped windows at SAME borders.
#include <gtest/gtest.h>

#include <vector>

#include "nn/kernels/kernels.h"

namespace kws::nn {
namespace {

PoolParams pool2x2() {
  PoolParams p;
  p.filter_h = p.filter_w = 2;
  p.stride_h = p.stride_w = 2;
  return p;
}

TEST(AvgPool, RoundsHalfAwayFromZero) {
  const Dims4 id{1, 2, 4, 1};
  const Dims4 od{1, 1, 2, 1};
  // Windows: {1,2,5,6} = 14/4 = 3.5 -> 4; {3,4,7,9} = 23/4 = 5.75 -> 6.
  std::vector<int8_t> in = {1, 2, 3, 4, 5, 6, 7, 9};
  std::vector<int8_t> out(2);
  ASSERT_TRUE(avg_pool_s8(pool2x2(), id, in.data(), od, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{4, 6}));
  // Negated: -3.5 -> -4, -5.75 -> -6.
  for (auto& v : in) v = static_cast<int8_t>(-v);
  ASSERT_TRUE(avg_pool_s8(pool2x2(), id, in.data(), od, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{-4, -6}));
}

TEST(AvgPool, SameBorderWindowsCountOnlyRealPixels) {
  // 3x3 input, 2x2 window, stride 2, SAME: total padding 1, all after. The right column
  // windows average 2 pixels, the corner 1.
  const Dims4 id{1, 3, 3, 1};
  const Dims4 od{1, 2, 2, 1};
  const std::vector<int8_t> in = {10, 20, 30, 40, 50, 60, 70, 80, 90};
  std::vector<int8_t> out(4);
  ASSERT_TRUE(avg_pool_s8(pool2x2(), id, in.data(), od, out.data()).ok());
  // (10+20+40+50)/4 = 30; (30+60)/2 = 45; (70+80)/2 = 75; 90.
  EXPECT_EQ(out, (std::vector<int8_t>{30, 45, 75, 90}));
}

TEST(AvgPool, ClampsToActivationRangeAndRejectsEmptyWindows) {
  const Dims4 id{1, 2, 2, 1};
  const Dims4 od{1, 1, 1, 1};
  std::vector<int8_t> in = {100, 100, 100, 100};
  std::vector<int8_t> out(1);
  PoolParams p = pool2x2();
  p.activation_max = 50;
  ASSERT_TRUE(avg_pool_s8(p, id, in.data(), od, out.data()).ok());
  EXPECT_EQ(out[0], 50);
  p.pad_h = 5;  // the only window lies entirely in padding
  EXPECT_EQ(avg_pool_s8(p, id, in.data(), od, out.data()).code(), StatusCode::kInvalidArgument);
}

TEST(MaxPool, TakesTheMaxOfRealPixelsPerChannel) {
  const Dims4 id{1, 2, 2, 2};
  const Dims4 od{1, 1, 1, 2};
  const std::vector<int8_t> in = {-5, 1, -7, 2, -3, 9, -128, 0};
  std::vector<int8_t> out(2);
  ASSERT_TRUE(max_pool_s8(pool2x2(), id, in.data(), od, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{-3, 9}));
  PoolParams p = pool2x2();
  p.activation_min = 0;
  ASSERT_TRUE(max_pool_s8(p, id, in.data(), od, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{0, 9}));
}

}  // namespace
}  // namespace kws::nn
