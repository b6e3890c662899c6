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
  if (s.hook.audio_dir.empty()) {
    const char* runtime = std::getenv("RUNTIME_DIRECTORY");
    // systemd may pass several, separated by ':'; the first is ours.
    std::string dir = runtime != nullptr ? runtime : "";
    dir = dir.substr(0, dir.find(':'));
    s.hook.audio_dir = dir.empty() ? "/tmp" : dir;
  }
  return s;
}

Result<ServiceSettings> load_service_settings(const std::string& path,
                                              const std::string& default_model) {
  Result<config::Config> c = config::load_config(path);
  if (!c) return Result<ServiceSettings>::failure(c.error());
  return Result<ServiceSettings>::success(service_settings(*c, default_model));
}

}  // namespace kws::daemon
