#include "daemon/service/settings_loader.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace kws::daemon {
namespace {

struct SettingsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const YAML::Node& at, const std::string& key,
                         const std::string& what) const {
    std::string where = source_;
    const YAML::Mark m = at.Mark();
    if (m.line >= 0) where += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
    throw SettingsError(where + ": " + key + ": " + what);
  }

  void check_keys(const YAML::Node& map, const std::string& path,
                  const std::set<std::string>& allowed) const {
    if (!map || map.IsNull()) return;
    if (!map.IsMap()) fail(map, path, "expected a map");
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (!allowed.empty() && allowed.count(key) == 0) {
        std::string list;
        for (const std::string& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(kv.first, path + "." + key, "unknown key (allowed: " + list + ")");
      }
    }
  }

  std::string str(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected a string");
    return n.as<std::string>();
  }

  int64_t integer(const YAML::Node& n, const std::string& key, int64_t lo, int64_t hi) const {
    if (!n.IsScalar()) fail(n, key, "expected an integer");
    int64_t v = 0;
    try {
      v = n.as<int64_t>();
    } catch (const YAML::Exception&) {
      fail(n, key, "'" + n.Scalar() + "' is not an integer");
    }
    if (v < lo || v > hi) {
      fail(n, key,
           std::to_string(v) + " is out of range [" + std::to_string(lo) + ", " +
               std::to_string(hi) + "]");
    }
    return v;
  }

  uint32_t u32(const YAML::Node& n, const std::string& key, uint32_t lo, uint32_t hi) const {
    return static_cast<uint32_t>(integer(n, key, lo, hi));
  }

  double real(const YAML::Node& n, const std::string& key, double lo, double hi) const {
    if (!n.IsScalar()) fail(n, key, "expected a number");
    double v = 0;
    try {
      v = n.as<double>();
    } catch (const YAML::Exception&) {
      fail(n, key, "'" + n.Scalar() + "' is not a number");
    }
    if (!(v >= lo && v <= hi)) {
      std::ostringstream os;
      os << n.Scalar() << " is out of range [" << lo << ", " << hi << "]";
      fail(n, key, os.str());
    }
    return v;
  }

  bool boolean(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected true or false");
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      fail(n, key, "'" + n.Scalar() + "' is not true or false");
    }
  }

 private:
  std::string source_;
};

ServiceSettings parse(const YAML::Node& root, const Reader& r) {
  ServiceSettings s;
  if (!root || root.IsNull()) return s;
  if (!root.IsMap()) r.fail(root, "(top level)", "expected a map of sections");

  if (const YAML::Node audio = root["audio"]) {
    r.check_keys(audio, "audio", {"device", "rate", "channels", "period_ms", "ring_ms"});
    if (audio["device"]) s.device = r.str(audio["device"], "audio.device");
    if (s.device.empty()) r.fail(audio["device"], "audio.device", "must not be empty");
    if (audio["rate"]) s.capture_rate = r.u32(audio["rate"], "audio.rate", 8000, 192000);
    if (audio["channels"]) s.capture_channels = r.u32(audio["channels"], "audio.channels", 1, 32);
    if (audio["period_ms"]) s.period_ms = r.u32(audio["period_ms"], "audio.period_ms", 1, 500);
    if (audio["ring_ms"]) s.ring_ms = r.u32(audio["ring_ms"], "audio.ring_ms", 100, 60000);
  }
  if (const YAML::Node model = root["model"]) {
    if (model.IsMap() && model["path"]) s.model_path = r.str(model["path"], "model.path");
  }
  if (const YAML::Node kws = root["keywords"]) {
    if (!kws.IsMap() && !kws.IsNull()) r.fail(kws, "keywords", "expected a map of label: {...}");
    for (const auto& kv : kws) {
      const std::string label = kv.first.as<std::string>();
      const std::string path = "keywords." + label;
      r.check_keys(kv.second, path, {"threshold", "min_count", "refractory_ms"});
      KeywordOverride o;
      if (kv.second["threshold"]) {
        o.threshold =
            static_cast<float>(r.real(kv.second["threshold"], path + ".threshold", 0.0, 1.0));
      }
      if (kv.second["min_count"]) {
        o.min_count = r.u32(kv.second["min_count"], path + ".min_count", 1, 1000);
      }
      if (kv.second["refractory_ms"]) {
        o.refractory_ms = r.u32(kv.second["refractory_ms"], path + ".refractory_ms", 0, 600000);
      }
      s.keywords[label] = o;
    }
  }
  if (const YAML::Node ev = root["events"]) {
    r.check_keys(ev, "events", {"preroll_ms", "json_stdout", "socket"});
    if (ev["preroll_ms"]) s.preroll_ms = r.u32(ev["preroll_ms"], "events.preroll_ms", 0, 30000);
    if (ev["json_stdout"]) {
      const std::string v = r.str(ev["json_stdout"], "events.json_stdout");
      if (v == "auto") {
        s.json_stdout = JsonStdout::kAuto;
      } else {
        s.json_stdout = r.boolean(ev["json_stdout"], "events.json_stdout (auto, true or false)")
                            ? JsonStdout::kOn
                            : JsonStdout::kOff;
      }
    }
    if (ev["socket"]) s.socket_path = r.str(ev["socket"], "events.socket");
  }
  if (const YAML::Node hook = root["hook"]) {
    r.check_keys(hook, "hook", {"argv", "timeout_ms", "max_concurrent", "audio", "audio_dir"});
    if (const YAML::Node argv = hook["argv"]) {
      if (!argv.IsSequence()) r.fail(argv, "hook.argv", "expected a list: [program, arg, ...]");
      for (size_t i = 0; i < argv.size(); ++i) {
        s.hook.argv.push_back(r.str(argv[i], "hook.argv[" + std::to_string(i) + "]"));
      }
      if (!s.hook.argv.empty() && s.hook.argv[0].empty()) {
        r.fail(argv, "hook.argv[0]", "the program must not be empty");
      }
    }
    if (hook["timeout_ms"]) {
      s.hook.timeout =
          std::chrono::milliseconds(r.u32(hook["timeout_ms"], "hook.timeout_ms", 1, 3600000));
    }
    if (hook["max_concurrent"]) {
      s.hook.max_concurrent = r.u32(hook["max_concurrent"], "hook.max_concurrent", 1, 64);
    }
    if (hook["audio"]) s.hook.audio = r.boolean(hook["audio"], "hook.audio");
    if (hook["audio_dir"]) s.hook.audio_dir = r.str(hook["audio_dir"], "hook.audio_dir");
  }
  return s;
}

}  // namespace

Result<ServiceSettings> parse_service_settings(const std::string& yaml_text,
                                               const std::string& source_name) {
  Reader reader(source_name);
  try {
    YAML::Node root = YAML::Load(yaml_text);
    return Result<ServiceSettings>::success(parse(root, reader));
  } catch (const SettingsError& e) {
    return Result<ServiceSettings>::failure(e.what());
  } catch (const YAML::ParserException& e) {
    return Result<ServiceSettings>::failure(source_name + ":" + std::to_string(e.mark.line + 1) +
                                            ":" + std::to_string(e.mark.column + 1) +
                                            ": YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    return Result<ServiceSettings>::failure(source_name + ": " + e.what());
  }
}

Result<ServiceSettings> load_service_settings(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Result<ServiceSettings>::failure(path + ": cannot read the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_service_settings(ss.str(), path);
}

}  // namespace kws::daemon
