#include "daemon/sinks/mqtt_sink.h"

#include <mosquitto.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "daemon/log.h"
#include "daemon/sinks/event_json.h"

namespace kws::daemon {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kToggleOff = "hermes/hotword/toggleOff";
constexpr const char* kToggleOn = "hermes/hotword/toggleOn";
constexpr size_t kMaxToggleBytes = 4096;  // a toggle is a few dozen bytes

// Every character outside [A-Za-z0-9_-] made '_' (Home Assistant ids, topic levels).
std::string sanitized(const std::string& s) {
  std::string out = s;
  for (char& c : out) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return out.empty() ? "_" : out;
}

// JSON numbers with a fixed number of decimals, as the JSON lines have them.
double rounded(double x, int decimals) {
  const double scale = std::pow(10.0, decimals);
  return std::isfinite(x) ? std::round(x * scale) / scale : 0.0;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string default_client_id() {
  char host[HOST_NAME_MAX + 1] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') return "kwsd";
  return std::string("kwsd-") + host;
}

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { mosquitto_lib_init(); });
}

}  // namespace

MqttSink::MqttSink(config::MqttSection config, std::vector<MqttKeyword> keywords,
                   std::string version)
    : config_(std::move(config)), version_(std::move(version)), keywords_(std::move(keywords)) {
  client_id_ = config_.client_id.empty() ? default_client_id() : config_.client_id;
  node_id_ = config_.node_id.empty() ? sanitized(client_id_) : config_.node_id;
  status_topic_ = config_.topic_prefix + "/status";
}

MqttSink::~MqttSink() {
  stop();
  if (mosq_ != nullptr) mosquitto_destroy(mosq_);
}

std::string MqttSink::detection_topic(const std::string& keyword) const {
  std::string level = keyword;
  for (char& c : level) {
    if (c == '+' || c == '#' || c == '/') c = '_';
  }
  return config_.topic_prefix + "/detection/" + level;
}

std::string MqttSink::start() {
  init_library_once();
  mosq_ = mosquitto_new(client_id_.c_str(), true, this);
  if (mosq_ == nullptr) return "mqtt: cannot create a client (out of memory?)";
  const std::string where = config_.where.empty() ? "mqtt" : config_.where + ": mqtt";
  mosquitto_connect_callback_set(mosq_, &MqttSink::on_connect);
  mosquitto_disconnect_callback_set(mosq_, &MqttSink::on_disconnect);
  mosquitto_message_callback_set(mosq_, &MqttSink::on_message);
  mosquitto_reconnect_delay_set(mosq_, 1, 30, true);
  int rc = mosquitto_will_set(mosq_, status_topic_.c_str(), 7, "offline",
                              static_cast<int>(config_.qos), true);
  if (rc != MOSQ_ERR_SUCCESS) return where + ": last will: " + mosquitto_strerror(rc);
  if (!config_.username.empty()) {
    rc = mosquitto_username_pw_set(mosq_, config_.username.c_str(),
                                   config_.password.empty() ? nullptr : config_.password.c_str());
    if (rc != MOSQ_ERR_SUCCESS) return where + ": username: " + mosquitto_strerror(rc);
  }
  if (config_.tls) {
    const char* ca_file = config_.ca_file.empty() ? nullptr : config_.ca_file.c_str();
    const char* ca_path = ca_file == nullptr ? "/etc/ssl/certs" : nullptr;
    rc = mosquitto_tls_set(mosq_, ca_file, ca_path, nullptr, nullptr, nullptr);
    if (rc != MOSQ_ERR_SUCCESS) return where + ": TLS: " + mosquitto_strerror(rc);
  }
  // The logger (spdlog creates it at first use) and everything the callbacks
  // read exist before the network thread does, so that thread sees them.
  kws::log::info("mqtt: publishing to {}:{} as '{}' under '{}/'", config_.host, config_.port,
                 client_id_, config_.topic_prefix);
  rc = mosquitto_loop_start(mosq_);
  if (rc != MOSQ_ERR_SUCCESS) return where + ": network thread: " + mosquitto_strerror(rc);
  started_ = true;
  // After loop_start: a broker that refuses this first attempt is then
  // retried by the network thread (called before it, libmosquitto gives up).
  rc = mosquitto_connect_async(mosq_, config_.host.c_str(), config_.port,
                               static_cast<int>(config_.keepalive_s));
  if (rc != MOSQ_ERR_SUCCESS) {
    kws::log::warn(
        "mqtt: {}:{}: {}; retrying in the background", config_.host, config_.port,
        rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : mosquitto_strerror(rc));
  }
  return "";
}

