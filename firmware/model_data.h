// The model compiled into the image by tools/modelgen (see CMakeLists.txt):
// the .tflite bytes in flash, 16-byte aligned, read in place, and the "kwsd"
// metadata text to use when the model carries none ("" otherwise).
#pragma once

#include <cstddef>
#include <cstdint>

extern const uint8_t kws_model_data[];
extern const size_t kws_model_size;
extern const char kws_model_metadata[];
