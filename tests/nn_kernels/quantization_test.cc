// Prepare-time helpers: values worked out by hand from TFLite's formulas.
#include "nn/kernels/quantization.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace kws::nn {
namespace {

TEST(QuantizeMultiplier, PowersOfTwoAndRounding) {
  int32_t m = 0;
  int s = 0;
  ASSERT_TRUE(quantize_multiplier(0.5, &m, &s).ok());
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(quantize_multiplier(1.0, &m, &s).ok());
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
  ASSERT_TRUE(quantize_multiplier(0.25, &m, &s).ok());
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, -1);
  ASSERT_TRUE(quantize_multiplier(0.75, &m, &s).ok());
  EXPECT_EQ(m, 1610612736);
  EXPECT_EQ(s, 0);
  ASSERT_TRUE(quantize_multiplier(0.0, &m, &s).ok());
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
}

TEST(QuantizeMultiplier, MantissaRoundingUpToOneRenormalizes) {
  int32_t m = 0;
  int s = 0;
  ASSERT_TRUE(quantize_multiplier(1.0 - std::ldexp(1.0, -40), &m, &s).ok());
  EXPECT_EQ(m, 1 << 30);
  EXPECT_EQ(s, 1);
}

TEST(QuantizeMultiplier, TinyFlushesToZeroAndBadInputIsAnError) {
  int32_t m = 7;
  int s = 7;
  ASSERT_TRUE(quantize_multiplier(1e-12, &m, &s).ok());
  EXPECT_EQ(m, 0);
  EXPECT_EQ(s, 0);
  EXPECT_EQ(quantize_multiplier(-0.5, &m, &s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_multiplier(std::nan(""), &m, &s).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(quantize_multiplier(INFINITY, &m, &s).code(), StatusCode::kInvalidArgument);
}

TEST(ComputePadding, SameAndValidMatchTflite) {
  int32_t out = 0;
  int32_t pad = 0;
  // DS-CNN's first conv: 49x10 input, 10x4 filter, stride 2, SAME.
  ASSERT_TRUE(compute_padding(Padding::kSame, 49, 10, 2, 1, &out, &pad).ok());
  EXPECT_EQ(out, 25);
  EXPECT_EQ(pad, 4);  // total 9: 4 before, 5 after
  ASSERT_TRUE(compute_padding(Padding::kSame, 10, 4, 2, 1, &out, &pad).ok());
  EXPECT_EQ(out, 5);
  EXPECT_EQ(pad, 1);
  ASSERT_TRUE(compute_padding(Padding::kValid, 5, 3, 1, 1, &out, &pad).ok());
  EXPECT_EQ(out, 3);
  EXPECT_EQ(pad, 0);
  ASSERT_TRUE(compute_padding(Padding::kSame, 7, 3, 1, 2, &out, &pad).ok());  // dilated 5
  EXPECT_EQ(out, 7);
  EXPECT_EQ(pad, 2);
  EXPECT_FALSE(compute_padding(Padding::kValid, 3, 5, 1, 1, &out, &pad).ok());
}

TEST(ActivationRange, ReluAndRelu6InTheQuantizedDomain) {
  int32_t lo = 0;
  int32_t hi = 0;
  ASSERT_TRUE(activation_range_s8(Activation::kRelu, 0.1f, -10, &lo, &hi).ok());
  EXPECT_EQ(lo, -10);
  EXPECT_EQ(hi, 127);
  ASSERT_TRUE(activation_range_s8(Activation::kRelu6, 0.1f, -10, &lo, &hi).ok());
  EXPECT_EQ(lo, -10);
  EXPECT_EQ(hi, 50);
  ASSERT_TRUE(activation_range_s8(Activation::kNone, 0.1f, -10, &lo, &hi).ok());
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
}

TEST(PrepareSoftmax, MultiplierShiftAndDiffMin) {
  SoftmaxParams p;
  ASSERT_TRUE(prepare_softmax(1.0, 0.0625f, &p).ok());
  // 1/16 * 2^26 = 2^22 -> mantissa 0.5, shift 23; radius floor(31 * 2^26 / 2^23) = 248.
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 23);
  EXPECT_EQ(p.diff_min, -248);
}

TEST(PrepareLogistic, MultiplierShiftAndRadius) {
  LogisticParams p;
  ASSERT_TRUE(prepare_logistic(0.0625f, 3, &p).ok());
  // 1/16 * 2^27 = 2^23 -> mantissa 0.5, shift 24; radius floor(15 * 2^27 / 2^24) = 120.
  EXPECT_EQ(p.input_multiplier, 1 << 30);
  EXPECT_EQ(p.input_left_shift, 24);
  EXPECT_EQ(p.input_range_radius, 120);
  EXPECT_EQ(p.input_zero_point, 3);
}

TEST(PrepareAdd, EqualScalesGiveHalfMultipliers) {
  AddParams p;
  ASSERT_TRUE(prepare_add(0.5f, 1, 0.5f, -2, 0.5f, 3, -128, 127, &p).ok());
  EXPECT_EQ(p.input1_offset, -1);
  EXPECT_EQ(p.input2_offset, 2);
  EXPECT_EQ(p.output_offset, 3);
  EXPECT_EQ(p.left_shift, 20);
  EXPECT_EQ(p.input1_multiplier, 1 << 30);
  EXPECT_EQ(p.input1_shift, 0);
  EXPECT_EQ(p.input2_multiplier, 1 << 30);
  // 2 * 0.5 / (2^20 * 0.5) = 2^-19 -> mantissa 0.5, shift -18.
  EXPECT_EQ(p.output_multiplier, 1 << 30);
  EXPECT_EQ(p.output_shift, -18);
}

TEST(PrepareRequantize, Int8LogisticOutputToUint8) {
  RequantizeParams p;
  ASSERT_TRUE(prepare_requantize(1.0f / 256, -128, 1.0f / 256, 0, &p).ok());
  EXPECT_EQ(p.multiplier, 1 << 30);
  EXPECT_EQ(p.shift, 1);
}

TEST(ResolveStridedSlice, MasksNegativeIndicesAndShrink) {
  Shape in;
  in.rank = 2;
  in.dims[0] = 4;
  in.dims[1] = 10;
  const int32_t begin[2] = {1, -3};
  const int32_t end[2] = {0, 0};
  const int32_t strides[2] = {1, 1};
  StridedSliceParams p;
  Shape out;
  // Axis 0 shrunk to index 1; axis 1 from -3 (= 7) to the end (end_mask).
  ASSERT_TRUE(resolve_strided_slice(in, begin, end, strides, 0, 0b10, 0b01, &p, &out).ok());
  EXPECT_EQ(p.start[0], 1);
  EXPECT_EQ(p.stop[0], 2);
  EXPECT_EQ(p.start[1], 7);
  EXPECT_EQ(p.stop[1], 10);
  EXPECT_EQ(out.dims[0], 1);
  EXPECT_EQ(out.dims[1], 3);

  const int32_t rev[2] = {1, -1};
  ASSERT_TRUE(resolve_strided_slice(in, begin, end, rev, 0b11, 0b11, 0, &p, &out).ok());
  EXPECT_EQ(p.start[1], 9);
  EXPECT_EQ(p.stop[1], -1);
  EXPECT_EQ(out.dims[1], 10);
  EXPECT_EQ(out.dims[0], 4);
}

}  // namespace
}  // namespace kws::nn
