#include "daemon/service/service.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "daemon/capture/alsa_source.h"
#include "daemon/capture/capture_devices.h"
#include "daemon/log.h"
#include "daemon/sinks/stream_sinks.h"

namespace kws::daemon {
namespace {

size_t next_pow2(size_t n) {
  size_t p = 2;
  while (p < n) p <<= 1;
  return p;
}

std::vector<MqttKeyword> mqtt_keywords(const Detector& detector) {
  std::vector<MqttKeyword> out;
  for (const auto& [name, threshold] : detector.keywords()) out.push_back({name, threshold});
  return out;
}

}  // namespace

Service::Service(ServiceSettings settings, std::unique_ptr<AudioSource> source,
                 std::unique_ptr<Detector> detector, SettingsLoader reload, bool foreground)
    : settings_(std::move(settings)),
      source_(std::move(source)),
      detector_(std::move(detector)),
      reload_loader_(std::move(reload)),
      foreground_(foreground) {}

Service::~Service() { shutdown(); }

std::string Service::start() {
  const uint32_t rate = detector_->sample_rate();
  std::string err;
  if (Result<std::string> applied = detector_->apply_config(settings_.config); !applied) {
    return "config: " + applied.error();
  }

  const size_t capacity = next_pow2(static_cast<size_t>(rate) * settings_.ring_ms / 1000u);
  size_t bytes = 0;
  Status st = SpscRing<int16_t>::needed_bytes(capacity, &bytes);
  if (!st.ok()) return st.message();
  ring_storage_.assign(bytes / sizeof(int16_t), 0);
  st = ring_.init(capacity, ring_storage_.data(), bytes);
  if (!st.ok()) return st.message();

  CaptureLoopConfig cc;
  cc.output_rate = rate;
  capture_ = std::make_unique<CaptureLoop>(source_.get(), &ring_, cc);
  SourceStatus opened = capture_->open();
  if (!opened.ok()) {
    std::string msg = opened.message;
    if (opened.error == SourceError::kNotFound) {
      msg += "\ncapture devices found:\n" + format_device_list(list_capture_devices()) +
             "set audio.device in the config to one of them";
    } else if (opened.error == SourceError::kBusy) {
      msg += " (another program is using the device)";
    }
    return msg;
  }

  const size_t keyword = detector_->keyword_samples();
  const size_t preroll = static_cast<size_t>(rate) *
                         std::max(settings_.preroll_ms, settings_.stage2_preroll_ms) / 1000u;
  const size_t delay = static_cast<size_t>(rate) * settings_.stage2_delay_ms / 1000u;
  history_ = std::make_unique<AudioHistory>(preroll + keyword + delay + rate);  // + 1 s of slack

  owned_consumers_.push_back(std::make_unique<LogSink>());
  const bool json = settings_.json_stdout == config::StdoutJson::kOn ||
                    (settings_.json_stdout == config::StdoutJson::kAuto && foreground_);
  if (json) owned_consumers_.push_back(std::make_unique<JsonStreamSink>(stdout));
  for (auto& c : owned_consumers_) consumers_.push_back(c.get());
  if (!settings_.socket_path.empty()) {
    SocketServerConfig sc;
    sc.path = settings_.socket_path;
    socket_ = std::make_unique<EventSocketServer>(sc);
    err = socket_->start();
    if (!err.empty()) return err;
    consumers_.push_back(socket_.get());
  }
  if (settings_.config.mqtt.enabled) {
    mqtt_ =
        std::make_unique<MqttSink>(settings_.config.mqtt, mqtt_keywords(*detector_), KWS_VERSION);
    err = mqtt_->start();
    if (!err.empty()) return err;
    consumers_.push_back(mqtt_.get());
  }
  hooks_ = std::make_unique<HookRunner>(settings_.hook, [](const HookResult& r) {
    kws::log::debug("hook: event {} {}", r.sequence, hook_outcome_name(r.outcome));
  });
  consumers_.push_back(hooks_.get());
  for (EventConsumer* c : extra_consumers_) consumers_.push_back(c);
  if (settings_.stage2_mode == config::Stage2Mode::kExternal) {
    verifier_ = std::make_unique<HookRunner>(settings_.stage2_hook, [this](const HookResult& r) {
      std::lock_guard<std::mutex> lock(verdicts_mutex_);
      verdicts_.push_back(r);
    });
  }

  capture_thread_ = std::thread([this] {
    capture_->run(capture_stop_);
    capture_done_.store(true);
  });
  started_ = true;
  const std::string status = "listening on '" + source_->name() + "'";
  kws::log::info("kwsd: {}, model rate {} Hz", status, rate);
  notifier_.ready(status);
  return {};
}

DetectionEvent Service::make_event(const Detection& d, uint32_t preroll_ms) const {
  DetectionEvent e;
  e.keyword = d.keyword;
  e.score = d.score;
  e.stage = d.stage;
  e.stage2_score = d.stage2_score;
  e.scores = d.scores;
  e.sample_rate = detector_->sample_rate();
  e.audio_sample = d.sample_index;
  e.wall_time = std::chrono::system_clock::now();
  const uint64_t end = std::max(d.sample_index, d.decision_sample_index);
  const size_t length = static_cast<size_t>(e.sample_rate) * preroll_ms / 1000u +
                        detector_->keyword_samples() + static_cast<size_t>(end - d.sample_index);
  e.audio = history_->snapshot(end, length);
  return e;
}

void Service::emit(DetectionEvent e) {
  e.sequence = ++sequence_;
  stats_.events.fetch_add(1, std::memory_order_relaxed);
  for (EventConsumer* c : consumers_) c->consume(e);
}

void Service::dispatch(const Detection& d) { emit(make_event(d, settings_.preroll_ms)); }

void Service::handle(const std::vector<Detection>& detections) {
  for (const Detection& d : detections) {
    if (d.needs_verification) {
      submit_candidate(d);
    } else {
      dispatch(d);
    }
  }
}

void Service::submit_candidate(const Detection& d) {
  if (!verifier_) {  // a detector asking for a verifier the config does not have
    kws::log::warn("stage 2: candidate '{}' dropped: stage2.mode is not external", d.keyword);
    return;
  }
  const uint64_t number = ++candidate_number_;
  DetectionEvent candidate = make_event(d, settings_.stage2_preroll_ms);
  candidate.sequence = number;
  candidates_[number] = make_event(d, settings_.preroll_ms);
  stats_.candidates.fetch_add(1, std::memory_order_relaxed);
  kws::log::debug("stage 2: candidate {} '{}' at {:.3f} s to the verifier", number, d.keyword,
                  candidate.audio_time_s());
  verifier_->consume(candidate);  // spawns and returns; the verdict comes through verdicts_
}

void Service::drain_verdicts() {
  if (!verifier_) return;
  std::vector<HookResult> verdicts;
  {
    std::lock_guard<std::mutex> lock(verdicts_mutex_);
    verdicts.swap(verdicts_);
  }
  for (const HookResult& r : verdicts) {
    auto it = candidates_.find(r.sequence);
    if (it == candidates_.end()) continue;
    DetectionEvent e = std::move(it->second);
    candidates_.erase(it);
    if (r.outcome == HookOutcome::kAccepted) {
      stats_.candidates_accepted.fetch_add(1, std::memory_order_relaxed);
      e.wall_time = std::chrono::system_clock::now();
      emit(std::move(e));
    } else {
      stats_.candidates_rejected.fetch_add(1, std::memory_order_relaxed);
      std::string why = hook_outcome_name(r.outcome);
      if (r.outcome == HookOutcome::kRejected) why += ", exit " + std::to_string(r.exit_code);
      kws::log::info("stage 2: verifier rejected '{}' at {:.3f} s (stage 1 {:.3f}; {})", e.keyword,
                     e.audio_time_s(), e.score, why);
    }
  }
}

void Service::do_reload() {
  notifier_.reloading();
  if (!reload_loader_) {
    kws::log::warn("reload: no config file to reload from; nothing changed");
    notifier_.status("running");
    return;
  }
  Result<ServiceSettings> next = reload_loader_();
  std::string err;
  std::string note;
  if (!next) {
    err = next.error();
  } else if (Result<std::string> applied = detector_->apply_config(next->config); !applied) {
    err = applied.error();
  } else {
    note = *applied;
  }
  if (!err.empty()) {
    stats_.rejected_reloads.fetch_add(1, std::memory_order_relaxed);
    kws::log::error("reload rejected, the previous configuration stays in force: {}", err);
    notifier_.status("running (last reload rejected)");
    return;
  }
  hooks_->set_config(next->hook);
  // A reload that turns external off is ignored (restart), so the verifier keeps its program.
  const bool external = next->stage2_mode == config::Stage2Mode::kExternal;
  if (verifier_ && external) verifier_->set_config(next->stage2_hook);
  auto needs_restart = [](bool changed, const char* key) {
    if (changed) kws::log::warn("reload: a change of {} needs a restart; ignored", key);
  };
  needs_restart(next->device != settings_.device, "audio.device");
  needs_restart(next->model_path != settings_.model_path, "model.path");
  needs_restart(next->socket_path != settings_.socket_path, "events.socket");
  config::MqttSection mqtt_now = settings_.config.mqtt;
  config::MqttSection mqtt_next = next->config.mqtt;
  mqtt_now.where = mqtt_next.where = "";
  needs_restart(!(mqtt_now == mqtt_next), "mqtt");
  if (mqtt_) mqtt_->set_keywords(mqtt_keywords(*detector_));
  if (!note.empty()) kws::log::warn("reload: {}", note);
  needs_restart(next->ring_ms != settings_.ring_ms || next->period_ms != settings_.period_ms ||
                    next->capture_rate != settings_.capture_rate ||
                    next->capture_channels != settings_.capture_channels,
                "audio.*");
  settings_.config.stage1 = next->config.stage1;
  settings_.config.events.hook = next->config.events.hook;
  settings_.hook = next->hook;
  settings_.preroll_ms = next->preroll_ms;  // history keeps preroll + 1 s slack; clipped if larger
  // Stage 2: thresholds (applied by the detector) and the verifier's settings
  // change live; mode, model and delay need a restart (the detector's note).
  settings_.config.stage2.keywords = next->config.stage2.keywords;
  if (external) {
    settings_.config.stage2.external = next->config.stage2.external;
    settings_.stage2_hook = next->stage2_hook;
    settings_.stage2_preroll_ms = next->stage2_preroll_ms;
  }
  stats_.reloads.fetch_add(1, std::memory_order_relaxed);
  kws::log::info("reload: stage1 keywords, stage2 thresholds and hooks updated");
  if (reload_listener_) {
    if (std::string e = reload_listener_(*next); !e.empty()) kws::log::error("reload: {}", e);
  }
  notifier_.status("running");
}

int Service::run() {
  if (!started_) return 1;
  std::vector<int16_t> chunk(static_cast<size_t>(detector_->sample_rate()) / 50u);  // 20 ms
  std::vector<Detection> detections;
  int code = 0;
  bool flushed = false;
  while (!stop_.load()) {
    notifier_.watchdog_tick();
    if (reload_.exchange(false)) do_reload();
    drain_verdicts();
    const size_t n = ring_.read(chunk.data(), chunk.size());
    if (n == 0) {
      if (capture_done_.load() && ring_.read_available() == 0) {  // finite source ended
        if (!flushed) {  // stage 2's pending candidates, decided on the audio there is
          flushed = true;
          detections.clear();
          const std::string err = detector_->flush(&detections);
          if (!err.empty()) {
            kws::log::critical("pipeline failed: {}; stopping", err);
            code = 1;
            break;
          }
          handle(detections);
        }
        if (candidates_.empty()) break;  // else wait for the verifier (bounded by its timeout)
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    history_->append(chunk.data(), n);
    detections.clear();
    std::string err = detector_->process(chunk.data(), n, &detections);
    stats_.samples_processed.fetch_add(n, std::memory_order_relaxed);
    if (!err.empty()) {
      kws::log::critical("pipeline failed: {}; stopping (systemd restarts the service)", err);
      code = 1;
      break;
    }
    handle(detections);
  }
  notifier_.stopping();
  shutdown();
  return code;
}

void Service::shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  capture_stop_.store(true);
  if (capture_thread_.joinable()) capture_thread_.join();
  if (hooks_) hooks_->stop();
  if (verifier_) {
    verifier_->stop();
    if (!candidates_.empty()) {
      kws::log::info("stage 2: {} candidate(s) still at the verifier at stop; dropped",
                     candidates_.size());
    }
  }
  if (socket_) socket_->stop();
  if (mqtt_) mqtt_->stop();
  if (capture_) {
    const CaptureStats& s = capture_->stats();
    kws::log::info("kwsd: stopped; {} events, {} overruns, {} device losses, {} samples dropped",
                   stats_.events.load(), s.overruns.load(), s.device_losses.load(),
                   s.samples_dropped.load());
  }
}

}  // namespace kws::daemon
