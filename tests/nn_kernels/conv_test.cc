// Hand-computed convolution cases, checked on both the reference and optimized kernels.
#include <gtest/gtest.h>

#include <vector>

#include "nn/kernels/kernels.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/reference.h"
#include "test_util.h"

namespace kws::nn {
namespace {

using test::AlignedScratch;

enum class Variant { kRef, kOpt };

class ConvGolden : public ::testing::TestWithParam<Variant> {
 protected:
  Status conv(const ConvParams& p, const PerChannelQuant& q, const Dims4& id,
              const std::vector<int8_t>& in, const Dims4& fd, const std::vector<int8_t>& f,
              const int32_t* bias, const Dims4& od, std::vector<int8_t>* out) {
    out->assign(test::count(od), 99);
    size_t bytes = 0;
    if (GetParam() == Variant::kRef) {
      EXPECT_TRUE(ref::conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
      AlignedScratch s(bytes);
      return ref::conv_s8(s.scratch(), p, q, id, in.data(), fd, f.data(), bias, od, out->data());
    }
    EXPECT_TRUE(opt::conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
    AlignedScratch s(bytes);
    return opt::conv_s8(s.scratch(), p, q, id, in.data(), fd, f.data(), bias, od, out->data());
  }
  Status dw(const DepthwiseConvParams& p, const PerChannelQuant& q, const Dims4& id,
            const std::vector<int8_t>& in, const Dims4& fd, const std::vector<int8_t>& f,
            const int32_t* bias, const Dims4& od, std::vector<int8_t>* out) {
    out->assign(test::count(od), 99);
    size_t bytes = 0;
    if (GetParam() == Variant::kRef) {
      EXPECT_TRUE(ref::depthwise_conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
      AlignedScratch s(bytes);
      return ref::depthwise_conv_s8(s.scratch(), p, q, id, in.data(), fd, f.data(), bias, od,
                                    out->data());
    }
    EXPECT_TRUE(opt::depthwise_conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
    AlignedScratch s(bytes);
    return opt::depthwise_conv_s8(s.scratch(), p, q, id, in.data(), fd, f.data(), bias, od,
                                  out->data());
  }
  Status fc(const FullyConnectedParams& p, const FullyConnectedDims& d,
            const std::vector<int8_t>& in, const std::vector<int8_t>& f, const int32_t* bias,
            std::vector<int8_t>* out) {
    out->assign(static_cast<size_t>(d.batches * d.output_depth), 99);
    size_t bytes = 0;
    if (GetParam() == Variant::kRef) {
      EXPECT_TRUE(ref::fully_connected_s8_buffer_size(p, d, &bytes).ok());
      AlignedScratch s(bytes);
      return ref::fully_connected_s8(s.scratch(), p, d, in.data(), f.data(), bias, out->data());
    }
    EXPECT_TRUE(opt::fully_connected_s8_buffer_size(p, d, &bytes).ok());
    AlignedScratch s(bytes);
    return opt::fully_connected_s8(s.scratch(), p, d, in.data(), f.data(), bias, out->data());
  }
};

const int32_t kOne[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30};  // with shift 1: x 1.0
const int32_t kShift1[4] = {1, 1, 1, 1};
const int32_t kShift0[4] = {0, 0, 0, 0};  // with kOne: x 0.5

TEST_P(ConvGolden, SamePaddingBordersSeeOnlyRealPixels) {
  // 3x3 input 1..9 stored with zero point 1 (so raw = value + 1), 3x3 box filter, SAME.
  // Padding must contribute 0, not -zero_point: corners sum 4 pixels, edges 6.
  const Dims4 id{1, 3, 3, 1};
  const Dims4 fd{1, 3, 3, 1};
  const Dims4 od{1, 3, 3, 1};
  std::vector<int8_t> in;
  for (int v = 1; v <= 9; ++v) in.push_back(static_cast<int8_t>(v + 1));
  const std::vector<int8_t> f(9, 1);
  ConvParams p;
  p.pad_h = 1;
  p.pad_w = 1;
  p.input_offset = -1;
  std::vector<int8_t> out;
  ASSERT_TRUE(conv(p, {kOne, kShift1}, id, in, fd, f, nullptr, od, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{12, 21, 16, 27, 45, 33, 24, 39, 28}));
}

TEST_P(ConvGolden, RequantRoundingOutputOffsetAndClamp) {
  const Dims4 id{1, 3, 3, 1};
  const Dims4 fd{1, 3, 3, 1};
  const Dims4 od{1, 3, 3, 1};
  std::vector<int8_t> in;
  for (int v = 1; v <= 9; ++v) in.push_back(static_cast<int8_t>(v));
  const std::vector<int8_t> f(9, 1);
  ConvParams p;
  p.pad_h = 1;
  p.pad_w = 1;
  p.output_offset = -5;
  p.activation_max = 15;
  std::vector<int8_t> out;
  // x 0.5 with half-up rounding: 12->6, 21->10.5->11, 16->8, 27->14, 45->23, 33->17,
  // 24->12, 39->20, 28->14; then -5 and clamp at 15.
  ASSERT_TRUE(conv(p, {kOne, kShift0}, id, in, fd, f, nullptr, od, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{1, 6, 3, 9, 15, 12, 7, 15, 9}));
}

TEST_P(ConvGolden, StrideDilationBiasAndPerChannelScales) {
  // 1x4x4x1 input 0..15, two 2x2 filters with dilation 2 (taps 2 apart), stride 2, VALID:
  // only output (0,0) exists: taps at (0,0),(0,2),(2,0),(2,2) = 0,2,8,10.
  const Dims4 id{1, 4, 4, 1};
  const Dims4 fd{2, 2, 2, 1};
  const Dims4 od{1, 1, 1, 2};
  std::vector<int8_t> in;
  for (int v = 0; v < 16; ++v) in.push_back(static_cast<int8_t>(v));
  const std::vector<int8_t> f = {1, 1, 1, 1, 1, -1, 2, 0};
  const int32_t bias[2] = {100, -1};
  const int32_t mult[2] = {1 << 30, 1 << 30};
  const int32_t shift[2] = {0, 1};  // x0.5 and x1.0
  ConvParams p;
  p.stride_h = p.stride_w = 2;
  p.dilation_h = p.dilation_w = 2;
  std::vector<int8_t> out;
  ASSERT_TRUE(conv(p, {mult, shift}, id, in, fd, f, bias, od, &out).ok());
  // ch0: (0+2+8+10+100) * 0.5 = 60; ch1: (0-2+16+0-1) * 1 = 13.
  EXPECT_EQ(out, (std::vector<int8_t>{60, 13}));
}

TEST_P(ConvGolden, GroupedConvUsesItsOwnInputChannels) {
  // 2 groups: input channels {a, b}; filter 0 sees a, filter 1 sees b.
  const Dims4 id{1, 1, 1, 2};
  const Dims4 fd{2, 1, 1, 1};
  const Dims4 od{1, 1, 1, 2};
  const std::vector<int8_t> in = {3, 7};
  const std::vector<int8_t> f = {2, -3};
  ConvParams p;
  std::vector<int8_t> out;
  ASSERT_TRUE(conv(p, {kOne, kShift1}, id, in, fd, f, nullptr, od, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{6, -21}));
}

TEST_P(ConvGolden, DepthwiseWithMultiplierTwo) {
  // 1x1x2x2 input, 1x1x2x4 filter (1 row, 2 taps), multiplier 2, SAME-free VALID over w.
  const Dims4 id{1, 1, 2, 2};
  const Dims4 fd{1, 1, 2, 4};
  const Dims4 od{1, 1, 1, 4};
  const std::vector<int8_t> in = {1, 2, 3, 4};  // pixel0 (1,2), pixel1 (3,4)
  const std::vector<int8_t> f = {1, 2, 3, 4, 5, 6, 7, 8};
  DepthwiseConvParams p;
  p.depth_multiplier = 2;
  p.conv.input_offset = 1;
  std::vector<int8_t> out;
  // oc = ic*2+m: oc0 = (1+1)*1 + (3+1)*5 = 22; oc1 = 2*2 + 4*6 = 28;
  // oc2 = (2+1)*3 + (4+1)*7 = 44; oc3 = 3*4 + 5*8 = 52.
  ASSERT_TRUE(dw(p, {kOne, kShift1}, id, in, fd, f, nullptr, od, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{22, 28, 44, 52}));
}

TEST_P(ConvGolden, DepthwiseSamePaddingAndBias) {
  // 1x3x1x1 column [10, 20, 30], 3x1 filter [1, 1, 1], SAME: [30, 60, 50] + bias 4, x0.5.
  const Dims4 id{1, 3, 1, 1};
  const Dims4 fd{1, 3, 1, 1};
  const Dims4 od{1, 3, 1, 1};
  const std::vector<int8_t> in = {10, 20, 30};
  const std::vector<int8_t> f = {1, 1, 1};
  const int32_t bias[1] = {4};
  DepthwiseConvParams p;
  p.conv.pad_h = 1;
  std::vector<int8_t> out;
  ASSERT_TRUE(dw(p, {kOne, kShift0}, id, in, fd, f, bias, od, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{17, 32, 27}));
}

TEST_P(ConvGolden, FullyConnectedOffsetsBiasAndPerChannel) {
  FullyConnectedDims d{2, 4, 2};
  const std::vector<int8_t> in = {1, 2, 3, 4, -1, -2, -3, -4};
  const std::vector<int8_t> f = {1, 1, 1, 1, 1, -1, 1, -1};
  const int32_t bias[2] = {0, 10};
  FullyConnectedParams p;
  p.multiplier = 1 << 30;
  p.shift = 1;
  std::vector<int8_t> out;
  ASSERT_TRUE(fc(p, d, in, f, bias, &out).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{10, 8, -10, 12}));

  // filter_offset 1 (weights w+1) and input_offset -1 (inputs x-1), per-channel x0.5/x1.
  p.filter_offset = 1;
  p.input_offset = -1;
  const int32_t mult[2] = {1 << 30, 1 << 30};
  const int32_t shift[2] = {0, 1};
  p.per_channel_multiplier = mult;
  p.per_channel_shift = shift;
  ASSERT_TRUE(fc(p, d, in, f, bias, &out).ok());
  // b0: row0 2*(0+1+2+3) = 12 -> 6; row1 (2*0 + 0*1 + 2*2 + 0*3) + 10 = 14.
  // b1: row0 2*(-2-3-4-5) = -28 -> -14; row1 (2*-2 + 2*-4) + 10 = -2.
  EXPECT_EQ(out, (std::vector<int8_t>{6, 14, -14, -2}));
}

TEST_P(ConvGolden, BadArgumentsAreErrorsNotCrashes) {
  const Dims4 id{1, 3, 3, 1};
  const Dims4 fd{1, 3, 3, 1};
  const Dims4 od{1, 3, 3, 1};
  std::vector<int8_t> in(9, 0);
  const std::vector<int8_t> f(9, 1);
  std::vector<int8_t> out;
  ConvParams p;
  p.stride_h = 0;
  EXPECT_EQ(conv(p, {kOne, kShift1}, id, in, fd, f, nullptr, od, &out).code(),
            StatusCode::kInvalidArgument);
  p.stride_h = 1;
  EXPECT_EQ(conv(p, {nullptr, kShift1}, id, in, fd, f, nullptr, od, &out).code(),
            StatusCode::kInvalidArgument);
  const Dims4 wrong_out{1, 3, 3, 2};
  EXPECT_EQ(conv(p, {kOne, kShift1}, id, in, fd, f, nullptr, wrong_out, &out).code(),
            StatusCode::kInvalidArgument);
  const int32_t bad_shift[1] = {40};
  EXPECT_EQ(conv(p, {kOne, bad_shift}, id, in, fd, f, nullptr, od, &out).code(),
            StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Variants, ConvGolden, ::testing::Values(Variant::kRef, Variant::kOpt),
                         [](const auto& p_info) {
                           return p_info.param == Variant::kRef ? "Reference" : "Optimized";
                         });

TEST(ConvScratch, OptimizedRefusesMissingScratch) {
  const Dims4 id{1, 3, 3, 1};
  const Dims4 fd{1, 3, 3, 1};
  const Dims4 od{1, 3, 3, 1};
  std::vector<int8_t> in(9, 0);
  const std::vector<int8_t> f(9, 1);
  std::vector<int8_t> out(9);
  EXPECT_EQ(opt::conv_s8(Scratch{}, ConvParams{}, {kOne, kShift1}, id, in.data(), fd, f.data(),
                         nullptr, od, out.data())
                .code(),
            StatusCode::kBufferTooSmall);
}

TEST(KernelVariant, DispatchedConvEqualsReference) {
  const Dims4 id{1, 5, 5, 3};
  const Dims4 fd{4, 3, 3, 3};
  const Dims4 od{1, 5, 5, 4};
  std::vector<int8_t> in(test::count(id));
  std::vector<int8_t> f(test::count(fd));
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<int8_t>((i * 29) % 256);
  for (size_t i = 0; i < f.size(); ++i) f[i] = static_cast<int8_t>((i * 53) % 256);
  const int32_t mult[4] = {1 << 30, 1 << 30, 1 << 30, 1 << 30};
  const int32_t shift[4] = {-7, -6, -5, -4};
  ConvParams p;
  p.pad_h = p.pad_w = 1;
  p.input_offset = 17;
  std::vector<int8_t> want(test::count(od));
  std::vector<int8_t> got(test::count(od));
  ASSERT_TRUE(
      ref::conv_s8({}, p, {mult, shift}, id, in.data(), fd, f.data(), nullptr, od, want.data())
          .ok());
  size_t bytes = 0;
  ASSERT_TRUE(conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
  AlignedScratch s(bytes);
  ASSERT_TRUE(
      conv_s8(s.scratch(), p, {mult, shift}, id, in.data(), fd, f.data(), nullptr, od, got.data())
          .ok());
  EXPECT_EQ(got, want);
}

TEST(KernelVariant, BuildChoiceIsReported) {
  const std::string variant = kernels_variant();
  EXPECT_TRUE(variant == "reference" || variant == "optimized") << variant;
  EXPECT_NE(std::string(kernels_isa()), "");
}

}  // namespace
}  // namespace kws::nn
