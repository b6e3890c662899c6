// kwsd's service with `mqtt.enabled`: a detection on the processing thread
// reaches a real broker, discovery names the detector's keywords, and the
// end of the run says "offline".
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/capture/memory_source.h"
#include "daemon/service/service.h"
#include "mqtt/mosquitto_broker.h"

namespace kws::daemon {
namespace {

using ::kws::testing::MosquittoBroker;
using ::kws::testing::Subscriber;
using ::kws::testing::wait_until;

// Reports "hello" once, 1 s into the audio, after `ready()` holds (the
// broker connection is up), so the detection is published, not queued.
class OneShotDetector : public Detector {
 public:
  explicit OneShotDetector(std::function<bool()> ready) : ready_(std::move(ready)) {}
  uint32_t sample_rate() const override { return 16000; }
  size_t keyword_samples() const override { return 16000; }
  std::string process(const int16_t*, size_t n, std::vector<Detection>* out) override {
    if (!waited_) waited_ = wait_until(ready_);
    position_ += n;
    if (!fired_ && position_ >= 16000) {
      fired_ = true;
      out->push_back({"hello", 0.9f, 1, position_, {{"hello", 0.9f}}});
    }
    return {};
  }
  Result<std::string> apply_config(const config::Config&) override {
    return Result<std::string>::success("");
  }
  std::vector<std::pair<std::string, float>> keywords() const override {
    return {{"hello", 0.75f}};
  }

 private:
  std::function<bool()> ready_;
  bool waited_ = false;
  bool fired_ = false;
  uint64_t position_ = 0;
};

TEST(MqttService, ADetectionReachesTheBrokerAndTheEndSaysOffline) {
  if (std::string why = MosquittoBroker::unavailable(); !why.empty()) GTEST_SKIP() << why;
  const auto dir =
      std::filesystem::temp_directory_path() / ("kws_mqtt_service_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    MosquittoBroker broker(dir.string());
    ASSERT_EQ(broker.start(), "");
    Subscriber sub;
    ASSERT_EQ(sub.connect(broker.port()), "");
    ASSERT_TRUE(sub.wait_subscribed());

    ServiceSettings settings;
    settings.config.mqtt.enabled = true;
    settings.config.mqtt.host = "127.0.0.1";
    settings.config.mqtt.port = broker.port();
    settings.config.mqtt.client_id = "svc";
    settings.json_stdout = config::StdoutJson::kOff;
    settings.ring_ms = 4000;  // the whole clip: the source delivers faster than real time
    Service* service_ptr = nullptr;
    auto detector = std::make_unique<OneShotDetector>(
        [&] { return service_ptr->mqtt() != nullptr && service_ptr->mqtt()->connected(); });
    Service service(settings,
                    std::make_unique<MemorySource>("memory", std::vector<int16_t>(32000, 0), 16000),
                    std::move(detector), {}, true);
    service_ptr = &service;
    ASSERT_EQ(service.start(), "");
    EXPECT_EQ(service.run(), 0);

    ASSERT_TRUE(sub.wait_for("kwsd/detection/hello"));
    const auto d = nlohmann::json::parse(sub.on("kwsd/detection/hello")[0].payload);
    EXPECT_EQ(d["keyword"], "hello");
    EXPECT_EQ(d["seq"], 1);
    EXPECT_DOUBLE_EQ(d["audio_time"].get<double>(), 1.0);
    ASSERT_TRUE(sub.wait_for("hermes/hotword/hello/detected"));
    EXPECT_NEAR(nlohmann::json::parse(
                    sub.on("hermes/hotword/hello/detected")[0].payload)["currentSensitivity"]
                    .get<double>(),
                0.25, 1e-9);
    EXPECT_TRUE(sub.wait_for("homeassistant/event/svc/hello/config"));
    ASSERT_TRUE(sub.wait_for("kwsd/status", 2));
    EXPECT_EQ(sub.on("kwsd/status").back().payload, "offline");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kws::daemon
