// What the live daemon runs with: the validated kwsd.yaml (config/, the one
// schema) plus the values derived from it for the daemon's parts.
#pragma once

#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/result.h"
#include "daemon/sinks/hook_runner.h"

namespace kws::daemon {

struct ServiceSettings {
  config::Config config;  // as loaded; the detector reads model and stage1 from it
  // audio
  std::string device = "default";
  uint32_t capture_rate = 16000;  // asked of the device; anything it offers is resampled
  uint32_t capture_channels = 1;
  uint32_t period_ms = 20;
  uint32_t ring_ms = 2000;  // capture -> processing ring
  // model
  std::string model_path;  // config's model.path, or the shipped default model
  // events
  uint32_t preroll_ms = 1000;  // audio kept before the keyword window
  config::StdoutJson json_stdout = config::StdoutJson::kAuto;
  std::string socket_path;  // empty: no socket
  HookConfig hook;          // argv empty: no hook
  // stage 2 (the detector reads config.stage2; the service runs the verifier)
  config::Stage2Mode stage2_mode = config::Stage2Mode::kOff;
  uint32_t stage2_delay_ms = 0;       // stage2.delay_ms when stage 2 is on, else 0
  uint32_t stage2_preroll_ms = 1000;  // audio before the keyword in the verifier's WAV
  HookConfig stage2_hook;             // mode external: the verifier program
};

// Derives the settings from a loaded config. An empty model.path becomes
// `default_model`. An empty events.hook.audio_dir becomes $RUNTIME_DIRECTORY
// (systemd's RuntimeDirectory) if set, else /tmp; so does an empty
// stage2.external.audio_dir.
ServiceSettings service_settings(const config::Config& config, const std::string& default_model);

// load_config(path) then service_settings(); errors are load_config's
// ("file:line:col: key: problem").
Result<ServiceSettings> load_service_settings(const std::string& path,
                                              const std::string& default_model);

}  // namespace kws::daemon
