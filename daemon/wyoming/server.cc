#include "daemon/wyoming/server.h"
#include "daemon/log.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>
#include <thread>
#include <vector>

namespace kws::wyoming {

namespace {

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string peer_name(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = "?";
  uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    port = ntohs(a->sin6_port);
    return std::string("[") + host + "]:" + std::to_string(port);
  }
  return std::string(host) + ":" + std::to_string(port);
}

// Writes everything or fails (the socket has SO_SNDTIMEO set).
std::string send_all(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return "client is not reading (send timeout)";
      return errno_text("send");
    }
    off += static_cast<size_t>(n);
  }
  return "";
}

void set_timeout(int fd, int option, uint32_t ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

struct Server::Impl {
  struct Client {
    std::thread thread;
    std::atomic<bool> done{false};
  };

  ServerOptions options;
  std::mutex models_mu;  // guards models (set_models swaps them)
  ModelSet models;
  int listen_fd = -1;
  int stop_pipe[2] = {-1, -1};  // written once by stop(); every thread polls the read end
  uint16_t port = 0;
  std::thread acceptor;
  std::mutex mu;  // guards clients
  std::list<std::unique_ptr<Client>> clients;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_id{1};
  std::atomic<uint64_t> accepted{0}, rejected{0}, dropped{0}, closed{0}, detections{0};
  std::atomic<uint32_t> active{0};

  ~Impl() {
    if (listen_fd >= 0) ::close(listen_fd);
    if (stop_pipe[0] >= 0) ::close(stop_pipe[0]);
    if (stop_pipe[1] >= 0) ::close(stop_pipe[1]);
  }

  std::string listen_on() {
    if (::pipe2(stop_pipe, O_CLOEXEC) != 0) return errno_text("pipe");
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    const std::string port_text = std::to_string(options.port);
    const int gai = ::getaddrinfo(options.host.empty() ? nullptr : options.host.c_str(),
                                  port_text.c_str(), &hints, &res);
    if (gai != 0) return "cannot resolve \"" + options.host + "\": " + ::gai_strerror(gai);
    std::string last = "no address";
    for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) {
        last = errno_text("socket");
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 64) != 0) {
        last = errno_text("bind/listen");
        ::close(fd);
        continue;
      }
      listen_fd = fd;
      break;
    }
    ::freeaddrinfo(res);
    if (listen_fd < 0) return options.host + ":" + port_text + ": " + last;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    ::getsockname(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                    : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    return "";
  }

  void reap(bool all) {
    std::list<std::unique_ptr<Client>> finished;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto it = clients.begin(); it != clients.end();) {
        if (all || (*it)->done.load()) {
          finished.push_back(std::move(*it));
          it = clients.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& c : finished) c->thread.join();
  }

  void accept_loop() {
    while (!stopping.load()) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
      const int r = ::poll(fds, 2, 1000);
      reap(false);
      if (r < 0 && errno != EINTR) {
        kws::log::error("wyoming: poll: {}", std::strerror(errno));
        break;
      }
      if (r <= 0 || (fds[1].revents & POLLIN) != 0) continue;
      sockaddr_storage ss{};
      socklen_t len = sizeof ss;
      const int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
          kws::log::warn("wyoming: accept: {}", std::strerror(errno));
        }
        continue;
      }
      const uint64_t id = next_id.fetch_add(1);
      const std::string peer = peer_name(ss);
      set_timeout(fd, SO_SNDTIMEO, options.send_timeout_ms);
      if (active.load() >= options.max_clients) {
        rejected.fetch_add(1);
        kws::log::warn(
            "wyoming: client {} ({}) refused: {} clients already connected (max_clients)", id, peer,
            options.max_clients);
        Json data = Json::object();
        data["text"] = "server full: too many clients";
        data["code"] = "kwsd-server-full";
        send_all(fd, encode_event("error", data));
        ::close(fd);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      active.fetch_add(1);
      auto client = std::make_unique<Client>();
      Client* raw = client.get();
      {
        std::lock_guard<std::mutex> lock(mu);
        clients.push_back(std::move(client));
      }
      raw->thread = std::thread([this, raw, fd, id, peer] {
        serve_client(fd, id, peer);
        ::close(fd);
        active.fetch_sub(1);
        raw->done.store(true);
      });
    }
  }

  void serve_client(int fd, uint64_t id, const std::string& peer) {
    ModelSet current;
    {
      std::lock_guard<std::mutex> lock(models_mu);
      current = models;
    }
    auto session = Session::create(current, options.program);
    if (!session) {
      rejected.fetch_add(1);
      kws::log::error("wyoming: client {} ({}) refused: {}", id, peer, session.error());
      return;
    }
    accepted.fetch_add(1);
    kws::log::info("wyoming: client {} ({}) connected", id, peer);
    EventReader reader(options.limits);
    std::vector<char> buf(64 * 1024);
    std::vector<Event> events;
    std::string out;
    const int timeout =
        options.idle_timeout_ms == 0 ? -1 : static_cast<int>(options.idle_timeout_ms);
    auto drop = [&](const std::string& why) {
      dropped.fetch_add(1);
      kws::log::warn("wyoming: client {} ({}) dropped: {}", id, peer, why);
    };
    for (;;) {
      pollfd fds[2] = {{fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
      const int r = ::poll(fds, 2, timeout);
      if (r < 0) {
        if (errno == EINTR) continue;
        return drop(errno_text("poll"));
      }
      if ((fds[1].revents & POLLIN) != 0) {
        kws::log::info("wyoming: client {} ({}) closed: server stopping", id, peer);
        return;
      }
      if (r == 0) return drop("idle for " + std::to_string(options.idle_timeout_ms) + " ms");
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        return drop(errno_text("recv"));
      }
      if (n == 0) {
        if (reader.mid_event()) return drop("disconnected in the middle of an event");
        closed.fetch_add(1);
        kws::log::info("wyoming: client {} ({}) disconnected", id, peer);
        return;
      }
      events.clear();
      const std::string read_error = reader.feed(buf.data(), static_cast<size_t>(n), &events);
      for (const Event& ev : events) {
        out.clear();
        const uint64_t before = (*session)->detections();
        const std::string e = (*session)->handle(ev, &out);
        detections.fetch_add((*session)->detections() - before);
        if (std::string s = send_all(fd, out); !s.empty()) return drop(s);
        if (!e.empty()) return drop(e);
      }
      if (!read_error.empty()) {
        Json data = Json::object();
        data["text"] = read_error;
        data["code"] = "kwsd-protocol-error";
        send_all(fd, encode_event("error", data));
        return drop(read_error);
      }
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::start(const ServerOptions& options, ModelSet models) {
  using R = Result<std::unique_ptr<Server>>;
  if (models.empty()) return R::failure("wyoming: no wake-word model to serve");
  if (options.max_clients == 0) return R::failure("wyoming: max_clients must be at least 1");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->models = std::move(models);
  if (std::string e = impl->listen_on(); !e.empty()) return R::failure("wyoming: " + e);
  Impl* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->accept_loop(); });
  const bool v6 = options.host.find(':') != std::string::npos;
  kws::log::info("wyoming: listening on {}{}{}:{} (max {} clients)", v6 ? "[" : "", options.host,
                 v6 ? "]" : "", raw->port, options.max_clients);
  return R::success(std::unique_ptr<Server>(new Server(std::move(impl))));
}

uint16_t Server::port() const { return impl_->port; }

std::string Server::set_models(ModelSet models) {
  if (models.empty()) return "wyoming: no wake-word model to serve";
  std::lock_guard<std::mutex> lock(impl_->models_mu);
  const uint32_t rate = impl_->models[0]->info().frontend.sample_rate;
  for (const auto& m : models) {
    if (m->info().frontend.sample_rate != rate) {
      return "wyoming: " + m->path() + " runs at " +
             std::to_string(m->info().frontend.sample_rate) + " Hz, the served models at " +
             std::to_string(rate) + " Hz";
    }
  }
  impl_->models = std::move(models);
  return "";
}

void Server::stop() {
  if (!impl_ || impl_->stopping.exchange(true)) return;
  const char byte = 1;
  while (::write(impl_->stop_pipe[1], &byte, 1) < 0 && errno == EINTR) {
  }
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  impl_->reap(true);
}

ServerStats Server::stats() const {
  ServerStats s;
  s.accepted = impl_->accepted.load();
  s.rejected = impl_->rejected.load();
  s.dropped = impl_->dropped.load();
  s.closed = impl_->closed.load();
  s.detections = impl_->detections.load();
  s.active = impl_->active.load();
  return s;
}

Result<ServerOptions> parse_endpoint(const std::string& spec, ServerOptions base) {
  using R = Result<ServerOptions>;
  std::string host = base.host;
  std::string port_text = spec;
  if (!spec.empty() && spec[0] == '[') {
    const size_t close = spec.find(']');
    if (close == std::string::npos || close + 1 >= spec.size() || spec[close + 1] != ':') {
      return R::failure("\"" + spec + "\": want [IPV6]:PORT");
    }
    host = spec.substr(1, close - 1);
    port_text = spec.substr(close + 2);
  } else if (const size_t colon = spec.rfind(':'); colon != std::string::npos) {
    host = spec.substr(0, colon);
    port_text = spec.substr(colon + 1);
  }
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    return R::failure("\"" + spec + "\": port must be a number in 0..65535");
  }
  if (host.empty()) return R::failure("\"" + spec + "\": empty host");
  base.host = host;
  base.port = static_cast<uint16_t>(std::stoul(port_text));
  return R::success(base);
}

int serve(const ServerOptions& options, const ModelSet& models) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Blocked before any thread starts, so only sigwait below sees them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = Server::start(options, models);
  if (!server) {
    kws::log::error("{}", server.error());
    return 1;
  }
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  kws::log::info("wyoming: {}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->stop();
  const ServerStats s = (*server)->stats();
  kws::log::info("wyoming: served {} clients ({} refused, {} dropped), {} detections", s.accepted,
                 s.rejected, s.dropped, s.detections);
  return 0;
}

}  // namespace kws::wyoming
