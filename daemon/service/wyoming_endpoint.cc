#include "daemon/service/wyoming_endpoint.h"
#include "daemon/log.h"
#include "daemon/service/model_detector.h"

#include <cstdlib>

namespace kws::daemon {
namespace {

bool same_overrides(const config::ModelSection& a, const config::ModelSection& b) {
  if (a.overrides.size() != b.overrides.size()) return false;
  for (size_t i = 0; i < a.overrides.size(); ++i) {
    if (a.overrides[i].key != b.overrides[i].key || a.overrides[i].value != b.overrides[i].value) {
      return false;
    }
  }
  return true;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

}  // namespace

Result<wyoming::ModelSet> load_wyoming_models(const ServiceSettings& settings) {
  using R = Result<wyoming::ModelSet>;
  const config::Config config = with_stage2_default(settings.config);
  auto model =
      wyoming::WakeModel::load(settings.model_path, settings.config.model.sidecar, &config);
  if (!model) return R::failure("wyoming: model: " + model.error());
  return R::success(wyoming::ModelSet{std::move(*model)});
}

wyoming::ServerOptions wyoming_options(const config::WyomingSection& section) {
  wyoming::ServerOptions o;
  o.host = section.host;
  o.port = section.port;
  o.max_clients = section.max_clients;
  o.idle_timeout_ms = section.idle_timeout_ms;
  return o;
}

Result<std::unique_ptr<WyomingEndpoint>> WyomingEndpoint::start(const ServiceSettings& settings) {
  using R = Result<std::unique_ptr<WyomingEndpoint>>;
  Result<wyoming::ModelSet> models = load_wyoming_models(settings);
  if (!models) return R::failure(models.error());
  auto server = wyoming::Server::start(wyoming_options(settings.config.wyoming), *models);
  if (!server) {
    std::string err = server.error();
    // The shipped unit allows only unix sockets and no network (kwsd.service).
    if (std::getenv("NOTIFY_SOCKET") != nullptr) {
      err +=
          " (under systemd the unit must allow TCP: see the Wyoming drop-in in "
          "docs/home-assistant.md)";
    }
    return R::failure(err + " (" + settings.config.wyoming.where + ": wyoming)");
  }
  if (settings.config.stage2.mode == config::Stage2Mode::kExternal) {
    kws::log::warn(
        "wyoming: sessions run stage 1 only; stage2.mode external applies to the microphone "
        "path, not to Wyoming clients");
  }
  const std::string stage2 = (*models)[0]->stage2_path();
  kws::log::info("wyoming: serving wake words {} of {}{}", join((*models)[0]->keywords()),
                 settings.model_path, stage2.empty() ? "" : " with stage 2 " + stage2);
  return R::success(std::unique_ptr<WyomingEndpoint>(
      new WyomingEndpoint(settings, std::move(*server), std::move(*models))));
}

WyomingEndpoint::~WyomingEndpoint() { stop(); }

std::string WyomingEndpoint::reload(const ServiceSettings& next) {
  const config::Config& n = next.config;
  // Only the keyword settings change: everything else stays as started.
  config::Config merged = running_;
  merged.stage1.keywords = n.stage1.keywords;
  merged.stage2.keywords = n.stage2.keywords;
  merged.source = n.source;
  merged = with_stage2_default(merged);
  wyoming::ModelSet models;
  for (const auto& m : models_) {
    auto retuned = m->with_config(merged);
    if (!retuned) return "wyoming: " + retuned.error();
    models.push_back(std::move(*retuned));
  }
  if (std::string e = server_->set_models(models); !e.empty()) return e;
  models_ = std::move(models);
  running_.stage1.keywords = n.stage1.keywords;
  running_.stage2.keywords = n.stage2.keywords;
  auto needs_restart = [](bool changed, const char* key) {
    if (changed) kws::log::warn("wyoming: reload: a change of {} needs a restart; ignored", key);
  };
  needs_restart(!n.wyoming.same_settings(running_.wyoming), "wyoming.*");
  needs_restart(next.model_path != running_model_path_ || n.model.sidecar != running_.model.sidecar,
                "model.path/model.sidecar");
  needs_restart(!same_overrides(n.model, running_.model), "model.frontend");
  needs_restart(n.stage1.smoothing_frames != running_.stage1.smoothing_frames,
                "stage1.smoothing_frames");
  needs_restart(n.stage2.mode != running_.stage2.mode ||
                    n.stage2.model_path != running_.stage2.model_path ||
                    n.stage2.sidecar != running_.stage2.sidecar ||
                    n.stage2.delay_ms != running_.stage2.delay_ms,
                "stage2.mode/model/delay_ms");
  kws::log::info("wyoming: reload: new sessions use the stage1 keyword settings (wake words {})",
                 join(models_[0]->keywords()));
  return "";
}

void WyomingEndpoint::stop() {
  if (stopped_ || !server_) return;
  stopped_ = true;
  server_->stop();
  const wyoming::ServerStats s = server_->stats();
  kws::log::info("wyoming: stopped; served {} clients ({} refused, {} dropped), {} detections",
                 s.accepted, s.rejected, s.dropped, s.detections);
}

}  // namespace kws::daemon
