// The image has no heap. The link check lives in firmware/CMakeLists.txt
// (KWS_FW_NO_HEAP_LINK_OPTIONS): every allocation entry point (malloc & co.,
// operator new) is redirected to an undefined symbol, so code that can reach
// one does not link. What remains here are the two things the C and C++
// libraries need to link without a heap:
//
// - newlib's formatted output shares one routine between vsnprintf (fixed
//   buffer, never allocates) and asprintf (grows with _malloc_r), so that
//   routine references newlib's internal allocator even though snprintf never
//   calls it. Its _sbrk always fails, so no byte of heap can ever exist.
// - A deleting destructor references operator delete even when no object is
//   ever allocated with new. Since new cannot link, delete is unreachable.
#include <cerrno>
#include <cstddef>

#include "firmware/semihosting.h"

// `used`: referenced only from newlib (outside a link-time optimised image).
extern "C" __attribute__((used)) void* _sbrk(ptrdiff_t) {
  errno = ENOMEM;
  return reinterpret_cast<void*>(-1);
}

namespace {

[[noreturn]] void unreachable_delete() {
  kws::fw::semihost::print("firmware: operator delete called, but the image has no heap\n");
  kws::fw::semihost::exit(3);
}

}  // namespace

void operator delete(void*) noexcept { unreachable_delete(); }
void operator delete(void*, size_t) noexcept { unreachable_delete(); }
void operator delete[](void*) noexcept { unreachable_delete(); }
void operator delete[](void*, size_t) noexcept { unreachable_delete(); }
