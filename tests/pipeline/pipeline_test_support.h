// Shared helpers for the pipeline tests: a ModelInfo, a deterministic fake
// classifier whose output depends on the features, a recording sink, and a
// test signal with tone bursts.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "pipeline/pipeline.h"

namespace kws::pipeline_test {

inline ModelInfo two_label_info() {
  ModelInfo info;  // MLPerf front end, 49 frames, stride 1
  info.num_labels = 2;
  std::strcpy(info.labels[0], "background");
  std::strcpy(info.labels[1], "tone");
  info.keywords[1].is_keyword = true;
  info.keywords[1].threshold = 0.5f;
  info.keywords[1].min_count = 2;
  info.keywords[1].refractory_ms = 500;
  info.smoothing_frames = 3;
  return info;
}

// p[1] grows with the first MFCC (loudness) of the newest frame; p[0] = 1 - p[1].
// No allocation; counts calls.
class LoudnessClassifier final : public Classifier {
 public:
  explicit LoudnessClassifier(uint32_t dim) : dim_(dim) {}
  Status classify(const int8_t* features, size_t n, float* probs, size_t num_labels) override {
    ++calls;
    if (fail_at != 0 && calls == fail_at) {
      return Status::Error(StatusCode::kInternal, "fake classifier failure");
    }
    if (num_labels != 2 || n < dim_) return Status::Error(StatusCode::kInvalidArgument, "shape");
    // Quantised c0 is ~31 for the quiet noise and ~43 during a tone burst.
    const float c0 = static_cast<float>(features[n - dim_]);
    float p = (c0 - 35.0f) / 8.0f;
    p = p < 0.0f ? 0.0f : (p > 1.0f ? 1.0f : p);
    probs[1] = p;
    probs[0] = 1.0f - p;
    return Status::Ok();
  }
  uint32_t calls = 0;
  uint32_t fail_at = 0;

 private:
  uint32_t dim_;
};

struct ScoreRecord {
  uint64_t step;
  uint64_t sample_index;
  float raw[2];
  float smoothed[2];
  bool operator==(const ScoreRecord& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};

struct EventRecord {
  Event e;
  bool operator==(const EventRecord& o) const {
    return e.label_index == o.e.label_index && e.keyword == o.e.keyword &&
           std::memcmp(&e.score, &o.e.score, sizeof(float)) == 0 &&
           std::memcmp(&e.peak_score, &o.e.peak_score, sizeof(float)) == 0 &&
           e.sample_index == o.e.sample_index &&
           std::memcmp(&e.time_s, &o.e.time_s, sizeof(double)) == 0 && e.stage == o.e.stage &&
           e.step == o.e.step;
  }
};

class RecordingSink final : public EventSink {
 public:
  void on_event(const Event& event) override { events.push_back(EventRecord{event}); }
  void on_scores(uint64_t step, uint64_t sample_index, const float* raw, const float* smoothed,
                 size_t n) override {
    if (!record_scores || n != 2) return;
    ScoreRecord r{};
    r.step = step;
    r.sample_index = sample_index;
    std::memcpy(r.raw, raw, sizeof(r.raw));
    std::memcpy(r.smoothed, smoothed, sizeof(r.smoothed));
    scores.push_back(r);
  }
  bool record_scores = true;
  std::vector<EventRecord> events;
  std::vector<ScoreRecord> scores;
};

// `seconds` of quiet pseudo-noise with 0.3 s, 1 kHz bursts starting every second at 0.5 s.
inline std::vector<int16_t> burst_signal(double seconds) {
  const size_t n = static_cast<size_t>(seconds * 16000.0);
  std::vector<int16_t> s(n);
  uint32_t lcg = 12345;
  for (size_t t = 0; t < n; ++t) {
    lcg = lcg * 1664525u + 1013904223u;
    double v = static_cast<double>(static_cast<int32_t>(lcg >> 16) - 32768) * 0.002;
    const double within = std::fmod(static_cast<double>(t) / 16000.0, 1.0);
    if (within >= 0.5 && within < 0.8)
      v += 12000.0 * std::sin(2.0 * 3.14159265358979 * 1000.0 * static_cast<double>(t) / 16000.0);
    s[t] = static_cast<int16_t>(std::lround(v));
  }
  return s;
}

}  // namespace kws::pipeline_test
