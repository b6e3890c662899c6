// C library entry points the firmware provides itself, because newlib's
// versions need an OS or a heap the image does not have.
//
// abort(): newlib's raises SIGABRT through _kill/_getpid (no OS here).
//
// strtof(): pipeline/model_info.cc parses the metadata's numbers with
// std::strtof. newlib's strtod family allocates bignums with malloc (mprec.c
// Balloc), which the no-heap link check rightly rejects. The firmware links
// with --wrap=strtof and routes the calls here, to decimal_to_float
// (decimal_float.h): correctly rounded, so the same value glibc's strtof gives
// the host build (tests/firmware/decimal_float_test.cc), with no heap and
// ~1 KB of code where std::from_chars brought 19 KB. Decimal text only: the
// core never passes hex floats, inf or nan.
#include <cstdlib>

#include "firmware/decimal_float.h"
#include "firmware/semihosting.h"

// `used` on both: their callers may be outside a link-time optimised image.
extern "C" __attribute__((used)) void abort() {
  kws::fw::semihost::print("firmware: abort() called\n");
  kws::fw::semihost::exit(3);
}

extern "C" __attribute__((used)) float __wrap_strtof(const char* text, char** end) {
  const char* stop = text;
  const float value = kws::fw::decimal_to_float(text, &stop);
  if (end != nullptr) *end = const_cast<char*>(stop);
  return value;
}
