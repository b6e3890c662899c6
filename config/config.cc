#include "config/config.h"

#include <arpa/inet.h>

#include <filesystem>

#include "config/sidecar.h"
#include "config/yaml_reader.h"

namespace kws::config {

namespace {

using detail::join_path;
using detail::YamlReader;

void read_model(const YamlReader& r, const YAML::Node& node, ModelSection* out) {
  r.check_map(node, "model", {"path", "sidecar", "frontend"});
  if (const YAML::Node path = node["path"]; path && path.IsSequence()) {
    out->paths = r.get_string_list(path, "model.path");
    if (out->paths.empty()) r.fail(path, "model.path", "an empty list (give one or more models)");
    for (const std::string& p : out->paths) out->path += (out->path.empty() ? "" : ", ") + p;
  } else if (path) {
    out->path = r.get_string(path, "model.path");
  }
  if (node["sidecar"]) out->sidecar = r.get_string(node["sidecar"], "model.sidecar");
  if (const YAML::Node fe = node["frontend"]) {
    // Validate keys and values now (positions are only known here), keep text.
    ModelInfoBuilder check;
    detail::add_model_keys(r, fe, "model.frontend", &check);
    for (const auto& entry : fe) {
      const std::string key = entry.first.Scalar();
      if (key == "labels" || key == "keywords" || key == "threshold" || key == "min_count" ||
          key == "refractory_ms" || key.find('.') != std::string::npos) {
        r.fail(entry.first, join_path("model.frontend", key),
               "not a front-end key (set trigger values under stage1)");
      }
      out->overrides.push_back(ModelSection::Override{
          key, r.scalar(entry.second, join_path("model.frontend", key), "a scalar value"),
          r.where(entry.second.Mark())});
    }
    ModelInfo probe;
    if (std::string err = check.build(&probe); !err.empty()) throw detail::ConfigError(err);
  }
}

void read_stage1(const YamlReader& r, const YAML::Node& node, Stage1Section* out) {
  r.check_map(node, "stage1", {"smoothing_frames", "keywords"});
  if (node["smoothing_frames"]) {
    out->smoothing_frames = r.get_u32(node["smoothing_frames"], "stage1.smoothing_frames", 1, 1000);
  }
  const YAML::Node keywords = node["keywords"];
  if (!keywords) return;
  for (const std::string& name : r.check_map(keywords, "stage1.keywords", {})) {
    const std::string path = join_path("stage1.keywords", name);
    const YAML::Node k = keywords[name];
    r.check_map(k, path, {"threshold", "min_count", "refractory_ms", "enabled"});
    KeywordSettings s;
    s.where = r.where(k.Mark());
    if (k["threshold"]) s.threshold = r.get_float(k["threshold"], path + ".threshold", 0.0, 1.0);
    if (k["min_count"]) s.min_count = r.get_u32(k["min_count"], path + ".min_count", 1, 1000);
    if (k["refractory_ms"]) {
      s.refractory_ms = r.get_u32(k["refractory_ms"], path + ".refractory_ms", 0, 3600000);
    }
    if (k["enabled"]) s.enabled = r.get_bool(k["enabled"], path + ".enabled");
    out->keywords[name] = s;
  }
}

void read_stage2(const YamlReader& r, const YAML::Node& node, Stage2Section* out) {
  r.check_map(node, "stage2", {"mode", "model", "delay_ms", "keywords", "external"});
  if (const YAML::Node m = node["mode"]) {
    const std::string v = r.scalar(m, "stage2.mode", "off, model or external");
    if (v == "off" || v == "false") {  // YAML 1.1 readers may have turned off into false
      out->mode = Stage2Mode::kOff;
    } else if (v == "model") {
      out->mode = Stage2Mode::kModel;
    } else if (v == "external") {
      out->mode = Stage2Mode::kExternal;
    } else {
      r.fail(m, "stage2.mode", "expected off, model or external, got '" + v + "'");
    }
  }
  if (const YAML::Node model = node["model"]) {
    r.check_map(model, "stage2.model", {"path", "sidecar"});
    if (model["path"]) out->model_path = r.get_string(model["path"], "stage2.model.path");
    if (model["sidecar"]) out->sidecar = r.get_string(model["sidecar"], "stage2.model.sidecar");
  }
  if (node["delay_ms"]) out->delay_ms = r.get_u32(node["delay_ms"], "stage2.delay_ms", 0, 5000);
  if (const YAML::Node keywords = node["keywords"]) {
    for (const std::string& name : r.check_map(keywords, "stage2.keywords", {})) {
      const std::string path = join_path("stage2.keywords", name);
      const YAML::Node k = keywords[name];
      r.check_map(k, path, {"threshold"});
      Stage2KeywordSettings s;
      s.where = r.where(k.Mark());
      if (k["threshold"]) s.threshold = r.get_float(k["threshold"], path + ".threshold", 0.0, 1.0);
      out->keywords[name] = s;
    }
  }
  if (const YAML::Node ext = node["external"]) {
    r.check_map(ext, "stage2.external",
                {"argv", "timeout_ms", "max_concurrent", "pre_roll_ms", "audio_dir"});
    Stage2ExternalSection& e = out->external;
    if (ext["argv"]) {
      e.argv = r.get_string_list(ext["argv"], "stage2.external.argv");
      if (!e.argv.empty() && e.argv[0].empty()) {
        r.fail(ext["argv"], "stage2.external.argv", "the program (argv[0]) must not be empty");
      }
    }
    if (ext["timeout_ms"]) {
      e.timeout_ms = r.get_u32(ext["timeout_ms"], "stage2.external.timeout_ms", 1, 60000);
    }
    if (ext["max_concurrent"]) {
      e.max_concurrent = r.get_u32(ext["max_concurrent"], "stage2.external.max_concurrent", 1, 64);
    }
    if (ext["pre_roll_ms"]) {
      e.pre_roll_ms = r.get_u32(ext["pre_roll_ms"], "stage2.external.pre_roll_ms", 0, 30000);
    }
    if (ext["audio_dir"]) {
      e.audio_dir = r.get_string(ext["audio_dir"], "stage2.external.audio_dir");
    }
  }
  if (out->mode == Stage2Mode::kExternal && out->external.argv.empty()) {
    r.fail(node["mode"], "stage2.mode",
           "external needs stage2.external.argv (the verifier program)");
  }
}

void read_audio(const YamlReader& r, const YAML::Node& node, AudioSection* out) {
  r.check_map(node, "audio", {"device", "sample_rate", "channels", "period_ms", "ring_ms"});
  if (node["device"]) out->device = r.get_string(node["device"], "audio.device");
  if (out->device.empty()) r.fail(node["device"], "audio.device", "must not be empty");
  if (node["sample_rate"]) {
    out->sample_rate = r.get_u32(node["sample_rate"], "audio.sample_rate", 8000, 384000);
  }
  if (node["channels"]) out->channels = r.get_u32(node["channels"], "audio.channels", 1, 8);
  if (node["period_ms"]) out->period_ms = r.get_u32(node["period_ms"], "audio.period_ms", 1, 500);
  if (node["ring_ms"]) out->ring_ms = r.get_u32(node["ring_ms"], "audio.ring_ms", 100, 60000);
}

void read_events(const YamlReader& r, const YAML::Node& node, EventsSection* out) {
  r.check_map(node, "events", {"stdout_json", "socket", "hook"});
  if (const YAML::Node j = node["stdout_json"]) {
    const std::string v = r.scalar(j, "events.stdout_json", "auto, true or false");
    if (v == "auto") {
      out->stdout_json = StdoutJson::kAuto;
    } else if (v == "true") {
      out->stdout_json = StdoutJson::kOn;
    } else if (v == "false") {
      out->stdout_json = StdoutJson::kOff;
    } else {
      r.fail(j, "events.stdout_json", "expected auto, true or false, got '" + v + "'");
    }
  }
  if (node["socket"]) out->socket_path = r.get_string(node["socket"], "events.socket");
  if (out->socket_path.size() > 107) {
    r.fail(node["socket"], "events.socket", "unix socket path longer than 107 bytes");
  }
  if (const YAML::Node hook = node["hook"]) {
    r.check_map(hook, "events.hook",
                {"argv", "timeout_ms", "max_concurrent", "pre_roll_ms", "audio", "audio_dir"});
    HookSection& h = out->hook;
    if (hook["argv"]) {
      h.argv = r.get_string_list(hook["argv"], "events.hook.argv");
      if (!h.argv.empty() && h.argv[0].empty()) {
        r.fail(hook["argv"], "events.hook.argv", "the program (argv[0]) must not be empty");
      }
    }
    if (hook["timeout_ms"]) {
      h.timeout_ms = r.get_u32(hook["timeout_ms"], "events.hook.timeout_ms", 1, 600000);
    }
    if (hook["max_concurrent"]) {
      h.max_concurrent = r.get_u32(hook["max_concurrent"], "events.hook.max_concurrent", 1, 64);
    }
    if (hook["pre_roll_ms"]) {
      h.pre_roll_ms = r.get_u32(hook["pre_roll_ms"], "events.hook.pre_roll_ms", 0, 30000);
    }
    if (hook["audio"]) h.audio = r.get_bool(hook["audio"], "events.hook.audio");
    if (hook["audio_dir"]) h.audio_dir = r.get_string(hook["audio_dir"], "events.hook.audio_dir");
  }
}

void read_logging(const YamlReader& r, const YAML::Node& node, LoggingSection* out) {
  r.check_map(node, "logging", {"level"});
  if (!node["level"]) return;
  const std::string level = r.get_string(node["level"], "logging.level");
  for (const char* ok : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (level == ok) {
      out->level = level;
      return;
    }
  }
  r.fail(node["level"], "logging.level",
         "'" + level + "' is not one of: trace, debug, info, warn, error, critical, off");
}

void read_wyoming(const YamlReader& r, const YAML::Node& node, WyomingSection* out) {
  r.check_map(node, "wyoming", {"enabled", "listen", "max_clients", "idle_timeout_ms"});
  out->where = r.where(node.Mark());
  if (node["enabled"]) out->enabled = r.get_bool(node["enabled"], "wyoming.enabled");
  if (node["listen"]) {
    const std::string listen = r.get_string(node["listen"], "wyoming.listen");
    if (std::string e = parse_listen_address(listen, &out->host, &out->port); !e.empty()) {
      r.fail(node["listen"], "wyoming.listen", e);
    }
  }
  if (node["max_clients"]) {
    out->max_clients = r.get_u32(node["max_clients"], "wyoming.max_clients", 1, 1024);
  }
  if (node["idle_timeout_ms"]) {
    out->idle_timeout_ms =
        r.get_u32(node["idle_timeout_ms"], "wyoming.idle_timeout_ms", 0, 86400000);
  }
}

}  // namespace

std::string parse_listen_address(const std::string& text, std::string* host, uint16_t* port) {
  std::string h = "127.0.0.1";
  std::string p = text;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return "'" + text + "': expected [IPV6]:PORT, e.g. [::1]:10400";
    }
    h = text.substr(1, close - 1);
    p = text.substr(close + 2);
    in6_addr a6{};
    if (::inet_pton(AF_INET6, h.c_str(), &a6) != 1) {
      return "'" + h + "' is not a numeric IPv6 address";
    }
  } else if (const size_t colon = text.find(':'); colon != std::string::npos) {
    if (text.find(':', colon + 1) != std::string::npos) {
      return "'" + text + "': an IPv6 address goes in brackets, e.g. [::1]:10400";
    }
    h = text.substr(0, colon);
    p = text.substr(colon + 1);
    in_addr a4{};
    if (h != "localhost" && ::inet_pton(AF_INET, h.c_str(), &a4) != 1) {
      return "'" + h +
             "' is not a numeric IPv4 address or localhost (0.0.0.0 listens on every interface)";
    }
  }
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(p) > 65535) {
    return "'" + text + "': the port must be a number in 0..65535 (HOST:PORT, [IPV6]:PORT or PORT)";
  }
  // "localhost" may resolve to ::1 first, and the server binds one address:
  // pin it to the IPv4 loopback the docs tell Home Assistant to use.
  *host = h == "localhost" ? "127.0.0.1" : h;
  *port = static_cast<uint16_t>(std::stoul(p));
  return "";
}

