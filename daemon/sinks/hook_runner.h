// Runs a configured program for each detection, without a shell.
//
// The program gets:
//   argv     exactly the configured array (no shell, no interpolation)
//   env      KWS_KEYWORD, KWS_SCORE, KWS_STAGE, KWS_SEQUENCE, KWS_TIME (RFC 3339
//            UTC), KWS_TIME_UNIX, KWS_AUDIO_TIME (s), KWS_AUDIO_SAMPLE,
//            KWS_SAMPLE_RATE, KWS_EVENT_JSON (the JSON line), PATH,
//            KWS_STAGE2_SCORE when a stage-2 model scored it, and, when
//            audio is on, KWS_AUDIO_WAV (path of the pre-roll + keyword WAV)
//   stdin    that WAV file when audio is on, else /dev/null
//   pgroup   its own, so the timeout kills the hook and anything it started
//
// Contract: consume() spawns and returns; it never waits for a hook. A reaper
// thread collects exits, SIGKILLs hooks past their timeout and deletes the
// WAV. When max_concurrent hooks are running a new event is skipped (counted,
// logged), so a hanging hook can never stall detection or pile up processes.
// The exit status is reported through the result callback: exit 0 = accept,
// anything else = reject, which lets a hook act as an external stage-2
// verifier.
#pragma once

#include <sys/types.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/sinks/detection_event.h"

namespace kws::daemon {

struct HookConfig {
  std::vector<std::string> argv;  // empty: no hook
  std::chrono::milliseconds timeout{10000};
  size_t max_concurrent = 2;
  bool audio = true;               // write the WAV (env + stdin)
  std::string audio_dir = "/tmp";  // where the WAVs go (the runtime dir)
  // Names the runner in its log lines and WAV files (kwsd-<name>-<pid>-<seq>.wav),
  // so two runners (events hook, stage-2 verifier) can share audio_dir.
  std::string name = "hook";
};

enum class HookOutcome : uint8_t {
  kAccepted,     // exited 0
  kRejected,     // exited non-zero
  kCrashed,      // killed by a signal it did not get from us
  kTimedOut,     // killed by us after the timeout
  kSpawnFailed,  // could not start (no such program, ...)
  kSkipped,      // max_concurrent hooks were already running
};

const char* hook_outcome_name(HookOutcome outcome);

struct HookResult {
  uint64_t sequence = 0;
  std::string keyword;
  HookOutcome outcome = HookOutcome::kAccepted;
  int exit_code = 0;  // exit status, or the signal number for kCrashed/kTimedOut
};

struct HookStats {
  std::atomic<uint64_t> started{0};
  std::atomic<uint64_t> accepted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> crashed{0};
  std::atomic<uint64_t> timed_out{0};
  std::atomic<uint64_t> spawn_failed{0};
  std::atomic<uint64_t> skipped{0};
  std::atomic<uint64_t> running{0};
};

class HookRunner final : public EventConsumer {
 public:
  using ResultCallback = std::function<void(const HookResult&)>;

  // on_result runs on the reaper thread (or in consume() for kSkipped and
  // kSpawnFailed).
  explicit HookRunner(HookConfig config, ResultCallback on_result = {});
  ~HookRunner() override;
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // New events use `config`; hooks already running keep their deadline.
  void set_config(HookConfig config);

  void consume(const DetectionEvent& event) override;

  // Kills every running hook, reaps it, joins the reaper. Idempotent.
  void stop();

  const HookStats& stats() const { return stats_; }

 private:
  struct Child {
    pid_t pid = -1;
    uint64_t sequence = 0;
    std::string keyword;
    std::string wav_path;
    std::string name;
    std::chrono::steady_clock::time_point deadline;
    bool killed = false;
  };

  void reap_loop();
  bool reap_once();  // true while children remain
  void finish(const Child& child, HookOutcome outcome, int code);

  std::mutex mutex_;
  std::condition_variable wake_;
  HookConfig config_;
  ResultCallback on_result_;
  std::vector<Child> children_;
  bool stopping_ = false;
  HookStats stats_;
  std::thread reaper_;
};

// The environment block for `event` (without PATH); exposed for tests.
std::vector<std::string> hook_environment(const DetectionEvent& event, const std::string& wav_path);

}  // namespace kws::daemon
