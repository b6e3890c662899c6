// The optimized kernels must equal the reference bit for bit: random shapes and
// parameters from fixed seeds, on the SIMD arm this CPU selects and on the forced
// scalar arm. Set KWS_KERNEL_PERF=1 to also print CPU times (never asserted).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "nn/kernels/kernels.h"
#include "nn/kernels/optimized.h"
#include "nn/kernels/reference.h"
#include "test_util.h"

namespace kws::nn {
namespace {

using test::AlignedScratch;

int32_t uniform(std::mt19937& rng, int32_t lo, int32_t hi) {
  return std::uniform_int_distribution<int32_t>(lo, hi)(rng);
}

std::vector<int8_t> random_s8(std::mt19937& rng, size_t n) {
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(uniform(rng, -128, 127));
  return v;
}

// Per-channel multipliers from random real scales, as Prepare would compute them.
void random_quant(std::mt19937& rng, int32_t channels, std::vector<int32_t>* mult,
                  std::vector<int32_t>* shift) {
  mult->resize(static_cast<size_t>(channels));
  shift->resize(static_cast<size_t>(channels));
  std::uniform_real_distribution<double> log_scale(-14.0, 1.0);
  for (int32_t c = 0; c < channels; ++c) {
    int s = 0;
    ASSERT_TRUE(quantize_multiplier(std::exp2(log_scale(rng)), &(*mult)[c], &s).ok());
    (*shift)[c] = s;
  }
}

std::vector<int32_t> random_bias(std::mt19937& rng, int32_t channels) {
  std::vector<int32_t> b(static_cast<size_t>(channels));
  for (auto& x : b) x = uniform(rng, -20000, 20000);
  return b;
}

void random_activation(std::mt19937& rng, int32_t* lo, int32_t* hi) {
  if (uniform(rng, 0, 2) == 0) {
    *lo = uniform(rng, -128, 0);
    *hi = uniform(rng, *lo, 127);
  } else {
    *lo = -128;
    *hi = 127;
  }
}

bool perf_mode() { return std::getenv("KWS_KERNEL_PERF") != nullptr; }

// Parameter: the ISA arm to pin, or "" for the CPU's own choice.
class OptimizedVsReference : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    if (*GetParam() != '\0' && !opt::force_isa_for_testing(GetParam())) {
      GTEST_SKIP() << GetParam() << " not available on this CPU";
    }
  }
  void TearDown() override { opt::force_isa_for_testing(nullptr); }
};

TEST_P(OptimizedVsReference, Conv) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 300; ++iter) {
    SCOPED_TRACE(iter);
    const int32_t groups = uniform(rng, 0, 4) == 0 ? uniform(rng, 2, 3) : 1;
    const int32_t fic = uniform(rng, 1, 20);
    Dims4 id{uniform(rng, 1, 2), uniform(rng, 1, 12), uniform(rng, 1, 12), fic * groups};
    Dims4 fd{groups * uniform(rng, 1, 9), uniform(rng, 1, 4), uniform(rng, 1, 4), fic};
    ConvParams p;
    p.stride_h = uniform(rng, 1, 3);
    p.stride_w = uniform(rng, 1, 3);
    p.dilation_h = uniform(rng, 1, 2);
    p.dilation_w = uniform(rng, 1, 2);
    const Padding pad = uniform(rng, 0, 1) ? Padding::kSame : Padding::kValid;
    Dims4 od{id.n, 0, 0, fd.n};
    if (!compute_padding(pad, id.h, fd.h, p.stride_h, p.dilation_h, &od.h, &p.pad_h).ok() ||
        !compute_padding(pad, id.w, fd.w, p.stride_w, p.dilation_w, &od.w, &p.pad_w).ok()) {
      continue;  // VALID filter larger than the input
    }
    p.input_offset = uniform(rng, -127, 128);
    p.output_offset = uniform(rng, -128, 127);
    random_activation(rng, &p.activation_min, &p.activation_max);
    std::vector<int32_t> mult;
    std::vector<int32_t> shift;
    random_quant(rng, od.c, &mult, &shift);
    const auto in = random_s8(rng, test::count(id));
    const auto f = random_s8(rng, test::count(fd));
    const auto bias = random_bias(rng, od.c);
    const int32_t* b = uniform(rng, 0, 3) == 0 ? nullptr : bias.data();
    std::vector<int8_t> want(test::count(od));
    std::vector<int8_t> got(test::count(od), 0x55);
    ASSERT_TRUE(ref::conv_s8({}, p, {mult.data(), shift.data()}, id, in.data(), fd, f.data(), b, od,
                             want.data())
                    .ok());
    size_t bytes = 0;
    ASSERT_TRUE(opt::conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
    AlignedScratch s(bytes);
    ASSERT_TRUE(opt::conv_s8(s.scratch(), p, {mult.data(), shift.data()}, id, in.data(), fd,
                             f.data(), b, od, got.data())
                    .ok());
    ASSERT_EQ(got, want);
  }
}

