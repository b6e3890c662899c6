// kwsd: one binary, subcommands.
//   kwsd replay --model M.tflite [...] FILE...   replay audio files (daemon/replay)
//   kwsd [options]                               the live daemon (daemon/service)
#include <cstdio>
#include <cstring>

#include "daemon/replay/replay_command.h"
#include "daemon/service/service_main.h"
#include "daemon/service/shipped_files.h"

namespace {

void usage() {
  std::printf(
      "usage: kwsd [--config FILE] [--device NAME|none] [--model PATH] [--verbose]\n"
      "       kwsd --list-devices | --check-config [--config FILE]\n"
      "       kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml] [--chunk N]\n"
      "                   [--stage2 M2.tflite [--stage2-sidecar S2.yaml]] [--quiet] FILE...\n"
      "\n"
      "Without arguments kwsd runs the shipped model on the default ALSA device, or\n"
      "replays the bundled sample when there is none. The config (see kwsd.yaml)\n"
      "sets the model, per-keyword thresholds, the stage-2 cascade, event sinks,\n"
      "the hook and the Wyoming server. `kwsd replay --help` describes replay.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "replay") == 0) {
    return kws::replay::replay_main(argc - 1, argv + 1, kws::daemon::default_stage2_model_path());
  }
  if (argc >= 2 && (std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
                    std::strcmp(argv[1], "--help") == 0)) {
    usage();
    return 0;
  }
  return kws::daemon::service_main(argc, argv);
}
