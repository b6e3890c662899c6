#include "daemon/service/service_main.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "daemon/audio/audio_file.h"
#include "daemon/capture/alsa_source.h"
#include "daemon/capture/capture_devices.h"
#include "daemon/capture/memory_source.h"
#include "daemon/log.h"
#include "daemon/model/model_runtime.h"
#include "daemon/service/model_detector.h"
#include "daemon/service/notifier.h"
#include "daemon/service/service.h"
#include "daemon/service/shipped_files.h"
#include "daemon/service/wyoming_endpoint.h"

namespace kws::daemon {
namespace {

constexpr const char* kUsage =
    "usage: kwsd [--config FILE] [--device NAME|none] [--model PATH]... [--verbose]\n"
    "       kwsd --list-devices\n"
    "       kwsd --check-config [--config FILE]\n";

struct Args {
  std::string config;
  std::string device;
  std::string model;
  bool list_devices = false;
  bool check_config = false;
  bool verbose = false;
};

// Returns "" or the error to print with the usage.
std::string parse_args(int argc, char** argv, Args* a) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string* out) -> std::string {
      if (i + 1 >= argc) return arg + " needs a value";
      *out = argv[++i];
      return {};
    };
    std::string err;
    if (arg == "--config" || arg == "-c") {
      err = value(&a->config);
    } else if (arg == "--device") {
      err = value(&a->device);
    } else if (arg == "--model") {
      std::string m;
      err = value(&m);  // repeated: several openWakeWord heads on one backbone
      a->model = a->model.empty() ? m : join_model_list({a->model, m});
    } else if (arg == "--list-devices") {
      a->list_devices = true;
    } else if (arg == "--check-config") {
      a->check_config = true;
    } else if (arg == "--verbose" || arg == "-v") {
      a->verbose = true;
    } else if (arg == "--help" || arg == "-h") {
      return "help";
    } else {
      err = "unknown argument '" + arg + "'";
    }
    if (!err.empty()) return err;
  }
  return {};
}

void setup_logging(bool verbose) {
  auto logger = spdlog::stderr_color_mt("kwsd");
  // Under systemd the journal adds its own timestamps.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
  logger->set_level(verbose ? spdlog::level::debug : spdlog::level::info);
  spdlog::set_default_logger(logger);
}

Result<ServiceSettings> load(const Args& a) {
  Result<ServiceSettings> s = a.config.empty()
                                  ? Result<ServiceSettings>::success(
                                        service_settings(config::Config{}, default_model_path()))
                                  : load_service_settings(a.config, default_model_path());
  if (!s.ok()) return s;
  if (!a.device.empty()) s->device = s->config.audio.device = a.device;
  if (!a.model.empty()) s->model_path = s->config.model.path = a.model;
  return s;
}

// Default run without a microphone: the bundled clip, through the same
// Service (capture loop, ring, pipeline, sinks), then exit.
int replay_sample(ServiceSettings settings, std::unique_ptr<Detector> detector) {
  const std::string path = sample_wav_path();
  const uint32_t rate = detector->sample_rate();
  Result<std::vector<int16_t>> audio = audio::read_audio_file(path, rate);
  if (!audio) {
    kws::log::error("sample clip: {}", audio.error());
    return 1;
  }
  // The whole clip fits in the ring: the source delivers faster than real time.
  settings.ring_ms = static_cast<uint32_t>(audio->size() * 1000u / rate) + 1000u;
  settings.socket_path.clear();
  settings.hook.argv.clear();
  Service service(settings, std::make_unique<MemorySource>(path, std::move(*audio), rate),
                  std::move(detector), {}, true);
  const std::string err = service.start();
  if (!err.empty()) {
    kws::log::error("{}", err);
    return 1;
  }
  return service.run();
}

// Signals are blocked in every thread and taken by one thread with
// sigtimedwait, so handlers never run inside the pipeline or ALSA.
class SignalThread {
 public:
  // Runs `reload` on SIGHUP and `stop` on SIGTERM/SIGINT, in this thread.
  SignalThread(std::function<void()> reload, std::function<void()> stop)
      : reload_(std::move(reload)), stop_(std::move(stop)) {
    thread_ = std::thread([this] { loop(); });
  }
  explicit SignalThread(Service* service)
      : SignalThread([service] { service->request_reload(); },
                     [service] { service->request_stop(); }) {}
  ~SignalThread() {
    done_.store(true);
    thread_.join();
  }

  static void block_all() {
    sigset_t set = control_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal(SIGPIPE, SIG_IGN);
  }

 private:
  static sigset_t control_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
  }

  void loop() {
    const sigset_t set = control_signals();
    const timespec timeout{0, 200 * 1000 * 1000};
    while (!done_.load()) {
      const int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGHUP) {
        kws::log::info("SIGHUP: reloading the configuration");
        reload_();
      } else if (sig == SIGTERM || sig == SIGINT) {
        kws::log::info("{}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        stop_();
      }
    }
  }

  std::function<void()> reload_;
  std::function<void()> stop_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// audio.device: none: no capture, no detector; only the Wyoming server runs.
