// Where kwsd finds what it ships (the default model and the sample clip),
// relative to the running executable so an installed tree can be moved:
//   $KWS_MODELS_DIR                          if set (tests, packagers)
//   <exe dir>/../share/kwsd/models           if it exists (installed)
//   <source dir>/models                      compiled in (build tree)
#pragma once

#include <string>

namespace kws::daemon {

std::string shipped_models_dir();

// <models dir>/kwsd_default.tflite
std::string default_model_path();

// <models dir>/kwsd_default_stage2.tflite: stage 2 for stage2.mode model
// when stage2.model.path is empty (may not be shipped yet).
std::string default_stage2_model_path();

// <models dir>/sample.wav: a few seconds of "computer ... jarvis" over light
// noise, replayed by a default run on a machine without a capture device.
std::string sample_wav_path();

}  // namespace kws::daemon
