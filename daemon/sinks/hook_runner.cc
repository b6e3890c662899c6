#include "daemon/sinks/hook_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "daemon/log.h"
#include "daemon/sinks/event_json.h"
#include "daemon/sinks/wav_writer.h"

namespace kws::daemon {
namespace {

std::string fixed(double x, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, x);
  return buf;
}

// posix_spawn wants NULL-terminated char* arrays; `storage` owns the strings.
std::vector<char*> c_array(std::vector<std::string>& storage) {
  std::vector<char*> out;
  out.reserve(storage.size() + 1);
  for (std::string& s : storage) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

}  // namespace

const char* hook_outcome_name(HookOutcome outcome) {
  switch (outcome) {
    case HookOutcome::kAccepted:
      return "accepted";
    case HookOutcome::kRejected:
      return "rejected";
    case HookOutcome::kCrashed:
      return "crashed";
    case HookOutcome::kTimedOut:
      return "timed out";
    case HookOutcome::kSpawnFailed:
      return "spawn failed";
    case HookOutcome::kSkipped:
      return "skipped";
  }
  return "?";
}

std::vector<std::string> hook_environment(const DetectionEvent& event,
                                          const std::string& wav_path) {
  const double unix_s = std::chrono::duration<double>(event.wall_time.time_since_epoch()).count();
  std::string json = event_to_json_line(event);
  json.pop_back();  // the newline
  std::vector<std::string> env = {
      "KWS_KEYWORD=" + event.keyword,
      "KWS_SCORE=" + fixed(event.score, 4),
      "KWS_STAGE=" + std::to_string(event.stage),
      "KWS_SEQUENCE=" + std::to_string(event.sequence),
      "KWS_TIME=" + format_utc(event.wall_time),
      "KWS_TIME_UNIX=" + fixed(unix_s, 3),
      "KWS_AUDIO_TIME=" + fixed(event.audio_time_s(), 3),
      "KWS_AUDIO_SAMPLE=" + std::to_string(event.audio_sample),
      "KWS_SAMPLE_RATE=" + std::to_string(event.sample_rate),
      "KWS_EVENT_JSON=" + json,
  };
  if (event.stage2_score >= 0.0f) env.push_back("KWS_STAGE2_SCORE=" + fixed(event.stage2_score, 4));
  if (!wav_path.empty()) env.push_back("KWS_AUDIO_WAV=" + wav_path);
  return env;
}

HookRunner::HookRunner(HookConfig config, ResultCallback on_result)
    : config_(std::move(config)), on_result_(std::move(on_result)) {
  reaper_ = std::thread([this] { reap_loop(); });
}

HookRunner::~HookRunner() { stop(); }

void HookRunner::set_config(HookConfig config) {
  std::lock_guard<std::mutex> lock(mutex_);
  config_ = std::move(config);
}

void HookRunner::consume(const DetectionEvent& event) {
  HookConfig config;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (config_.argv.empty() || stopping_) return;
    if (children_.size() >= config_.max_concurrent) {
      stats_.skipped.fetch_add(1, std::memory_order_relaxed);
      kws::log::warn("{}: {} hook(s) still running (max_concurrent); skipping event {}",
                     config_.name, children_.size(), event.sequence);
      if (on_result_) on_result_({event.sequence, event.keyword, HookOutcome::kSkipped, 0});
      return;
    }
    config = config_;
  }

  std::string wav_path;
  if (config.audio) {
    wav_path = config.audio_dir + "/kwsd-" + config.name + "-" + std::to_string(::getpid()) + "-" +
               std::to_string(event.sequence) + ".wav";
    static const std::vector<int16_t> kNoAudio;
    std::string err =
        write_wav_file(wav_path, event.audio ? *event.audio : kNoAudio, event.sample_rate);
    if (!err.empty()) {
      kws::log::warn("{}: {}; running the hook without audio", config.name, err);
      wav_path.clear();
    }
  }

