#include "nn/arena_planner.h"

namespace kws::nn {

namespace {

constexpr uint32_t kUnplaced = 0xFFFFFFFFu;

bool overlaps_in_time(const PlanBuffer& a, const PlanBuffer& b) {
  return a.first <= b.last && b.first <= a.last;
}

uint64_t align_up(uint64_t v, uint32_t alignment) {
  return (v + alignment - 1) & ~static_cast<uint64_t>(alignment - 1);
}

}  // namespace

Status plan_buffers(PlanBuffer* buffers, size_t count, uint32_t alignment, size_t* total_bytes) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    return Status::Error(StatusCode::kInvalidArgument, "alignment %u is not a power of two",
                         static_cast<unsigned>(alignment));
  }
  for (size_t i = 0; i < count; ++i) {
    if (buffers[i].size != 0 && buffers[i].last < buffers[i].first) {
      return Status::Error(StatusCode::kInvalidArgument, "buffer %zu: last step %d before first %d",
                           i, static_cast<int>(buffers[i].last),
                           static_cast<int>(buffers[i].first));
    }
    buffers[i].offset = buffers[i].size == 0 ? 0 : kUnplaced;
  }
  uint64_t total = 0;
  for (;;) {
    // Next: the largest unplaced buffer (lowest index on ties).
    size_t next = count;
    for (size_t i = 0; i < count; ++i) {
      if (buffers[i].offset != kUnplaced) continue;
      if (next == count || buffers[i].size > buffers[next].size) next = i;
    }
    if (next == count) break;
    PlanBuffer& b = buffers[next];
    // Candidate offsets: 0 and the (aligned) end of every conflicting buffer.
    // The lowest candidate that collides with nothing wins.
    uint64_t best = UINT64_MAX;
    for (size_t c = 0; c <= count; ++c) {
      uint64_t candidate = 0;
      if (c < count) {
        const PlanBuffer& o = buffers[c];
        if (o.offset == kUnplaced || o.size == 0 || !overlaps_in_time(o, b)) continue;
        candidate = align_up(static_cast<uint64_t>(o.offset) + o.size, alignment);
      }
      if (candidate >= best) continue;
      bool collides = false;
      for (size_t k = 0; k < count && !collides; ++k) {
        const PlanBuffer& o = buffers[k];
        if (k == next || o.offset == kUnplaced || o.size == 0 || !overlaps_in_time(o, b)) continue;
        collides = candidate < static_cast<uint64_t>(o.offset) + o.size &&
                   static_cast<uint64_t>(o.offset) < candidate + b.size;
      }
      if (!collides) best = candidate;
    }
    if (best + b.size > 0xFFFFFFF0u) {
      return Status::Error(StatusCode::kUnsupported, "arena plan exceeds 4 GiB");
    }
    b.offset = static_cast<uint32_t>(best);
    if (best + b.size > total) total = best + b.size;
  }
  *total_bytes = static_cast<size_t>(align_up(total, alignment));
  return Status::Ok();
}

}  // namespace kws::nn
