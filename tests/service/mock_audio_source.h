// gmock AudioSource: tests script open/read/recover sequences.
#pragma once

#include <gmock/gmock.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemon/capture/audio_source.h"

namespace kws::daemon::testing {

class MockAudioSource : public AudioSource {
 public:
  MOCK_METHOD(SourceStatus, open, (StreamFormat * format), (override));
  MOCK_METHOD(ReadResult, read, (void* buffer, size_t max_frames), (override));
  MOCK_METHOD(SourceStatus, recover, (SourceError what), (override));
  MOCK_METHOD(void, close, (), (override));
  const std::string& name() const override { return name_; }

 private:
  std::string name_ = "mock";
};

// Action for open(): reports `format`.
inline auto OpenWith(StreamFormat format) {
  return [format](StreamFormat* out) {
    *out = format;
    return SourceStatus{};
  };
}

// Action for read(): fills max_frames int16 mono frames with `value`.
inline auto ReadS16(int16_t value) {
  return [value](void* buffer, size_t max_frames) {
    auto* p = static_cast<int16_t*>(buffer);
    for (size_t i = 0; i < max_frames; ++i) p[i] = value;
    return ReadResult{SourceError::kNone, 0, max_frames};
  };
}

inline ReadResult Fault(SourceError e, int os_error = 0) { return ReadResult{e, os_error, 0}; }

}  // namespace kws::daemon::testing
