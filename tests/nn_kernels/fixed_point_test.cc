// Golden values for the fixed-point primitives, derived by hand from TFLite/gemmlowp's
// definitions (rounding rules in the comments).
#include "nn/kernels/fixed_point.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kws::nn {
namespace {

constexpr double kQ31 = 2147483648.0;

TEST(FixedPoint, DoublingHighMulRoundsHalfUpAndSaturatesTheOneOverflow) {
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kInt32Min, kInt32Min), kInt32Max);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  // 1 * 0.5 = 0.5 -> 1; -1 * 0.5 = -0.5 -> 0 (nudge then truncate: ties go up).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1, 1 << 30), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-1, 1 << 30), 0);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);  // -1.5 -> -1
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);    // 1.5 -> 2
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kInt32Max, kInt32Max), kInt32Max - 1);
}

TEST(FixedPoint, RoundingDivideByPotRoundsHalfAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5
  EXPECT_EQ(rounding_divide_by_pot(4, 1), 2);
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounding_divide_by_pot(123, 0), 123);
  EXPECT_EQ(rounding_divide_by_pot(kInt32Max, 31), 1);
  EXPECT_EQ(rounding_divide_by_pot(kInt32Min, 31), -1);
}

TEST(FixedPoint, MultiplyByQuantizedMultiplierUsesTfliteDoubleRounding) {
  EXPECT_EQ(multiply_by_quantized_multiplier(12, 1 << 30, 1), 12);    // x 1.0
  EXPECT_EQ(multiply_by_quantized_multiplier(3, 1 << 30, 2), 6);      // x 2.0
  EXPECT_EQ(multiply_by_quantized_multiplier(45, 1 << 30, 0), 23);    // 22.5 -> 23
  EXPECT_EQ(multiply_by_quantized_multiplier(-45, 1 << 30, 0), -22);  // -22.5 -> -22
  // 5 * 0.25 = 1.25 exactly, but TFLite rounds twice: high-mul gives 3 (2.5 up), then
  // 3 / 2 = 1.5 -> 2. A single-rounding implementation would give 1.
  EXPECT_EQ(multiply_by_quantized_multiplier(5, 1 << 30, -1), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, 1 << 30, -1), -1);             // -2 then -1
  EXPECT_EQ(multiply_by_quantized_multiplier(1000000, 1288490189, -3), 75000);  // 0.075
}

TEST(FixedPoint, SaturatingMultiplyByPotSaturates) {
  EXPECT_EQ(saturating_rounding_multiply_by_pot(1 << 29, 1), 1 << 30);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(1 << 30, 1), kInt32Max);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(-(1 << 30) - 1, 1), kInt32Min);
  EXPECT_EQ(saturating_rounding_multiply_by_pot(5, -1), 3);
}

TEST(FixedPoint, ExpOnNegativeValuesMatchesExpAndPinsExactCases) {
  EXPECT_EQ(exp_on_negative_values(0, 5), kInt32Max);
  for (double x = -0.01; x > -31.0; x *= 1.37) {
    const auto raw = static_cast<int32_t>(std::lround(x * (1 << 26)));  // Q5
    const double got = exp_on_negative_values(raw, 5) / kQ31;
    EXPECT_NEAR(got, std::exp(raw / static_cast<double>(1 << 26)), 1e-6) << "x=" << x;
  }
}

TEST(FixedPoint, OneOverOnePlusXAndReciprocal) {
  EXPECT_NEAR(one_over_one_plus_x_for_x_in_0_1(0) / kQ31, 1.0, 1e-8);
  EXPECT_NEAR(one_over_one_plus_x_for_x_in_0_1(1 << 30) / kQ31, 2.0 / 3.0, 1e-8);
  int bits = 0;
  // 3.0 in Q12: 1/3 = (2/3) * 2^-1, i.e. mantissa 1/(1 + 0.5) and one bit over unit.
  const int32_t r = get_reciprocal(3 << 19, 12, &bits);
  EXPECT_EQ(bits, 1);
  EXPECT_NEAR(r / kQ31, 2.0 / 3.0, 1e-8);
}

TEST(FixedPoint, LogisticIsHalfAtZeroAndSymmetric) {
  EXPECT_EQ(logistic_fixed_point(0, 4), 1 << 30);
  for (double x = 0.03; x < 15.0; x *= 1.5) {
    const auto raw = static_cast<int32_t>(std::lround(x * (1 << 27)));  // Q4
    const double pos = logistic_fixed_point(raw, 4) / kQ31;
    const double neg = logistic_fixed_point(-raw, 4) / kQ31;
    const double want = 1.0 / (1.0 + std::exp(-raw / static_cast<double>(1 << 27)));
    EXPECT_NEAR(pos, want, 1e-6) << x;
    EXPECT_NEAR(neg, 1.0 - want, 1e-6) << x;
  }
}

}  // namespace
}  // namespace kws::nn