const char* stage2_mode_name(Stage2Mode mode) {
  switch (mode) {
    case Stage2Mode::kOff:
      return "off";
    case Stage2Mode::kModel:
      return "model";
    case Stage2Mode::kExternal:
      return "external";
  }
  return "?";
}

Result<Config> parse_config(const std::string& text, const std::string& source_name) {
  try {
    const YamlReader r(source_name);
    const YAML::Node root = r.parse(text);
    Config config;
    config.source = source_name;
    r.check_map(root, "", {"model", "stage1", "stage2", "audio", "events", "logging", "wyoming"});
    if (root.IsNull()) return Result<Config>::success(config);
    if (root["model"]) read_model(r, root["model"], &config.model);
    if (root["stage1"]) read_stage1(r, root["stage1"], &config.stage1);
    if (root["stage2"]) read_stage2(r, root["stage2"], &config.stage2);
    if (root["audio"]) read_audio(r, root["audio"], &config.audio);
    if (root["events"]) read_events(r, root["events"], &config.events);
    if (root["logging"]) read_logging(r, root["logging"], &config.logging);
    if (root["wyoming"]) read_wyoming(r, root["wyoming"], &config.wyoming);
    if (config.audio.device == kNoAudioDevice && !config.wyoming.enabled) {
      r.fail(root["audio"]["device"], "audio.device",
             "'none' (no microphone) needs wyoming.enabled: true, or kwsd has nothing to "
             "listen to");
    }
    return Result<Config>::success(config);
  } catch (const detail::ConfigError& e) {
    return Result<Config>::failure(e.what());
  }
}

