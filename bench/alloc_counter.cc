#include "bench/alloc_counter.h"

#include <atomic>
#include <cerrno>
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define KWS_BENCH_ALLOC_HOOK 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define KWS_BENCH_ALLOC_HOOK 0
#endif
#endif
#if !defined(KWS_BENCH_ALLOC_HOOK) && defined(__GLIBC__)
#define KWS_BENCH_ALLOC_HOOK 1
#endif
#if !defined(KWS_BENCH_ALLOC_HOOK)
#define KWS_BENCH_ALLOC_HOOK 0
#endif

namespace {

std::atomic<bool> g_counting{false};
std::atomic<uint64_t> g_count{0};
std::atomic<uint64_t> g_bytes{0};

inline void note(size_t bytes) {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_count.fetch_add(1, std::memory_order_relaxed);
    g_bytes.fetch_add(bytes, std::memory_order_relaxed);
  }
}

}  // namespace

#if KWS_BENCH_ALLOC_HOOK
// glibc's own entry points; the definitions below replace the public names in
// this executable and forward to them, so free() stays glibc's.
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);

void* malloc(size_t size) {
  note(size);
  return __libc_malloc(size);
}
void* calloc(size_t n, size_t size) {
  note(n * size);
  return __libc_calloc(n, size);
}
void* realloc(void* p, size_t size) {
  note(size);
  return __libc_realloc(p, size);
}
void* memalign(size_t alignment, size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  note(size);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  note(size);
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
}
#endif

namespace kws::bench {

bool alloc_counting_available() { return KWS_BENCH_ALLOC_HOOK != 0; }
void set_alloc_counting(bool on) { g_counting.store(on, std::memory_order_relaxed); }
uint64_t counted_allocations() { return g_count.load(std::memory_order_relaxed); }
uint64_t counted_allocation_bytes() { return g_bytes.load(std::memory_order_relaxed); }

}  // namespace kws::bench
