// Offline operating-point sweeps over recorded streams.
//
// The online run records every classifier step's raw posteriors and every
// feature frame once. A stage-1 operating point is then replayed with the
// core's own PosteriorSmoother and Trigger (pipeline/smoother.h, trigger.h),
// one label at a time (both are per label), so every threshold, smoothing
// length and min count gives exactly the triggers the daemon would give.
// Stage 2 is replayed with the core's ModelCascade on the frames it would
// have held: the window ending delay_frames after the trigger frame (or at the
// stream's last frame, as flush() does), scored once per distinct window.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "tools/eval/loaded_model.h"
#include "tools/eval/runner.h"

namespace kws::eval {

struct TriggerPoint {
  uint32_t smoothing_frames = 1;
  uint32_t min_count = 1;
  uint32_t refractory_ms = 1000;
  float threshold = 0.5f;
};

struct Fire {
  uint64_t sample = 0;  // end of the firing step
  size_t frame = 0;     // the frame that completed that step
};

// Smoothed scores of one label over one stream (the core's smoother).
std::vector<float> smooth_label(const StreamResult& s, uint32_t label, uint32_t smoothing_frames);

// Stage-1 triggers of one label given its smoothed and raw scores (the core's trigger).
std::vector<Fire> simulate_trigger(const StreamResult& s, uint32_t label,
                                   const std::vector<float>& smoothed, const TriggerPoint& p,
                                   uint32_t sample_rate);

// Stage-2 scores of (stream, label, window end frame), computed in parallel
// with the core's ModelCascade and cached.
class Stage2Scores {
 public:
  Stage2Scores(std::shared_ptr<const LoadedModel> stage1, std::shared_ptr<const LoadedModel> stage2,
               uint32_t delay_frames);
  using Key = std::tuple<size_t, uint32_t, size_t>;
  // Window end frame for a trigger on `frame` of stream s.
  size_t end_frame(const StreamResult& s, size_t frame) const;
  void seed(const Key& key, float score) { cache_[key] = score; }
  // Computes every key not cached yet. Errors name the stream.
  Result<bool> compute(const std::vector<StreamResult>& streams, std::vector<Key> keys,
                       unsigned threads);
  float score(const Key& key) const;
  uint64_t runs() const { return runs_; }
  uint32_t delay_frames() const { return delay_; }

 private:
  std::shared_ptr<const LoadedModel> stage1_;
  std::shared_ptr<const LoadedModel> stage2_;
  uint32_t delay_;
  std::map<Key, float> cache_;
  uint64_t runs_ = 0;
};

struct SweepPoint {
  TriggerPoint stage1;
  float stage2_threshold = -1.0f;  // -1: stage 1 alone
  size_t positives = 0;
  size_t hits = 0;
  size_t false_accepts = 0;
  double frr = 0.0;
  double fa_per_hour = 0.0;
  std::vector<double> latencies_s;  // per hit: event time - word end
};

struct SweepData {
  const std::vector<StreamResult>* streams = nullptr;
  uint32_t sample_rate = 16000;
  double negative_hours = 0.0;
};

// Stage 1 alone for one label: one point per threshold.
std::vector<SweepPoint> sweep_stage1(const SweepData& d, uint32_t label, TriggerPoint base,
                                     const std::vector<float>& thresholds);

// The cascade for one label: every (stage-1 threshold, stage-2 threshold) pair.
Result<std::vector<SweepPoint>> sweep_cascade(const SweepData& d, uint32_t label, TriggerPoint base,
                                              const std::vector<float>& stage1_thresholds,
                                              const std::vector<float>& stage2_thresholds,
                                              Stage2Scores* scores, unsigned threads);

// Points no other point beats on both FRR and FA/h, by rising FA/h.
std::vector<SweepPoint> det_front(std::vector<SweepPoint> points);

// Lowest-FRR point with FA/h <= target (ties: fewer FAs, then the higher
// thresholds); nullptr if none.
const SweepPoint* best_at(const std::vector<SweepPoint>& points, double target_fa_per_hour);

double percentile(std::vector<double> v, double p);

}  // namespace kws::eval
