#include "daemon/service/audio_history.h"

#include <algorithm>

namespace kws::daemon {

void AudioHistory::append(const int16_t* samples, size_t n) {
  const size_t cap = buf_.size();
  if (n > cap) {
    samples += n - cap;
    total_ += n - cap;
    n = cap;
  }
  size_t pos = static_cast<size_t>(total_ % cap);
  const size_t first = std::min(n, cap - pos);
  std::copy(samples, samples + first, buf_.begin() + static_cast<std::ptrdiff_t>(pos));
  std::copy(samples + first, samples + n, buf_.begin());
  total_ += n;
}

std::shared_ptr<const std::vector<int16_t>> AudioHistory::snapshot(uint64_t end,
                                                                   size_t length) const {
  auto out = std::make_shared<std::vector<int16_t>>();
  const size_t cap = buf_.size();
  end = std::min(end, total_);
  const uint64_t oldest = total_ > cap ? total_ - cap : 0;
  const uint64_t begin = std::max<uint64_t>(oldest, end >= length ? end - length : 0);
  out->reserve(static_cast<size_t>(end - begin));
  for (uint64_t i = begin; i < end; ++i) out->push_back(buf_[static_cast<size_t>(i % cap)]);
  return out;
}

}  // namespace kws::daemon
