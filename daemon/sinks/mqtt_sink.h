// Detections to an MQTT broker (libmosquitto), for Home Assistant, Node-RED
// and Rhasspy 2.5 (docs/mqtt.md).
//
// Topics, with P = mqtt.topic_prefix and D = mqtt.discovery_prefix:
//   P/status                          "online" / "offline" (retained; the last will)
//   P/detection/<keyword>             each detection as JSON (Home Assistant's
//                                     event entity reads "event_type")
//   hermes/hotword/<keyword>/detected Rhasspy's HotwordDetected (mqtt.hermes)
//   D/event/<node>/<keyword>/config   discovery of one event entity per keyword
//                                     (retained; mqtt.home_assistant)
// It listens to hermes/hotword/toggleOff and toggleOn for its siteId: while
// toggled off, detections are not published (counted as suppressed).
//
// Threads: libmosquitto's own network thread (mosquitto_loop_start) connects,
// reconnects with exponential backoff (1 s doubling to 30 s) and runs the
// callbacks. consume() runs on the processing thread and never waits for the
// network: it hands the messages to libmosquitto (which only queues them) or,
// while the broker is away, keeps up to mqtt.queue_max detections to send on
// reconnect; beyond that a detection is dropped and counted.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "daemon/sinks/detection_event.h"

struct mosquitto;
struct mosquitto_message;

namespace kws::daemon {

struct MqttKeyword {
  std::string name;
  float threshold = 0.5f;  // the trigger threshold; Hermes gets 1 - threshold as sensitivity
};

struct MqttStats {
  std::atomic<uint64_t> connects{0};       // successful connections (the first one included)
  std::atomic<uint64_t> disconnects{0};    // connections lost unexpectedly
  std::atomic<uint64_t> refused{0};        // connection attempts the broker refused (e.g. password)
  std::atomic<uint64_t> published{0};      // detections handed to the broker connection
  std::atomic<uint64_t> during_outage{0};  // detections while not connected (queued or dropped)
  std::atomic<uint64_t> dropped{0};        // of those, lost: the queue was full (or queue_max 0)
  std::atomic<uint64_t> suppressed{0};     // detections while Hermes toggled kwsd off
};

class MqttSink final : public EventConsumer {
 public:
  // `version` goes into the discovery's device block.
  MqttSink(config::MqttSection config, std::vector<MqttKeyword> keywords, std::string version);
  ~MqttSink() override;
  MqttSink(const MqttSink&) = delete;
  MqttSink& operator=(const MqttSink&) = delete;

  // Starts the network thread and the first connection attempt. A broker
  // that is down is not an error (kwsd keeps retrying); "" or a setup error
  // (bad TLS files, unresolvable options).
  std::string start();
  // Publishes "offline", disconnects and joins the network thread.
  void stop();

  void consume(const DetectionEvent& event) override;
  // The keywords and thresholds after a reload (processing thread).
  void set_keywords(std::vector<MqttKeyword> keywords);

  bool connected() const { return connected_.load(); }
  // False while a Hermes toggleOff for our siteId is in force.
  bool hotword_on() const { return hotword_on_.load(); }
  const MqttStats& stats() const { return stats_; }
  const std::string& client_id() const { return client_id_; }
  const std::string& node_id() const { return node_id_; }

  // Topic of a keyword's detections: P/detection/<keyword>, with any '+', '#'
  // or '/' in the keyword made '_'.
  std::string detection_topic(const std::string& keyword) const;

 private:
  struct Message {
    std::string topic;
    std::string payload;
    bool retain = false;
  };
  using Batch = std::vector<Message>;

  static void on_connect(mosquitto* m, void* self, int rc);
  static void on_disconnect(mosquitto* m, void* self, int rc);
  static void on_message(mosquitto* m, void* self, const mosquitto_message* msg);

  Batch detection_messages(const DetectionEvent& event) const;
  Batch discovery_messages() const;
  // Both under mutex_.
  bool publish_locked(const Message& m);
  void handle_toggle(bool on, const std::string& payload);

  config::MqttSection config_;
  std::string version_;
  std::string client_id_;
  std::string node_id_;
  std::string status_topic_;
  mosquitto* mosq_ = nullptr;
  bool started_ = false;

  mutable std::mutex mutex_;  // guards the members below and the connected_ transitions
  std::vector<MqttKeyword> keywords_;
  std::deque<Batch> outage_queue_;
  std::set<std::string> off_reasons_;  // Hermes toggleOff reasons in force ("" = unknown)
  uint64_t outage_seen_ = 0;           // during_outage at the last connect
  bool unreachable_logged_ = false;    // "not connected yet" said once (processing thread)

  std::atomic<bool> connected_{false};
  std::atomic<bool> hotword_on_{true};
  bool refused_logged_ = false;  // network thread only
  MqttStats stats_;
};

}  // namespace kws::daemon
