// `kwsd replay`: the first end-to-end path, audio files through the pipeline.
//
//   kwsd replay --model M.tflite [--sidecar S.yaml] [--config C.yaml]
//               [--chunk N] FILE...
//
// stdout: one JSON line per detection (daemon/replay/detection_json.h).
// stderr: logs, and per run a summary with audio seconds, wall seconds and the
// real-time factor. Exit 0 if every file was processed, 1 if some failed (the
// others are still processed), 2 for a usage or model error.
#pragma once

namespace kws::replay {

// argv[0] is "replay".
int replay_main(int argc, char** argv);

}  // namespace kws::replay
