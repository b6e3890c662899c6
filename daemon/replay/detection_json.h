// The JSON line `kwsd replay` prints per detection, keys in a fixed order:
//   {"file":"a.wav","keyword":"Yes","time_s":1.240,"score":0.9312,"peak":0.9871,"stage":1}
// time_s is the audio time of the firing classifier step (3 decimals); score
// the smoothed posterior, peak the highest raw posterior of the run (4
// decimals). stage says which stage decided; when a stage-2 model scored the
// event, "stage2_score" (4 decimals) follows it. Same input, same bytes
// (DESIGN invariant 6).
#pragma once

#include <string>
#include <string_view>

#include "pipeline/pipeline.h"

namespace kws::replay {

std::string detection_json(std::string_view file, const Event& event);

// `text` as a JSON string literal (quotes included): quotes, backslashes and
// control characters escaped; other bytes pass through (names are UTF-8).
std::string json_string(std::string_view text);

}  // namespace kws::replay
