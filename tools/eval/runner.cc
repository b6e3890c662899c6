#include "tools/eval/runner.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <thread>

#include "pipeline/memory_carver.h"

namespace kws::eval {

namespace {

// Records frames and stage-1 candidates, then hands each to the real cascade.
class RecordingHook final : public CascadeHook, public CascadeObserver {
 public:
  Status on_candidate(Event* event, const int8_t* features, size_t n, bool* accept) override {
    out->stage1_events.push_back(*event);
    if (cascade == nullptr) {
      *accept = true;
      return Status::Ok();
    }
    return cascade->on_candidate(event, features, n, accept);
  }
  Status on_frame(const int8_t* frame, size_t dim, uint64_t sample_index,
                  EventSink* sink) override {
    out->frame_samples.push_back(sample_index);
    out->frames.insert(out->frames.end(), frame, frame + dim);
    return cascade == nullptr ? Status::Ok() : cascade->on_frame(frame, dim, sample_index, sink);
  }
  void on_reset() override {
    if (cascade != nullptr) cascade->on_reset();
  }
  void on_decision(const Event& e, bool accepted) override {
    Stage2Decision d;
    d.label = e.label_index;
    d.trigger_sample = e.sample_index;
    d.decision_sample = e.decision_sample_index;
    d.score = e.stage2_score;
    d.accepted = accepted;
    out->decisions.push_back(d);
  }
  ModelCascade* cascade = nullptr;
  StreamResult* out = nullptr;
};

class RecordingSink final : public EventSink {
 public:
  void on_event(const Event& e) override { out->final_events.push_back(e); }
  void on_scores(uint64_t step, uint64_t sample_index, const float* raw, const float* smoothed,
                 size_t n) override {
    (void)step, (void)smoothed;
    out->step_samples.push_back(sample_index);
    out->raw.insert(out->raw.end(), raw, raw + n);
  }
  StreamResult* out = nullptr;
};

}  // namespace

struct StreamRunner::Impl {
  std::shared_ptr<const LoadedModel> stage1;
  std::shared_ptr<const LoadedModel> stage2;
  std::unique_ptr<ClassifierInstance> c1;
  std::unique_ptr<ClassifierInstance> c2;
  std::unique_ptr<daemon::OwwStream> oww;  // openWakeWord heads instead of c1
  std::vector<std::max_align_t> pipeline_mem;
  std::vector<std::max_align_t> cascade_mem;
  Pipeline pipeline;
  ModelCascade cascade;
  RecordingHook hook;
  RecordingSink sink;
};

StreamRunner::~StreamRunner() = default;

Result<std::unique_ptr<StreamRunner>> StreamRunner::create(
    std::shared_ptr<const LoadedModel> stage1, const CascadeOptions& opts) {
  using R = Result<std::unique_ptr<StreamRunner>>;
  std::unique_ptr<StreamRunner> r(new StreamRunner());
  r->impl_ = std::make_unique<Impl>();
  Impl& m = *r->impl_;
  m.stage1 = std::move(stage1);
  m.stage2 = opts.stage2;
  size_t bytes = 0;
  if (m.stage1->oww != nullptr) {
    if (m.stage2 != nullptr) {
      return R::failure(m.stage1->path + ": stage 2 does not apply to openWakeWord heads");
    }
    auto stream = m.stage1->oww->new_stream();
    if (!stream) return R::failure(stream.error());
    m.oww = std::move(*stream);
    if (Status s = Pipeline::needed_bytes_oww(m.stage1->info, &bytes); !s.ok()) {
      return R::failure(m.stage1->path + ": " + s.message());
    }
    m.pipeline_mem.resize(bytes / sizeof(std::max_align_t) + 1);
    if (Status s =
            m.pipeline.init_oww(m.stage1->info, &m.oww->frontend, m.pipeline_mem.data(), bytes);
        !s.ok()) {
      return R::failure(m.stage1->path + ": " + s.message());
    }
    return R::success(std::move(r));
  }
  auto c1 = ClassifierInstance::create(m.stage1, true);
  if (!c1) return R::failure(c1.error());
  m.c1 = std::move(*c1);
  if (Status s = Pipeline::needed_bytes(m.stage1->info, &bytes); !s.ok()) {
    return R::failure(m.stage1->path + ": " + s.message());
  }
  m.pipeline_mem.resize(bytes / sizeof(std::max_align_t) + 1);
  if (Status s = m.pipeline.init(m.stage1->info, m.c1.get(), m.pipeline_mem.data(), bytes);
      !s.ok()) {
    return R::failure(m.stage1->path + ": " + s.message());
  }
  m.pipeline.set_cascade_hook(&m.hook);
  if (m.stage2 != nullptr) {
    auto c2 = ClassifierInstance::create(m.stage2, false);
    if (!c2) return R::failure(c2.error());
    m.c2 = std::move(*c2);
    CascadeConfig cfg;
    cfg.mode = Stage2Mode::kModel;
    cfg.stage1 = &m.stage1->info;
    cfg.stage2 = &m.stage2->info;
    cfg.delay_frames = opts.delay_frames;
    if (Status s = ModelCascade::needed_bytes(cfg, &bytes); !s.ok()) {
      return R::failure(m.stage2->path + ": " + s.message());
    }
    m.cascade_mem.resize(bytes / sizeof(std::max_align_t) + 1);
    if (Status s = m.cascade.init(cfg, m.c2.get(), nullptr, m.cascade_mem.data(), bytes); !s.ok()) {
      return R::failure(m.stage2->path + ": " + s.message());
    }
    for (uint32_t i = 0; i < opts.thresholds.size() && i < m.stage1->info.num_labels; ++i) {
      if (!m.cascade.covers(i)) continue;
      if (Status s = m.cascade.set_threshold(i, opts.thresholds[i]); !s.ok()) {
        return R::failure(std::string("stage-2 threshold: ") + s.message());
      }
    }
    m.cascade.set_observer(&m.hook);
    m.hook.cascade = &m.cascade;
  }
  return R::success(std::move(r));
}

void StreamRunner::run(const std::vector<int16_t>& audio, size_t chunk_samples, StreamResult* out) {
  Impl& m = *impl_;
  m.hook.out = out;
  m.sink.out = out;
  m.pipeline.reset();
  if (m.c2 != nullptr) m.c2->clear_counters();
  const uint64_t runs_before = m.c2 != nullptr ? m.cascade.stage2_runs() : 0;
  out->num_labels = m.stage1->info.num_labels;
  out->samples = audio.size();
  const double t0 = thread_cpu_seconds();
  for (size_t at = 0; at < audio.size(); at += chunk_samples) {
    const size_t n = std::min(chunk_samples, audio.size() - at);
    if (Status s = m.pipeline.push(audio.data() + at, n, &m.sink); !s.ok()) {
      out->error = out->spec.name + ": pipeline: " + s.message();
      return;
    }
  }
  if (m.c2 != nullptr) {
    if (Status s = m.cascade.flush(&m.sink); !s.ok()) {
      out->error = out->spec.name + ": cascade: " + s.message();
      return;
    }
  }
  out->cpu_push_s = thread_cpu_seconds() - t0;
  if (m.c2 != nullptr) {
    out->cpu_stage2_s = m.c2->cpu_seconds();
    out->stage2_runs = m.cascade.stage2_runs() - runs_before;
  }
}

void parallel_for(size_t count, unsigned threads, const std::string& label,
                  const std::function<void(size_t, unsigned)>& job) {
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::mutex print_mu;
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto report = [&](size_t d) {
    std::lock_guard<std::mutex> lock(print_mu);
    if (tty) {
      std::fprintf(stderr, "\r%s: %zu/%zu", label.c_str(), d, count);
      if (d == count) std::fprintf(stderr, "\n");
    } else if (d == count || count < 20 || d % (count / 10) == 0) {
      std::fprintf(stderr, "%s: %zu/%zu\n", label.c_str(), d, count);
    }
  };
  auto worker = [&](unsigned t) {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= count) return;
      job(i, t);
      report(done.fetch_add(1) + 1);
    }
  };
  threads =
      std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<size_t>(count, 1))));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& th : pool) th.join();
}

}  // namespace kws::eval
