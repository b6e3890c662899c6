// One Wyoming client's conversation, independent of sockets: events in,
// response bytes out. The server (server.h) owns one Session per connection.
//
//   describe            -> info (our wake words as wake programs/models)
//   detect {names}      -> listen only for these names (none: all)
//   audio-start {fmt}   -> new stream: pipelines reset, format set
//   audio-chunk {fmt}   -> PCM converted to the model rate and pushed;
//                          each detection -> detection {name, timestamp}
//   audio-stop          -> the cascade (if any) decides what is pending;
//                          not-detected if the stream had no detection
//   ping                -> pong
// Other event types are ignored (the protocol lets peers skip unknown events).
//
// Detection timestamps are milliseconds: the stream's start timestamp (from
// audio-start, else the first chunk's, else 0) plus the model-clock position
// of the keyword's end.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/result.h"
#include "daemon/wyoming/pcm_converter.h"
#include "daemon/wyoming/protocol.h"
#include "daemon/wyoming/wake_model.h"

namespace kws::wyoming {

// What describe reports about the program.
struct ProgramInfo {
  std::string name = "kwsd";
  std::string description = "kwsd streaming keyword spotter";
  std::string version = "0.1.0";
  std::string attribution_name = "kwsd";
  std::string attribution_url = "";
  std::vector<std::string> languages = {"en"};
};

using ModelSet = std::vector<std::shared_ptr<const WakeModel>>;

class Session {
 public:
  // Allocates every model's per-client state now (at connect).
  static Result<std::unique_ptr<Session>> create(const ModelSet& models,
                                                 const ProgramInfo& program);

  // Handles one event, appending response bytes to *out. Returns "" or an
  // error after which the connection must be closed (an `error` event
  // explaining it has then been appended to *out).
  std::string handle(const Event& event, std::string* out);

  uint64_t detections() const { return detections_; }
  bool streaming() const { return streaming_; }

 private:
  struct Listener {
    std::unique_ptr<ModelInstance> instance;
    std::vector<bool> wanted;  // per label: report detections of it
  };

  Session(const ModelSet& models, const ProgramInfo& program)
      : models_(models), program_(program) {}
  std::string fatal(std::string message, std::string* out);
  std::string on_detect(const Event& event, std::string* out);
  std::string start_stream(const PcmFormat& format, std::optional<int64_t> timestamp);
  std::string on_chunk(const Event& event, std::string* out);
  std::string on_stop(std::string* out);
  std::string run(const int16_t* samples, size_t n, std::string* out);
  std::string flush(std::string* out);
  void report(const Listener& l, std::string* out);
  Json info_data() const;

  ModelSet models_;
  ProgramInfo program_;
  std::vector<Listener> listeners_;
  std::unique_ptr<PcmConverter> converter_;
  std::vector<int16_t> samples_;
  std::vector<Hit> hits_;
  bool streaming_ = false;
  bool detected_in_stream_ = false;
  int64_t stream_start_ms_ = 0;
  uint64_t detections_ = 0;
};

// Reads {rate, width, channels} from event data; "" or what is wrong.
std::string read_pcm_format(const Json& data, PcmFormat* out);

}  // namespace kws::wyoming
