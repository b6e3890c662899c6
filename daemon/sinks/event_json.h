// The JSON line every machine consumer reads (stdout, socket, hook env).
//
// One object per line, keys in a fixed order:
//   {"type":"detection","seq":N,"keyword":"...","score":0.931,"stage":1,
//    "audio_time":12.340,"audio_sample":197440,"sample_rate":16000,
//    "wall_time":"2026-01-02T03:04:05.678Z","scores":{"label":0.01,...},
//    "audio_samples":N}
// "stage" says which stage decided (1, or 2 when stage 2 confirmed it);
// "stage2_score" follows "stage" only when a stage-2 model scored the event.
#pragma once

#include <chrono>
#include <string>

#include "daemon/sinks/detection_event.h"

namespace kws::daemon {

// The event as one JSON object followed by '\n'.
std::string event_to_json_line(const DetectionEvent& event);

// RFC 3339 UTC with milliseconds, e.g. "2026-01-02T03:04:05.678Z".
std::string format_utc(std::chrono::system_clock::time_point t);

// `text` as a JSON string literal, quotes included.
std::string json_quote(const std::string& text);

}  // namespace kws::daemon
