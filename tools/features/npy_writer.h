// Writes a 2-D .npy array (NumPy format version 1.0) row block by row block,
// without knowing the row count in advance: the header is padded to a fixed
// size and its shape is filled in by finish().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace kws::features {

class NpyWriter {
 public:
  enum class DType { kInt8, kFloat32 };

  NpyWriter() = default;
  ~NpyWriter();
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  // Returns "" or an error naming the path.
  std::string open(const std::string& path, DType dtype, uint32_t columns);
  // `rows` rows of `columns` values of the opened dtype.
  std::string append(const void* data, size_t rows);
  // Writes the final shape and closes the file.
  std::string finish();

  uint64_t rows() const { return rows_; }

  // The header for a given shape (exposed for tests); always kHeaderBytes long.
  static std::string header(DType dtype, uint64_t rows, uint32_t columns);
  static constexpr size_t kHeaderBytes = 128;

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  DType dtype_ = DType::kInt8;
  uint32_t columns_ = 0;
  uint64_t rows_ = 0;
};

}  // namespace kws::features
