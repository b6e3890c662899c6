// kwsd: one binary, subcommands.
//   kwsd replay --model M.tflite [...] FILE...   replay audio files (daemon/replay)
//   kwsd [options]                               the live daemon (daemon/service)
#include <cstdio>
#include <cstring>

#include "daemon/replay/replay_command.h"
#include "daemon/service/service_main.h"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml] "
               "[--chunk N] FILE...\n"
               "       kwsd [--config FILE] [--device NAME] [--model PATH] [--verbose]\n"
               "       kwsd --list-devices | --check-config [--config FILE]\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "replay") == 0) {
    return kws::replay::replay_main(argc - 1, argv + 1);
  }
  if (argc >= 2 && (std::strcmp(argv[1], "help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    usage();
    return 0;
  }
  return kws::daemon::service_main(argc, argv);
}
