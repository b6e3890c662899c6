#include "daemon/service/notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#ifdef KWS_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace kws::daemon {

Notifier::Notifier() {
#ifdef KWS_HAVE_SYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0) interval_ = std::chrono::microseconds(usec);
#endif
  // NOTIFY_SOCKET: a path, or "@name" for the abstract namespace (as systemd
  // sets it). Our own non-blocking datagram socket: sd_notify() sends with a
  // blocking sendmsg(), which stalls the processing loop when the supervisor
  // stops reading and the socket's queue is full.
  const char* target = std::getenv("NOTIFY_SOCKET");
  if (target == nullptr || (target[0] != '/' && target[0] != '@')) return;
  const size_t len = std::strlen(target);
  sockaddr_un addr{};
  if (len < 2 || len >= sizeof(addr.sun_path)) return;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, target, len);
  if (target[0] == '@') addr.sun_path[0] = '\0';
  fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  addr_ = addr;
  addr_len_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
}

Notifier::~Notifier() {
  if (fd_ >= 0) ::close(fd_);
}

bool Notifier::notify(const std::string& text) {
  if (fd_ < 0) return false;
  // A full queue (EAGAIN) drops this message: the next status or ping
  // follows, and the loop must never wait for the supervisor.
  const ssize_t n = ::sendto(fd_, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                             reinterpret_cast<const sockaddr*>(&addr_), addr_len_);
  if (n == static_cast<ssize_t>(text.size())) return true;
  ++dropped_;
  return false;
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
