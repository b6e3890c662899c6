#include "tools/eval/sweep.h"

#include <algorithm>
#include <cmath>

#include "pipeline/cascade.h"
#include "pipeline/smoother.h"
#include "pipeline/trigger.h"

namespace kws::eval {

std::vector<float> smooth_label(const StreamResult& s, uint32_t label, uint32_t smoothing_frames) {
  SmootherConfig cfg;
  cfg.num_labels = 1;
  cfg.smoothing_frames = smoothing_frames;
  size_t bytes = 0;
  std::vector<float> out;
  if (!PosteriorSmoother::needed_bytes(cfg, &bytes).ok()) return out;
  std::vector<std::max_align_t> mem(bytes / sizeof(std::max_align_t) + 1);
  PosteriorSmoother sm;
  if (!sm.init(cfg, mem.data(), bytes).ok()) return out;
  const size_t steps = s.step_samples.size();
  out.resize(steps);
  for (size_t i = 0; i < steps; ++i) sm.update(&s.raw[i * s.num_labels + label], &out[i]);
  return out;
}

std::vector<Fire> simulate_trigger(const StreamResult& s, uint32_t label,
                                   const std::vector<float>& smoothed, const TriggerPoint& p,
                                   uint32_t sample_rate) {
  KeywordParams kp;
  kp.is_keyword = true;
  kp.threshold = p.threshold;
  kp.min_count = p.min_count;
  kp.refractory_ms = p.refractory_ms;
  TriggerConfig cfg;
  cfg.num_labels = 1;
  cfg.sample_rate = sample_rate;
  cfg.params = &kp;
  size_t bytes = 0;
  std::vector<Fire> fires;
  if (!Trigger::needed_bytes(cfg, &bytes).ok()) return fires;
  std::vector<std::max_align_t> mem(bytes / sizeof(std::max_align_t) + 1);
  Trigger trig;
  if (!trig.init(cfg, mem.data(), bytes).ok()) return fires;
  Trigger::Decision d;
  size_t frame = 0;
  for (size_t i = 0; i < smoothed.size(); ++i) {
    trig.update(s.step_samples[i], &s.raw[i * s.num_labels + label], &smoothed[i], &d);
    if (!d.fired) continue;
    while (frame + 1 < s.frame_samples.size() && s.frame_samples[frame] < s.step_samples[i]) {
      ++frame;
    }
    fires.push_back({s.step_samples[i], frame});
  }
  return fires;
}

Stage2Scores::Stage2Scores(std::shared_ptr<const LoadedModel> stage1,
                           std::shared_ptr<const LoadedModel> stage2, uint32_t delay_frames)
    : stage1_(std::move(stage1)), stage2_(std::move(stage2)), delay_(delay_frames) {}

size_t Stage2Scores::end_frame(const StreamResult& s, size_t frame) const {
  const size_t last = s.frame_samples.empty() ? 0 : s.frame_samples.size() - 1;
  return std::min(last, frame + delay_);
}

float Stage2Scores::score(const Key& key) const {
  auto it = cache_.find(key);
  return it == cache_.end() ? -1.0f : it->second;
}

namespace {

class ScoreObserver final : public CascadeObserver {
 public:
  void on_decision(const Event& e, bool accepted) override {
    (void)accepted;
    score = e.stage2_score;
  }
  float score = -1.0f;
};

}  // namespace

Result<bool> Stage2Scores::compute(const std::vector<StreamResult>& streams, std::vector<Key> keys,
                                   unsigned threads) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  keys.erase(std::remove_if(keys.begin(), keys.end(),
                            [this](const Key& k) { return cache_.count(k) != 0; }),
             keys.end());
  if (keys.empty()) return Result<bool>::success(true);
  std::vector<float> out(keys.size(), -1.0f);
  std::vector<std::string> errors(threads);
  struct Worker {
    std::unique_ptr<ClassifierInstance> c2;
    std::vector<std::max_align_t> mem;
    ModelCascade cascade;
    ScoreObserver observer;
    bool ready = false;
  };
  std::vector<std::unique_ptr<Worker>> workers(threads);
  const ModelInfo& info1 = stage1_->info;
  parallel_for(keys.size(), threads, "stage 2 on sweep candidates", [&](size_t i, unsigned t) {
    if (!errors[t].empty()) return;
    if (workers[t] == nullptr) {
      auto w = std::make_unique<Worker>();
      auto c2 = ClassifierInstance::create(stage2_, false);
      if (!c2) {
        errors[t] = c2.error();
        return;
      }
      w->c2 = std::move(*c2);
      CascadeConfig cfg;
      cfg.mode = Stage2Mode::kModel;
      cfg.stage1 = &info1;
      cfg.stage2 = &stage2_->info;
      cfg.delay_frames = 0;
      size_t bytes = 0;
      Status s = ModelCascade::needed_bytes(cfg, &bytes);
      if (s.ok()) {
        w->mem.resize(bytes / sizeof(std::max_align_t) + 1);
        s = w->cascade.init(cfg, w->c2.get(), nullptr, w->mem.data(), bytes);
      }
      if (!s.ok()) {
        errors[t] = s.message();
        return;
      }
      w->cascade.set_observer(&w->observer);
      workers[t] = std::move(w);
    }
    Worker& w = *workers[t];
    const auto& [si, label, end] = keys[i];
    const StreamResult& s = streams[si];
    const size_t dim = info1.frontend.feature_dim();
    const size_t window = w.cascade.window_frames();
    const size_t first = end + 1 >= window ? end + 1 - window : 0;
    w.cascade.reset();
    for (size_t f = first; f <= end; ++f) {
      Status st = w.cascade.on_frame(&s.frames[f * dim], dim, s.frame_samples[f], nullptr);
      if (!st.ok()) {
        errors[t] = s.spec.name + ": " + st.message();
        return;
      }
    }
    Event e;
    e.label_index = label;
    bool accept = false;
    w.observer.score = -1.0f;
    Status st = w.cascade.on_candidate(&e, nullptr, 0, &accept);
    if (!st.ok()) {
      errors[t] = s.spec.name + ": stage 2: " + st.message();
      return;
    }
    out[i] = w.observer.score;
  });
  for (const std::string& e : errors) {
    if (!e.empty()) return Result<bool>::failure(e);
  }
  for (size_t i = 0; i < keys.size(); ++i) cache_[keys[i]] = out[i];
  runs_ += keys.size();
  return Result<bool>::success(true);
}

