// C library entry points the firmware provides itself, because newlib's
// versions need an OS or a heap the image does not have.
//
// abort(): newlib's raises SIGABRT through _kill/_getpid (no OS here). It is
// referenced by libstdc++ internals (e.g. std::from_chars' unreachable paths).
//
// strtof(): STOPGAP while pipeline/model_info.cc parses floats with
// std::strtof. newlib's strtod family allocates bignums with malloc (mprec.c
// Balloc), which the no-heap link check rightly rejects. The firmware links
// with --wrap=strtof and routes the calls here, to std::from_chars (libstdc++'s
// fast_float: correctly rounded, so the same value glibc's strtof gives the
// host build, and no heap). Remove with the wrap once the core stops calling
// strtof.
#include <charconv>
#include <cstdlib>
#include <cstring>

#include "firmware/semihosting.h"

extern "C" void abort() {
  kws::fw::semihost::print("firmware: abort() called\n");
  kws::fw::semihost::exit(3);
}

extern "C" float __wrap_strtof(const char* text, char** end) {
  const char* p = text;
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == '\v') ++p;
  if (*p == '+' && p[1] != '-' && p[1] != '+') ++p;  // from_chars takes no '+'
  float value = 0.0f;
  const std::from_chars_result r = std::from_chars(p, p + std::strlen(p), value);
  if (end != nullptr) *end = const_cast<char*>(r.ec == std::errc() ? r.ptr : text);
  return r.ec == std::errc() ? value : 0.0f;
}
