// Proves DESIGN invariant 1 ("after init, the hot path allocates nothing") on
// the host: this binary is linked with --wrap for malloc and friends, and
// replaces operator new, so every allocation is counted while `counting` is on.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>
#include <vector>

#include "pipeline/pipeline.h"
#include "tests/pipeline/pipeline_test_support.h"

namespace {
bool counting = false;
size_t allocations = 0;
}  // namespace

extern "C" {
void* __real_malloc(size_t);
void* __real_calloc(size_t, size_t);
void* __real_realloc(void*, size_t);
void* __real_aligned_alloc(size_t, size_t);
int __real_posix_memalign(void**, size_t, size_t);

void* __wrap_malloc(size_t n) {
  if (counting) ++allocations;
  return __real_malloc(n);
}
void* __wrap_calloc(size_t a, size_t b) {
  if (counting) ++allocations;
  return __real_calloc(a, b);
}
void* __wrap_realloc(void* p, size_t n) {
  if (counting) ++allocations;
  return __real_realloc(p, n);
}
void* __wrap_aligned_alloc(size_t a, size_t n) {
  if (counting) ++allocations;
  return __real_aligned_alloc(a, n);
}
int __wrap_posix_memalign(void** p, size_t a, size_t n) {
  if (counting) ++allocations;
  return __real_posix_memalign(p, a, n);
}
}

// The replacement operator new/delete pair is built on malloc/free on purpose;
// GCC's -Wmismatched-new-delete sees through the inlining and objects.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(size_t n) {
  if (counting) ++allocations;
  if (void* p = __real_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace kws {
namespace {

TEST(NoHeap, CounterSeesAllocations) {
  allocations = 0;
  counting = true;
  auto* v = new std::vector<int>(100);
  void* m = std::malloc(10);
  counting = false;
  std::free(m);
  delete v;
  EXPECT_GE(allocations, 2u);
}

TEST(NoHeap, PushAllocatesNothingAfterInit) {
  const ModelInfo info = pipeline_test::two_label_info();
  pipeline_test::LoudnessClassifier classifier(info.frontend.feature_dim());
  size_t bytes = 0;
  ASSERT_TRUE(Pipeline::needed_bytes(info, &bytes).ok());
  std::vector<double> mem(bytes / sizeof(double) + 1);
  Pipeline pipeline;
  ASSERT_TRUE(pipeline.init(info, &classifier, mem.data(), bytes).ok());
  const auto signal = pipeline_test::burst_signal(10.0);
  pipeline_test::RecordingSink sink;
  sink.record_scores = false;
  sink.events.reserve(64);

  allocations = 0;
  counting = true;
  Status st;
  for (size_t pos = 0; pos < signal.size() && st.ok(); pos += 160) {
    st = pipeline.push(signal.data() + pos, std::min<size_t>(160, signal.size() - pos), &sink);
  }
  KeywordParams p = pipeline.keyword_params(1);
  p.threshold = 0.6f;
  const Status live = pipeline.set_keyword_params(1, p);
  pipeline.reset();
  counting = false;

  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(allocations, 0u);
  EXPECT_GT(classifier.calls, 400u);  // 10 s of audio really went through
  EXPECT_FALSE(sink.events.empty());
}

}  // namespace
}  // namespace kws
