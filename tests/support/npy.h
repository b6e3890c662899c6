// Reads NumPy .npy files of little-endian float32 in C order (format 1.0/2.0),
// the format of the openWakeWord reference outputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kws::testing {

struct NpyArray {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

// False (with `error` set) on a missing file, another dtype, Fortran order or
// a short body.
bool read_npy_f32(const std::string& path, NpyArray* out, std::string* error);

// The whole file, or false.
bool read_file_bytes(const std::string& path, std::vector<uint8_t>* out);

}  // namespace kws::testing
