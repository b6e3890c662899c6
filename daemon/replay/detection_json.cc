#include "daemon/replay/detection_json.h"

#include <cstdio>

namespace kws::replay {

std::string json_string(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          // Bytes >= 0x80 pass through: paths are UTF-8 on every system we target.
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

std::string detection_json(std::string_view file, const Event& event) {
  char numbers[192];
  std::snprintf(numbers, sizeof numbers,
                ",\"time_s\":%.3f,\"score\":%.4f,\"peak\":%.4f,\"stage\":%u", event.time_s,
                static_cast<double>(event.score), static_cast<double>(event.peak_score),
                event.stage);
  std::string tail = numbers;
  if (event.stage2_score >= 0.0f) {
    std::snprintf(numbers, sizeof numbers, ",\"stage2_score\":%.4f",
                  static_cast<double>(event.stage2_score));
    tail += numbers;
  }
  tail += '}';
  return "{\"file\":" + json_string(file) +
         ",\"keyword\":" + json_string(event.keyword != nullptr ? event.keyword : "") + tail;
}

}  // namespace kws::replay
