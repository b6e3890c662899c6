// The Wyoming server's models with openWakeWord heads: several heads in one
// WakeModel (one backbone per client), each client's instance streaming on
// its own. Skips without the shared data.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "daemon/model/model_runtime.h"
#include "daemon/wyoming/wake_model.h"
#include "tests/support/npy.h"
#include "tests/support/test_data.h"

namespace kws::wyoming {
namespace {

TEST(OwwWakeModelTest, HeadsShareOneModelAndEachClientStreamsAlone) {
  KWS_REQUIRE_SHARED(dir, "models/openwakeword");
  const std::string heads =
      daemon::join_model_list({dir + "/alexa_v0.1.tflite", dir + "/hey_jarvis_v0.1.tflite"});
  auto model = WakeModel::load(heads);
  ASSERT_TRUE(model) << model.error();
  EXPECT_EQ((*model)->keywords(), (std::vector<std::string>{"alexa", "hey_jarvis"}));
  std::vector<uint8_t> wav;
  ASSERT_TRUE(testing::read_file_bytes(dir + "/reference/jarvis_first.wav", &wav));
  std::vector<int16_t> audio((wav.size() - 44) / 2);
  std::memcpy(audio.data(), wav.data() + 44, audio.size() * 2);
  audio.resize(30 * 1280);  // up to hey_jarvis's first step >= 0.5 (step 29)
  auto a = ModelInstance::create(*model);
  auto b = ModelInstance::create(*model);
  ASSERT_TRUE(a && b);
  std::vector<Hit> hits_a, hits_b;
  // Client b gets silence in between: its state must not leak into a's.
  const std::vector<int16_t> silence(4000, 0);
  for (size_t at = 0; at < audio.size(); at += 640) {
    ASSERT_EQ((*a)->push(audio.data() + at, 640, &hits_a), "");
    if (at < silence.size()) {
      ASSERT_EQ((*b)->push(silence.data(), 640, &hits_b), "");
    }
  }
  ASSERT_EQ(hits_a.size(), 1u);
  EXPECT_EQ(hits_a[0].name, "hey_jarvis");
  EXPECT_EQ(hits_a[0].sample_index, 30u * 1280u);
  EXPECT_TRUE(hits_b.empty());
  EXPECT_EQ((*a)->flush(&hits_a), "");
}

}  // namespace
}  // namespace kws::wyoming