namespace {

// Counts hits and false accepts of label for fires that pass `keep`.
template <typename Keep>
void count(const SweepData& d, uint32_t label, const std::vector<std::vector<Fire>>& fires,
           const Keep& keep, const std::vector<std::vector<uint64_t>>& decision_samples,
           SweepPoint* p) {
  const auto& streams = *d.streams;
  for (size_t si = 0; si < streams.size(); ++si) {
    const StreamResult& s = streams[si];
    const std::vector<Fire>& f = fires[si];
    if (!s.spec.positive) {
      for (size_t j = 0; j < f.size(); ++j) p->false_accepts += keep(si, j) ? 1 : 0;
      continue;
    }
    for (const EmbeddedKeyword& t : s.truth) {
      if (t.label != label) continue;
      ++p->positives;
      auto it = std::lower_bound(f.begin(), f.end(), t.word_start,
                                 [](const Fire& x, uint64_t v) { return x.sample < v; });
      for (; it != f.end() && it->sample <= t.hit_end; ++it) {
        const size_t j = static_cast<size_t>(it - f.begin());
        if (!keep(si, j)) continue;
        ++p->hits;
        const uint64_t when = decision_samples.empty() ? it->sample : decision_samples[si][j];
        p->latencies_s.push_back((static_cast<double>(when) - static_cast<double>(t.word_end)) /
                                 d.sample_rate);
        break;
      }
    }
  }
  p->frr = p->positives == 0
               ? 0.0
               : 1.0 - static_cast<double>(p->hits) / static_cast<double>(p->positives);
  p->fa_per_hour =
      d.negative_hours > 0.0 ? static_cast<double>(p->false_accepts) / d.negative_hours : 0.0;
}

std::vector<std::vector<Fire>> all_fires(const SweepData& d, uint32_t label,
                                         const std::vector<std::vector<float>>& smoothed,
                                         const TriggerPoint& p) {
  std::vector<std::vector<Fire>> fires(d.streams->size());
  for (size_t si = 0; si < fires.size(); ++si) {
    fires[si] = simulate_trigger((*d.streams)[si], label, smoothed[si], p, d.sample_rate);
  }
  return fires;
}

std::vector<std::vector<float>> all_smoothed(const SweepData& d, uint32_t label,
                                             uint32_t smoothing) {
  std::vector<std::vector<float>> out;
  for (const StreamResult& s : *d.streams) out.push_back(smooth_label(s, label, smoothing));
  return out;
}

}  // namespace

