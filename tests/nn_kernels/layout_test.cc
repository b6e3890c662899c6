// Concatenation, strided slice, pad and mean.
#include <gtest/gtest.h>

#include <vector>

#include "nn/kernels/kernels.h"

namespace kws::nn {
namespace {

Shape shape(std::initializer_list<int32_t> dims) {
  Shape s;
  for (int32_t d : dims) s.dims[s.rank++] = d;
  return s;
}

TEST(Concatenation, InterleavesAlongTheMiddleAxis) {
  // Two [2, k, 1] tensors joined on axis 1: k = 1 and 2.
  const std::vector<int8_t> a = {1, 2};
  const std::vector<int8_t> b = {10, 11, 20, 21};
  const int8_t* inputs[2] = {a.data(), b.data()};
  const int32_t sizes[2] = {1, 2};
  std::vector<int8_t> out(6);
  ASSERT_TRUE(concatenation_s8(2, inputs, sizes, 2, 1, out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{1, 10, 11, 2, 20, 21}));
}

TEST(Split, InverseOfConcatenation) {
  const std::vector<int8_t> in = {1, 10, 11, 2, 20, 21};
  std::vector<int8_t> a(2);
  std::vector<int8_t> b(4);
  int8_t* outputs[2] = {a.data(), b.data()};
  const int32_t sizes[2] = {1, 2};
  ASSERT_TRUE(split_s8(in.data(), 2, 1, 2, outputs, sizes).ok());
  EXPECT_EQ(a, (std::vector<int8_t>{1, 2}));
  EXPECT_EQ(b, (std::vector<int8_t>{10, 11, 20, 21}));
  outputs[1] = nullptr;
  EXPECT_EQ(split_s8(in.data(), 2, 1, 2, outputs, sizes).code(), StatusCode::kInvalidArgument);
}

TEST(StridedSlice, ForwardBackwardAndCapacity) {
  const Shape in = shape({2, 5});
  std::vector<int8_t> data(10);
  for (int i = 0; i < 10; ++i) data[i] = static_cast<int8_t>(i);
  StridedSliceParams p;
  Shape out_shape;
  const int32_t begin[2] = {1, 0};
  const int32_t end[2] = {2, 5};
  const int32_t strides[2] = {1, 2};
  ASSERT_TRUE(resolve_strided_slice(in, begin, end, strides, 0, 0, 0, &p, &out_shape).ok());
  std::vector<int8_t> out(3);
  ASSERT_TRUE(strided_slice_s8(p, in, data.data(), out.data(), 3).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{5, 7, 9}));
  EXPECT_EQ(strided_slice_s8(p, in, data.data(), out.data(), 2).code(),
            StatusCode::kBufferTooSmall);

  // Whole tensor, both axes reversed; then only the inner axis reversed.
  const int32_t rev[2] = {-1, -1};
  ASSERT_TRUE(resolve_strided_slice(in, begin, end, rev, 0b11, 0b11, 0, &p, &out_shape).ok());
  std::vector<int8_t> all(10);
  ASSERT_TRUE(strided_slice_s8(p, in, data.data(), all.data(), 10).ok());
  EXPECT_EQ(all, (std::vector<int8_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
  const int32_t rev_inner[2] = {1, -1};
  ASSERT_TRUE(resolve_strided_slice(in, begin, end, rev_inner, 0b11, 0b11, 0, &p, &out_shape).ok());
  ASSERT_TRUE(strided_slice_s8(p, in, data.data(), all.data(), 10).ok());
  EXPECT_EQ(all, (std::vector<int8_t>{4, 3, 2, 1, 0, 9, 8, 7, 6, 5}));
}

TEST(Pad, ConstantBorder) {
  const Shape in = shape({1, 2, 2, 1});
  const std::vector<int8_t> data = {1, 2, 3, 4};
  PadParams p;
  p.rank = 4;
  p.before[1] = 1;
  p.after[2] = 1;
  p.pad_value = -7;
  std::vector<int8_t> out(3 * 3);
  ASSERT_TRUE(pad_s8(p, in, data.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{-7, -7, -7, 1, 2, -7, 3, 4, -7}));
}

TEST(Mean, OverSpatialAxesWithRounding) {
  // [1, 2, 2, 2]: channel 0 = {1, 2, 3, 4} -> 2.5 -> 3; channel 1 = {-1, -2, -3, -5}
  // -> -2.75 -> -3. Same scale in and out, zero points 0.
  MeanParams p;
  ASSERT_TRUE(prepare_mean(0.5f, 0, 0.5f, 0, &p).ok());
  const std::vector<int8_t> data = {1, -1, 2, -2, 3, -3, 4, -5};
  std::vector<int8_t> out(2);
  ASSERT_TRUE(mean_s8(p, shape({1, 2, 2, 2}), 0b0110, data.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{3, -3}));
}

TEST(Mean, ZeroPointsAndRescale) {
  // in scale 1 zp 10, out scale 2 zp -1: mean of {10, 14, 18} - 10 = 4 -> /2 = 2 -> +(-1).
  MeanParams p;
  ASSERT_TRUE(prepare_mean(1.0f, 10, 2.0f, -1, &p).ok());
  const std::vector<int8_t> data = {10, 14, 18};
  std::vector<int8_t> out(1);
  ASSERT_TRUE(mean_s8(p, shape({3}), 0b1, data.data(), out.data()).ok());
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(mean_s8(p, shape({3}), 0b10, data.data(), out.data()).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kws::nn
