// Integer fixed-point primitives with TFLite/gemmlowp's exact rounding.
//
// These define the numerics of every int8 kernel: a change here changes model outputs.
// Raw values are int32; "Qm" means m integer bits and 31 - m fractional bits. Overflow
// that gemmlowp leaves to the hardware wraps here (two's complement, well defined), so
// the results equal TFLite's on every target and stay clean under UBSan.
#pragma once

#include <cstdint>
#include <limits>

namespace kws::nn {

inline constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
inline constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
inline int32_t wrapping_sub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

// round(a * b / 2^31), ties away from zero; the single overflow case saturates.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == kInt32Min && b == kInt32Min) return kInt32Max;
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));  // truncating division
}

// x / 2^exponent rounded to nearest, ties away from zero; exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * multiplier * 2^shift with TFLite's default (double) rounding: a positive shift is
// applied as a wrapping left shift before the high multiply, a negative one as a
// rounding right shift after it.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left_shift = shift > 0 ? shift : 0;
  const int right_shift = shift > 0 ? 0 : -shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left_shift);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier),
                                right_shift);
}

// gemmlowp's SaturatingRoundingMultiplyByPOT with a runtime exponent in [-31, 31].
inline int32_t saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return rounding_divide_by_pot(x, -exponent);
  const int32_t threshold = static_cast<int32_t>((int64_t{1} << (31 - exponent)) - 1);
  if (x > threshold) return kInt32Max;
  if (x < -threshold) return kInt32Min;
  return static_cast<int32_t>(static_cast<uint32_t>(x) << exponent);
}

inline int32_t rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = static_cast<int64_t>(a) + static_cast<int64_t>(b);
  const int64_t sign = sum >= 0 ? 1 : -1;
  return static_cast<int32_t>((sum + sign) / 2);
}

inline int count_leading_zeros(uint32_t x) { return x == 0 ? 32 : __builtin_clz(x); }

// exp(a) for a in [-1/4, 0), a and result in Q0: Taylor expansion around -1/8.
inline int32_t exp_on_interval_between_negative_one_quarter_and_0_excl(int32_t a) {
  constexpr int32_t kExpMinusOneEighth = 1895147668;    // round(exp(-1/8) * 2^31)
  constexpr int32_t kOneThird = 715827883;              // round(1/3 * 2^31)
  const int32_t x = wrapping_add(a, int32_t{1} << 28);  // a + 1/8
  const int32_t x2 = saturating_rounding_doubling_high_mul(x, x);
  const int32_t x3 = saturating_rounding_doubling_high_mul(x2, x);
  const int32_t x4 = saturating_rounding_doubling_high_mul(x2, x2);
  const int32_t x4_over_4 = rounding_divide_by_pot(x4, 2);
  const int32_t poly = rounding_divide_by_pot(
      wrapping_add(saturating_rounding_doubling_high_mul(wrapping_add(x4_over_4, x3), kOneThird),
                   x2),
      1);
  return wrapping_add(kExpMinusOneEighth, saturating_rounding_doubling_high_mul(
                                              kExpMinusOneEighth, wrapping_add(x, poly)));
}

// exp(a) for a <= 0; a in Q(integer_bits) with integer_bits in [1, 30], result in Q0.
// Splits a into a multiple of 1/4 (a barrel of exp(-2^k) factors) plus a remainder in
// [-1/4, 0).
inline int32_t exp_on_negative_values(int32_t a, int integer_bits) {
  const int fractional_bits = 31 - integer_bits;
  const int32_t one_quarter = int32_t{1} << (fractional_bits - 2);
  const int32_t mask = one_quarter - 1;
  const int32_t a_mod_quarter_minus_one_quarter = wrapping_sub(a & mask, one_quarter);
  int32_t result = exp_on_interval_between_negative_one_quarter_and_0_excl(
      saturating_rounding_multiply_by_pot(a_mod_quarter_minus_one_quarter, integer_bits));
  const int32_t remainder = wrapping_sub(a_mod_quarter_minus_one_quarter, a);

  // round(exp(-2^k) * 2^31) for k = -2 .. 4.
  constexpr int32_t kBarrel[7] = {1672461947, 1302514674, 790015084, 290630308,
                                  39332535,   720401,     242};
  for (int k = -2; k <= 4; ++k) {
    if (integer_bits > k) {
      const int shift = fractional_bits + k;
      if ((remainder & static_cast<int32_t>(uint32_t{1} << shift)) != 0) {
        result = saturating_rounding_doubling_high_mul(result, kBarrel[k + 2]);
      }
    }
  }
  if (integer_bits > 5) {
    const int32_t clamp = -static_cast<int32_t>(int64_t{1} << (36 - integer_bits));  // -32.0
    if (a < clamp) result = 0;
  }
  if (a == 0) result = kInt32Max;  // exp(0) = "one" in Q0
  return result;
}

// 1 / (1 + a) for a in [0, 1), a and result in Q0: Newton-Raphson in Q2, three steps
// from the 48/17 - 32/17 * d initial estimate.
inline int32_t one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  constexpr int32_t k48Over17 = 1515870810;      // round(48/17 * 2^29)
  constexpr int32_t kNeg32Over17 = -1010580540;  // round(-32/17 * 2^29)
  constexpr int32_t kOneQ2 = int32_t{1} << 29;
  const int32_t half_denominator = rounding_half_sum(a, kInt32Max);
  int32_t x = wrapping_add(k48Over17,
                           saturating_rounding_doubling_high_mul(half_denominator, kNeg32Over17));
  for (int i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x =
        saturating_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus = wrapping_sub(kOneQ2, half_denominator_times_x);
    x = wrapping_add(x, saturating_rounding_multiply_by_pot(
                            saturating_rounding_doubling_high_mul(x, one_minus), 2));
  }
  return saturating_rounding_multiply_by_pot(x, 1);  // x / 2, re-read in Q0
}

// 1 / x for x > 0 in Q(x_integer_digits): returns the Q0 mantissa of 1/x and the power
// of two to apply to it (TFLite's GetReciprocal).
inline int32_t get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = count_leading_zeros(static_cast<uint32_t>(x));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  const uint32_t shifted =
      headroom_plus_one >= 32 ? 0u : (static_cast<uint32_t>(x) << headroom_plus_one);
  const int32_t shifted_sum_minus_one = static_cast<int32_t>(shifted - (uint32_t{1} << 31));
  return one_over_one_plus_x_for_x_in_0_1(shifted_sum_minus_one);
}

// logistic(a) = 1 / (1 + exp(-a)); a in Q(integer_bits), result in Q0.
inline int32_t logistic_fixed_point(int32_t a, int integer_bits) {
  if (a == 0) return int32_t{1} << 30;  // exactly 1/2
  const int32_t abs_a = a > 0 ? a : wrapping_sub(0, a);
  const int32_t positive = one_over_one_plus_x_for_x_in_0_1(
      exp_on_negative_values(wrapping_sub(0, abs_a), integer_bits));
  return a > 0 ? positive : wrapping_sub(kInt32Max, positive);
}

}  // namespace kws::nn
