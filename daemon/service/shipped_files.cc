#include "daemon/service/shipped_files.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#ifndef KWS_SOURCE_MODELS_DIR
#define KWS_SOURCE_MODELS_DIR "models"
#endif

namespace kws::daemon {

std::string shipped_models_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("KWS_MODELS_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "kwsd" / "models";
    if (fs::is_directory(installed, ec)) return installed.lexically_normal().string();
  }
  return KWS_SOURCE_MODELS_DIR;
}

std::string default_model_path() { return shipped_models_dir() + "/kwsd_default.tflite"; }

std::string default_stage2_model_path() {
  return shipped_models_dir() + "/kwsd_default_stage2.tflite";
}

std::string sample_wav_path() { return shipped_models_dir() + "/sample.wav"; }

}  // namespace kws::daemon
