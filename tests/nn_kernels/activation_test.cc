// Softmax and logistic: exact cases from the fixed-point definitions, plus agreement
// with the real functions to within one output step.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/kernels/kernels.h"

namespace kws::nn {
namespace {

TEST(Softmax, EqualInputsSplitEvenly) {
  SoftmaxParams p;
  ASSERT_TRUE(prepare_softmax(1.0, 0.1f, &p).ok());
  std::vector<int8_t> in(4, 37);
  std::vector<int8_t> out(4);
  ASSERT_TRUE(softmax_s8(p, 1, 4, in.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>(4, -64)));  // 0.25 * 256 - 128
  std::vector<uint8_t> out_u8(4);
  ASSERT_TRUE(softmax_s8_u8(p, 1, 4, in.data(), out_u8.data()).ok());
  EXPECT_EQ(out_u8, (std::vector<uint8_t>(4, 64)));
  std::vector<int8_t> two = {-100, -100};
  std::vector<int8_t> out2(2);
  ASSERT_TRUE(softmax_s8(p, 1, 2, two.data(), out2.data()).ok());
  EXPECT_EQ(out2, (std::vector<int8_t>{0, 0}));  // 0.5 * 256 - 128
}

TEST(Softmax, DominantInputSaturatesAndFarInputsAreZero) {
  SoftmaxParams p;
  ASSERT_TRUE(prepare_softmax(1.0, 1.0f, &p).ok());  // diff_min = -15
  const std::vector<int8_t> in = {127, -128, 0, 50};
  std::vector<int8_t> out(4);
  ASSERT_TRUE(softmax_s8(p, 1, 4, in.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{127, -128, -128, -128}));
}

TEST(Softmax, RowsAreIndependentAndCloseToRealSoftmax) {
  const float scale = 0.0625f;
  SoftmaxParams p;
  ASSERT_TRUE(prepare_softmax(1.0, scale, &p).ok());
  const int rows = 3;
  const int depth = 12;
  std::vector<int8_t> in(rows * depth);
  for (int i = 0; i < rows * depth; ++i) in[i] = static_cast<int8_t>((i * 37) % 200 - 100);
  std::vector<int8_t> out(in.size());
  ASSERT_TRUE(softmax_s8(p, rows, depth, in.data(), out.data()).ok());
  for (int r = 0; r < rows; ++r) {
    double sum = 0;
    for (int c = 0; c < depth; ++c) sum += std::exp(scale * in[r * depth + c]);
    for (int c = 0; c < depth; ++c) {
      const double want = std::exp(scale * in[r * depth + c]) / sum * 256.0 - 128.0;
      EXPECT_NEAR(out[r * depth + c], std::min(127.0, want), 1.0) << r << "," << c;
    }
  }
}

TEST(Softmax, RejectsUnpreparedParams) {
  SoftmaxParams p;
  p.input_left_shift = 40;
  int8_t in = 0;
  int8_t out = 0;
  EXPECT_EQ(softmax_s8(p, 1, 1, &in, &out).code(), StatusCode::kInvalidArgument);
}

TEST(Logistic, ZeroIsHalfAndRangeEndsSaturate) {
  LogisticParams p;
  ASSERT_TRUE(prepare_logistic(0.0625f, 5, &p).ok());
  const std::vector<int8_t> in = {5, 127, -128};
  std::vector<int8_t> out(3);
  ASSERT_TRUE(logistic_s8(p, 3, in.data(), out.data()).ok());
  EXPECT_EQ(out[0], 0);  // 0.5 * 256 - 128
  EXPECT_EQ(out[1], 127);
  EXPECT_EQ(out[2], -128);
}

TEST(Logistic, EveryInputWithinOneStepOfTheRealSigmoid) {
  for (float scale : {0.01f, 0.0625f, 0.1f, 0.25f}) {
    LogisticParams p;
    ASSERT_TRUE(prepare_logistic(scale, -3, &p).ok());
    std::vector<int8_t> in(256);
    for (int i = 0; i < 256; ++i) in[i] = static_cast<int8_t>(i - 128);
    std::vector<int8_t> out(256);
    ASSERT_TRUE(logistic_s8(p, 256, in.data(), out.data()).ok());
    for (int i = 0; i < 256; ++i) {
      const double x = scale * (in[i] + 3);
      const double want = std::min(127.0, 256.0 / (1.0 + std::exp(-x)) - 128.0);
      EXPECT_NEAR(out[i], want, 1.0) << "scale " << scale << " q " << int{in[i]};
    }
  }
}

}  // namespace
}  // namespace kws::nn
