// The sd_notify protocol as kwsd speaks it: messages reach NOTIFY_SOCKET, and
// a supervisor that stops reading never blocks the processing loop.
#include "daemon/service/notifier.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace kws::daemon {
namespace {

class NotifySocket {
 public:
  NotifySocket() {
    path_ = "/tmp/kws_notify_test_" + std::to_string(::getpid());
    ::unlink(path_.c_str());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    bound_ = fd_ >= 0 && ::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
    ::setenv("NOTIFY_SOCKET", path_.c_str(), 1);
  }
  ~NotifySocket() {
    ::unsetenv("NOTIFY_SOCKET");
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  bool bound() const { return bound_; }
  std::string receive() const {
    char buf[256];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), MSG_DONTWAIT);
    return n < 0 ? std::string("<none>") : std::string(buf, static_cast<size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

TEST(Notifier, MessagesReachNotifySocket) {
  NotifySocket sock;
  ASSERT_TRUE(sock.bound());
  Notifier n;
  n.ready("listening");
  n.status("running");
  n.stopping();
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=listening");
  EXPECT_EQ(sock.receive(), "STATUS=running");
  EXPECT_EQ(sock.receive(), "STOPPING=1");
  EXPECT_EQ(n.dropped(), 0u);
}

TEST(Notifier, SupervisorThatStopsReadingDoesNotBlockAndDropsAreCounted) {
  NotifySocket sock;
  ASSERT_TRUE(sock.bound());
  Notifier n;
  // A unix datagram queue holds net.unix.max_dgram_qlen (default 10)
  // messages; with blocking sends this loop would hang at the first full queue.
  constexpr int kSent = 2000;
  int sent = 0;
  for (int i = 0; i < kSent; ++i) sent += n.notify("STATUS=" + std::to_string(i)) ? 1 : 0;
  EXPECT_GT(sent, 0);
  EXPECT_LT(sent, kSent);
  EXPECT_EQ(n.dropped(), static_cast<uint64_t>(kSent - sent));
  EXPECT_EQ(sock.receive(), "STATUS=0");  // the queue kept the oldest
}

TEST(Notifier, WithoutNotifySocketEverythingIsANoOp) {
  ::unsetenv("NOTIFY_SOCKET");
  Notifier n;
  EXPECT_FALSE(n.notify("STATUS=x"));
  n.ready("x");
  EXPECT_EQ(n.dropped(), 0u);
}

}  // namespace
}  // namespace kws::daemon
