// `kwsd replay`: the first end-to-end path, audio files through the pipeline.
//
//   kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml]
//               [--stage2 M2.tflite [--stage2-sidecar S2.yaml]] [--chunk N] FILE...
//
// With --stage2 (or a config with stage2.mode model and a stage2.model.path)
// the cascade runs as in the daemon: same ModelRuntime, same delay and
// thresholds, so replay == daemon. stage2.mode external is refused (exit 2).
//
// stdout: one JSON line per detection (daemon/replay/detection_json.h).
// stderr: logs, and per run a summary with audio seconds, wall seconds and the
// real-time factor. Exit 0 if every file was processed, 1 if some failed (the
// others are still processed), 2 for a usage or model error.
#pragma once

#include <string>

namespace kws::replay {

// argv[0] is "replay".
// default_stage2: the stage-2 model for a config with stage2.mode model and
// no stage2.model.path (kwsd passes the shipped one; "" = such a config is an error).
int replay_main(int argc, char** argv, const std::string& default_stage2 = "");

}  // namespace kws::replay
