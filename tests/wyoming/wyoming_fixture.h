// Shared setup for the server tests: the MLPerf Tiny KWS model with its
// sidecar, and a 3 s stream (1 s silence, the "Stop" test clip, 1 s silence)
// that the model detects exactly once.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "daemon/audio/audio_file.h"
#include "daemon/wyoming/server.h"
#include "daemon/wyoming/wake_model.h"
#include "tests/support/test_data.h"
#include "tests/wyoming/test_client.h"

namespace kws::wyoming::testing {

inline constexpr const char* kModel = "models/mlperf_tiny/kws_ref_model.tflite";
inline constexpr const char* kClip = "mlperf_tiny_kws/wav/tst_000000_Stop_7.wav";

// Loads the model and clip once per test binary; empty when data is absent.
struct SharedAssets {
  std::shared_ptr<const WakeModel> model;
  std::vector<int16_t> stream;  // 16 kHz mono: silence, Stop, silence
  std::string error;
};

inline const SharedAssets& shared_assets() {
  static const SharedAssets assets = [] {
    SharedAssets a;
    const std::string model = ::kws::testing::shared_data_path(kModel);
    const std::string clip = ::kws::testing::shared_data_path(kClip);
    if (model.empty() || clip.empty()) return a;
    auto m = WakeModel::load(model);
    if (!m) {
      a.error = m.error();
      return a;
    }
    a.model = *m;
    auto word = audio::read_audio_file(clip, 16000);
    if (!word) {
      a.error = word.error();
      return a;
    }
    a.stream.assign(16000, 0);
    a.stream.insert(a.stream.end(), word->begin(), word->end());
    a.stream.resize(a.stream.size() + 16000, 0);
    return a;
  }();
  return assets;
}

// Skips when the shared data is absent; fails on a load error.
#define KWS_REQUIRE_WYOMING_ASSETS()                                                      \
  if (::kws::wyoming::testing::shared_assets().model == nullptr) {                        \
    ASSERT_EQ(::kws::wyoming::testing::shared_assets().error, "");                        \
    GTEST_SKIP() << "shared data not found: " << ::kws::testing::shared_data_dir() << "/" \
                 << ::kws::wyoming::testing::kModel << " (set KWS_SHARED_DATA)";          \
  }

inline Json audio_format(uint32_t rate, uint32_t width, uint32_t channels) {
  Json data = Json::object();
  data["rate"] = rate;
  data["width"] = width;
  data["channels"] = channels;
  return data;
}

}  // namespace kws::wyoming::testing
