// Reads ServiceSettings from a kwsd YAML file, strictly: every error names the
// file, line and dotted key ("kwsd.yaml:7:14: hook.timeout_ms: ...").
//
// Keys read (sections owned by other parts of kwsd.yaml are ignored):
//   audio:  device, rate, channels, period_ms, ring_ms
//   model:  path
//   keywords: <label>: {threshold, min_count, refractory_ms}
//   events: preroll_ms, json_stdout (auto|true|false), socket ("" = off)
//   hook:   argv (list), timeout_ms, max_concurrent, audio (bool), audio_dir
#pragma once

#include <string>

#include "config/result.h"
#include "daemon/service/service_settings.h"

namespace kws::daemon {

Result<ServiceSettings> load_service_settings(const std::string& path);
Result<ServiceSettings> parse_service_settings(const std::string& yaml_text,
                                               const std::string& source_name);

}  // namespace kws::daemon
