#include "daemon/sinks/stream_sinks.h"

#include "daemon/log.h"
#include "daemon/sinks/event_json.h"

namespace kws::daemon {

void LogSink::consume(const DetectionEvent& event) {
  kws::log::info("detected '{}' score {:.3f} stage {} at {:.3f} s (event {})", event.keyword,
                 event.score, event.stage, event.audio_time_s(), event.sequence);
}

void JsonStreamSink::consume(const DetectionEvent& event) {
  const std::string line = event_to_json_line(event);
  std::fwrite(line.data(), 1, line.size(), stream_);
  std::fflush(stream_);
}

}  // namespace kws::daemon
