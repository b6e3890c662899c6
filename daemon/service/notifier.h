// systemd notification (the sd_notify protocol) and the watchdog, as a small
// object the processing loop owns. Sends never block: a message the
// supervisor's full socket queue cannot take is dropped and counted. Outside
// systemd (NOTIFY_SOCKET unset) every call is a cheap no-op; without
// libsystemd there is no watchdog interval.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace kws::daemon {

class Notifier {
 public:
  Notifier();
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  void ready(const std::string& status);  // READY=1 + STATUS=
  void status(const std::string& status);
  void stopping();
  void reloading();

  // Pings WATCHDOG=1 when half the watchdog interval has passed since the
  // last ping. Call from the loop whose liveness matters.
  void watchdog_tick();

  bool watchdog_enabled() const { return interval_.count() > 0; }
  // Messages dropped because the supervisor's queue was full.
  uint64_t dropped() const { return dropped_; }

  // Sends one notification without blocking; false when not sent.
  bool notify(const std::string& text);

 private:
  int fd_ = -1;
  sockaddr_un addr_{};
  socklen_t addr_len_ = 0;
  uint64_t dropped_ = 0;
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace kws::daemon