void MqttSink::stop() {
  if (!started_) return;
  started_ = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (connected_.load()) {
      mosquitto_publish(mosq_, nullptr, status_topic_.c_str(), 7, "offline",
                        static_cast<int>(config_.qos), true);
    }
  }
  mosquitto_disconnect(mosq_);
  mosquitto_loop_stop(mosq_, false);
  connected_.store(false);
  const uint64_t lost = stats_.dropped.load();
  kws::log::info(
      "mqtt: stopped; {} detections published, {} during outages ({} dropped), {} "
      "suppressed by Hermes toggleOff",
      stats_.published.load(), stats_.during_outage.load(), lost, stats_.suppressed.load());
}

void MqttSink::set_keywords(std::vector<MqttKeyword> keywords) {
  std::lock_guard<std::mutex> lock(mutex_);
  keywords_ = std::move(keywords);
}

MqttSink::Batch MqttSink::detection_messages(const DetectionEvent& e) const {
  Batch batch;
  Json d = Json::object();
  d["event_type"] = "detected";  // what Home Assistant's event entity reads
  d["keyword"] = e.keyword;
  d["score"] = rounded(e.score, 4);
  d["stage"] = e.stage;
  if (e.stage2_score >= 0.0f) d["stage2_score"] = rounded(e.stage2_score, 4);
  d["audio_time"] = rounded(e.audio_time_s(), 3);
  d["wall_time"] = format_utc(e.wall_time);
  d["seq"] = e.sequence;
  d["node"] = node_id_;
  batch.push_back({detection_topic(e.keyword), dump(d), config_.retain});
  if (config_.hermes) {
    float threshold = 0.5f;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (const MqttKeyword& k : keywords_) {
        if (k.name == e.keyword) threshold = k.threshold;
      }
    }
    // Rhasspy 2.5's HotwordDetected; the optional fields are null ("not set").
    Json h = Json::object();
    h["modelId"] = e.keyword;
    h["modelVersion"] = version_;
    h["modelType"] = "personal";
    h["currentSensitivity"] = rounded(1.0 - static_cast<double>(threshold), 4);
    h["siteId"] = config_.site_id;
    h["sessionId"] = nullptr;
    h["sendAudioCaptured"] = nullptr;
    h["lang"] = nullptr;
    h["customEntities"] = nullptr;
    batch.push_back(
        {"hermes/hotword/" + sanitized(e.keyword) + "/detected", dump(h), config_.retain});
  }
  return batch;
}

MqttSink::Batch MqttSink::discovery_messages() const {
  Batch batch;
  if (!config_.home_assistant) return batch;
  for (const MqttKeyword& k : keywords_) {
    const std::string object = sanitized(k.name);
    Json c = Json::object();
    c["name"] = k.name;
    c["unique_id"] = node_id_ + "_" + object;
    c["state_topic"] = detection_topic(k.name);
    c["event_types"] = Json::array({"detected"});
    c["availability_topic"] = status_topic_;
    c["payload_available"] = "online";
    c["payload_not_available"] = "offline";
    c["qos"] = config_.qos;
    c["device"] = {{"identifiers", Json::array({"kwsd_" + node_id_})},
                   {"name", "kwsd " + node_id_},
                   {"manufacturer", "kwsd"},
                   {"model", "kwsd keyword spotter"},
                   {"sw_version", version_}};
    batch.push_back({config_.discovery_prefix + "/event/" + node_id_ + "/" + object + "/config",
                     dump(c), true});
  }
  return batch;
}

bool MqttSink::publish_locked(const Message& m) {
  const int rc =
      mosquitto_publish(mosq_, nullptr, m.topic.c_str(), static_cast<int>(m.payload.size()),
                        m.payload.data(), static_cast<int>(config_.qos), m.retain);
  return rc == MOSQ_ERR_SUCCESS;
}

void MqttSink::consume(const DetectionEvent& event) {
  if (!hotword_on_.load()) {
    stats_.suppressed.fetch_add(1);
    return;
  }
  Batch batch = detection_messages(event);
  std::lock_guard<std::mutex> lock(mutex_);
  if (connected_.load()) {
    bool sent = true;
    for (const Message& m : batch) sent = publish_locked(m) && sent;
    if (sent) {
      stats_.published.fetch_add(1);
      return;
    }
  }
  stats_.during_outage.fetch_add(1);
  // libmosquitto reports no failed TCP connect: say it when it costs a detection.
  if (stats_.connects.load() == 0 && !unreachable_logged_) {
    kws::log::warn(
        "mqtt: not connected to {}:{} yet (still retrying); detections are kept, up "
        "to {}",
        config_.host, config_.port, config_.queue_max);
    unreachable_logged_ = true;
  }
  if (outage_queue_.size() < config_.queue_max) {
    outage_queue_.push_back(std::move(batch));
  } else {
    stats_.dropped.fetch_add(1);
  }
}

