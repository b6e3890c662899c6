#include "daemon/sinks/socket_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/log.h"
#include "daemon/sinks/event_json.h"

namespace kws::daemon {
namespace {

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

EventSocketServer::EventSocketServer(SocketServerConfig config) : config_(std::move(config)) {}

EventSocketServer::~EventSocketServer() { stop(); }

std::string EventSocketServer::start() {
  sockaddr_un addr{};
  if (config_.path.empty() || config_.path.size() >= sizeof(addr.sun_path)) {
    return "socket path '" + config_.path + "' is empty or longer than " +
           std::to_string(sizeof(addr.sun_path) - 1) + " bytes";
  }
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, config_.path.c_str(), config_.path.size() + 1);

  struct stat st {};
  if (::lstat(config_.path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode)) {
    return "socket path '" + config_.path + "' exists and is not a socket";
  }
  // The socket is bound under a temporary name, given its mode and put in
  // listening state there, and only then renamed onto the path (replacing a
  // stale socket from a previous run atomically): a client that sees the path
  // can connect. Binding the path itself would show it before listen(), and a
  // client connecting in between gets ECONNREFUSED.
  std::string bound = config_.path + ".tmp" + std::to_string(::getpid());
  if (bound.size() >= sizeof(addr.sun_path)) bound = config_.path;  // no room: the old order
  std::memcpy(addr.sun_path, bound.c_str(), bound.size() + 1);
  ::unlink(bound.c_str());  // a leftover of a killed run with the same pid
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return errno_text("socket()");
  auto fail = [&](const std::string& what) {
    std::string err = errno_text(what);
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(bound.c_str());
    return err;
  };
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::string err = errno_text("cannot bind event socket '" + bound + "'");
    ::close(listen_fd_);
    listen_fd_ = -1;
    return err;
  }
  if (::chmod(bound.c_str(), static_cast<mode_t>(config_.mode)) != 0) {
    return fail("chmod event socket '" + bound + "'");
  }
  if (::listen(listen_fd_, 16) != 0) return fail("listen()");
  if (bound != config_.path && ::rename(bound.c_str(), config_.path.c_str()) != 0) {
    return fail("cannot move event socket '" + bound + "' to '" + config_.path + "'");
  }
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    std::string err = errno_text("pipe2()");
    stop();
    return err;
  }
  wake_read_ = pipe_fds[0];
  wake_write_ = pipe_fds[1];
  stopping_.store(false);
  thread_ = std::thread([this] { serve(); });
  kws::log::info("events: listening on {}", config_.path);
  return {};
}

void EventSocketServer::stop() {
  stopping_.store(true);
  if (wake_write_ >= 0) {
    const char c = 's';
    (void)!::write(wake_write_, &c, 1);
  }
  if (thread_.joinable()) thread_.join();
  for (Client& c : clients_) ::close(c.fd);
  clients_.clear();
  clients_now_.store(0);
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
    ::unlink(config_.path.c_str());
  }
  for (int* fd : {&wake_read_, &wake_write_}) {
    if (*fd >= 0) ::close(*fd);
    *fd = -1;
  }
}

void EventSocketServer::consume(const DetectionEvent& event) {
  broadcast(event_to_json_line(event));
}

void EventSocketServer::broadcast(std::string line) {
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);
    queue_.push_back(std::move(line));
  }
  if (wake_write_ >= 0) {
    const char c = 'e';
    (void)!::write(wake_write_, &c, 1);  // a full pipe already means "wake up"
  }
}

void EventSocketServer::drop(Client* client, const char* why) {
  kws::log::warn("events: dropping socket client (fd {}): {}", client->fd, why);
  ::close(client->fd);
  client->fd = -1;
  dropped_.fetch_add(1, std::memory_order_relaxed);
}

void EventSocketServer::flush(Client* client) {
  while (!client->pending.empty()) {
    ssize_t n = ::send(client->fd, client->pending.data(), client->pending.size(),
                       MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      client->pending.erase(0, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    // Disconnected (EPIPE, ECONNRESET): just forget it.
    ::close(client->fd);
    client->fd = -1;
    return;
  }
}

void EventSocketServer::accept_clients() {
  for (;;) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (clients_.size() >= config_.max_clients) {
      kws::log::warn("events: refusing socket client, {} already connected", clients_.size());
      ::close(fd);
      continue;
    }
    clients_.push_back({fd, {}});
    kws::log::debug("events: socket client connected (fd {}, {} connected)", fd, clients_.size());
  }
}

void EventSocketServer::serve() {
  std::vector<pollfd> fds;
  std::vector<std::string> lines;
  while (!stopping_.load()) {
    fds.clear();
    fds.push_back({wake_read_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const Client& c : clients_) {
      short events = POLLIN;
      if (!c.pending.empty()) events = static_cast<short>(events | POLLOUT);
      fds.push_back({c.fd, events, 0});
    }
    if (::poll(fds.data(), fds.size(), 1000) < 0 && errno != EINTR) {
      kws::log::error("events: poll failed: {}", std::strerror(errno));
      return;
    }
    if (stopping_.load()) return;
    if (fds[0].revents & POLLIN) {
      char buf[256];
      while (::read(wake_read_, buf, sizeof(buf)) > 0) {
      }
    }
    for (size_t i = 0; i < clients_.size(); ++i) {
      const short rev = fds[i + 2].revents;
      if (rev & (POLLIN | POLLHUP | POLLERR)) {
        char sink[512];
        ssize_t n = ::recv(clients_[i].fd, sink, sizeof(sink), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          ::close(clients_[i].fd);
          clients_[i].fd = -1;
        }
      }
    }
    {
      std::lock_guard<std::mutex> lock(queue_mutex_);
      lines.swap(queue_);
    }
    for (Client& c : clients_) {
      if (c.fd < 0) continue;
      for (const std::string& line : lines) {
        if (c.pending.size() + line.size() > config_.max_pending_bytes) {
          drop(&c, "it does not read its events");
          break;
        }
        c.pending += line;
      }
      if (c.fd >= 0) flush(&c);
    }
    lines.clear();
    clients_.erase(
        std::remove_if(clients_.begin(), clients_.end(), [](const Client& c) { return c.fd < 0; }),
        clients_.end());
    if (fds[1].revents & POLLIN) accept_clients();
    clients_now_.store(clients_.size(), std::memory_order_relaxed);
  }
}

}  // namespace kws::daemon
