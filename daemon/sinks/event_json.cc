#include "daemon/sinks/event_json.h"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

namespace kws::daemon {
namespace {

std::string number(double x, int decimals) {
  if (!std::isfinite(x)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  return buf;
}

}  // namespace

std::string json_quote(const std::string& text) {
  // Invalid UTF-8 (a keyword from a hand-edited model) becomes U+FFFD: the
  // line stays valid JSON.
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string format_utc(std::chrono::system_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int values, so the format never truncates
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string event_to_json_line(const DetectionEvent& event) {
  std::string out = "{\"type\":\"detection\",\"seq\":" + std::to_string(event.sequence);
  out += ",\"keyword\":" + json_quote(event.keyword);
  out += ",\"score\":" + number(event.score, 4);
  out += ",\"stage\":" + std::to_string(event.stage);
  if (event.stage2_score >= 0.0f) out += ",\"stage2_score\":" + number(event.stage2_score, 4);
  out += ",\"audio_time\":" + number(event.audio_time_s(), 3);
  out += ",\"audio_sample\":" + std::to_string(event.audio_sample);
  out += ",\"sample_rate\":" + std::to_string(event.sample_rate);
  out += ",\"wall_time\":" + json_quote(format_utc(event.wall_time));
  out += ",\"scores\":{";
  for (size_t i = 0; i < event.scores.size(); ++i) {
    if (i > 0) out += ",";
    out += json_quote(event.scores[i].first) + ":" + number(event.scores[i].second, 4);
  }
  out += "},\"audio_samples\":" + std::to_string(event.audio ? event.audio->size() : 0);
  out += "}\n";
  return out;
}

}  // namespace kws::daemon
