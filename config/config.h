// kwsd.yaml: the daemon's configuration, loaded and validated in one go.
//
// Every field has a default, so an empty file is a valid configuration (an
// empty model.path means the shipped default model). Unknown keys, wrong types and
// out-of-range values are errors naming file:line:column and the key path.
// See config/kwsd.yaml for the commented example.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/model_keys.h"
#include "config/result.h"
#include "pipeline/model_info.h"

namespace kws::config {

// Per-keyword stage-1 trigger settings; unset fields keep the model's values.
struct KeywordSettings {
  std::optional<float> threshold;  // 0..1
  std::optional<uint32_t> min_count;
  std::optional<uint32_t> refractory_ms;
  std::optional<bool> enabled;  // false: never triggers (is_keyword = false)
  std::string where;            // "file:line:col" of the entry, for later errors
};

struct ModelSection {
  // The stage-1 .tflite. YAML may give a list of openWakeWord heads (one
  // backbone serves them all): `paths` holds them, `path` them joined by ", ".
  std::string path;
  std::vector<std::string> paths;
  std::string sidecar;  // optional explicit sidecar YAML
  // Overrides with the sidecar/metadata keys (e.g. {"threshold", "0.7"}), in file order.
  struct Override {
    std::string key;
    std::string value;
    std::string where;
  };
  std::vector<Override> overrides;
};

struct Stage1Section {
  std::optional<uint32_t> smoothing_frames;  // moving-average length in classifier steps
  std::map<std::string, KeywordSettings> keywords;
};

// audio.device value for "no microphone": kwsd only serves Wyoming clients.
inline constexpr const char* kNoAudioDevice = "none";

// Stage 2 of the cascade (pipeline/cascade.h): what confirms stage-1 candidates.
enum class Stage2Mode : uint8_t { kOff, kModel, kExternal };

const char* stage2_mode_name(Stage2Mode mode);

struct Stage2KeywordSettings {
  std::optional<float> threshold;  // 0..1, on stage 2's probability for that label
  std::string where;               // "file:line:col" of the entry, for later errors
};

// mode external: a program (no shell) that gets the candidate's audio as a WAV
// ($KWS_AUDIO_WAV and stdin, with the hook environment) and accepts it by
// exiting 0; any other exit, a crash or the timeout rejects it.
struct Stage2ExternalSection {
  std::vector<std::string> argv;  // required for mode external
  uint32_t timeout_ms = 2000;
  uint32_t max_concurrent = 2;  // candidates while this many run are rejected
  uint32_t pre_roll_ms = 1000;  // audio before the keyword window in the WAV
  std::string audio_dir;        // "" = $RUNTIME_DIRECTORY, else /tmp (as events.hook)
};

struct Stage2Section {
  Stage2Mode mode = Stage2Mode::kOff;
  std::string model_path;   // mode model: the stage-2 .tflite ("" = the shipped one)
  std::string sidecar;      // optional explicit sidecar YAML of that model
  uint32_t delay_ms = 200;  // stage 2 decides this long after the stage-1 trigger
  // mode model: per stage-1 keyword stage-2 thresholds; a keyword not listed
  // keeps the stage-2 model's threshold. Ignored in the other modes.
  std::map<std::string, Stage2KeywordSettings> keywords;
  Stage2ExternalSection external;
};

struct AudioSection {
  std::string device = "default";  // ALSA PCM name, or kNoAudioDevice
  uint32_t sample_rate = 16000;    // rate asked from the device (resampled to the model's)
  uint32_t channels = 1;           // channels asked from the device (downmixed to mono)
  uint32_t period_ms = 20;         // ALSA period asked from the device (a hint)
  uint32_t ring_ms = 2000;         // capture ring between capture and processing threads
};

struct HookSection {
  std::vector<std::string> argv;  // empty: no hook
  uint32_t timeout_ms = 5000;
  uint32_t max_concurrent = 1;
  uint32_t pre_roll_ms = 1000;  // audio before the detection handed to the hook
  bool audio = true;            // hand the hook a WAV (pre-roll + keyword): env and stdin
  std::string audio_dir;        // where those WAVs go; "" = $RUNTIME_DIRECTORY, else /tmp
};

// JSON lines on stdout: kAuto = when kwsd runs in the foreground (not under systemd).
enum class StdoutJson : uint8_t { kAuto, kOn, kOff };

struct EventsSection {
  StdoutJson stdout_json = StdoutJson::kAuto;
  std::string socket_path;  // empty: no unix socket sink
  HookSection hook;
};

// The Wyoming wake-word server inside kwsd (Home Assistant); off by default.
struct WyomingSection {
  bool enabled = false;
  std::string host = "127.0.0.1";    // numeric IPv4/IPv6 address or "localhost"
  uint16_t port = 10400;             // 0: a free port chosen at start (logged)
  uint32_t max_clients = 8;          // connections served at once
  uint32_t idle_timeout_ms = 60000;  // a silent client is dropped after this (0: never)
  std::string where;                 // "file:line:col" of the section, for later errors

  // Equal settings (`where` ignored): a reload changing them needs a restart.
  bool same_settings(const WyomingSection& o) const {
    return enabled == o.enabled && host == o.host && port == o.port &&
           max_clients == o.max_clients && idle_timeout_ms == o.idle_timeout_ms;
  }
};

// Splits wyoming.listen: "HOST:PORT", "[IPV6]:PORT" or "PORT" (host 127.0.0.1).
// HOST must be a numeric IPv4 or IPv6 address or "localhost"; PORT 0..65535.
// Returns "" or what is wrong.
std::string parse_listen_address(const std::string& text, std::string* host, uint16_t* port);

struct LoggingSection {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
};

struct Config {
  std::string source;  // file the config came from ("" for defaults)
  ModelSection model;
  Stage1Section stage1;
  Stage2Section stage2;
  AudioSection audio;
  EventsSection events;
  LoggingSection logging;
  WyomingSection wyoming;
};

// Parses YAML text; `source_name` names it in messages.
Result<Config> parse_config(const std::string& text, const std::string& source_name);

// Reads and parses a file. A relative model.path/model.sidecar (and
// stage2.model.path/sidecar) is resolved against the config file's folder.
Result<Config> load_config(const std::string& path);

// Applies model.overrides and stage1 settings to a model's description and
// validates the result. Errors name the config entry ("kwsd.yaml:7:5: ...").
Result<ModelInfo> apply_config(const Config& config, const ModelInfo& model);

}  // namespace kws::config
