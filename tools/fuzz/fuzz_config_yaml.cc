// libFuzzer entry: kwsd.yaml and sidecar YAML text. Both parsers must turn any
// input into a value or an error message; exceptions from yaml-cpp must not
// escape them.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "config/sidecar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto config = kws::config::parse_config(text, "fuzz.yaml");
  auto sidecar = kws::config::parse_model_info_yaml(text, "fuzz.yaml");
  // A config that parsed applied to a model description that parsed: the
  // overrides and keyword settings meet validation.
  if (config && sidecar) (void)kws::config::apply_config(*config, *sidecar);
  return 0;
}
