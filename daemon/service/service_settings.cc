#include "daemon/service/service_settings.h"

#include <chrono>
#include <cstdlib>

namespace kws::daemon {

ServiceSettings service_settings(const config::Config& config, const std::string& default_model) {
  ServiceSettings s;
  s.config = config;
  s.device = config.audio.device;
  s.capture_rate = config.audio.sample_rate;
  s.capture_channels = config.audio.channels;
  s.period_ms = config.audio.period_ms;
  s.ring_ms = config.audio.ring_ms;
  s.model_path = config.model.path.empty() ? default_model : config.model.path;
  s.preroll_ms = config.events.hook.pre_roll_ms;
  s.json_stdout = config.events.stdout_json;
  s.socket_path = config.events.socket_path;
  const config::HookSection& h = config.events.hook;
  s.hook.argv = h.argv;
  s.hook.timeout = std::chrono::milliseconds(h.timeout_ms);
  s.hook.max_concurrent = h.max_concurrent;
  s.hook.audio = h.audio;
  s.hook.audio_dir = h.audio_dir;
  const char* runtime = std::getenv("RUNTIME_DIRECTORY");
  // systemd may pass several, separated by ':'; the first is ours.
  std::string runtime_dir = runtime != nullptr ? runtime : "";
  runtime_dir = runtime_dir.substr(0, runtime_dir.find(':'));
  if (runtime_dir.empty()) runtime_dir = "/tmp";
  if (s.hook.audio_dir.empty()) s.hook.audio_dir = runtime_dir;
  const config::Stage2Section& st2 = config.stage2;
  s.stage2_mode = st2.mode;
  s.stage2_delay_ms = st2.mode == config::Stage2Mode::kOff ? 0 : st2.delay_ms;
  s.stage2_preroll_ms = st2.external.pre_roll_ms;
  s.stage2_hook.argv = st2.external.argv;
  s.stage2_hook.timeout = std::chrono::milliseconds(st2.external.timeout_ms);
  s.stage2_hook.max_concurrent = st2.external.max_concurrent;
  s.stage2_hook.audio = true;
  s.stage2_hook.audio_dir = st2.external.audio_dir.empty() ? runtime_dir : st2.external.audio_dir;
  s.stage2_hook.name = "stage2";
  return s;
}

Result<ServiceSettings> load_service_settings(const std::string& path,
                                              const std::string& default_model) {
  Result<config::Config> c = config::load_config(path);
  if (!c) return Result<ServiceSettings>::failure(c.error());
  return Result<ServiceSettings>::success(service_settings(*c, default_model));
}

}  // namespace kws::daemon
