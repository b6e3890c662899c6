// The MQTT sink against a real mosquitto broker on 127.0.0.1 (started here):
// what Home Assistant, Rhasspy and any subscriber receive, Hermes toggles, a
// broker killed and restarted mid-stream, and a wrong password.
#include "daemon/sinks/mqtt_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "mqtt/mosquitto_broker.h"

namespace kws::daemon {
namespace {

using ::kws::testing::MosquittoBroker;
using ::kws::testing::Subscriber;
using ::kws::testing::wait_until;
using Json = nlohmann::json;

DetectionEvent event(const std::string& keyword, uint64_t seq) {
  DetectionEvent e;
  e.sequence = seq;
  e.keyword = keyword;
  e.score = 0.93117f;
  e.stage = 1;
  e.sample_rate = 16000;
  e.audio_sample = 26080;
  e.wall_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767323045678));
  return e;
}

Json payload(const testing::ReceivedMessage& m) {
  return Json::parse(m.payload, nullptr, false);  // discarded (fails the checks) if not JSON
}

class MqttSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = MosquittoBroker::unavailable(); !why.empty()) GTEST_SKIP() << why;
    dir_ = std::filesystem::temp_directory_path() /
           ("kws_mqtt_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    sink_.reset();
    sub_.reset();
    broker_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start_broker(const std::string& password_file = "") {
    broker_ = std::make_unique<MosquittoBroker>(dir_.string(), password_file);
    ASSERT_EQ(broker_->start(), "");
  }
  void start_subscriber() {
    sub_ = std::make_unique<Subscriber>();
    ASSERT_EQ(sub_->connect(broker_->port()), "");
    ASSERT_TRUE(sub_->wait_subscribed());
  }
  config::MqttSection section() const {
    config::MqttSection c;
    c.enabled = true;
    c.host = "127.0.0.1";
    c.port = broker_->port();
    c.client_id = "kwsd-test";
    return c;
  }
  void start_sink(const config::MqttSection& c) {
    sink_ = std::make_unique<MqttSink>(
        c, std::vector<MqttKeyword>{{"computer", 0.85f}, {"jarvis", 0.5f}}, "0.1.0");
    ASSERT_EQ(sink_->start(), "");
  }

  std::filesystem::path dir_;
  std::unique_ptr<MosquittoBroker> broker_;
  std::unique_ptr<Subscriber> sub_;
  std::unique_ptr<MqttSink> sink_;
};

