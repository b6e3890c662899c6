// kwsd's Wyoming wake-word server (config section `wyoming:`), the
// daemon/wyoming Server run with the daemon's own model and kwsd.yaml, so a
// Home Assistant client gets what the microphone path detects: with
// stage2.mode model, Wyoming sessions run the same cascade (the shipped
// stage-2 model when stage2.model.path is empty). stage2.mode external is for
// the microphone path only; Wyoming clients then get stage 1 alone (warned at
// start).
//
// Life: start() before the daemon reports READY; reload() on SIGHUP; stop()
// (or the destructor) at shutdown, which closes every client.
//
// Reload: stage1 keyword settings (threshold, min_count, refractory_ms,
// enabled) and stage2 keyword thresholds apply to sessions that connect after it; connected clients
// keep the settings they connected with. Changes of model.*, stage1.smoothing_frames and wyoming.*
// need a restart (warned, ignored), as for the microphone path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "config/result.h"
#include "daemon/service/service_settings.h"
#include "daemon/wyoming/server.h"

namespace kws::daemon {

// The Wyoming models for these settings: settings.model_path with its
// sidecar and settings.config applied (what ModelDetector runs). A failure
// names the model.
Result<wyoming::ModelSet> load_wyoming_models(const ServiceSettings& settings);

// The server options of a `wyoming:` section.
wyoming::ServerOptions wyoming_options(const config::WyomingSection& section);

class WyomingEndpoint {
 public:
  // Loads the models and starts listening; the error names what failed.
  static Result<std::unique_ptr<WyomingEndpoint>> start(const ServiceSettings& settings);
  ~WyomingEndpoint();
  WyomingEndpoint(const WyomingEndpoint&) = delete;
  WyomingEndpoint& operator=(const WyomingEndpoint&) = delete;

  uint16_t port() const { return server_->port(); }

  // Applies `next`'s stage1 keyword settings to new sessions (see above).
  // Returns "" or why the reload was refused (nothing changed then).
  std::string reload(const ServiceSettings& next);

  // Closes the listener and every client, logs the totals. Idempotent.
  void stop();

 private:
  WyomingEndpoint(const ServiceSettings& running, std::unique_ptr<wyoming::Server> server,
                  wyoming::ModelSet models)
      : running_(running.config),
        running_model_path_(running.model_path),
        server_(std::move(server)),
        models_(std::move(models)) {}

  config::Config running_;  // what the served models were made from
  std::string running_model_path_;
  std::unique_ptr<wyoming::Server> server_;
  wyoming::ModelSet models_;
  bool stopped_ = false;
};

}  // namespace kws::daemon
