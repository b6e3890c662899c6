// The optimized float kernels against the reference: random shapes from fixed
// seeds (the backbone's 3x1 / 1x3 convolutions with SAME padding along W,
// strides, dilations, channel counts on and off the SIMD width, the
// melspectrogram's 1x512 stride-160 filter). The scalar arm sums in the
// reference's order and must equal it exactly; the SIMD arms sum lanes first,
// so |opt - ref| <= 1e-5 * (sum |x w| + |bias|) per output.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "nn/kernels/optimized.h"
#include "nn/kernels/quantization.h"
#include "nn/kernels/reference.h"
#include "test_util.h"

namespace kws::nn {
namespace {

std::vector<float> random_f32(std::mt19937& rng, size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<float> abs_of(std::vector<float> v) {
  for (float& x : v) x = std::fabs(x);
  return v;
}

size_t count(const Dims4& d) {
  return static_cast<size_t>(d.n) * static_cast<size_t>(d.h) * static_cast<size_t>(d.w) *
         static_cast<size_t>(d.c);
}

struct ConvCase {
  int32_t in_h, in_w, ic, oc, fh, fw, stride_h, stride_w, dil;
  Padding padding;
};

void check_conv(const ConvCase& k, uint32_t seed, bool exact) {
  std::mt19937 rng(seed);
  ConvF32Params p;
  p.stride_h = k.stride_h;
  p.stride_w = k.stride_w;
  p.dilation_h = p.dilation_w = k.dil;
  Dims4 in{1, k.in_h, k.in_w, k.ic};
  Dims4 f{k.oc, k.fh, k.fw, k.ic};
  Dims4 out{1, 0, 0, k.oc};
  ASSERT_TRUE(compute_padding(k.padding, k.in_h, k.fh, k.stride_h, k.dil, &out.h, &p.pad_h).ok());
  ASSERT_TRUE(compute_padding(k.padding, k.in_w, k.fw, k.stride_w, k.dil, &out.w, &p.pad_w).ok());
  if (seed % 3 == 0) p.activation_min = 0.0f;  // fused ReLU
  const std::vector<float> x = random_f32(rng, count(in));
  const std::vector<float> w = random_f32(rng, count(f));
  const std::vector<float> b = random_f32(rng, static_cast<size_t>(k.oc));
  std::vector<float> ref_out(count(out)), opt_out(count(out)), bound(count(out));
  size_t scratch_bytes = 0;
  ASSERT_TRUE(opt::conv_f32_buffer_size(p, in, f, out, &scratch_bytes).ok());
  test::AlignedScratch scratch(scratch_bytes);
  ASSERT_TRUE(ref::conv_f32({}, p, in, x.data(), f, w.data(), b.data(), out, ref_out.data()).ok());
  ASSERT_TRUE(
      opt::conv_f32(scratch.scratch(), p, in, x.data(), f, w.data(), b.data(), out, opt_out.data())
          .ok());
  ConvF32Params pa = p;
  pa.activation_min = -3.40282347e38f;
  const std::vector<float> ax = abs_of(x), aw = abs_of(w), ab = abs_of(b);
  ASSERT_TRUE(
      ref::conv_f32({}, pa, in, ax.data(), f, aw.data(), ab.data(), out, bound.data()).ok());
  for (size_t i = 0; i < ref_out.size(); ++i) {
    if (exact) {
      ASSERT_EQ(opt_out[i], ref_out[i]) << "output " << i;
    } else {
      ASSERT_NEAR(opt_out[i], ref_out[i], 1e-5 * bound[i]) << "output " << i;
    }
  }
}

const ConvCase kCases[] = {
    {6, 34, 1, 24, 3, 3, 1, 1, 1, Padding::kValid},  // backbone first layer
    {4, 32, 24, 24, 1, 3, 1, 1, 1, Padding::kSame},  // 1x3, W padded
    {5, 9, 24, 24, 3, 1, 1, 1, 1, Padding::kValid},  // 3x1
    {4, 2, 96, 20, 3, 1, 1, 1, 1, Padding::kValid},
    {9, 7, 13, 5, 3, 3, 2, 1, 1, Padding::kSame},        // off the SIMD width, odd width
    {8, 9, 16, 7, 2, 3, 1, 2, 2, Padding::kSame},        // dilation 2
    {1, 832, 1, 9, 1, 512, 1, 160, 1, Padding::kValid},  // melspectrogram DFT (3 frames)
};

class OptimizedF32 : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (*GetParam() != '\0' && !opt::force_isa_for_testing(GetParam())) {
      GTEST_SKIP() << "this CPU has no " << GetParam() << " arm";
    }
  }
  void TearDown() override { opt::force_isa_for_testing(nullptr); }
  bool exact() const { return std::string(GetParam()) == "scalar"; }
};

TEST_P(OptimizedF32, ConvMatchesReference) {
  uint32_t seed = 1;
  for (const ConvCase& k : kCases) {
    SCOPED_TRACE(seed);
    check_conv(k, seed++, exact());
  }
}

TEST_P(OptimizedF32, FullyConnectedMatchesReference) {
  std::mt19937 rng(11);
  const FullyConnectedDims shapes[] = {{1, 1536, 9}, {1, 128, 1}, {2, 13, 7}, {1, 3264, 5}};
  for (const FullyConnectedDims& d : shapes) {
    const size_t n = static_cast<size_t>(d.batches) * static_cast<size_t>(d.accum_depth);
    const size_t m = static_cast<size_t>(d.output_depth) * static_cast<size_t>(d.accum_depth);
    const std::vector<float> x = random_f32(rng, n), w = random_f32(rng, m),
                             b = random_f32(rng, static_cast<size_t>(d.output_depth));
    const size_t outs = static_cast<size_t>(d.batches) * static_cast<size_t>(d.output_depth);
    std::vector<float> r(outs), o(outs), bound(outs);
    const float lo = -3.40282347e38f, hi = 3.40282347e38f;
    ASSERT_TRUE(ref::fully_connected_f32(d, lo, hi, x.data(), w.data(), b.data(), r.data()).ok());
    ASSERT_TRUE(opt::fully_connected_f32(d, lo, hi, x.data(), w.data(), b.data(), o.data()).ok());
    const std::vector<float> ax = abs_of(x), aw = abs_of(w), ab = abs_of(b);
    ASSERT_TRUE(
        ref::fully_connected_f32(d, lo, hi, ax.data(), aw.data(), ab.data(), bound.data()).ok());
    for (size_t i = 0; i < outs; ++i) {
      if (exact()) {
        ASSERT_EQ(o[i], r[i]);
      } else {
        ASSERT_NEAR(o[i], r[i], 1e-5 * bound[i]);
      }
    }
  }
}

// The binary ops' fast paths (input 2 of the output's shape, one value, one
// per channel) give the reference's bits, also in place; other broadcasts
// and bad arguments go to the reference.
TEST(OptimizedF32Binary, EqualsReferenceBitForBit) {
  std::mt19937 rng(31);
  const Dims4 out{1, 3, 5, 7};
  const Dims4 seconds[] = {out, {1, 1, 1, 1}, {1, 1, 1, 7}, {1, 3, 1, 7}, {1, 1, 5, 1}};
  const BinaryF32Op ops[] = {BinaryF32Op::kAdd, BinaryF32Op::kSub, BinaryF32Op::kMul,
                             BinaryF32Op::kMaximum, BinaryF32Op::kMinimum};
  for (const Dims4& bd : seconds) {
    const std::vector<float> a = random_f32(rng, count(out));
    const std::vector<float> b = random_f32(rng, count(bd));
    for (BinaryF32Op op : ops) {
      SCOPED_TRACE("op " + std::to_string(static_cast<int>(op)) + " b " +
                   std::to_string(count(bd)));
      std::vector<float> r(count(out)), o(count(out));
      ASSERT_TRUE(
          ref::binary_f32(op, -0.5f, 0.75f, out, a.data(), bd, b.data(), out, r.data()).ok());
      ASSERT_TRUE(
          opt::binary_f32(op, -0.5f, 0.75f, out, a.data(), bd, b.data(), out, o.data()).ok());
      EXPECT_EQ(o, r);
      std::vector<float> in_place = a;
      ASSERT_TRUE(opt::binary_f32(op, -0.5f, 0.75f, out, in_place.data(), bd, b.data(), out,
                                  in_place.data())
                      .ok());
      EXPECT_EQ(in_place, r);
    }
  }
  float y[4] = {};
  const Dims4 d{1, 1, 2, 2};
  EXPECT_FALSE(opt::binary_f32(BinaryF32Op::kAdd, -1.0f, 1.0f, d, nullptr, d, y, d, y).ok());
  EXPECT_FALSE(
      opt::binary_f32(BinaryF32Op::kAdd, -1.0f, 1.0f, d, y, Dims4{1, 1, 3, 2}, y, d, y).ok());
}

TEST(OptimizedF32Args, BadArgumentsAreErrors) {
  ConvF32Params p;
  Dims4 in{1, 4, 4, 2}, f{3, 3, 3, 2}, out{1, 2, 2, 3};
  float x[32] = {}, w[54] = {}, y[12] = {};
  EXPECT_FALSE(opt::conv_f32({}, p, in, x, f, w, nullptr, out, y).ok());  // no scratch
  EXPECT_FALSE(opt::conv_f32({}, p, in, nullptr, f, w, nullptr, out, y).ok());
  Dims4 bad = out;
  bad.c = 4;
  EXPECT_FALSE(opt::conv_f32({}, p, in, x, f, w, nullptr, bad, y).ok());
  EXPECT_FALSE(opt::fully_connected_f32({1, 0, 3}, 0.0f, 1.0f, x, w, nullptr, y).ok());
}

INSTANTIATE_TEST_SUITE_P(Arms, OptimizedF32, ::testing::Values("", "scalar", "avx2", "neon"),
                         [](const ::testing::TestParamInfo<const char*>& i) {
                           return std::string(*i.param == '\0' ? "cpu" : i.param);
                         });

}  // namespace
}  // namespace kws::nn
