// libFuzzer entry: the "kwsd" metadata text a .tflite carries (or a firmware
// image embeds). Whatever parses must validate, format into a bounded buffer
// and parse back to the same description.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "pipeline/model_info.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  kws::ModelInfo info;
  if (!kws::parse_model_metadata(reinterpret_cast<const char*>(data), size, &info).ok()) return 0;
  if (!kws::validate_model_info(info).ok()) return 0;
  char text[8192];
  size_t written = 0;
  if (!kws::format_model_metadata(info, text, sizeof text, &written).ok()) return 0;
  kws::ModelInfo again;
  // A description that formatted must read back: anything else is a bug.
  if (!kws::parse_model_metadata(text, written, &again).ok()) std::abort();
  char text2[8192];
  size_t written2 = 0;
  if (!kws::format_model_metadata(again, text2, sizeof text2, &written2).ok() ||
      written2 != written || std::memcmp(text, text2, written) != 0) {
    std::abort();
  }
  return 0;
}
