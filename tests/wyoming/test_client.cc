#include "tests/wyoming/test_client.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace kws::wyoming::testing {

TestClient::~TestClient() { close(); }

void TestClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool TestClient::connect(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return true;
}

bool TestClient::send_raw(std::string_view bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

bool TestClient::send(std::string_view type, const Json& data, std::string_view payload) {
  return send_raw(encode_event(type, data, payload));
}

bool TestClient::send_chunk(const int16_t* samples, size_t n, uint32_t rate, uint32_t channels) {
  Json data = Json::object();
  data["rate"] = rate;
  data["width"] = 2;
  data["channels"] = channels;
  return send("audio-chunk", data,
              std::string_view(reinterpret_cast<const char*>(samples), n * sizeof(int16_t)));
}

bool TestClient::fill(int timeout_ms) {
  if (eof_ || fd_ < 0) return false;
  pollfd p{fd_, POLLIN, 0};
  const int r = ::poll(&p, 1, timeout_ms);
  if (r <= 0) return false;
  char buf[16384];
  const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
  if (n <= 0) {
    eof_ = true;
    return false;
  }
  return reader_.feed(buf, static_cast<size_t>(n), &pending_).empty();
}

std::optional<Event> TestClient::next(int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (pending_.empty()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left < 0 || !fill(static_cast<int>(left))) {
      if (!pending_.empty()) break;
      return std::nullopt;
    }
  }
  Event e = std::move(pending_.front());
  pending_.erase(pending_.begin());
  return e;
}

std::optional<std::vector<Event>> TestClient::until(std::string_view type, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<Event> out;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    std::optional<Event> e = next(static_cast<int>(left < 0 ? 0 : left));
    if (!e) return std::nullopt;
    const bool done = e->type == type;
    out.push_back(std::move(*e));
    if (done) return out;
  }
}

std::vector<Event> TestClient::drain(int timeout_ms) {
  while (fill(timeout_ms)) timeout_ms = 0;
  std::vector<Event> out = std::move(pending_);
  pending_.clear();
  return out;
}

bool TestClient::closed_by_peer(int timeout_ms, std::vector<Event>* seen) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!eof_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left < 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) continue;
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;  // orderly close or reset: either way the server let go
      break;
    }
    reader_.feed(buf, static_cast<size_t>(n), &pending_);
  }
  if (seen != nullptr) {
    for (Event& e : pending_) seen->push_back(std::move(e));
  }
  pending_.clear();
  return true;
}

std::string to_pcm(const std::vector<int16_t>& mono, uint32_t width, uint32_t channels) {
  std::string out;
  out.reserve(mono.size() * width * channels);
  for (const int16_t s : mono) {
    const int32_t v32 = static_cast<int32_t>(s) * 65536;  // full-scale 32-bit
    for (uint32_t c = 0; c < channels; ++c) {
      const uint32_t u = static_cast<uint32_t>(v32);
      // Little-endian, most significant `width` bytes of the 32-bit sample.
      for (uint32_t b = 4 - width; b < 4; ++b)
        out.push_back(static_cast<char>((u >> (8 * b)) & 0xFF));
    }
  }
  return out;
}

}  // namespace kws::wyoming::testing
