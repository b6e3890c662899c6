// stage2.mode external in the live daemon's Service: candidates go to the
// verifier program (the exec hook runner) without blocking the processing
// thread; exit 0 makes the candidate a stage-2 detection, anything else
// (exit code, timeout) drops it.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "daemon/capture/memory_source.h"
#include "daemon/service/service.h"
#include "tests/service/alsa_test_env.h"

namespace kws::daemon {
namespace {

constexpr uint64_t kDelay = 3200;  // the candidate is decided 200 ms after its trigger

// Reports a candidate for the verifier at the end of the first loud 100 ms
// block (a stand-in for the model's cascade in external mode).
class CandidateDetector : public Detector {
 public:
  uint32_t sample_rate() const override { return 16000; }
  size_t keyword_samples() const override { return 16000; }
  std::string process(const int16_t* s, size_t n, std::vector<Detection>* out) override {
    for (size_t i = 0; i < n; ++i) {
      sum_ += std::abs(static_cast<double>(s[i]));
      if (++count_ < 1600) continue;
      const uint64_t end = ++blocks_ * 1600;
      const bool loud = sum_ / 1600.0 / 32768.0 > 0.1;
      sum_ = 0;
      count_ = 0;
      if (loud && !fired_) {
        fired_ = true;
        Detection d{"loud", 0.5f, 2, end, {{"loud", 0.5f}}};
        d.decision_sample_index = end + kDelay;
        d.needs_verification = true;
        pending_ = d;
      }
      if (pending_ && end >= pending_->decision_sample_index) {
        out->push_back(*pending_);
        pending_.reset();
      }
    }
    return {};
  }
  Result<std::string> apply_config(const config::Config&) override {
    return Result<std::string>::success("");
  }

 private:
  double sum_ = 0;
  size_t count_ = 0;
  uint64_t blocks_ = 0;
  bool fired_ = false;
  std::optional<Detection> pending_;
};

class Recorder : public EventConsumer {
 public:
  void consume(const DetectionEvent& e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
  std::mutex mu;
  std::vector<DetectionEvent> events;
};

class Stage2External : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("kwsd-stage2-");
    // 1 s silence, 0.5 s of a loud 500 Hz tone, 4 s silence.
    audio_.assign(16000, 0);
    for (int i = 0; i < 8000; ++i) {
      audio_.push_back(
          static_cast<int16_t>(std::lround(16000.0 * std::sin(2 * M_PI * 500.0 * i / 16000.0))));
    }
    audio_.resize(audio_.size() + 64000, 0);
  }

  // Runs the service over the clip with `script` as the verifier, until the
  // source ended and the verifier decided.
  void Run(const std::string& script, uint32_t timeout_ms, Recorder* rec,
           const std::function<void(Service&)>& while_running = {}) {
    ServiceSettings s;
    s.ring_ms = 60000;
    s.json_stdout = config::StdoutJson::kOff;
    s.preroll_ms = 500;
    s.stage2_mode = config::Stage2Mode::kExternal;
    s.stage2_delay_ms = 200;
    s.stage2_preroll_ms = 0;
    s.stage2_hook.argv = {"/bin/sh", "-c", script, dir_ + "/verifier.out"};
    s.stage2_hook.timeout = std::chrono::milliseconds(timeout_ms);
    s.stage2_hook.audio_dir = dir_;
    s.stage2_hook.name = "stage2";
    Service service(s, std::make_unique<MemorySource>("clip", audio_, 16000),
                    std::make_unique<CandidateDetector>(), {}, false);
    service.add_consumer(rec);
    ASSERT_EQ(service.start(), "");
    ASSERT_NE(service.verifier(), nullptr);
    int code = -1;
    std::thread loop([&] { code = service.run(); });
    if (while_running) while_running(service);
    loop.join();
    EXPECT_EQ(code, 0);
    stats_.candidates = service.stats().candidates.load();
    stats_.accepted = service.stats().candidates_accepted.load();
    stats_.rejected = service.stats().candidates_rejected.load();
    stats_.timed_out = service.verifier()->stats().timed_out.load();
  }

