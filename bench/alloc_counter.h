// Counts heap allocations (malloc, calloc, realloc, memalign family and
// therefore every operator new) made while counting is switched on, from any
// thread. Works by interposing glibc's allocator entry points in the
// benchmark executable; not available under ASan/TSan, which own malloc.
#pragma once

#include <cstdint>

namespace kws::bench {

// False when the build cannot hook the allocator (sanitizers): counts stay 0.
bool alloc_counting_available();
void set_alloc_counting(bool on);
uint64_t counted_allocations();
uint64_t counted_allocation_bytes();

}  // namespace kws::bench
