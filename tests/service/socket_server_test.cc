#include "daemon/sinks/socket_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "tests/service/alsa_test_env.h"

namespace kws::daemon {
namespace {

int Connect(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until `lines` newlines arrived or 5 s passed.
std::string ReadLines(int fd, int lines) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::count(got.begin(), got.end(), '\n') < lines &&
         std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

template <typename F>
bool WaitFor(F cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

class SocketServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("kwsd-sock-");
    config_.path = dir_ + "/events.sock";
  }
  void TearDown() override { ::rmdir(dir_.c_str()); }
  std::string dir_;
  SocketServerConfig config_;
};

TEST_F(SocketServerTest, EveryClientGetsEveryLineAndStopRemovesTheSocket) {
  EventSocketServer server(config_);
  ASSERT_EQ(server.start(), "");
  int a = Connect(config_.path);
  int b = Connect(config_.path);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  ASSERT_TRUE(WaitFor([&] { return server.client_count() == 2; }));
  server.broadcast("{\"n\":1}\n");
  server.broadcast("{\"n\":2}\n");
  EXPECT_EQ(ReadLines(a, 2), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ(ReadLines(b, 2), "{\"n\":1}\n{\"n\":2}\n");
  ::close(a);
  ::close(b);
  server.stop();
  struct stat st {};
  EXPECT_NE(::lstat(config_.path.c_str(), &st), 0) << "socket file left behind";
}

TEST_F(SocketServerTest, ClientThatNeverReadsIsDroppedAndNeverBlocksTheDaemon) {
  config_.max_pending_bytes = 64 * 1024;
  EventSocketServer server(config_);
  ASSERT_EQ(server.start(), "");
  int stuck = Connect(config_.path);
  int good = Connect(config_.path);
  ASSERT_TRUE(WaitFor([&] { return server.client_count() == 2; }));
  std::string payload(1000, 'x');
  std::atomic<int> lines_read{0};
  std::string received;
  std::thread reader([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (lines_read.load() < 1000 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{good, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[8192];
      ssize_t n = ::read(good, buf, sizeof(buf));
      if (n <= 0) break;
      received.append(buf, static_cast<size_t>(n));
      lines_read.store(static_cast<int>(std::count(received.begin(), received.end(), '\n')));
    }
  });
  // 1000 lines of ~1 KB in batches of 20, each batch read by the good client
  // before the next: far beyond the stuck client's socket buffer plus its
  // 64 KiB backlog. If broadcast() ever waited on the stuck client this loop
  // would never finish.
  for (int batch = 0; batch < 50; ++batch) {
    for (int i = 0; i < 20; ++i) server.broadcast("{\"pad\":\"" + payload + "\"}\n");
    ASSERT_TRUE(WaitFor([&] { return lines_read.load() >= (batch + 1) * 20; }))
        << "the reading client stalled at " << lines_read.load();
  }
  reader.join();
  EXPECT_EQ(server.dropped_clients(), 1u);
  EXPECT_EQ(server.client_count(), 1u);
  EXPECT_EQ(lines_read.load(), 1000);
  ::close(stuck);
  ::close(good);
}

TEST_F(SocketServerTest, PathThatIsNotASocketIsAClearError) {
  const std::string file = dir_ + "/events.sock";
  FILE* f = std::fopen(file.c_str(), "w");
  std::fclose(f);
  EventSocketServer server(config_);
  const std::string err = server.start();
  EXPECT_NE(err.find("is not a socket"), std::string::npos) << err;
  ::unlink(file.c_str());
}

// Regression (ECONNREFUSED seen by a client that connected as soon as the
// path appeared): the socket must not appear at its path before it listens.
// inotify shows how it appears: only by a rename of the listening socket
// (IN_MOVED_TO), never by bind() creating it there (IN_CREATE). Then a
// client that sees the path connects, and the mode was set before.
TEST_F(SocketServerTest, PathAppearsOnlyOnceTheSocketListens) {
  const int in = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  ASSERT_GE(in, 0);
  ASSERT_GE(::inotify_add_watch(in, dir_.c_str(), IN_CREATE | IN_MOVED_TO), 0);
  {
    // A stale socket from a previous run is replaced.
    EventSocketServer stale(config_);
    ASSERT_EQ(stale.start(), "");
  }
  ASSERT_EQ(::symlink("nowhere", config_.path.c_str()), 0);  // not a socket: refused
  {
    EventSocketServer refused(config_);
    EXPECT_NE(refused.start().find("is not a socket"), std::string::npos);
  }
  ::unlink(config_.path.c_str());
  std::string names_created, names_moved;
  auto drain = [&] {
    alignas(inotify_event) char buf[4096];
    for (ssize_t n; (n = ::read(in, buf, sizeof buf)) > 0;) {
      for (char* p = buf; p < buf + n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(p);
        const std::string name = e->len > 0 ? e->name : "";
        if (e->mask & IN_CREATE) names_created += name + " ";
        if (e->mask & IN_MOVED_TO) names_moved += name + " ";
        p += sizeof(inotify_event) + e->len;
      }
    }
  };
  drain();
  names_created.clear();
  names_moved.clear();

  config_.mode = 0600;
  EventSocketServer server(config_);
  ASSERT_EQ(server.start(), "");
  drain();
  EXPECT_EQ(names_created.find("events.sock "), std::string::npos) << names_created;
  EXPECT_NE(names_moved.find("events.sock "), std::string::npos) << names_moved;
  struct stat st {};
  ASSERT_EQ(::lstat(config_.path.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const int client = Connect(config_.path);
  EXPECT_GE(client, 0) << std::strerror(errno);
  if (client >= 0) ::close(client);
  server.stop();
  ::close(in);
  EXPECT_EQ(::access(config_.path.c_str(), F_OK), -1);  // removed, no temporary left either
  EXPECT_EQ(::rmdir(dir_.c_str()), 0) << "files left in " << dir_;
  ::mkdir(dir_.c_str(), 0700);
}

}  // namespace
}  // namespace kws::daemon
