#include "tools/features/npy_writer.h"

#include <cerrno>
#include <cstring>

namespace kws::features {

NpyWriter::~NpyWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

std::string NpyWriter::header(DType dtype, uint64_t rows, uint32_t columns) {
  std::string dict = std::string("{'descr': '") + (dtype == DType::kInt8 ? "|i1" : "<f4") +
                     "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(columns) + "), }";
  // magic (6) + version (2) + header length (2) + dict padded with spaces + '\n'.
  std::string h = std::string("\x93NUMPY\x01\x00", 8);
  const size_t dict_len = kHeaderBytes - 10;
  h += static_cast<char>(dict_len & 0xff);
  h += static_cast<char>(dict_len >> 8);
  dict.resize(dict_len - 1, ' ');
  h += dict;
  h += '\n';
  return h;
}

std::string NpyWriter::open(const std::string& path, DType dtype, uint32_t columns) {
  path_ = path;
  dtype_ = dtype;
  columns_ = columns;
  rows_ = 0;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) return path + ": cannot create (" + std::strerror(errno) + ")";
  const std::string h = header(dtype_, 0, columns_);
  if (std::fwrite(h.data(), 1, h.size(), file_) != h.size()) return path + ": write failed";
  return {};
}

std::string NpyWriter::append(const void* data, size_t rows) {
  const size_t item = dtype_ == DType::kInt8 ? 1 : 4;
  const size_t bytes = rows * columns_ * item;
  if (bytes > 0 && std::fwrite(data, 1, bytes, file_) != bytes) {
    return path_ + ": write failed (" + std::strerror(errno) + ")";
  }
  rows_ += rows;
  return {};
}

std::string NpyWriter::finish() {
  if (file_ == nullptr) return {};
  const std::string h = header(dtype_, rows_, columns_);
  std::string err;
  if (std::fseek(file_, 0, SEEK_SET) != 0 ||
      std::fwrite(h.data(), 1, h.size(), file_) != h.size()) {
    err = path_ + ": header write failed";
  }
  if (std::fclose(file_) != 0 && err.empty()) err = path_ + ": close failed";
  file_ = nullptr;
  return err;
}

}  // namespace kws::features