  std::vector<std::string> env = hook_environment(event, wav_path);
  const char* path_env = std::getenv("PATH");
  env.push_back(std::string("PATH=") + (path_env ? path_env : "/usr/bin:/bin"));
  std::vector<std::string> args = config.argv;
  std::vector<char*> argv = c_array(args);
  std::vector<char*> envp = c_array(env);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
                                   wav_path.empty() ? "/dev/null" : wav_path.c_str(), O_RDONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // The daemon blocks its control signals for signalfd/sigwait; the hook must
  // start with a clean mask and default dispositions.
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2})
    sigaddset(&defaults, s);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int err = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    stats_.spawn_failed.fetch_add(1, std::memory_order_relaxed);
    kws::log::error("{}: cannot run '{}': {}", config.name, config.argv[0], std::strerror(err));
    if (!wav_path.empty()) ::unlink(wav_path.c_str());
    if (on_result_) on_result_({event.sequence, event.keyword, HookOutcome::kSpawnFailed, err});
    return;
  }
  stats_.started.fetch_add(1, std::memory_order_relaxed);
  stats_.running.fetch_add(1, std::memory_order_relaxed);
  kws::log::debug("{}: started '{}' (pid {}) for event {}", config.name, config.argv[0], pid,
                  event.sequence);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    children_.push_back({pid, event.sequence, event.keyword, wav_path, config.name,
                         std::chrono::steady_clock::now() + config.timeout, false});
  }
  wake_.notify_one();
}

void HookRunner::finish(const Child& child, HookOutcome outcome, int code) {
  if (!child.wav_path.empty()) ::unlink(child.wav_path.c_str());
  stats_.running.fetch_sub(1, std::memory_order_relaxed);
  switch (outcome) {
    case HookOutcome::kAccepted:
      stats_.accepted.fetch_add(1, std::memory_order_relaxed);
      break;
    case HookOutcome::kRejected:
      stats_.rejected.fetch_add(1, std::memory_order_relaxed);
      kws::log::info("{}: event {} rejected by hook (exit {})", child.name, child.sequence, code);
      break;
    case HookOutcome::kCrashed:
      stats_.crashed.fetch_add(1, std::memory_order_relaxed);
      kws::log::warn("{}: event {}: hook died from signal {}", child.name, child.sequence, code);
      break;
    case HookOutcome::kTimedOut:
      stats_.timed_out.fetch_add(1, std::memory_order_relaxed);
      kws::log::warn("{}: event {}: hook (pid {}) timed out and was killed", child.name,
                     child.sequence, child.pid);
      break;
    default:
      break;
  }
  if (on_result_) on_result_({child.sequence, child.keyword, outcome, code});
}

bool HookRunner::reap_once() {
  std::vector<std::pair<Child, int>> done;  // child, wait status
  std::vector<Child> timed_out_now;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    for (size_t i = 0; i < children_.size();) {
      Child& c = children_[i];
      int status = 0;
      pid_t r = ::waitpid(c.pid, &status, WNOHANG);
      if (r == c.pid || (r < 0 && errno == ECHILD)) {
        done.emplace_back(c, r == c.pid ? status : 0);
        children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      if (!c.killed && (now >= c.deadline || stopping_)) {
        ::kill(-c.pid, SIGKILL);  // its process group: the hook and its children
        ::kill(c.pid, SIGKILL);
        c.killed = true;
      }
      ++i;
    }
  }
  for (const auto& [child, status] : done) {
    if (child.killed) {
      finish(child, HookOutcome::kTimedOut, SIGKILL);
    } else if (WIFEXITED(status)) {
      const int code = WEXITSTATUS(status);
      finish(child, code == 0 ? HookOutcome::kAccepted : HookOutcome::kRejected, code);
    } else if (WIFSIGNALED(status)) {
      finish(child, HookOutcome::kCrashed, WTERMSIG(status));
    } else {
      finish(child, HookOutcome::kRejected, -1);
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return !children_.empty();
}

void HookRunner::reap_loop() {
  for (;;) {
    const bool busy = reap_once();
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_ && children_.empty()) return;
    if (busy || stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(20));
    } else {
      wake_.wait(lock, [this] { return stopping_ || !children_.empty(); });
    }
  }
}

void HookRunner::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (reaper_.joinable()) reaper_.join();
}

}  // namespace kws::daemon
