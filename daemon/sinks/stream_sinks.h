// The two simplest sinks: a human-readable log line, and JSON lines on a
// stdio stream (stdout when kwsd runs in the foreground).
#pragma once

#include <cstdio>

#include "daemon/sinks/detection_event.h"

namespace kws::daemon {

// "detected 'computer' score 0.93 stage 1 at 12.340 s" through spdlog.
class LogSink final : public EventConsumer {
 public:
  void consume(const DetectionEvent& event) override;
};

// One JSON line per event, flushed, on `stream` (not owned).
class JsonStreamSink final : public EventConsumer {
 public:
  explicit JsonStreamSink(std::FILE* stream) : stream_(stream) {}
  void consume(const DetectionEvent& event) override;

 private:
  std::FILE* stream_;
};

}  // namespace kws::daemon
