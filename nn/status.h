// Status codes for the portable core (nn/ and pipeline/).
//
// The core has no exceptions and no heap: every fallible call returns a Status
// by value. A Status carries a short, human-readable message in a fixed buffer
// so a caller can print exactly what was wrong (which tensor, which offset,
// which op) without the core allocating anything.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstdio>

namespace kws {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,  // a parameter or config value is out of range
  kBufferTooSmall,   // caller memory smaller than needed_bytes()
  kMalformedModel,   // a model file fails a bounds or consistency check
  kUnsupported,      // valid but not supported here (op, type, layout)
  kNotInitialized,   // object used before a successful init()
  kInternal,         // an invariant broke; a bug, reported instead of aborting
};

class Status {
 public:
  static constexpr size_t kMaxMessage = 160;

  constexpr Status() = default;

  static Status Ok() { return Status(); }

  // printf-style message; truncated to kMaxMessage - 1 characters.
  static Status Error(StatusCode code, const char* fmt, ...) __attribute__((format(printf, 2, 3))) {
    Status s;
    s.code_ = code;
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(s.message_, kMaxMessage, fmt, ap);
    va_end(ap);
    return s;
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const char* message() const { return ok() ? "ok" : message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  char message_[kMaxMessage] = {};
};

const char* StatusCodeName(StatusCode code);

}  // namespace kws

// Propagates a non-ok Status to the caller.
#define KWS_RETURN_IF_ERROR(expr)              \
  do {                                         \
    ::kws::Status kws_status_ = (expr);        \
    if (!kws_status_.ok()) return kws_status_; \
  } while (0)
