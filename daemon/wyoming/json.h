// JSON for Wyoming event headers and MQTT payloads: nlohmann-json (Debian's
// nlohmann-json3-dev), with the few rules network input needs on top.
//
// Objects keep member order as written (ordered_json), so what we send reads
// in a fixed order; a duplicate key keeps the last value. Parsing is strict
// RFC 8259 (UTF-8 checked), nesting is bounded, and errors are a message with
// the byte offset, never an exception escaping to the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "config/result.h"

namespace kws::wyoming {

using Json = nlohmann::ordered_json;

inline constexpr size_t kMaxJsonDepth = 32;

// Parses one JSON text (surrounding whitespace allowed, nothing else).
// Errors name the byte offset: "offset 12: syntax error ...".
Result<Json> parse_json(std::string_view text, size_t max_depth = kMaxJsonDepth);

// Compact serialisation; invalid UTF-8 in strings becomes U+FFFD instead of
// an error, so whatever a keyword is called, the text is valid JSON.
std::string to_json(const Json& value);

// The member `key` of an object; null when absent or `object` is no object.
const Json* find_member(const Json& object, std::string_view key);

// The number as an integer when it is integral and within [lo, hi]
// (1e3 counts: JSON does not tell integers from other numbers).
std::optional<int64_t> as_integer(const Json& value, int64_t lo, int64_t hi);

}  // namespace kws::wyoming
