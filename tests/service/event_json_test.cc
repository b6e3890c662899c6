#include "daemon/sinks/event_json.h"

#include <gtest/gtest.h>

namespace kws::daemon {
namespace {

DetectionEvent SampleEvent() {
  DetectionEvent e;
  e.sequence = 3;
  e.keyword = "hey \"kws\"";
  e.score = 0.875f;
  e.stage = 2;
  e.scores = {{"silence", 0.01f}, {"hey \"kws\"", 0.875f}};
  e.sample_rate = 16000;
  e.audio_sample = 197440;
  e.wall_time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1767323045678));
  e.audio = std::make_shared<std::vector<int16_t>>(48000, 0);
  return e;
}

TEST(EventJson, OneLineWithEveryFieldInFixedOrder) {
  EXPECT_EQ(event_to_json_line(SampleEvent()),
            "{\"type\":\"detection\",\"seq\":3,\"keyword\":\"hey \\\"kws\\\"\",\"score\":0.8750,"
            "\"stage\":2,\"audio_time\":12.340,\"audio_sample\":197440,\"sample_rate\":16000,"
            "\"wall_time\":\"2026-01-02T03:04:05.678Z\",\"scores\":{\"silence\":0.0100,"
            "\"hey \\\"kws\\\"\":0.8750},\"audio_samples\":48000}\n");
}

TEST(EventJson, Stage2ScoreFollowsStageWhenAModelScoredIt) {
  DetectionEvent e = SampleEvent();
  e.stage2_score = 0.6125f;
  const std::string line = event_to_json_line(e);
  EXPECT_NE(line.find("\"score\":0.8750,\"stage\":2,\"stage2_score\":0.6125,\"audio_time\""),
            std::string::npos)
      << line;
  e.stage2_score = -1.0f;  // stage 1 alone, or an external verifier
  EXPECT_EQ(event_to_json_line(e).find("stage2_score"), std::string::npos);
}

TEST(EventJson, ControlCharactersAreEscaped) {
  EXPECT_EQ(json_quote(std::string("a\nb\x01", 4)), "\"a\\nb\\u0001\"");
}

}  // namespace
}  // namespace kws::daemon
