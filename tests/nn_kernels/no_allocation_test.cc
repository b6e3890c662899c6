// Kernels must not touch the heap (core invariant 1): count global operator new calls
// around one call of every kernel. This binary replaces operator new/delete.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "nn/kernels/kernels.h"
#include "nn/kernels/optimized.h"
#include "test_util.h"

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void* operator new(size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace kws::nn {
namespace {

void* volatile g_sink = nullptr;

TEST(NoAllocation, CounterSeesAllocations) {
  const long before = g_allocations.load();
  auto* p = new std::vector<int>(16);
  g_sink = p;
  delete p;
  EXPECT_GE(g_allocations.load(), before + 2);  // the vector object and its storage
}

TEST(NoAllocation, EveryKernelRunsWithoutTheHeap) {
  // Inputs and scratch prepared before counting.
  const Dims4 id{1, 6, 6, 8};
  const Dims4 fd{8, 3, 3, 8};
  const Dims4 dfd{1, 3, 3, 8};
  const Dims4 od{1, 6, 6, 8};
  std::vector<int8_t> in(test::count(id), 3);
  std::vector<int8_t> f(test::count(fd), 1);
  std::vector<int8_t> out(test::count(od) * 2);
  std::vector<int32_t> mult(8, 1 << 30);
  std::vector<int32_t> shift(8, -4);
  std::vector<float> fout(in.size());
  std::vector<uint8_t> uout(in.size());
  ConvParams cp;
  cp.pad_h = cp.pad_w = 1;
  DepthwiseConvParams dp;
  dp.conv = cp;
  FullyConnectedParams fp;
  fp.multiplier = 1 << 30;
  fp.shift = -4;
  const FullyConnectedDims fdims{1, 72, 8};
  PoolParams pp;
  pp.filter_h = pp.filter_w = 2;
  SoftmaxParams sp;
  ASSERT_TRUE(prepare_softmax(1.0, 0.1f, &sp).ok());
  LogisticParams lp;
  ASSERT_TRUE(prepare_logistic(0.1f, 0, &lp).ok());
  AddParams ap;
  ASSERT_TRUE(prepare_add(0.1f, 0, 0.1f, 0, 0.2f, 0, -128, 127, &ap).ok());
  MulParams mp;
  ASSERT_TRUE(prepare_mul(0.1f, 0, 0.1f, 0, 0.2f, 0, -128, 127, &mp).ok());
  RequantizeParams rp;
  ASSERT_TRUE(prepare_requantize(0.1f, 0, 0.2f, 0, &rp).ok());
  MeanParams mnp;
  ASSERT_TRUE(prepare_mean(0.1f, 0, 0.1f, 0, &mnp).ok());
  Shape shape;
  shape.rank = 4;
  shape.dims[0] = 1;
  shape.dims[1] = 6;
  shape.dims[2] = 6;
  shape.dims[3] = 8;
  PadParams padp;
  padp.rank = 4;
  StridedSliceParams ssp;
  ssp.rank = 4;
  for (int i = 0; i < 4; ++i) {
    ssp.start[i] = 0;
    ssp.stop[i] = shape.dims[i];
    ssp.stride[i] = 1;
  }
  const int8_t* cat_in[2] = {in.data(), in.data()};
  const int32_t cat_sizes[2] = {8, 8};
  size_t b1 = 0;
  size_t b2 = 0;
  size_t b3 = 0;
  ASSERT_TRUE(conv_s8_buffer_size(cp, id, fd, od, &b1).ok());
  ASSERT_TRUE(depthwise_conv_s8_buffer_size(dp, id, dfd, od, &b2).ok());
  ASSERT_TRUE(fully_connected_s8_buffer_size(fp, fdims, &b3).ok());
  test::AlignedScratch s1(b1);
  test::AlignedScratch s2(b2);
  test::AlignedScratch s3(b3);
  const PerChannelQuant q{mult.data(), shift.data()};
  const int32_t n = static_cast<int32_t>(in.size());

  for (const char* isa : {"", "scalar", "sse4.1", "avx2", "neon"}) {
    if (*isa != '\0' && !opt::force_isa_for_testing(isa)) continue;
    const long before = g_allocations.load();
    bool ok = true;
    ok &= conv_s8(s1.scratch(), cp, q, id, in.data(), fd, f.data(), nullptr, od, out.data()).ok();
    ok &= depthwise_conv_s8(s2.scratch(), dp, q, id, in.data(), dfd, f.data(), nullptr, od,
                            out.data())
              .ok();
    ok &=
        fully_connected_s8(s3.scratch(), fp, fdims, in.data(), f.data(), nullptr, out.data()).ok();
    ok &= avg_pool_s8(pp, id, in.data(), od, out.data()).ok();
    ok &= max_pool_s8(pp, id, in.data(), od, out.data()).ok();
    ok &= softmax_s8(sp, 36, 8, in.data(), out.data()).ok();
    ok &= softmax_s8_u8(sp, 36, 8, in.data(), uout.data()).ok();
    ok &= logistic_s8(lp, n, in.data(), out.data()).ok();
    ok &= add_s8(ap, id, in.data(), id, in.data(), id, out.data()).ok();
    ok &= mul_s8(mp, id, in.data(), id, in.data(), id, out.data()).ok();
    ok &= quantize_f32_s8(0.1f, 0, n, fout.data(), out.data()).ok();
    ok &= quantize_f32_u8(0.1f, 0, n, fout.data(), uout.data()).ok();
    ok &= dequantize_s8_f32(0.1f, 0, n, in.data(), fout.data()).ok();
    ok &= dequantize_u8_f32(0.1f, 0, n, uout.data(), fout.data()).ok();
    ok &= requantize_s8_s8(rp, n, in.data(), out.data()).ok();
    ok &= requantize_s8_u8(rp, n, in.data(), uout.data()).ok();
    ok &= requantize_u8_s8(rp, n, uout.data(), out.data()).ok();
    ok &= concatenation_s8(2, cat_in, cat_sizes, 36, 1, out.data()).ok();
    int8_t* split_out[2] = {out.data(), out.data() + in.size() / 2};
    ok &= split_s8(in.data(), 18, 1, 2, split_out, cat_sizes).ok();  // 18 x 16 = all of in
    ok &= strided_slice_s8(ssp, shape, in.data(), out.data(), n).ok();
    ok &= pad_s8(padp, shape, in.data(), out.data()).ok();
    ok &= mean_s8(mnp, shape, 0b0110, in.data(), out.data()).ok();
    const long after = g_allocations.load();
    EXPECT_TRUE(ok);
    EXPECT_EQ(after, before) << "arm: " << (*isa ? isa : "CPU choice");
    opt::force_isa_for_testing(nullptr);
  }
}

}  // namespace
}  // namespace kws::nn
