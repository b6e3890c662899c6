// firmware/decimal_float.cc (the firmware's strtof) against the host C
// library's strtof, bit for bit: the device must read a model's metadata
// numbers exactly as the host does.
#include "firmware/decimal_float.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>

namespace kws::fw {
namespace {

uint32_t bits_of(float f) {
  uint32_t b = 0;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

void expect_like_strtof(const std::string& text) {
  char* want_end = nullptr;
  const float want = std::strtof(text.c_str(), &want_end);
  const char* got_end = nullptr;
  const float got = decimal_to_float(text.c_str(), &got_end);
  EXPECT_EQ(got_end - text.c_str(), want_end - text.c_str()) << '"' << text << '"';
  EXPECT_EQ(bits_of(got), bits_of(want)) << '"' << text << "\" got " << got << " want " << want;
}

TEST(DecimalFloat, MetadataValuesAndSyntax) {
  for (const char* t : {"0.0684668213",
                        "1e-06",
                        "0.925",
                        "0.900",
                        "4000",
                        "20",
                        "0.8",
                        "74",
                        "-128",
                        "+1.5",
                        "-0",
                        "0",
                        "0.0",
                        ".5",
                        "5.",
                        "1e",
                        "1e+",
                        "1e-",
                        "e5",
                        ".",
                        "-",
                        "+",
                        "",
                        "1.2.3",
                        "1.5e3x",
                        "  42",
                        "007",
                        "1E5",
                        "1e+05",
                        "-.25e-2",
                        "3.4028234e38",
                        "3.4028236e38",
                        "3.5e38",
                        "1e39",
                        "1e-38",
                        "1.17549435e-38",
                        "1.4e-45",
                        "7.006e-46",
                        "7.0064923e-46",
                        "7.0064924e-46",
                        "1e-46",
                        "1e-50",
                        "1e99999999",
                        "-1e-99999999",
                        "16777217",
                        "16777216.5",
                        "16777218.5",
                        "0.1",
                        "0.2",
                        "0.3",
                        "2.5e-45",
                        "1.0000000596046448",
                        "1.00000005960464477539062500000000000000001",
                        "1.000000059604644775390625"}) {
    expect_like_strtof(t);
  }
}

TEST(DecimalFloat, MidpointsBetweenNeighbours) {
  // Exact decimal midpoints of consecutive floats (ties to even), and the
  // same a hair above and below.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    const float a =
        std::ldexp(static_cast<float>(rng() % (1u << 24)), static_cast<int>(rng() % 250) - 150);
    const float b = std::nextafter(a, INFINITY);
    const double mid = (static_cast<double>(a) + static_cast<double>(b)) / 2.0;
    char buf[200];
    // 131 significant digits: the midpoint exactly (it needs at most 113).
    std::snprintf(buf, sizeof buf, "%.130e", mid);
    expect_like_strtof(buf);
    // A 1 past the kept digits: just above the midpoint.
    std::string above(buf);
    above.insert(above.find('e'), "1");
    expect_like_strtof(above);
    std::snprintf(buf, sizeof buf, "%.17e", std::nextafter(mid, 0.0));
    expect_like_strtof(buf);
    std::snprintf(buf, sizeof buf, "%.17e", std::nextafter(mid, INFINITY));
    expect_like_strtof(buf);
  }
}

TEST(DecimalFloat, RandomDecimalStrings) {
  std::mt19937 rng(1);
  for (int i = 0; i < 200000; ++i) {
    std::string s;
    if (rng() % 4 == 0) s += '-';
    const int int_digits = static_cast<int>(rng() % 12);
    const int frac_digits = static_cast<int>(rng() % 25);
    for (int k = 0; k < int_digits; ++k) s += static_cast<char>('0' + rng() % 10);
    if (frac_digits > 0 || rng() % 2) s += '.';
    for (int k = 0; k < frac_digits; ++k) s += static_cast<char>('0' + rng() % 10);
    if (rng() % 2) {
      s += 'e';
      s += std::to_string(static_cast<int>(rng() % 100) - 60);
    }
    expect_like_strtof(s);
    if (::testing::Test::HasFailure()) break;
  }
}

}  // namespace
}  // namespace kws::fw
