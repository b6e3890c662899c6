#include "firmware/detection_line.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace kws::fw {
namespace {

// Appends to a fixed buffer; remembers overflow instead of failing each call.
class LineWriter {
 public:
  LineWriter(char* buf, size_t len) : buf_(buf), len_(len) {
    if (len_ > 0) buf_[0] = '\0';
  }
  void put(char c) {
    if (used_ + 1 < len_) {
      buf_[used_++] = c;
      buf_[used_] = '\0';
    } else {
      overflow_ = true;
    }
  }
  void put(const char* s) {
    while (*s != '\0') put(*s++);
  }
  // A JSON string literal, escaped like the host's json_string().
  void put_json_string(const char* s) {
    put('"');
    for (; *s != '\0'; ++s) {
      const auto c = static_cast<unsigned char>(*s);
      if (c == '"') {
        put("\\\"");
      } else if (c == '\\') {
        put("\\\\");
      } else if (c == '\n') {
        put("\\n");
      } else if (c == '\r') {
        put("\\r");
      } else if (c == '\t') {
        put("\\t");
      } else if (c < 0x20 || c == 0x7f) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\u%04x", c);
        put(esc);
      } else {
        put(static_cast<char>(c));
      }
    }
    put('"');
  }
  void put_fixed(double value, int decimals) {
    char num[32];
    if (format_fixed(num, sizeof num, value, decimals) == 0) overflow_ = true;
    put(num);
  }
  size_t finish() const { return overflow_ ? 0 : used_; }

 private:
  char* buf_;
  size_t len_;
  size_t used_ = 0;
  bool overflow_ = false;
};

}  // namespace

size_t format_fixed(char* buf, size_t len, double value, int decimals) {
  if (decimals < 0 || decimals > 9 || len == 0) return 0;
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  const bool negative = std::signbit(value);
  const double scaled = std::fabs(value) * static_cast<double>(scale);
  if (!(scaled < 9.0e18)) return 0;  // also rejects NaN
  // Round to nearest, ties to even, as printf does for an exact tie.
  double whole = std::floor(scaled);
  const double frac = scaled - whole;
  uint64_t units = static_cast<uint64_t>(whole);
  if (frac > 0.5 || (frac == 0.5 && (units & 1u) != 0)) ++units;
  // Digits from the least significant end; newlib-nano's printf has no %llu.
  char digits[24];
  size_t count = 0;
  do {
    digits[count++] = static_cast<char>('0' + units % 10);
    units /= 10;
  } while (units != 0 || count <= static_cast<size_t>(decimals));
  const size_t needed = (negative ? 1u : 0u) + count + (decimals > 0 ? 1u : 0u);
  if (needed + 1 > len) return 0;
  size_t n = 0;
  if (negative) buf[n++] = '-';
  while (count > 0) {
    if (count == static_cast<size_t>(decimals)) buf[n++] = '.';
    buf[n++] = digits[--count];
  }
  buf[n] = '\0';
  return n;
}

size_t format_detection_line(char* buf, size_t len, const char* file, const Event& event) {
  LineWriter w(buf, len);
  w.put("{\"file\":");
  w.put_json_string(file);
  w.put(",\"keyword\":");
  w.put_json_string(event.keyword != nullptr ? event.keyword : "");
  w.put(",\"time_s\":");
  w.put_fixed(event.time_s, 3);
  w.put(",\"score\":");
  w.put_fixed(static_cast<double>(event.score), 4);
  w.put(",\"peak\":");
  w.put_fixed(static_cast<double>(event.peak_score), 4);
  w.put(",\"stage\":");
  char stage[12];
  std::snprintf(stage, sizeof stage, "%u", static_cast<unsigned>(event.stage));
  w.put(stage);
  w.put("}\n");
  return w.finish();
}

}  // namespace kws::fw
