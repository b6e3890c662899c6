// Quantize / dequantize / requantize.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/kernels/kernels.h"

namespace kws::nn {
namespace {

TEST(Quantize, RoundsHalfAwayFromZeroAndClamps) {
  const std::vector<float> in = {1.25f, -1.25f, 0.0f, 1000.0f, -1000.0f, NAN, 0.74f};
  std::vector<int8_t> out(in.size());
  ASSERT_TRUE(
      quantize_f32_s8(0.5f, 10, static_cast<int32_t>(in.size()), in.data(), out.data()).ok());
  // 2.5 -> 3 (+10), -2.5 -> -3, 0, clamp, clamp, NaN -> lowest, 1.48 -> 1.
  EXPECT_EQ(out, (std::vector<int8_t>{13, 7, 10, 127, -128, -128, 11}));
  std::vector<uint8_t> out_u8(2);
  const std::vector<float> in2 = {0.5f, -1.0f};
  ASSERT_TRUE(quantize_f32_u8(1.0f / 256, 0, 2, in2.data(), out_u8.data()).ok());
  EXPECT_EQ(out_u8, (std::vector<uint8_t>{128, 0}));
  EXPECT_EQ(quantize_f32_s8(0.0f, 0, 1, in.data(), out.data()).code(),
            StatusCode::kInvalidArgument);
}

TEST(Dequantize, ScaleTimesOffsetValue) {
  const std::vector<int8_t> in = {-128, 0, 83, 127};
  std::vector<float> out(4);
  ASSERT_TRUE(dequantize_s8_f32(0.5f, 83, 4, in.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<float>{-105.5f, -41.5f, 0.0f, 22.0f}));
  const std::vector<uint8_t> in_u8 = {0, 255};
  ASSERT_TRUE(dequantize_u8_f32(1.0f / 256, 0, 2, in_u8.data(), out.data()).ok());
  EXPECT_EQ(out[0], 0.0f);
  EXPECT_EQ(out[1], 255.0f / 256);
}

TEST(Requantize, LogisticInt8ToMicroWakeWordUint8) {
  RequantizeParams p;
  ASSERT_TRUE(prepare_requantize(1.0f / 256, -128, 1.0f / 256, 0, &p).ok());
  const std::vector<int8_t> in = {-128, 0, 127};
  std::vector<uint8_t> out(3);
  ASSERT_TRUE(requantize_s8_u8(p, 3, in.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<uint8_t>{0, 128, 255}));
}

TEST(Requantize, RescaleWithRounding) {
  RequantizeParams p;
  ASSERT_TRUE(prepare_requantize(0.5f, 0, 1.0f, 1, &p).ok());  // halve, +1
  const std::vector<int8_t> in = {3, -3, 127, -128};
  std::vector<int8_t> out(4);
  ASSERT_TRUE(requantize_s8_s8(p, 4, in.data(), out.data()).ok());
  EXPECT_EQ(out, (std::vector<int8_t>{3, 0, 65, -63}));  // 1.5->2, -1.5->-1, 63.5->64, -64
  const std::vector<uint8_t> in_u8 = {255, 0};
  RequantizeParams q;
  ASSERT_TRUE(prepare_requantize(1.0f, 128, 1.0f, 0, &q).ok());
  std::vector<int8_t> out2(2);
  ASSERT_TRUE(requantize_u8_s8(q, 2, in_u8.data(), out2.data()).ok());
  EXPECT_EQ(out2, (std::vector<int8_t>{127, -128}));
}

}  // namespace
}  // namespace kws::nn
