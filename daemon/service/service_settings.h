// Everything the live daemon reads from its configuration.
//
// Filled by load_service_settings() (settings_loader.h) from the YAML file;
// these are the fields config/ is asked to carry (see the loader for keys).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "daemon/sinks/hook_runner.h"

namespace kws::daemon {

#ifndef KWS_DEFAULT_MODEL_PATH
#define KWS_DEFAULT_MODEL_PATH "/usr/share/kwsd/models/kwsd_default.tflite"
#endif

// Overrides of a keyword's trigger; unset fields keep the model's default.
struct KeywordOverride {
  std::optional<float> threshold;
  std::optional<uint32_t> min_count;
  std::optional<uint32_t> refractory_ms;
};

enum class JsonStdout : uint8_t {
  kAuto,
  kOn,
  kOff
};  // auto: on when stdout is a TTY or pipe in the foreground

struct ServiceSettings {
  // audio
  std::string device = "default";
  uint32_t capture_rate = 16000;  // asked of the device; anything it offers is resampled
  uint32_t capture_channels = 1;
  uint32_t period_ms = 20;
  uint32_t ring_ms = 2000;  // capture -> processing ring
  // model
  std::string model_path = KWS_DEFAULT_MODEL_PATH;
  std::map<std::string, KeywordOverride> keywords;
  // events
  uint32_t preroll_ms = 1000;  // audio kept before the keyword window
  JsonStdout json_stdout = JsonStdout::kAuto;
  std::string socket_path;  // empty: no socket
  HookConfig hook;          // argv empty: no hook
};

}  // namespace kws::daemon
