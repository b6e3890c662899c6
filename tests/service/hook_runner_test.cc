#include "daemon/sinks/hook_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "tests/service/alsa_test_env.h"

namespace kws::daemon {
namespace {

DetectionEvent Event(uint64_t seq) {
  DetectionEvent e;
  e.sequence = seq;
  e.keyword = "computer";
  e.score = 0.875f;
  e.sample_rate = 16000;
  e.audio_sample = 32000;
  e.wall_time = std::chrono::system_clock::now();
  auto audio = std::make_shared<std::vector<int16_t>>();
  for (int i = 0; i < 1600; ++i) audio->push_back(static_cast<int16_t>(i));
  e.audio = audio;
  return e;
}

// Collects results from the reaper thread.
class Results {
 public:
  HookRunner::ResultCallback callback() {
    return [this](const HookResult& r) {
      std::lock_guard<std::mutex> lock(m_);
      results_.push_back(r);
      cv_.notify_all();
    };
  }
  bool WaitCount(size_t n) {
    std::unique_lock<std::mutex> lock(m_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return results_.size() >= n; });
  }
  std::vector<HookResult> Get() {
    std::lock_guard<std::mutex> lock(m_);
    return results_;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<HookResult> results_;
};

class HookRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("kwsd-hook-"); }
  void TearDown() override { (void)!std::system(("rm -rf '" + dir_ + "'").c_str()); }
  HookConfig Config(std::vector<std::string> argv) {
    HookConfig c;
    c.argv = std::move(argv);
    c.audio_dir = dir_;
    c.timeout = std::chrono::milliseconds(5000);
    return c;
  }
  std::string dir_;
  Results results_;
};

TEST_F(HookRunnerTest, HookSeesEventEnvironmentAndAudioOnStdinAndAsFile) {
  const std::string out = dir_ + "/env.txt";
  // The hook itself is a shell script here; kwsd never involves a shell.
  HookRunner runner(
      Config({"/bin/sh", "-c",
              "env | grep ^KWS_ | sort > \"$0\"; cat > \"$0.stdin\"; cp \"$KWS_AUDIO_WAV\" "
              "\"$0.file\"",
              out}),
      results_.callback());
  runner.consume(Event(1));
  ASSERT_TRUE(results_.WaitCount(1));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kAccepted);
  const std::string env = testing::slurp(out);
  EXPECT_NE(env.find("KWS_KEYWORD=computer\n"), std::string::npos) << env;
  EXPECT_NE(env.find("KWS_SCORE=0.8750\n"), std::string::npos) << env;
  EXPECT_NE(env.find("KWS_AUDIO_TIME=2.000\n"), std::string::npos) << env;
  EXPECT_NE(env.find("KWS_SEQUENCE=1\n"), std::string::npos) << env;
  EXPECT_NE(env.find("KWS_EVENT_JSON={\"type\":\"detection\""), std::string::npos) << env;
  EXPECT_NE(env.find("KWS_TIME="), std::string::npos) << env;
  const std::string wav = testing::slurp(out + ".stdin");
  ASSERT_EQ(wav.size(), 44u + 3200u);
  EXPECT_EQ(wav.substr(0, 4), "RIFF");
  EXPECT_EQ(testing::slurp(out + ".file"), wav);
  // The WAV is removed once the hook is done.
  EXPECT_EQ(std::system(("ls " + dir_ + "/kwsd-hook-*.wav >/dev/null 2>&1").c_str()) == 0, false);
}

TEST_F(HookRunnerTest, NonZeroExitIsARejectionLikeAVerifierWould) {
  HookRunner runner(Config({"/bin/sh", "-c", "exit 3"}), results_.callback());
  runner.consume(Event(7));
  ASSERT_TRUE(results_.WaitCount(1));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kRejected);
  EXPECT_EQ(results_.Get()[0].exit_code, 3);
  EXPECT_EQ(results_.Get()[0].sequence, 7u);
}

TEST_F(HookRunnerTest, HangingHookAndItsChildrenAreKilledAfterTheTimeout) {
  HookConfig c = Config({"/bin/sh", "-c", "sleep 60 & echo $! > \"$0\"; wait", dir_ + "/child"});
  c.timeout = std::chrono::milliseconds(300);
  HookRunner runner(c, results_.callback());
  runner.consume(Event(1));
  ASSERT_TRUE(results_.WaitCount(1));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kTimedOut);
  EXPECT_EQ(runner.stats().timed_out.load(), 1u);
  const pid_t child = static_cast<pid_t>(std::stol(testing::slurp(dir_ + "/child")));
  // The grandchild got SIGKILL too (same process group); once it is reaped by
  // init it no longer exists. Allow a moment for the reaping.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    gone =
        ::kill(child, 0) != 0 ||
        testing::slurp("/proc/" + std::to_string(child) + "/stat").find(" Z ") != std::string::npos;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the hook's child survived the timeout";
}

TEST_F(HookRunnerTest, CrashingHookIsReportedWithItsSignal) {
  HookRunner runner(Config({"/bin/sh", "-c", "kill -SEGV $$"}), results_.callback());
  runner.consume(Event(1));
  ASSERT_TRUE(results_.WaitCount(1));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kCrashed);
  EXPECT_EQ(results_.Get()[0].exit_code, SIGSEGV);
}

TEST_F(HookRunnerTest, ConcurrencyCapSkipsEventsInsteadOfQueueingOrBlocking) {
  HookConfig c = Config({"/bin/sleep", "30"});
  c.max_concurrent = 1;
  c.timeout = std::chrono::milliseconds(30000);
  HookRunner runner(c, results_.callback());
  runner.consume(Event(1));
  runner.consume(Event(2));  // returns at once: the first hook still runs
  runner.consume(Event(3));
  ASSERT_TRUE(results_.WaitCount(2));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kSkipped);
  EXPECT_EQ(results_.Get()[1].outcome, HookOutcome::kSkipped);
  EXPECT_EQ(runner.stats().started.load(), 1u);
  runner.stop();  // kills the sleeping hook rather than waiting 30 s
  EXPECT_EQ(runner.stats().running.load(), 0u);
}

TEST_F(HookRunnerTest, MissingProgramIsASpawnFailureNotACrash) {
  HookRunner runner(Config({dir_ + "/does-not-exist"}), results_.callback());
  runner.consume(Event(1));
  ASSERT_TRUE(results_.WaitCount(1));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kSpawnFailed);
}

TEST_F(HookRunnerTest, ReloadedConfigAppliesToTheNextEvent) {
  HookRunner runner(Config({"/bin/sh", "-c", "exit 1"}), results_.callback());
  runner.consume(Event(1));
  ASSERT_TRUE(results_.WaitCount(1));
  runner.set_config(Config({"/bin/sh", "-c", "exit 0"}));
  runner.consume(Event(2));
  ASSERT_TRUE(results_.WaitCount(2));
  EXPECT_EQ(results_.Get()[0].outcome, HookOutcome::kRejected);
  EXPECT_EQ(results_.Get()[1].outcome, HookOutcome::kAccepted);
}

}  // namespace
}  // namespace kws::daemon