  struct {
    uint64_t candidates = 0, accepted = 0, rejected = 0, timed_out = 0;
  } stats_;
  std::string dir_;
  std::vector<int16_t> audio_;
};

TEST_F(Stage2External, ExitZeroMakesTheCandidateAStage2Detection) {
  Recorder rec;
  // Records the WAV size and the candidate's keyword, then accepts.
  Run("echo \"$KWS_KEYWORD $KWS_STAGE $(wc -c < \"$KWS_AUDIO_WAV\")\" > \"$0\"; exit 0", 5000,
      &rec);
  ASSERT_EQ(rec.events.size(), 1u);
  const DetectionEvent& e = rec.events[0];
  EXPECT_EQ(e.keyword, "loud");
  EXPECT_EQ(e.stage, 2);
  EXPECT_EQ(e.sequence, 1u) << "candidates do not use up event numbers";
  EXPECT_EQ(e.audio_sample, 17600u) << "the trigger's position, as stage 1 reported it";
  EXPECT_LT(e.stage2_score, 0.0f) << "a program gives no score";
  // Event audio: 0.5 s pre-roll + 1 s keyword + the 200 ms delay, clipped to
  // the 20800 samples before the decision.
  ASSERT_NE(e.audio, nullptr);
  EXPECT_EQ(e.audio->size(), 20800u);
  // The verifier's WAV: no pre-roll, keyword window + delay = 19200 samples.
  EXPECT_EQ(testing::slurp(dir_ + "/verifier.out"),
            "loud 2 " + std::to_string(44 + 19200 * 2) + "\n");
  EXPECT_EQ(stats_.candidates, 1u);
  EXPECT_EQ(stats_.accepted, 1u);
  EXPECT_EQ(stats_.rejected, 0u);
}

TEST_F(Stage2External, NonZeroExitRejectsTheCandidate) {
  Recorder rec;
  Run("touch \"$0\"; exit 1", 5000, &rec);
  EXPECT_TRUE(rec.events.empty());
  EXPECT_EQ(testing::slurp(dir_ + "/verifier.out"), "") << "the verifier ran";
  EXPECT_TRUE(std::ifstream(dir_ + "/verifier.out").good());
  EXPECT_EQ(stats_.candidates, 1u);
  EXPECT_EQ(stats_.accepted, 0u);
  EXPECT_EQ(stats_.rejected, 1u);
}

TEST_F(Stage2External, AVerifierPastItsTimeoutIsKilledAndRejectsWithoutStallingProcessing) {
  Recorder rec;
  const auto t0 = std::chrono::steady_clock::now();
  bool processed_while_running = false;
  Run("sleep 30; exit 0", 3000, &rec, [&](Service& service) {
    // The processing thread goes on through the rest of the clip while the
    // verifier sleeps.
    ASSERT_TRUE(testing::wait_for([&] { return service.stats().candidates.load() == 1; }));
    processed_while_running = testing::wait_for(
        [&] { return service.stats().samples_processed.load() == audio_.size(); }, 2);
    EXPECT_EQ(service.verifier()->stats().running.load(), 1u) << "verifier should still run";
  });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_TRUE(processed_while_running);
  EXPECT_TRUE(rec.events.empty());
  EXPECT_EQ(stats_.rejected, 1u);
  EXPECT_EQ(stats_.timed_out, 1u);
  EXPECT_GE(seconds, 2.9) << "decided at the timeout";
  EXPECT_LT(seconds, 20.0) << "the sleeping verifier was killed, not waited for";
}

TEST(Stage2Settings, DerivedFromTheConfigsStage2Section) {
  Result<config::Config> c = config::parse_config(
      "stage2:\n  mode: external\n  delay_ms: 300\n"
      "  external: {argv: [/bin/verify, -x], timeout_ms: 700, max_concurrent: 3, pre_roll_ms: "
      "250}\n"
      "events: {hook: {audio_dir: /var/tmp}}\n",
      "t.yaml");
  ASSERT_TRUE(c.ok()) << c.error();
  ::unsetenv("RUNTIME_DIRECTORY");
  const ServiceSettings s = service_settings(*c, "m.tflite");
  EXPECT_EQ(s.stage2_mode, config::Stage2Mode::kExternal);
  EXPECT_EQ(s.stage2_delay_ms, 300u);
  EXPECT_EQ(s.stage2_preroll_ms, 250u);
  EXPECT_EQ(s.stage2_hook.argv, (std::vector<std::string>{"/bin/verify", "-x"}));
  EXPECT_EQ(s.stage2_hook.timeout.count(), 700);
  EXPECT_EQ(s.stage2_hook.max_concurrent, 3u);
  EXPECT_TRUE(s.stage2_hook.audio);
  EXPECT_EQ(s.stage2_hook.audio_dir, "/tmp") << "its own audio_dir, default as events.hook's";
  EXPECT_EQ(s.stage2_hook.name, "stage2");
  EXPECT_EQ(s.hook.name, "hook");
  // Off: no delay to keep audio for.
  Result<config::Config> off = config::parse_config("stage2: {delay_ms: 300}\n", "t.yaml");
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(service_settings(*off, "m.tflite").stage2_delay_ms, 0u);
}

}  // namespace
}  // namespace kws::daemon
