// libFuzzer entry: a whole kwsd.yaml as the daemon takes it, past the YAML
// parse: parse_config, service_settings (the daemon's settings structs), and
// the model load with the config applied (model.overrides, stage1 keyword
// settings, stage2 in every mode) on the shipped models, pipeline built. File
// paths in the input are replaced by the shipped models (the fuzzer reads no
// file the input names). Any crash, sanitizer report or escaping exception
// is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "daemon/model/model_runtime.h"
#include "daemon/service/service_settings.h"

namespace {

class RejectAll final : public kws::CandidateVerifier {
 public:
  kws::Status verify(const kws::Candidate&, kws::Verdict* verdict, float* score) override {
    *verdict = kws::Verdict::kReject;
    *score = -1.0f;
    return kws::Status::Ok();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = kws::config::parse_config(text, "fuzz.yaml");
  if (!config) return 0;
  const std::string model = KWS_FUZZ_MODELS_DIR "/kwsd_default.tflite";
  config->model.path = model;
  config->model.sidecar.clear();
  config->stage2.model_path = KWS_FUZZ_MODELS_DIR "/kwsd_default_stage2.tflite";
  config->stage2.sidecar.clear();
  const kws::daemon::ServiceSettings settings = kws::daemon::service_settings(*config, model);
  (void)settings;
  RejectAll verifier;
  auto runtime = kws::daemon::ModelRuntime::load(model, "", &*config, &verifier);
  if (runtime) (void)(*runtime)->retune(*config);
  return 0;
}
