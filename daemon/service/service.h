// The running daemon: capture thread -> SPSC ring -> processing thread
// (detector, pre-roll, sinks), plus reload and stop requests.
//
// Stage 2 external (stage2.mode external): the detector reports candidates
// (Detection::needs_verification); the processing thread hands each to the
// verifier HookRunner (spawn and return, never wait) with a WAV of its audio,
// the runner's reaper thread queues the exit status, and the processing loop
// emits the accepted ones as stage-2 detections (rejected, failed or timed-out
// candidates are logged and dropped).
//
// Life: start() opens the device, binds the socket, starts the threads and
// only then reports READY=1; run() is the processing loop (pings the
// watchdog) until request_stop(); it then joins the capture thread, stops the
// hooks and removes the socket. request_stop()/request_reload() are safe from
// any thread (they set atomics; the signal thread calls them).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/result.h"
#include "daemon/capture/audio_source.h"
#include "daemon/capture/capture_loop.h"
#include "daemon/service/audio_history.h"
#include "daemon/service/detector.h"
#include "daemon/service/notifier.h"
#include "daemon/service/service_settings.h"
#include "daemon/sinks/hook_runner.h"
#include "daemon/sinks/mqtt_sink.h"
#include "daemon/sinks/socket_server.h"

namespace kws::daemon {

using SettingsLoader = std::function<Result<ServiceSettings>()>;
// Told about each reload the detector accepted (on the processing thread);
// returns "" or an error to log (the detector's reload stands either way).
using ReloadListener = std::function<std::string(const ServiceSettings& next)>;

struct ServiceStats {
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> reloads{0};
  std::atomic<uint64_t> rejected_reloads{0};
  std::atomic<uint64_t> samples_processed{0};
  // stage2.mode external
  std::atomic<uint64_t> candidates{0};           // handed to the verifier
  std::atomic<uint64_t> candidates_accepted{0};  // became detections
  std::atomic<uint64_t> candidates_rejected{0};  // rejected, timed out, failed or skipped
};

class Service {
 public:
  // `reload` is called on request_reload() (may be empty: reload refused).
  Service(ServiceSettings settings, std::unique_ptr<AudioSource> source,
          std::unique_ptr<Detector> detector, SettingsLoader reload, bool foreground);
  ~Service();
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Opens everything; "" on success, else the message to print (and exit 1).
  std::string start();

  // The processing loop; returns the exit code once stopped. If the source
  // ends (finite test sources), the loop drains the ring and returns 0.
  int run();

  void request_stop() { stop_.store(true); }
  void request_reload() { reload_.store(true); }

  // Extra consumers (tests); call before start().
  void add_consumer(EventConsumer* consumer) { extra_consumers_.push_back(consumer); }
  // Another part to reload with the detector (kwsd's Wyoming server); before start().
  void set_reload_listener(ReloadListener listener) { reload_listener_ = std::move(listener); }

  const ServiceStats& stats() const { return stats_; }
  const CaptureStats& capture_stats() const { return capture_->stats(); }
  const HookRunner& hooks() const { return *hooks_; }
  // The stage-2 verifier's runner (null unless stage2.mode is external).
  const HookRunner* verifier() const { return verifier_.get(); }
  const EventSocketServer* socket() const { return socket_.get(); }
  // The MQTT publisher (null unless mqtt.enabled).
  const MqttSink* mqtt() const { return mqtt_.get(); }

 private:
  void do_reload();
  void dispatch(const Detection& d);
  // The event for `d` with `preroll_ms` of audio before the keyword window
  // (and the audio up to stage 2's decision); sequence left 0.
  DetectionEvent make_event(const Detection& d, uint32_t preroll_ms) const;
  void emit(DetectionEvent e);
  void handle(const std::vector<Detection>& detections);
  void submit_candidate(const Detection& d);
  void drain_verdicts();
  void shutdown();

  ServiceSettings settings_;
  std::unique_ptr<AudioSource> source_;
  std::unique_ptr<Detector> detector_;
  SettingsLoader reload_loader_;
  ReloadListener reload_listener_;
  bool foreground_;

  std::vector<int16_t> ring_storage_;
  SpscRing<int16_t> ring_;
  std::unique_ptr<CaptureLoop> capture_;
  std::thread capture_thread_;
  std::atomic<bool> capture_stop_{false};
  std::atomic<bool> capture_done_{false};

  std::unique_ptr<AudioHistory> history_;
  std::unique_ptr<EventSocketServer> socket_;
  std::unique_ptr<HookRunner> hooks_;
  std::unique_ptr<HookRunner> verifier_;  // stage2.mode external
  std::unique_ptr<MqttSink> mqtt_;        // mqtt.enabled
  // Candidates at the verifier, by candidate number: the detection each
  // becomes if accepted (processing thread only).
  std::map<uint64_t, DetectionEvent> candidates_;
  uint64_t candidate_number_ = 0;
  std::mutex verdicts_mutex_;
  std::vector<HookResult> verdicts_;  // from the verifier's reaper thread
  std::vector<std::unique_ptr<EventConsumer>> owned_consumers_;
  std::vector<EventConsumer*> consumers_;
  std::vector<EventConsumer*> extra_consumers_;
  Notifier notifier_;

  std::atomic<bool> stop_{false};
  std::atomic<bool> reload_{false};
  ServiceStats stats_;
  uint64_t sequence_ = 0;
  bool started_ = false;
  bool shut_down_ = false;
};

}  // namespace kws::daemon
