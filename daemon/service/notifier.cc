#include "daemon/service/notifier.h"

#ifdef KWS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace kws::daemon {
namespace {

void notify(const std::string& text) {
#ifdef KWS_HAVE_SYSTEMD
  sd_notify(0, text.c_str());
#else
  (void)text;
#endif
}

}  // namespace

Notifier::Notifier() {
#ifdef KWS_HAVE_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
#endif
}

void Notifier::ready(const std::string& status) { notify("READY=1\nSTATUS=" + status); }
void Notifier::status(const std::string& status) { notify("STATUS=" + status); }
void Notifier::stopping() { notify("STOPPING=1"); }
void Notifier::reloading() { notify("RELOADING=1"); }

void Notifier::watchdog_tick() {
  if (interval_.count() == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ping_ < interval_ / 2) return;
  last_ping_ = now;
  notify("WATCHDOG=1");
}

}  // namespace kws::daemon
