#include "firmware/decimal_float.h"

#include <cstdint>
#include <cstring>

namespace kws::fw {
namespace {

// Significant digits kept exactly. A float's rounding boundaries (midpoints
// between neighbours) have at most 113 significant decimal digits, so none can
// lie strictly inside the interval the dropped digits leave open: dropping
// digits after the first 120 only needs a "something nonzero was dropped" bit.
constexpr int kMaxDigits = 120;

// Unsigned integer of kLimbs 32-bit limbs, least significant first. Large
// enough for the dividend below: values are reduced to 10^-46 .. 10^39 first,
// so the divisor is below 10^166 (552 bits) and the dividend 27 bits more.
constexpr int kLimbs = 20;

struct Big {
  uint32_t limb[kLimbs] = {};

  void mul_add(uint32_t m, uint32_t a) {
    uint64_t carry = a;
    for (uint32_t& l : limb) {
      const uint64_t v = uint64_t{l} * m + carry;
      l = static_cast<uint32_t>(v);
      carry = v >> 32;
    }
  }
  int bit_length() const {
    for (int i = kLimbs - 1; i >= 0; --i) {
      if (limb[i] == 0) continue;
      int b = 32;
      while ((limb[i] >> (b - 1)) == 0) --b;
      return 32 * i + b;
    }
    return 0;
  }
  bool is_zero() const { return bit_length() == 0; }
  Big shifted_left(int bits) const {
    Big r;
    const int words = bits / 32;
    const int rest = bits % 32;
    for (int i = kLimbs - 1; i >= words; --i) {
      uint32_t v = limb[i - words] << rest;
      if (rest != 0 && i - words - 1 >= 0) v |= limb[i - words - 1] >> (32 - rest);
      r.limb[i] = v;
    }
    return r;
  }
  bool less_than(const Big& o) const {
    for (int i = kLimbs - 1; i >= 0; --i) {
      if (limb[i] != o.limb[i]) return limb[i] < o.limb[i];
    }
    return false;
  }
  void subtract(const Big& o) {  // requires *this >= o
    uint64_t borrow = 0;
    for (int i = 0; i < kLimbs; ++i) {
      const uint64_t v = uint64_t{limb[i]} - o.limb[i] - borrow;
      limb[i] = static_cast<uint32_t>(v);
      borrow = (v >> 32) & 1u;
    }
  }
};

float with_sign(uint32_t magnitude_bits, bool negative) {
  const uint32_t bits = magnitude_bits | (negative ? 0x8000'0000u : 0u);
  float f = 0.0f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

constexpr uint32_t kInfBits = 0x7F80'0000u;

// Rounds w * 10^q (w != 0, with `sticky` set when nonzero digits were dropped
// after w) to the float bit pattern of its magnitude.
uint32_t round_to_float(const Big& w, int digits, int q, bool sticky) {
  // w * 10^q lies in [10^(q+digits-1), 10^(q+digits)).
  if (q + digits <= -46) return 0;            // below 1e-46 < 2^-150: rounds to zero
  if (q + digits - 1 >= 39) return kInfBits;  // at least 1e39 > FLT_MAX
  Big n = w;
  Big d;
  d.limb[0] = 1;
  for (int i = 0; i < (q < 0 ? -q : q); ++i) (q < 0 ? d : n).mul_add(10, 0);

  // Scale by 2^-e0 so that the quotient n / d lies in [2^24, 2^26).
  const int e0 = n.bit_length() - d.bit_length() - 25;
  if (e0 >= 0) {
    d = d.shifted_left(e0);
  } else {
    n = n.shifted_left(-e0);
  }
  uint32_t quotient = 0;
  for (int i = 25; i >= 0; --i) {
    const Big t = d.shifted_left(i);
    if (!n.less_than(t)) {
      n.subtract(t);
      quotient |= 1u << i;
    }
  }
  sticky = sticky || !n.is_zero();

  // value = (quotient + fraction) * 2^e0; keep 24 bits (fewer when subnormal).
  int qbits = 0;
  while ((quotient >> qbits) != 0) ++qbits;
  int shift = qbits - 24;
  int e = e0 + shift;  // value ~ mantissa * 2^e, mantissa of 24 bits
  if (e < -149) {
    shift += -149 - e;
    e = -149;
  }
  if (e > 104) return kInfBits;  // 2^(104 + 24) > FLT_MAX
  if (shift > 28) shift = 28;    // quotient < 2^26 <= half: rounds to zero either way
  const uint32_t mantissa = quotient >> shift;
  const uint32_t rest = quotient & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  const bool up = rest > half || (rest == half && (sticky || (mantissa & 1u) != 0));
  // Exponent field e + 150 for a 24-bit mantissa (its top bit adds the 1);
  // a carry out of the mantissa moves into the exponent by itself.
  const uint32_t bits = (static_cast<uint32_t>(e + 149) << 23) + mantissa + (up ? 1u : 0u);
  return bits >= kInfBits ? kInfBits : bits;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

float decimal_to_float(const char* text, const char** end) {
  const char* p = text;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') ++p;
  bool negative = false;
  if (*p == '+' || *p == '-') negative = *p++ == '-';

  Big w;
  int digits = 0;    // significant digits kept in w
  int q = 0;         // decimal exponent of w's last digit
  bool any = false;  // at least one digit seen
  bool sticky = false;
  bool after_point = false;
  for (;; ++p) {
    if (*p == '.' && !after_point) {
      after_point = true;
      continue;
    }
    if (!is_digit(*p)) break;
    any = true;
    const uint32_t digit = static_cast<uint32_t>(*p - '0');
    if (digits == 0 && digit == 0) {
      if (after_point) --q;  // leading zero
    } else if (digits < kMaxDigits) {
      w.mul_add(10, digit);
      ++digits;
      if (after_point) --q;
    } else {
      sticky = sticky || digit != 0;
      if (!after_point) ++q;
    }
  }
  if (!any) {
    if (end != nullptr) *end = text;
    return 0.0f;
  }
  if (*p == 'e' || *p == 'E') {
    const char* e = p + 1;
    bool exp_negative = false;
    if (*e == '+' || *e == '-') exp_negative = *e++ == '-';
    if (is_digit(*e)) {
      int exponent = 0;
      for (; is_digit(*e); ++e) {
        if (exponent < 100000) exponent = exponent * 10 + (*e - '0');
      }
      q += exp_negative ? -exponent : exponent;
      p = e;
    }
  }
  if (end != nullptr) *end = p;
  if (digits == 0) return with_sign(0, negative);
  return with_sign(round_to_float(w, digits, q, sticky), negative);
}

}  // namespace kws::fw
