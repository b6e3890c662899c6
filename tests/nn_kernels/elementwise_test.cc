// Add and mul: exact sums/products at unit scales, rescaling, broadcasting.
#include <gtest/gtest.h>

#include <vector>

#include "nn/kernels/kernels.h"

namespace kws::nn {
namespace {

TEST(Add, UnitScalesAddExactly) {
  AddParams p;
  ASSERT_TRUE(prepare_add(1.0f, 0, 1.0f, 0, 1.0f, 0, -128, 127, &p).ok());
  const Dims4 d{1, 1, 1, 5};
  const std::vector<int8_t> a = {1, -7, 100, -100, 60};
  const std::vector<int8_t> b = {2, 3, 100, -100, -61};
  std::vector<int8_t> out(5);
  ASSERT_TRUE(add_s8(p, d, a.data(), d, b.data(), d, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{3, -4, 127, -128, -1}));
}

TEST(Add, ZeroPointsScalesAndRounding) {
  // a: scale 0.5 zp 10; b: scale 0.25 zp -4; out: scale 1.0 zp 3.
  AddParams p;
  ASSERT_TRUE(prepare_add(0.5f, 10, 0.25f, -4, 1.0f, 3, -128, 127, &p).ok());
  const Dims4 d{1, 1, 1, 3};
  // real a = 0.5*(q-10), real b = 0.25*(q+4): (12, 6) -> 1 + 2.5 = 3.5 -> 4 (+3 = 7);
  // (8, -6) -> -1 - 0.5 = -1.5 -> -2 (the final rounding shift: ties away from zero)
  // (+3 = 1);
  // (10, -4) -> 0 (+3 = 3).
  const std::vector<int8_t> a = {12, 8, 10};
  const std::vector<int8_t> b = {6, -6, -4};
  std::vector<int8_t> out(3);
  ASSERT_TRUE(add_s8(p, d, a.data(), d, b.data(), d, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{7, 1, 3}));
}

TEST(Add, BroadcastsOverBatchAndSpace) {
  AddParams p;
  ASSERT_TRUE(prepare_add(1.0f, 0, 1.0f, 0, 1.0f, 0, -128, 127, &p).ok());
  const Dims4 da{1, 2, 2, 2};
  const Dims4 db{1, 1, 1, 2};
  const std::vector<int8_t> a = {0, 0, 1, 1, 2, 2, 3, 3};
  const std::vector<int8_t> b = {10, 20};
  std::vector<int8_t> out(8);
  ASSERT_TRUE(add_s8(p, da, a.data(), db, b.data(), da, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{10, 20, 11, 21, 12, 22, 13, 23}));
  const Dims4 bad{1, 1, 1, 3};
  EXPECT_EQ(add_s8(p, da, a.data(), bad, b.data(), da, out.data()).code(),
            StatusCode::kInvalidArgument);
}

TEST(Mul, ProductsWithZeroPointsAndClamp) {
  // scales 0.5 * 0.5 / 0.25 = 1: out = (a - zp_a) * (b - zp_b) + zp_out.
  MulParams p;
  ASSERT_TRUE(prepare_mul(0.5f, 2, 0.5f, -1, 0.25f, -3, -128, 127, &p).ok());
  const Dims4 d{1, 1, 1, 4};
  const std::vector<int8_t> a = {5, 2, -2, 30};
  const std::vector<int8_t> b = {3, 100, 4, 9};
  std::vector<int8_t> out(4);
  ASSERT_TRUE(mul_s8(p, d, a.data(), d, b.data(), d, out.data()).ok());
  // 3*4-3 = 9; 0-3 = -3; -4*5-3 = -23; 28*10-3 = 277 -> 127.
  EXPECT_EQ(out, (std::vector<int8_t>{9, -3, -23, 127}));
}

TEST(Mul, BroadcastScalar) {
  MulParams p;
  ASSERT_TRUE(prepare_mul(1.0f, 0, 1.0f, 0, 2.0f, 0, -128, 127, &p).ok());
  const Dims4 da{1, 1, 2, 2};
  const Dims4 db{1, 1, 1, 1};
  const std::vector<int8_t> a = {1, 2, 3, -3};
  const std::vector<int8_t> b = {3};
  std::vector<int8_t> out(4);
  ASSERT_TRUE(mul_s8(p, da, a.data(), db, b.data(), da, out.data()).ok());
  // x 0.5 in the high multiply, whose ties go up: 1.5 -> 2, 3, 4.5 -> 5, -4.5 -> -4.
  EXPECT_EQ(out, (std::vector<int8_t>{2, 3, 5, -4}));
}

}  // namespace
}  // namespace kws::nn
