// systemd notification (sd_notify) and the watchdog, as a small object the
// processing loop owns. Without libsystemd, or outside systemd
// (NOTIFY_SOCKET unset), every call is a cheap no-op.
#pragma once

#include <chrono>
#include <string>

namespace kws::daemon {

class Notifier {
 public:
  Notifier();

  void ready(const std::string& status);  // READY=1 + STATUS=
  void status(const std::string& status);
  void stopping();
  void reloading();

  // Pings WATCHDOG=1 when half the watchdog interval has passed since the
  // last ping. Call from the loop whose liveness matters.
  void watchdog_tick();

  bool watchdog_enabled() const { return interval_.count() > 0; }

 private:
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_ping_{};
};

}  // namespace kws::daemon
