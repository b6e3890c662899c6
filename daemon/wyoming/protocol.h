// Wyoming event framing: a JSON header line, then optional extra data, then
// an optional binary payload.
//
//   {"type":"audio-chunk","data":{...},"data_length":N,"payload_length":M}\n
//   <N bytes: a JSON object merged over "data">
//   <M bytes: payload, e.g. raw PCM>
//
// EventReader is incremental: feed it whatever recv() returned and it yields
// complete events. Every length is checked against Limits before any byte of
// that part is buffered, so a header claiming a 2 GB payload is an error at
// once, not an allocation. Errors are sticky: after one, the connection is
// beyond repair and must be closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/wyoming/json.h"

namespace kws::wyoming {

// The protocol version we write in headers (the event set we implement).
inline constexpr const char* kProtocolVersion = "1.5.4";

struct Limits {
  size_t max_header_bytes = 16 * 1024;     // header line, newline included
  size_t max_data_bytes = 64 * 1024;       // data_length
  size_t max_payload_bytes = 1024 * 1024;  // payload_length (1 s of 48 kHz stereo s32 is 384 KB)
};

struct Event {
  std::string type;
  Json data = Json::object();  // header "data" with the extra data merged over it
  std::string payload;         // raw bytes
};

class EventReader {
 public:
  explicit EventReader(const Limits& limits) : limits_(limits) {}

  // Consumes n bytes; appends each completed event to *out. Returns "" or
  // the protocol error (also kept in error()).
  std::string feed(const char* bytes, size_t n, std::vector<Event>* out);

  // True while part of an event has been received (a disconnect now loses it).
  bool mid_event() const { return stage_ != Stage::kHeader || !buffer_.empty(); }
  const std::string& error() const { return error_; }

 private:
  enum class Stage : uint8_t { kHeader, kData, kPayload };
  std::string fail(std::string message);
  std::string finish_header();
  std::string finish_data();

  Limits limits_;
  Stage stage_ = Stage::kHeader;
  std::string buffer_;       // header line or data bytes so far
  size_t need_ = 0;          // bytes still expected in kData / kPayload
  size_t payload_need_ = 0;  // payload_length of the current event
  Event current_;
  std::string error_;
};

// One event as bytes on the wire. `data` must be an object (null: none); it
// is written inline in the header, which every protocol version reads.
std::string encode_event(std::string_view type, const Json& data = Json(),
                         std::string_view payload = {});

}  // namespace kws::wyoming
