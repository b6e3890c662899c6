// The Wyoming wake-word TCP server.
//
// One acceptor thread and one thread per client, at most max_clients of them
// (a client over the limit gets an `error` event and is closed). Each client
// has its own Session, so its own pipeline state, allocated at connect. A
// client is dropped (logged, socket closed) when it sends something the
// protocol reader rejects, exceeds a limit, stays silent past the idle
// timeout, stops reading our events past the send timeout, or disconnects;
// other clients never wait on it.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "config/result.h"
#include "daemon/wyoming/protocol.h"
#include "daemon/wyoming/session.h"

namespace kws::wyoming {

inline constexpr uint16_t kDefaultPort = 10400;

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless asked otherwise
  uint16_t port = kDefaultPort;    // 0: any free port (see Server::port())
  uint32_t max_clients = 8;
  Limits limits;
  uint32_t idle_timeout_ms = 60000;  // no byte from a client for this long: dropped (0: never)
  uint32_t send_timeout_ms = 5000;   // a client that does not read our events for this long
  ProgramInfo program;
};

struct ServerStats {
  uint64_t accepted = 0;  // connections given a session
  uint64_t rejected = 0;  // refused: too many clients, or no session could be made
  uint64_t dropped = 0;   // closed by us for a fault (protocol, limit, timeout, mid-event EOF)
  uint64_t closed = 0;    // ended cleanly by the client
  uint64_t detections = 0;
  uint32_t active = 0;
};

class Server {
 public:
  // Binds, listens and starts accepting. `models` must not be empty.
  static Result<std::unique_ptr<Server>> start(const ServerOptions& options, ModelSet models);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // Clients connecting from now on get sessions of `models` (a reload);
  // connected clients keep the models they started with. "" or why not
  // (empty set, or a sample rate the running models do not share).
  std::string set_models(ModelSet models);
  // Closes the listener and every client, joins all threads. Idempotent.
  void stop();
  ServerStats stats() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "[HOST:]PORT" (IPv6 as "[::1]:10400") on top of `base`.
Result<ServerOptions> parse_endpoint(const std::string& spec, ServerOptions base = {});

// Runs a server until SIGINT or SIGTERM (blocked in the calling thread and
// waited for here). Returns a process exit code: 0 after a signal, 1 if the
// server could not start. For the kws-wyoming tool (kwsd runs a Server
// under its own signal handling: daemon/service/wyoming_endpoint.h).
int serve(const ServerOptions& options, const ModelSet& models);

}  // namespace kws::wyoming
