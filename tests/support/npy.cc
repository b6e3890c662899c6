#include "tests/support/npy.h"

#include <cstring>
#include <fstream>

namespace kws::testing {

bool read_file_bytes(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) return false;
  const std::streamsize size = f.tellg();
  if (size < 0) return false;
  out->resize(static_cast<size_t>(size));
  f.seekg(0);
  return static_cast<bool>(f.read(reinterpret_cast<char*>(out->data()), size));
}

bool read_npy_f32(const std::string& path, NpyArray* out, std::string* error) {
  std::vector<uint8_t> b;
  if (!read_file_bytes(path, &b)) {
    *error = "cannot read " + path;
    return false;
  }
  if (b.size() < 10 || std::memcmp(b.data(), "\x93NUMPY", 6) != 0) {
    *error = path + ": not a .npy file";
    return false;
  }
  size_t header_len = 0;
  size_t start = 0;
  if (b[6] == 1) {
    header_len = static_cast<size_t>(b[8]) | static_cast<size_t>(b[9]) << 8;
    start = 10;
  } else if (b[6] == 2 || b[6] == 3) {
    if (b.size() < 12) return false;
    header_len = static_cast<size_t>(b[8]) | static_cast<size_t>(b[9]) << 8 |
                 static_cast<size_t>(b[10]) << 16 | static_cast<size_t>(b[11]) << 24;
    start = 12;
  } else {
    *error = path + ": unknown .npy version";
    return false;
  }
  if (start + header_len > b.size()) {
    *error = path + ": header past the end";
    return false;
  }
  const std::string h(reinterpret_cast<const char*>(b.data() + start), header_len);
  if (h.find("'descr': '<f4'") == std::string::npos) {
    *error = path + ": dtype is not <f4";
    return false;
  }
  if (h.find("'fortran_order': False") == std::string::npos) {
    *error = path + ": Fortran order";
    return false;
  }
  const size_t lp = h.find("'shape': (");
  const size_t rp = lp == std::string::npos ? lp : h.find(')', lp);
  if (rp == std::string::npos) {
    *error = path + ": no shape";
    return false;
  }
  out->shape.clear();
  size_t count = 1;
  const std::string dims = h.substr(lp + 10, rp - lp - 10);
  size_t i = 0;
  while (i < dims.size()) {
    while (i < dims.size() && (dims[i] == ' ' || dims[i] == ',')) ++i;
    if (i >= dims.size()) break;
    size_t j = i;
    while (j < dims.size() && dims[j] >= '0' && dims[j] <= '9') ++j;
    if (j == i) {
      *error = path + ": bad shape";
      return false;
    }
    const int64_t d = std::stoll(dims.substr(i, j - i));
    out->shape.push_back(d);
    count *= static_cast<size_t>(d);
    i = j;
  }
  const size_t body = start + header_len;
  if (b.size() - body < count * 4) {
    *error = path + ": body shorter than its shape";
    return false;
  }
  out->data.resize(count);
  std::memcpy(out->data.data(), b.data() + body, count * 4);
  return true;
}

}  // namespace kws::testing