Result<Config> load_config(const std::string& path) {
  std::string text;
  try {
    text = detail::read_text_file(path);
  } catch (const detail::ConfigError& e) {
    return Result<Config>::failure(e.what());
  }
  Result<Config> config = parse_config(text, path);
  if (!config) return config;
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(path).parent_path();
  for (std::string* p : {&config->model.path, &config->model.sidecar, &config->stage2.model_path,
                         &config->stage2.sidecar}) {
    if (!p->empty() && fs::path(*p).is_relative()) *p = (dir / *p).lexically_normal().string();
  }
  if (!config->model.paths.empty()) {
    config->model.path.clear();
    for (std::string& p : config->model.paths) {
      if (fs::path(p).is_relative()) p = (dir / p).lexically_normal().string();
      config->model.path += (config->model.path.empty() ? "" : ", ") + p;
    }
  }
  return config;
}

Result<ModelInfo> apply_config(const Config& config, const ModelInfo& model) {
  ModelInfoBuilder builder(model);
  for (const auto& o : config.model.overrides) builder.set(o.key, o.value, o.where);
  ModelInfo info;
  if (std::string err = builder.build(&info); !err.empty()) {
    return Result<ModelInfo>::failure(err);
  }
  if (config.stage1.smoothing_frames) info.smoothing_frames = *config.stage1.smoothing_frames;
  for (const auto& [name, s] : config.stage1.keywords) {
    int index = -1;
    for (uint32_t i = 0; i < info.num_labels; ++i) {
      if (name == info.labels[i]) index = static_cast<int>(i);
    }
    if (index < 0) {
      std::string labels;
      for (uint32_t i = 0; i < info.num_labels; ++i) {
        labels += (i ? ", " : "");
        labels += info.labels[i];
      }
      return Result<ModelInfo>::failure(s.where + ": stage1.keywords." + name +
                                        ": the model has no such label (labels: " + labels + ")");
    }
    KeywordParams& k = info.keywords[index];
    if (s.enabled) k.is_keyword = *s.enabled;
    if (s.threshold) k.threshold = *s.threshold;
    if (s.min_count) k.min_count = *s.min_count;
    if (s.refractory_ms) k.refractory_ms = *s.refractory_ms;
  }
  if (Status st = validate_model_info(info); !st.ok()) {
    return Result<ModelInfo>::failure(config.source +
                                      ": model after config overrides: " + st.message());
  }
  return Result<ModelInfo>::success(info);
}

}  // namespace kws::config