void MqttSink::on_connect(mosquitto* m, void* self_ptr, int rc) {
  auto* self = static_cast<MqttSink*>(self_ptr);
  if (rc != 0) {
    self->stats_.refused.fetch_add(1);
    if (!self->refused_logged_) {
      kws::log::warn("mqtt: {}:{} refused the connection: {}; retrying with backoff",
                     self->config_.host, self->config_.port, mosquitto_connack_string(rc));
      self->refused_logged_ = true;
    }
    return;
  }
  self->refused_logged_ = false;
  if (self->config_.hermes) {
    mosquitto_subscribe(m, nullptr, kToggleOff, static_cast<int>(self->config_.qos));
    mosquitto_subscribe(m, nullptr, kToggleOn, static_cast<int>(self->config_.qos));
  }
  std::lock_guard<std::mutex> lock(self->mutex_);
  self->connected_.store(true);
  const uint64_t connects = self->stats_.connects.fetch_add(1) + 1;
  self->publish_locked({self->status_topic_, "online", true});
  for (const Message& d : self->discovery_messages()) self->publish_locked(d);
  const size_t late = self->outage_queue_.size();
  for (const Batch& b : self->outage_queue_) {
    for (const Message& msg : b) self->publish_locked(msg);
    self->stats_.published.fetch_add(1);
  }
  self->outage_queue_.clear();
  const uint64_t outage = self->stats_.during_outage.load() - self->outage_seen_;
  self->outage_seen_ = self->stats_.during_outage.load();
  if (connects == 1 && outage == 0) {
    kws::log::info("mqtt: connected to {}:{}", self->config_.host, self->config_.port);
  } else {
    kws::log::info("mqtt: {}connected to {}:{}; {} detections while away: {} sent now, {} dropped",
                   connects == 1 ? "" : "re", self->config_.host, self->config_.port, outage, late,
                   outage - late);
  }
}

void MqttSink::on_disconnect(mosquitto*, void* self_ptr, int rc) {
  auto* self = static_cast<MqttSink*>(self_ptr);
  std::lock_guard<std::mutex> lock(self->mutex_);
  const bool was = self->connected_.exchange(false);
  if (rc != 0 && was) {
    self->stats_.disconnects.fetch_add(1);
    kws::log::warn("mqtt: lost {}:{} ({}); reconnecting with backoff, keeping up to {} detections",
                   self->config_.host, self->config_.port, mosquitto_strerror(rc),
                   self->config_.queue_max);
  }
}

void MqttSink::on_message(mosquitto*, void* self_ptr, const mosquitto_message* msg) {
  auto* self = static_cast<MqttSink*>(self_ptr);
  if (msg->topic == nullptr || msg->payloadlen < 0 ||
      static_cast<size_t>(msg->payloadlen) > kMaxToggleBytes) {
    return;
  }
  const std::string topic = msg->topic;
  const std::string payload(static_cast<const char*>(msg->payload),
                            static_cast<size_t>(msg->payloadlen));
  if (topic == kToggleOff) self->handle_toggle(false, payload);
  if (topic == kToggleOn) self->handle_toggle(true, payload);
}

// Hermes: {"siteId": "...", "reason": "..."}; a missing siteId means
// "default". Off with a reason holds until on with that reason; on with no
// (or an empty) reason clears every reason.
void MqttSink::handle_toggle(bool on, const std::string& payload) {
  const Json j = Json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !(j.is_object() || j.is_null())) {
    kws::log::warn("mqtt: ignoring a {} that is not a JSON object", on ? kToggleOn : kToggleOff);
    return;
  }
  std::string site = "default";
  std::string reason;
  if (j.is_object()) {
    if (auto it = j.find("siteId"); it != j.end() && it->is_string()) site = it->get<std::string>();
    if (auto it = j.find("reason"); it != j.end() && it->is_string()) {
      reason = it->get<std::string>();
    }
  }
  if (site != config_.site_id) return;
  std::lock_guard<std::mutex> lock(mutex_);
  if (on) {
    if (reason.empty()) {
      off_reasons_.clear();
    } else {
      off_reasons_.erase(reason);
    }
  } else {
    off_reasons_.insert(reason);
  }
  const bool now_on = off_reasons_.empty();
  if (hotword_on_.exchange(now_on) != now_on) {
    kws::log::info("mqtt: Hermes toggled detections {} for site '{}'{}", now_on ? "on" : "off",
                   site, reason.empty() ? "" : " (" + reason + ")");
  }
}

}  // namespace kws::daemon
