// libFuzzer entry: bytes a Wyoming client sends. They are fed to the event
// reader in chunks whose sizes come from the input itself (recv() may split
// anywhere), with small limits so the length checks are reached; every event
// read must survive re-encoding and reading back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/wyoming/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  kws::wyoming::Limits limits;
  limits.max_header_bytes = 512;
  limits.max_data_bytes = 512;
  limits.max_payload_bytes = 2048;
  const size_t chunk = 1 + data[0] % 64u;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  size_t left = size - 1;
  kws::wyoming::EventReader reader(limits);
  std::vector<kws::wyoming::Event> events;
  while (left > 0) {
    const size_t n = left < chunk ? left : chunk;
    if (!reader.feed(bytes, n, &events).empty()) break;
    bytes += n;
    left -= n;
  }
  kws::wyoming::Limits roomy;
  roomy.max_header_bytes = 1 << 20;
  roomy.max_data_bytes = 1 << 20;
  for (const kws::wyoming::Event& e : events) {
    const std::string wire = kws::wyoming::encode_event(e.type, e.data, e.payload);
    kws::wyoming::EventReader again(roomy);
    std::vector<kws::wyoming::Event> back;
    if (!again.feed(wire.data(), wire.size(), &back).empty() || back.size() != 1 ||
        back[0].type != e.type || back[0].payload != e.payload) {
      std::abort();
    }
  }
  return 0;
}