TEST_P(OptimizedVsReference, DepthwiseConv) {
  std::mt19937 rng(5678);
  for (int iter = 0; iter < 300; ++iter) {
    SCOPED_TRACE(iter);
    const int32_t mult_c = uniform(rng, 0, 3) == 0 ? uniform(rng, 2, 3) : 1;
    Dims4 id{uniform(rng, 1, 2), uniform(rng, 1, 14), uniform(rng, 1, 14), uniform(rng, 1, 40)};
    Dims4 fd{1, uniform(rng, 1, 5), uniform(rng, 1, 5), id.c * mult_c};
    DepthwiseConvParams p;
    p.depth_multiplier = mult_c;
    p.conv.stride_h = uniform(rng, 1, 2);
    p.conv.stride_w = uniform(rng, 1, 2);
    p.conv.dilation_h = uniform(rng, 1, 2);
    p.conv.dilation_w = uniform(rng, 1, 2);
    const Padding pad = uniform(rng, 0, 1) ? Padding::kSame : Padding::kValid;
    Dims4 od{id.n, 0, 0, fd.c};
    if (!compute_padding(pad, id.h, fd.h, p.conv.stride_h, p.conv.dilation_h, &od.h, &p.conv.pad_h)
             .ok() ||
        !compute_padding(pad, id.w, fd.w, p.conv.stride_w, p.conv.dilation_w, &od.w, &p.conv.pad_w)
             .ok()) {
      continue;
    }
    p.conv.input_offset = uniform(rng, -127, 128);
    p.conv.output_offset = uniform(rng, -128, 127);
    random_activation(rng, &p.conv.activation_min, &p.conv.activation_max);
    std::vector<int32_t> mult;
    std::vector<int32_t> shift;
    random_quant(rng, od.c, &mult, &shift);
    const auto in = random_s8(rng, test::count(id));
    const auto f = random_s8(rng, test::count(fd));
    const auto bias = random_bias(rng, od.c);
    const int32_t* b = uniform(rng, 0, 3) == 0 ? nullptr : bias.data();
    std::vector<int8_t> want(test::count(od));
    std::vector<int8_t> got(test::count(od), 0x55);
    ASSERT_TRUE(ref::depthwise_conv_s8({}, p, {mult.data(), shift.data()}, id, in.data(), fd,
                                       f.data(), b, od, want.data())
                    .ok());
    size_t bytes = 0;
    ASSERT_TRUE(opt::depthwise_conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
    AlignedScratch s(bytes);
    ASSERT_TRUE(opt::depthwise_conv_s8(s.scratch(), p, {mult.data(), shift.data()}, id, in.data(),
                                       fd, f.data(), b, od, got.data())
                    .ok());
    ASSERT_EQ(got, want);
  }
}

TEST_P(OptimizedVsReference, FullyConnected) {
  std::mt19937 rng(91011);
  for (int iter = 0; iter < 300; ++iter) {
    SCOPED_TRACE(iter);
    FullyConnectedDims d{uniform(rng, 1, 3), uniform(rng, 1, 300), uniform(rng, 1, 40)};
    FullyConnectedParams p;
    p.input_offset = uniform(rng, -127, 128);
    p.filter_offset = uniform(rng, 0, 3) == 0 ? uniform(rng, -127, 128) : 0;
    p.output_offset = uniform(rng, -128, 127);
    random_activation(rng, &p.activation_min, &p.activation_max);
    std::vector<int32_t> mult;
    std::vector<int32_t> shift;
    random_quant(rng, d.output_depth, &mult, &shift);
    if (uniform(rng, 0, 1)) {
      p.per_channel_multiplier = mult.data();
      p.per_channel_shift = shift.data();
    } else {
      p.multiplier = mult[0];
      p.shift = shift[0];
    }
    const auto in = random_s8(rng, static_cast<size_t>(d.batches * d.accum_depth));
    const auto f = random_s8(rng, static_cast<size_t>(d.output_depth * d.accum_depth));
    const auto bias = random_bias(rng, d.output_depth);
    const int32_t* b = uniform(rng, 0, 3) == 0 ? nullptr : bias.data();
    std::vector<int8_t> want(static_cast<size_t>(d.batches * d.output_depth));
    std::vector<int8_t> got(want.size(), 0x55);
    ASSERT_TRUE(ref::fully_connected_s8({}, p, d, in.data(), f.data(), b, want.data()).ok());
    size_t bytes = 0;
    ASSERT_TRUE(opt::fully_connected_s8_buffer_size(p, d, &bytes).ok());
    AlignedScratch s(bytes);
    ASSERT_TRUE(
        opt::fully_connected_s8(s.scratch(), p, d, in.data(), f.data(), b, got.data()).ok());
    ASSERT_EQ(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(Arms, OptimizedVsReference,
                         ::testing::Values("", "scalar", "sse4.1", "avx2", "neon", "dsp"),
                         [](const auto& p_info) {
                           const std::string isa = p_info.param;
                           if (isa.empty()) return std::string("CpuChoice");
                           return isa == "sse4.1" ? std::string("Sse41") : isa;
                         });

// Perf mode: DS-CNN-sized layers (MLPerf Tiny KWS), reference vs optimized.
TEST(KernelPerf, DsCnnLayers) {
  if (!perf_mode()) GTEST_SKIP() << "set KWS_KERNEL_PERF=1 to time kernels";
  std::mt19937 rng(1);
  // Thread CPU time, so other processes on a busy machine do not inflate the numbers.
  auto cpu_us = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  auto time_us = [&](auto&& fn, int reps) {
    const double t0 = cpu_us();
    for (int i = 0; i < reps; ++i) fn();
    return (cpu_us() - t0) / reps;
  };
  // conv 49x10x1 -> 25x5x64, 10x4 filter, stride 2.
  {
    const Dims4 id{1, 49, 10, 1};
    const Dims4 fd{64, 10, 4, 1};
    const Dims4 od{1, 25, 5, 64};
    ConvParams p;
    p.stride_h = p.stride_w = 2;
    p.pad_h = 4;
    p.pad_w = 1;
    std::vector<int32_t> mult;
    std::vector<int32_t> shift;
    random_quant(rng, 64, &mult, &shift);
    const auto in = random_s8(rng, test::count(id));
    const auto f = random_s8(rng, test::count(fd));
    std::vector<int8_t> out(test::count(od));
    size_t bytes = 0;
    ASSERT_TRUE(opt::conv_s8_buffer_size(p, id, fd, od, &bytes).ok());
    AlignedScratch s(bytes);
    const double r = time_us(
        [&] {
          (void)ref::conv_s8({}, p, {mult.data(), shift.data()}, id, in.data(), fd, f.data(),
                             nullptr, od, out.data());
        },
        50);
    const double o = time_us(
        [&] {
          (void)opt::conv_s8(s.scratch(), p, {mult.data(), shift.data()}, id, in.data(), fd,
                             f.data(), nullptr, od, out.data());
        },
        50);
    std::printf("conv 49x10x1->25x5x64 (10x4 s2): ref %.1f us, opt[%s] %.1f us\n", r, opt::isa(),
                o);
  }
  // depthwise 3x3 on 25x5x64, then pointwise 1x1 64->64.
  {
    const Dims4 id{1, 25, 5, 64};
    const Dims4 fd{1, 3, 3, 64};
    DepthwiseConvParams p;
    p.conv.pad_h = p.conv.pad_w = 1;
    std::vector<int32_t> mult;
    std::vector<int32_t> shift;
    random_quant(rng, 64, &mult, &shift);
    const auto in = random_s8(rng, test::count(id));
    const auto f = random_s8(rng, test::count(fd));
    std::vector<int8_t> out(test::count(id));
    size_t bytes = 0;
    ASSERT_TRUE(opt::depthwise_conv_s8_buffer_size(p, id, fd, id, &bytes).ok());
    AlignedScratch s(bytes);
    const double r = time_us(
        [&] {
          (void)ref::depthwise_conv_s8({}, p, {mult.data(), shift.data()}, id, in.data(), fd,
                                       f.data(), nullptr, id, out.data());
        },
        100);
    const double o = time_us(
        [&] {
          (void)opt::depthwise_conv_s8(s.scratch(), p, {mult.data(), shift.data()}, id, in.data(),
                                       fd, f.data(), nullptr, id, out.data());
        },
        100);
    std::printf("depthwise 3x3 on 25x5x64: ref %.1f us, opt[%s] %.1f us\n", r, opt::isa(), o);

    const Dims4 pd{64, 1, 1, 64};
    const auto pf = random_s8(rng, test::count(pd));
    ConvParams pp;
    ASSERT_TRUE(opt::conv_s8_buffer_size(pp, id, pd, id, &bytes).ok());
    AlignedScratch ps(bytes);
    const double r2 = time_us(
        [&] {
          (void)ref::conv_s8({}, pp, {mult.data(), shift.data()}, id, in.data(), pd, pf.data(),
                             nullptr, id, out.data());
        },
        100);
    const double o2 = time_us(
        [&] {
          (void)opt::conv_s8(ps.scratch(), pp, {mult.data(), shift.data()}, id, in.data(), pd,
                             pf.data(), nullptr, id, out.data());
        },
        100);
    std::printf("pointwise 1x1 64->64 on 25x5: ref %.1f us, opt[%s] %.1f us\n", r2, opt::isa(), o2);
  }
  // fully connected 64 -> 12 and a wider 1024 -> 256.
  for (auto d : {FullyConnectedDims{1, 64, 12}, FullyConnectedDims{1, 1024, 256}}) {
    FullyConnectedParams p;
    p.multiplier = 1 << 30;
    p.shift = -8;
    const auto in = random_s8(rng, static_cast<size_t>(d.accum_depth));
    const auto f = random_s8(rng, static_cast<size_t>(d.accum_depth * d.output_depth));
    std::vector<int8_t> out(static_cast<size_t>(d.output_depth));
    size_t bytes = 0;
    ASSERT_TRUE(opt::fully_connected_s8_buffer_size(p, d, &bytes).ok());
    AlignedScratch s(bytes);
    const double r = time_us(
        [&] { (void)ref::fully_connected_s8({}, p, d, in.data(), f.data(), nullptr, out.data()); },
        200);
    const double o = time_us(
        [&] {
          (void)opt::fully_connected_s8(s.scratch(), p, d, in.data(), f.data(), nullptr,
                                        out.data());
        },
        200);
    std::printf("fully connected %d->%d: ref %.2f us, opt[%s] %.2f us\n",
                static_cast<int>(d.accum_depth), static_cast<int>(d.output_depth), r, opt::isa(),
                o);
  }
}

}  // namespace
}  // namespace kws::nn
