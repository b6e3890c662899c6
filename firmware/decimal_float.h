// Decimal text -> float, correctly rounded (round to nearest, ties to even),
// with no heap and no tables: what the firmware's strtof is (libc_shims.cc).
// newlib's strtof allocates; libstdc++'s std::from_chars is exact too but
// brings 19 KB of code and tables into the image.
//
// Accepts what strtof accepts of plain decimal numbers: leading white space,
// an optional sign, digits with an optional '.', at least one digit, and an
// optional exponent ('e' or 'E', optional sign, digits; without digits the
// 'e' is not consumed). No hex floats, inf or nan (end == text, as for
// unparsable text). Values beyond FLT_MAX become +-inf, values below the
// smallest subnormal round to +-0, as strtof does (errno is not set).
#pragma once

namespace kws::fw {

// Parses the longest decimal number at the start of `text` (NUL-terminated).
// *end receives the first character not used (text itself if nothing was).
float decimal_to_float(const char* text, const char** end);

}  // namespace kws::fw