// The main thread pings the watchdog and does the reloads the signal thread asks for.
int serve_wyoming_only(const Args& args, const ServiceSettings& settings) {
  SignalThread::block_all();
  Result<std::unique_ptr<WyomingEndpoint>> endpoint = WyomingEndpoint::start(settings);
  if (!endpoint) {
    kws::log::error("{}", endpoint.error());
    return 1;
  }
  std::atomic<bool> stop{false};
  std::atomic<bool> reload{false};
  Notifier notifier;
  const std::string status = "no microphone (audio.device: none); serving Wyoming clients";
  kws::log::info("kwsd: {}", status);
  notifier.ready(status);
  {
    SignalThread signals([&] { reload.store(true); }, [&] { stop.store(true); });
    while (!stop.load()) {
      notifier.watchdog_tick();
      if (reload.exchange(false)) {
        notifier.reloading();
        std::string err;
        Result<ServiceSettings> next =
            args.config.empty()
                ? Result<ServiceSettings>::failure("no config file to reload from; nothing changed")
                : load(args);
        if (!next) {
          err = next.error();
        } else if (next->device != settings.device) {
          kws::log::warn("reload: a change of audio.device needs a restart; ignored");
        }
        if (err.empty()) err = (*endpoint)->reload(*next);
        if (!err.empty()) {
          kws::log::error("reload rejected, the previous configuration stays in force: {}", err);
        }
        notifier.status(err.empty() ? "running" : "running (last reload rejected)");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  notifier.stopping();
  (*endpoint)->stop();
  return 0;
}

}  // namespace

Result<std::unique_ptr<Detector>> make_model_detector(const ServiceSettings& settings) {
  return ModelDetector::load(settings);
}

int service_main(int argc, char** argv) { return service_main(argc, argv, make_model_detector); }

int service_main(int argc, char** argv, const DetectorFactory& make_detector) {
  Args args;
  const std::string arg_error = parse_args(argc, argv, &args);
  if (arg_error == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!arg_error.empty()) {
    std::fprintf(stderr, "kwsd: %s\n%s", arg_error.c_str(), kUsage);
    return 2;
  }
  setup_logging(args.verbose);

  if (args.list_devices) {
    std::fputs("ALSA capture devices:\n", stdout);
    std::fputs(format_device_list(list_capture_devices()).c_str(), stdout);
    return 0;
  }

  Result<ServiceSettings> settings = load(args);
  if (!settings.ok()) {
    kws::log::error("{}", settings.error());
    return 1;
  }
  if (!args.verbose) spdlog::set_level(spdlog::level::from_str(settings->config.logging.level));
  const config::WyomingSection& wyoming = settings->config.wyoming;
  const bool no_mic = settings->device == config::kNoAudioDevice;
  if (no_mic && !wyoming.enabled) {
    kws::log::error(
        "audio.device 'none' (no microphone) needs wyoming.enabled: true in the config");
    return 1;
  }
  if (no_mic) {
    if (args.check_config) {
      Result<wyoming::ModelSet> models = load_wyoming_models(*settings);
      if (!models) {
        kws::log::error("{}", models.error());
        return 1;
      }
      std::printf("%s: configuration OK (no microphone, model '%s', Wyoming on %s port %u)\n",
                  args.config.empty() ? "defaults" : args.config.c_str(),
                  settings->model_path.c_str(), wyoming.host.c_str(),
                  static_cast<unsigned>(wyoming.port));
      return 0;
    }
    return serve_wyoming_only(args, *settings);
  }
  Result<std::unique_ptr<Detector>> detector = make_detector(*settings);
  if (!detector.ok()) {
    kws::log::error("{}", detector.error());
    return 1;
  }
  if (args.check_config) {
    std::string extra;
    if (wyoming.enabled) {
      Result<wyoming::ModelSet> models = load_wyoming_models(*settings);
      if (!models) {
        kws::log::error("{}", models.error());
        return 1;
      }
      extra = ", Wyoming on " + wyoming.host + " port " + std::to_string(wyoming.port);
    }
    std::printf("%s: configuration OK (device '%s', model '%s'%s)\n",
                args.config.empty() ? "defaults" : args.config.c_str(), settings->device.c_str(),
                settings->model_path.c_str(), extra.c_str());
    return 0;
  }

  AlsaSourceConfig ac;
  ac.device = settings->device;
  ac.preferred_rate = settings->capture_rate;
  ac.preferred_channels = settings->capture_channels;
  ac.period_ms = settings->period_ms;
  if (args.config.empty() && args.device.empty()) {
    AlsaSource probe(ac);
    StreamFormat format;
    if (SourceStatus st = probe.open(&format); !st.ok()) {
      kws::log::warn("no capture device ({}); replaying the bundled sample {} instead", st.message,
                     sample_wav_path());
      // Signals keep their default action here: Ctrl-C simply ends the demo.
      return replay_sample(*settings, std::move(*detector));
    }
  }
  SignalThread::block_all();  // before any thread exists, so all inherit it
  // The Wyoming server is up before the service reports READY=1.
  std::unique_ptr<WyomingEndpoint> endpoint;
  if (wyoming.enabled) {
    Result<std::unique_ptr<WyomingEndpoint>> started = WyomingEndpoint::start(*settings);
    if (!started) {
      kws::log::error("{}", started.error());
      return 1;
    }
    endpoint = std::move(*started);
  }
  SettingsLoader reload;
  if (!args.config.empty()) reload = [args] { return load(args); };
  const bool foreground = std::getenv("NOTIFY_SOCKET") == nullptr;
  Service service(*settings, std::make_unique<AlsaSource>(ac), std::move(*detector), reload,
                  foreground);
  if (endpoint) {
    service.set_reload_listener(
        [&endpoint](const ServiceSettings& next) { return endpoint->reload(next); });
  }
  const std::string err = service.start();
  if (!err.empty()) {
    kws::log::error("{}", err);
    return 1;
  }
  int code = 0;
  {
    SignalThread signals(&service);
    code = service.run();
  }
  if (endpoint) endpoint->stop();
  return code;
}

}  // namespace kws::daemon
