#include "mqtt/mosquitto_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

namespace kws::testing {
namespace {

constexpr const char* kBroker = "/usr/sbin/mosquitto";
constexpr const char* kPasswd = "/usr/bin/mosquitto_passwd";

// A port nobody listens on right now (the broker binds it just after).
uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

bool accepts_connections(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

// Other threads exist (the sink's): the child only calls async-signal-safe functions.
pid_t spawn(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
      ::dup2(out, 1);
      ::dup2(out, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds deadline) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

std::string MosquittoBroker::unavailable() {
  if (::access(kBroker, X_OK) != 0) {
    return std::string(kBroker) + " is not installed (apt-get install mosquitto; " +
           "tools/bootstrap.sh installs it)";
  }
  return "";
}

MosquittoBroker::MosquittoBroker(std::string dir, std::string password_file)
    : dir_(std::move(dir)), password_file_(std::move(password_file)) {}

MosquittoBroker::~MosquittoBroker() { kill(); }

std::string MosquittoBroker::start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const bool keep_port = port_ != 0;
    if (!keep_port) port_ = free_port();
    const std::string conf = dir_ + "/mosquitto.conf";
    {
      std::ofstream f(conf);
      f << "listener " << port_ << " 127.0.0.1\n";
      f << "persistence false\n";
      if (password_file_.empty()) {
        f << "allow_anonymous true\n";
      } else {
        f << "allow_anonymous false\npassword_file " << password_file_ << "\n";
      }
    }
    pid_ = spawn({kBroker, "-c", conf}, dir_ + "/mosquitto.log");
    if (pid_ < 0) return std::string("fork: ") + std::strerror(errno);
    bool exited = false;
    const bool up = wait_until([&] {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited = true;
        return true;
      }
      return accepts_connections(port_);
    });
    if (up && !exited) return "";
    if (!exited) kill();
    pid_ = -1;
    // Someone took the port between free_port() and the broker's bind: a new
    // port, unless a restart must keep the old one (its TIME_WAIT is fine).
    if (!keep_port) port_ = 0;
  }
  return "mosquitto did not start; see " + dir_ + "/mosquitto.log";
}

void MosquittoBroker::kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string MosquittoBroker::write_password_file(const std::string& path, const std::string& user,
                                                 const std::string& password) {
  const pid_t pid = spawn({kPasswd, "-c", "-b", path, user, password}, path + ".log");
  int status = 0;
  if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return "mosquitto_passwd failed; see " + path + ".log";
  }
  return "";
}

Subscriber::Subscriber() {
  mosquitto_lib_init();
  mosq_ = mosquitto_new(nullptr, true, this);
  mosquitto_connect_callback_set(mosq_, &Subscriber::on_connect);
  mosquitto_subscribe_callback_set(mosq_, &Subscriber::on_subscribe);
  mosquitto_message_callback_set(mosq_, &Subscriber::on_message);
  mosquitto_reconnect_delay_set(mosq_, 1, 1, false);
}

Subscriber::~Subscriber() {
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  mosquitto_destroy(mosq_);
}

std::string Subscriber::connect(uint16_t port, const std::string& topic) {
  topic_ = topic;
  int rc = mosquitto_connect(mosq_, "127.0.0.1", port, 30);
  if (rc != MOSQ_ERR_SUCCESS) return std::string("subscriber: ") + mosquitto_strerror(rc);
  rc = mosquitto_loop_start(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) return std::string("subscriber: ") + mosquitto_strerror(rc);
  return "";
}

bool Subscriber::wait_subscribed(std::chrono::milliseconds deadline) {
  return wait_until(
      [this] {
        std::lock_guard<std::mutex> lock(mutex_);
        return subscribed_;
      },
      deadline);
}

bool Subscriber::publish(const std::string& topic, const std::string& payload) {
  return mosquitto_publish(mosq_, nullptr, topic.c_str(), static_cast<int>(payload.size()),
                           payload.data(), 1, false) == MOSQ_ERR_SUCCESS;
}

std::vector<ReceivedMessage> Subscriber::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

std::vector<ReceivedMessage> Subscriber::on(const std::string& topic) const {
  std::vector<ReceivedMessage> out;
  for (const ReceivedMessage& m : messages()) {
    if (m.topic == topic) out.push_back(m);
  }
  return out;
}

bool Subscriber::wait_for(const std::string& topic, size_t n,
                          std::chrono::milliseconds deadline) const {
  return wait_until([&] { return on(topic).size() >= n; }, deadline);
}

void Subscriber::on_connect(mosquitto* m, void* self_ptr, int rc) {
  auto* self = static_cast<Subscriber*>(self_ptr);
  if (rc != 0) return;
  {
    std::lock_guard<std::mutex> lock(self->mutex_);
    self->subscribed_ = false;
  }
  mosquitto_subscribe(m, nullptr, self->topic_.c_str(), 1);
}

void Subscriber::on_subscribe(mosquitto*, void* self_ptr, int, int, const int*) {
  auto* self = static_cast<Subscriber*>(self_ptr);
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->subscribed_ = true;
}

void Subscriber::on_message(mosquitto*, void* self_ptr, const mosquitto_message* msg) {
  auto* self = static_cast<Subscriber*>(self_ptr);
  ReceivedMessage r;
  r.topic = msg->topic;
  r.payload.assign(static_cast<const char*>(msg->payload), static_cast<size_t>(msg->payloadlen));
  r.retain = msg->retain;
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->messages_.push_back(std::move(r));
}

}  // namespace kws::testing
