#include "nn/status.h"

namespace kws {

const char* StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kInvalidArgument:
      return "invalid argument";
    case StatusCode::kBufferTooSmall:
      return "buffer too small";
    case StatusCode::kMalformedModel:
      return "malformed model";
    case StatusCode::kUnsupported:
      return "unsupported";
    case StatusCode::kNotInitialized:
      return "not initialized";
    case StatusCode::kInternal:
      return "internal error";
  }
  return "unknown";
}

}  // namespace kws
