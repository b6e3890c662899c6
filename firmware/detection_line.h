// The detection line `kwsd replay` prints, produced on the device without
// float printf (newlib-nano has none by default, and its float conversion
// allocates): numbers are formatted from integers with the same rounding as
// glibc's %.Nf (exact value, ties to even), so the bytes match the host's.
//   {"file":"a.wav","keyword":"Yes","time_s":1.240,"score":0.9312,"peak":0.9871,"stage":1}
#pragma once

#include <cstddef>

#include "pipeline/pipeline.h"

namespace kws::fw {

// Writes `value` with `decimals` digits after the point (0..9). Returns the
// length written (NUL-terminated), or 0 if buf is too small.
size_t format_fixed(char* buf, size_t len, double value, int decimals);

// The full JSON line including the trailing newline; 0 if buf is too small.
size_t format_detection_line(char* buf, size_t len, const char* file, const Event& event);

}  // namespace kws::fw
