#include "daemon/capture/memory_source.h"

#include <algorithm>
#include <cstring>

namespace kws::daemon {

ReadResult MemorySource::read(void* buffer, size_t max_frames) {
  ReadResult r;
  if (position_ >= samples_.size()) {
    r.error = SourceError::kEndOfStream;
    return r;
  }
  r.frames = std::min(max_frames, samples_.size() - position_);
  std::memcpy(buffer, samples_.data() + position_, r.frames * sizeof(int16_t));
  position_ += r.frames;
  return r;
}

}  // namespace kws::daemon
