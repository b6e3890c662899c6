// A real mosquitto broker for tests: started by the test on 127.0.0.1 and a
// free port, killed (SIGKILL) or restarted on the same port at will, and an
// MQTT subscriber (libmosquitto) that records every message it sees.
//
// Tests skip with a clear message when /usr/sbin/mosquitto is not installed
// (tools/bootstrap.sh installs it, so CI runs them). Nothing sleeps for a
// fixed time: every wait polls a condition until a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

struct mosquitto;
struct mosquitto_message;

namespace kws::testing {

// Polls `done` every few milliseconds until it holds or `deadline` passes.
bool wait_until(const std::function<bool()>& done,
                std::chrono::milliseconds deadline = std::chrono::seconds(10));

class MosquittoBroker {
 public:
  // "" when the broker can be used, else why not (the skip message).
  static std::string unavailable();

  // `password_file` (mosquitto_passwd format) turns anonymous access off.
  explicit MosquittoBroker(std::string dir, std::string password_file = "");
  ~MosquittoBroker();
  MosquittoBroker(const MosquittoBroker&) = delete;
  MosquittoBroker& operator=(const MosquittoBroker&) = delete;

  // Starts it (on the same port as before after a kill); "" or what failed.
  std::string start();
  void kill();  // SIGKILL: no clean shutdown, as when the broker host dies
  uint16_t port() const { return port_; }

  // Writes a mosquitto_passwd file for one user; "" or what failed.
  static std::string write_password_file(const std::string& path, const std::string& user,
                                         const std::string& password);

 private:
  std::string dir_;
  std::string password_file_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

struct ReceivedMessage {
  std::string topic;
  std::string payload;
  bool retain = false;
};

class Subscriber {
 public:
  Subscriber();
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // Connects to 127.0.0.1:port and subscribes to `topic`; reconnects by
  // itself when the broker comes back. "" or what failed.
  std::string connect(uint16_t port, const std::string& topic = "#");
  // Waits until the subscription is acknowledged (after each reconnect too).
  bool wait_subscribed(std::chrono::milliseconds deadline = std::chrono::seconds(10));
  bool publish(const std::string& topic, const std::string& payload);

  std::vector<ReceivedMessage> messages() const;
  // The messages on `topic` so far.
  std::vector<ReceivedMessage> on(const std::string& topic) const;
  // Waits until `topic` has at least `n` messages.
  bool wait_for(const std::string& topic, size_t n = 1,
                std::chrono::milliseconds deadline = std::chrono::seconds(10)) const;

 private:
  static void on_connect(mosquitto* m, void* self, int rc);
  static void on_subscribe(mosquitto* m, void* self, int mid, int qos_count, const int* qos);
  static void on_message(mosquitto* m, void* self, const mosquitto_message* msg);

  mosquitto* mosq_ = nullptr;
  std::string topic_;
  mutable std::mutex mutex_;
  std::vector<ReceivedMessage> messages_;
  bool subscribed_ = false;
};

}  // namespace kws::testing
