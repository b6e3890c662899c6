// A minimal Wyoming client for tests: blocking TCP on loopback, events
// framed and parsed with the server's own EventReader/encode_event (the
// framing itself is tested byte by byte in protocol_test.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/wyoming/protocol.h"

namespace kws::wyoming::testing {

class TestClient {
 public:
  TestClient() = default;
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connect(uint16_t port);
  bool send_raw(std::string_view bytes);
  bool send(std::string_view type, const Json& data = Json(), std::string_view payload = {});
  // Sends 16-bit PCM as one audio-chunk.
  bool send_chunk(const int16_t* samples, size_t n, uint32_t rate = 16000, uint32_t channels = 1);

  // The next event, or nullopt on timeout, EOF or error.
  std::optional<Event> next(int timeout_ms);
  // Events until one of `type` arrives (included); nullopt on timeout/EOF.
  std::optional<std::vector<Event>> until(std::string_view type, int timeout_ms);
  // Events already received or arriving within timeout_ms (non-blocking when 0).
  std::vector<Event> drain(int timeout_ms);
  // True when the server closed the connection within timeout_ms (events
  // still in flight are read and kept in *seen if given).
  bool closed_by_peer(int timeout_ms, std::vector<Event>* seen = nullptr);
  void close();
  int fd() const { return fd_; }

 private:
  bool fill(int timeout_ms);  // one recv into the reader; false on timeout/EOF

  int fd_ = -1;
  bool eof_ = false;
  EventReader reader_{Limits{1 << 20, 1 << 20, 64 << 20}};
  std::vector<Event> pending_;
};

// Interleaves `mono` into `channels` identical channels of little-endian
// samples of `width` bytes (tests of the server's conversion).
std::string to_pcm(const std::vector<int16_t>& mono, uint32_t width, uint32_t channels);

}  // namespace kws::wyoming::testing