std::vector<SweepPoint> sweep_stage1(const SweepData& d, uint32_t label, TriggerPoint base,
                                     const std::vector<float>& thresholds) {
  const auto smoothed = all_smoothed(d, label, base.smoothing_frames);
  std::vector<SweepPoint> out;
  for (float t : thresholds) {
    TriggerPoint p = base;
    p.threshold = t;
    const auto fires = all_fires(d, label, smoothed, p);
    SweepPoint sp;
    sp.stage1 = p;
    count(
        d, label, fires, [](size_t, size_t) { return true; }, {}, &sp);
    out.push_back(std::move(sp));
  }
  return out;
}

Result<std::vector<SweepPoint>> sweep_cascade(const SweepData& d, uint32_t label, TriggerPoint base,
                                              const std::vector<float>& stage1_thresholds,
                                              const std::vector<float>& stage2_thresholds,
                                              Stage2Scores* scores, unsigned threads) {
  const auto& streams = *d.streams;
  const auto smoothed = all_smoothed(d, label, base.smoothing_frames);
  std::vector<std::vector<std::vector<Fire>>> fires;
  std::vector<Stage2Scores::Key> keys;
  for (float t1 : stage1_thresholds) {
    TriggerPoint p = base;
    p.threshold = t1;
    fires.push_back(all_fires(d, label, smoothed, p));
    for (size_t si = 0; si < streams.size(); ++si) {
      for (const Fire& f : fires.back()[si]) {
        keys.emplace_back(si, label, scores->end_frame(streams[si], f.frame));
      }
    }
  }
  Result<bool> ok = scores->compute(streams, std::move(keys), threads);
  if (!ok) return Result<std::vector<SweepPoint>>::failure(ok.error());
  std::vector<SweepPoint> out;
  for (size_t a = 0; a < stage1_thresholds.size(); ++a) {
    std::vector<std::vector<float>> s2(streams.size());
    std::vector<std::vector<uint64_t>> when(streams.size());
    for (size_t si = 0; si < streams.size(); ++si) {
      for (const Fire& f : fires[a][si]) {
        const size_t end = scores->end_frame(streams[si], f.frame);
        s2[si].push_back(scores->score({si, label, end}));
        when[si].push_back(streams[si].frame_samples.empty() ? f.sample
                                                             : streams[si].frame_samples[end]);
      }
    }
    for (float t2 : stage2_thresholds) {
      SweepPoint sp;
      sp.stage1 = base;
      sp.stage1.threshold = stage1_thresholds[a];
      sp.stage2_threshold = t2;
      count(
          d, label, fires[a], [&](size_t si, size_t j) { return s2[si][j] >= t2; }, when, &sp);
      out.push_back(std::move(sp));
    }
  }
  return Result<std::vector<SweepPoint>>::success(std::move(out));
}

std::vector<SweepPoint> det_front(std::vector<SweepPoint> points) {
  std::sort(points.begin(), points.end(), [](const SweepPoint& a, const SweepPoint& b) {
    if (a.false_accepts != b.false_accepts) return a.false_accepts < b.false_accepts;
    return a.frr < b.frr;
  });
  std::vector<SweepPoint> front;
  for (const SweepPoint& p : points) {
    if (front.empty() || p.frr < front.back().frr - 1e-12) front.push_back(p);
  }
  return front;
}

const SweepPoint* best_at(const std::vector<SweepPoint>& points, double target) {
  const SweepPoint* best = nullptr;
  for (const SweepPoint& p : points) {
    if (p.fa_per_hour > target + 1e-12) continue;
    if (best == nullptr || p.frr < best->frr - 1e-12 ||
        (std::fabs(p.frr - best->frr) <= 1e-12 &&
         (p.false_accepts < best->false_accepts ||
          (p.false_accepts == best->false_accepts &&
           std::tie(p.stage1.threshold, p.stage2_threshold) >
               std::tie(best->stage1.threshold, best->stage2_threshold))))) {
      best = &p;
    }
  }
  return best;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const double pos = p * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(v.size() - 1, lo + 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace kws::eval
