// Unix-domain stream socket that any number of local clients connect to and
// read events from, one JSON line each.
//
// Contract: consume() only queues the line and wakes the server thread; it
// never waits on a client. The server thread writes with non-blocking sends;
// a client whose unsent backlog exceeds max_pending_bytes (it stopped
// reading) is disconnected and counted, so a stuck reader never holds memory
// or the daemon. Clients may send nothing; anything they send is discarded.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/sinks/detection_event.h"

namespace kws::daemon {

struct SocketServerConfig {
  std::string path = "/run/kwsd/events.sock";
  size_t max_clients = 64;
  size_t max_pending_bytes = 256 * 1024;
  unsigned int mode = 0660;  // socket file permissions
};

class EventSocketServer final : public EventConsumer {
 public:
  explicit EventSocketServer(SocketServerConfig config);
  ~EventSocketServer() override;
  EventSocketServer(const EventSocketServer&) = delete;
  EventSocketServer& operator=(const EventSocketServer&) = delete;

  // Binds under a temporary name, listens, then renames onto the path
  // (replacing a stale socket file): the path appears only once a client can
  // connect. Then starts the thread.
  // Returns an empty string on success, else what failed.
  std::string start();

  // Stops the thread, closes every client, removes the socket file.
  void stop();

  void consume(const DetectionEvent& event) override;

  // Queues one line (must end in '\n') for every connected client.
  void broadcast(std::string line);

  size_t client_count() const { return clients_now_.load(std::memory_order_relaxed); }
  uint64_t dropped_clients() const { return dropped_.load(std::memory_order_relaxed); }
  const std::string& path() const { return config_.path; }

 private:
  struct Client {
    int fd = -1;
    std::string pending;
  };

  void serve();
  void accept_clients();
  void flush(Client* client);
  void drop(Client* client, const char* why);

  SocketServerConfig config_;
  int listen_fd_ = -1;
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::mutex queue_mutex_;
  std::vector<std::string> queue_;  // lines not yet handed to clients
  std::vector<Client> clients_;     // server thread only
  std::atomic<size_t> clients_now_{0};
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace kws::daemon