TEST_F(MqttSinkTest, PublishesAvailabilityDiscoveryDetectionAndHermes) {
  start_broker();
  start_subscriber();
  start_sink(section());
  ASSERT_TRUE(wait_until([&] { return sink_->connected(); }));
  ASSERT_TRUE(sub_->wait_for("kwsd/status"));
  EXPECT_EQ(sub_->on("kwsd/status").back().payload, "online");

  // Home Assistant discovery: one event entity per keyword, retained.
  const std::string config_topic = "homeassistant/event/kwsd-test/computer/config";
  ASSERT_TRUE(sub_->wait_for(config_topic));
  ASSERT_TRUE(sub_->wait_for("homeassistant/event/kwsd-test/jarvis/config"));
  const Json ha = payload(sub_->on(config_topic).back());
  EXPECT_EQ(ha["state_topic"], "kwsd/detection/computer");
  EXPECT_EQ(ha["event_types"], Json::array({"detected"}));
  EXPECT_EQ(ha["availability_topic"], "kwsd/status");
  EXPECT_EQ(ha["payload_available"], "online");
  EXPECT_EQ(ha["payload_not_available"], "offline");
  EXPECT_EQ(ha["unique_id"], "kwsd-test_computer");
  EXPECT_EQ(ha["device"]["identifiers"], Json::array({"kwsd_kwsd-test"}));
  EXPECT_EQ(ha["device"]["sw_version"], "0.1.0");

  sink_->consume(event("computer", 1));
  ASSERT_TRUE(sub_->wait_for("kwsd/detection/computer"));
  const testing::ReceivedMessage det = sub_->on("kwsd/detection/computer").back();
  EXPECT_FALSE(det.retain);  // mqtt.retain defaults to off
  const Json d = payload(det);
  EXPECT_EQ(d["event_type"], "detected");
  EXPECT_EQ(d["keyword"], "computer");
  EXPECT_DOUBLE_EQ(d["score"].get<double>(), 0.9312);  // 4 decimals, as the JSON lines
  EXPECT_DOUBLE_EQ(d["audio_time"].get<double>(), 1.63);
  EXPECT_EQ(d["wall_time"], "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(d["seq"], 1);

  // Rhasspy 2.5: hermes/hotword/<wakewordId>/detected with HotwordDetected's fields.
  ASSERT_TRUE(sub_->wait_for("hermes/hotword/computer/detected"));
  const Json h = payload(sub_->on("hermes/hotword/computer/detected").back());
  EXPECT_EQ(h["modelId"], "computer");
  EXPECT_EQ(h["modelType"], "personal");
  EXPECT_EQ(h["siteId"], "default");
  EXPECT_NEAR(h["currentSensitivity"].get<double>(), 0.15, 1e-9);  // 1 - threshold
  for (const char* key :
       {"modelVersion", "sessionId", "sendAudioCaptured", "lang", "customEntities"}) {
    EXPECT_TRUE(h.contains(key)) << key;
  }
  EXPECT_EQ(sink_->stats().published.load(), 1u);

  // A clean stop says "offline" itself (the last will covers a crash).
  sink_->stop();
  ASSERT_TRUE(sub_->wait_for("kwsd/status", 2));
  EXPECT_EQ(sub_->on("kwsd/status").back().payload, "offline");
}

TEST_F(MqttSinkTest, HermesToggleOffSuppressesDetectionsForItsSiteOnly) {
  start_broker();
  start_subscriber();
  config::MqttSection c = section();
  c.site_id = "kitchen";
  start_sink(c);
  ASSERT_TRUE(wait_until([&] { return sink_->connected(); }));
  // The sink subscribes to the toggles when it connects; a retained status is
  // published after that, so seeing it means the subscription is in place.
  ASSERT_TRUE(sub_->wait_for("kwsd/status"));

  ASSERT_TRUE(sub_->publish("hermes/hotword/toggleOff", R"({"siteId":"livingroom"})"));
  ASSERT_TRUE(
      sub_->publish("hermes/hotword/toggleOff", R"({"siteId":"kitchen","reason":"ttsSay"})"));
  ASSERT_TRUE(wait_until([&] { return !sink_->hotword_on(); }));
  sink_->consume(event("jarvis", 1));
  EXPECT_EQ(sink_->stats().suppressed.load(), 1u);

  ASSERT_TRUE(
      sub_->publish("hermes/hotword/toggleOn", R"({"siteId":"kitchen","reason":"ttsSay"})"));
  ASSERT_TRUE(wait_until([&] { return sink_->hotword_on(); }));
  sink_->consume(event("jarvis", 2));
  ASSERT_TRUE(sub_->wait_for("hermes/hotword/jarvis/detected"));
  const auto hermes = sub_->on("hermes/hotword/jarvis/detected");
  ASSERT_EQ(hermes.size(), 1u) << "the suppressed detection was published";
  EXPECT_EQ(payload(hermes[0])["siteId"], "kitchen");
  EXPECT_EQ(payload(sub_->on("kwsd/detection/jarvis").at(0))["seq"], 2);
}

TEST_F(MqttSinkTest, BrokerKilledAndRestartedMidStreamQueuesUpToTheBound) {
  start_broker();
  config::MqttSection c = section();
  c.retain = true;  // a subscriber that reconnects late still sees the last detection
  // QoS 0: nothing in flight at the kill is re-sent later, so the last
  // retained detection per topic is the last one sent.
  c.qos = 0;
  c.queue_max = 2;
  c.hermes = false;
  start_sink(c);
  ASSERT_TRUE(wait_until([&] { return sink_->connected(); }));
  sink_->consume(event("computer", 1));
  EXPECT_EQ(sink_->stats().published.load(), 1u);

  broker_->kill();
  ASSERT_TRUE(wait_until([&] { return !sink_->connected(); }));
  // The outage: consume() returns at once; two are kept, the third dropped.
  sink_->consume(event("computer", 2));
  sink_->consume(event("jarvis", 3));
  sink_->consume(event("jarvis", 4));
  EXPECT_EQ(sink_->stats().during_outage.load(), 3u);
  EXPECT_EQ(sink_->stats().dropped.load(), 1u);

  ASSERT_EQ(broker_->start(), "");  // the same port
  ASSERT_TRUE(wait_until([&] { return sink_->connected(); }, std::chrono::seconds(20)));
  EXPECT_EQ(sink_->stats().connects.load(), 2u);
  EXPECT_EQ(sink_->stats().disconnects.load(), 1u);
  EXPECT_EQ(sink_->stats().published.load(), 3u);

  start_subscriber();
  ASSERT_TRUE(sub_->wait_for("kwsd/detection/computer"));
  ASSERT_TRUE(sub_->wait_for("kwsd/detection/jarvis"));
  EXPECT_EQ(payload(sub_->on("kwsd/detection/computer").back())["seq"], 2);
  EXPECT_EQ(payload(sub_->on("kwsd/detection/jarvis").back())["seq"], 3);
  ASSERT_TRUE(sub_->wait_for("kwsd/status"));
  EXPECT_EQ(sub_->on("kwsd/status").back().payload, "online");
}

TEST_F(MqttSinkTest, WrongPasswordIsRefusedAndCountedAndTheRightOneConnects) {
  const std::string passwords = (dir_ / "passwords").string();
  ASSERT_EQ(MosquittoBroker::write_password_file(passwords, "kwsd", "right"), "");
  start_broker(passwords);
  config::MqttSection c = section();
  c.username = "kwsd";
  c.password = "wrong";
  start_sink(c);
  ASSERT_TRUE(wait_until([&] { return sink_->stats().refused.load() >= 1; }));
  EXPECT_FALSE(sink_->connected());
  sink_->consume(event("computer", 1));  // kept for when the broker lets us in
  EXPECT_EQ(sink_->stats().during_outage.load(), 1u);
  sink_->stop();  // returns although the connection never came up

  c.password = "right";
  start_sink(c);
  EXPECT_TRUE(wait_until([&] { return sink_->connected(); }));
  EXPECT_EQ(sink_->stats().refused.load(), 0u);
}

TEST_F(MqttSinkTest, ABrokerThatStartsLaterIsConnectedToThen) {
  start_broker();
  const uint16_t port = broker_->port();
  broker_->kill();
  config::MqttSection c = section();
  c.port = port;
  start_sink(c);  // not an error: kwsd must start even when the broker is down
  EXPECT_FALSE(sink_->connected());
  ASSERT_EQ(broker_->start(), "");
  EXPECT_TRUE(wait_until([&] { return sink_->connected(); }, std::chrono::seconds(20)));
}

}  // namespace
}  // namespace kws::daemon
