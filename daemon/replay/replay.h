// WAV/FLAC replay: streams audio files through the same Pipeline the live
// daemon runs, so a replay reproduces what the daemon would have detected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "daemon/model/model_runtime.h"
#include "pipeline/pipeline.h"

namespace kws::replay {

struct FileReport {
  std::string path;
  bool ok = false;
  std::string error;     // one line, when !ok
  uint64_t samples = 0;  // pushed at the model's rate
  double audio_seconds = 0.0;
  size_t detections = 0;
};

// Reads `path` block by block (resampled to info.frontend.sample_rate),
// resets `pipeline`, pushes the audio in pieces of `chunk_samples` and calls
// `on_event` for each detection. A read or pipeline error ends that file with
// ok=false; detections before it were still reported.
FileReport replay_file(const std::string& path, const ModelInfo& info, Pipeline* pipeline,
                       size_t chunk_samples, const std::function<void(const Event&)>& on_event);

// The same through a ModelRuntime (daemon/model), with its stage 2 when the
// config turned one on: at the end of the file the candidates still waiting
// for stage2.delay_ms are decided on the audio there is (ModelRuntime::flush).
FileReport replay_file(const std::string& path, daemon::ModelRuntime* runtime, size_t chunk_samples,
                       const std::function<void(const Event&)>& on_event);

}  // namespace kws::replay
