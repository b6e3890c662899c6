#include "daemon/service/service_main.h"

#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "daemon/audio/audio_file.h"
#include "daemon/capture/alsa_source.h"
#include "daemon/capture/capture_devices.h"
#include "daemon/capture/memory_source.h"
#include "daemon/service/model_detector.h"
#include "daemon/service/service.h"
#include "daemon/service/shipped_files.h"

namespace kws::daemon {
namespace {

constexpr const char* kUsage =
    "usage: kwsd [--config FILE] [--device NAME] [--model PATH] [--verbose]\n"
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
      err = value(&a->model);
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
    spdlog::error("sample clip: {}", audio.error());
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
    spdlog::error("{}", err);
    return 1;
  }
  return service.run();
}

// Signals are blocked in every thread and taken by one thread with
// sigtimedwait, so handlers never run inside the pipeline or ALSA.
class SignalThread {
 public:
  explicit SignalThread(Service* service) : service_(service) {
    thread_ = std::thread([this] { loop(); });
  }
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
        spdlog::info("SIGHUP: reloading the configuration");
        service_->request_reload();
      } else if (sig == SIGTERM || sig == SIGINT) {
        spdlog::info("{}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        service_->request_stop();
      }
    }
  }

  Service* service_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

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
    spdlog::error("{}", settings.error());
    return 1;
  }
  if (!args.verbose) spdlog::set_level(spdlog::level::from_str(settings->config.logging.level));
  Result<std::unique_ptr<Detector>> detector = make_detector(*settings);
  if (!detector.ok()) {
    spdlog::error("{}", detector.error());
    return 1;
  }
  if (args.check_config) {
    std::printf("%s: configuration OK (device '%s', model '%s')\n",
                args.config.empty() ? "defaults" : args.config.c_str(), settings->device.c_str(),
                settings->model_path.c_str());
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
      spdlog::warn("no capture device ({}); replaying the bundled sample {} instead", st.message,
                   sample_wav_path());
      // Signals keep their default action here: Ctrl-C simply ends the demo.
      return replay_sample(*settings, std::move(*detector));
    }
  }
  SignalThread::block_all();  // before any thread exists, so all inherit it
  SettingsLoader reload;
  if (!args.config.empty()) reload = [args] { return load(args); };
  const bool foreground = std::getenv("NOTIFY_SOCKET") == nullptr;
  Service service(*settings, std::make_unique<AlsaSource>(ac), std::move(*detector), reload,
                  foreground);
  const std::string err = service.start();
  if (!err.empty()) {
    spdlog::error("{}", err);
    return 1;
  }
  SignalThread signals(&service);
  return service.run();
}

}  // namespace kws::daemon
