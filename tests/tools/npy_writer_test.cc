#include "tools/features/npy_writer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace kws::features {
namespace {

TEST(NpyWriter, HeaderIsFixedSizeAndDescribesShape) {
  const std::string h = NpyWriter::header(NpyWriter::DType::kInt8, 4900, 10);
  ASSERT_EQ(h.size(), NpyWriter::kHeaderBytes);
  EXPECT_EQ(h.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ(static_cast<uint8_t>(h[8]) | (static_cast<uint8_t>(h[9]) << 8),
            NpyWriter::kHeaderBytes - 10);
  EXPECT_NE(h.find("'descr': '|i1'"), std::string::npos);
  EXPECT_NE(h.find("'shape': (4900, 10)"), std::string::npos);
  EXPECT_EQ(h.back(), '\n');
  EXPECT_NE(NpyWriter::header(NpyWriter::DType::kFloat32, 1, 40).find("'<f4'"), std::string::npos);
}

TEST(NpyWriter, RowsAppendedThenShapeFinalised) {
  const auto path = std::filesystem::temp_directory_path() / "kws_npy_writer_test.npy";
  NpyWriter w;
  ASSERT_EQ(w.open(path.string(), NpyWriter::DType::kInt8, 3), "");
  const int8_t a[6] = {1, 2, 3, 4, 5, 6};
  const int8_t b[3] = {-1, -2, -3};
  ASSERT_EQ(w.append(a, 2), "");
  ASSERT_EQ(w.append(b, 1), "");
  ASSERT_EQ(w.finish(), "");
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), NpyWriter::kHeaderBytes + 9);
  EXPECT_NE(bytes.find("'shape': (3, 3)"), std::string::npos);
  EXPECT_EQ(bytes.substr(NpyWriter::kHeaderBytes),
            std::string("\x01\x02\x03\x04\x05\x06\xff\xfe\xfd", 9));
  std::filesystem::remove(path);
}

TEST(NpyWriter, UnwritablePathIsAnError) {
  NpyWriter w;
  EXPECT_NE(w.open("/nonexistent/dir/f.npy", NpyWriter::DType::kInt8, 3).find("cannot create"),
            std::string::npos);
}

}  // namespace
}  // namespace kws::features
