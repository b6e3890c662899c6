#include "daemon/replay/replay.h"

#include <algorithm>
#include <vector>

#include "daemon/audio/audio_file.h"

namespace kws::replay {

namespace {

class CallbackSink final : public EventSink {
 public:
  explicit CallbackSink(const std::function<void(const Event&)>& fn) : fn_(fn) {}
  void on_event(const Event& event) override {
    ++count_;
    if (fn_) fn_(event);
  }
  size_t count() const { return count_; }

 private:
  const std::function<void(const Event&)>& fn_;
  size_t count_ = 0;
};

}  // namespace

namespace {

FileReport replay(const std::string& path, const ModelInfo& info, Pipeline* pipeline,
                  daemon::ModelRuntime* runtime, size_t chunk_samples,
                  const std::function<void(const Event&)>& on_event) {
  FileReport report;
  report.path = path;
  const uint32_t rate = info.frontend.sample_rate;
  auto reader = audio::AudioFileReader::open(path, rate);
  if (!reader) {
    report.error = reader.error();
    return report;
  }
  pipeline->reset();
  CallbackSink sink(on_event);
  chunk_samples = std::max<size_t>(chunk_samples, 1);
  std::vector<int16_t> pending;
  size_t start = 0;  // first sample of `pending` not yet pushed
  bool more = true;
  while (more) {
    Result<bool> r = (*reader)->read(&pending, 4096);
    if (!r) {
      report.error = r.error();
      break;
    }
    more = *r;
    // Full chunks only, except at the end of the file.
    while (pending.size() - start >= chunk_samples || (!more && start < pending.size())) {
      const size_t n = std::min(chunk_samples, pending.size() - start);
      Status s = pipeline->push(pending.data() + start, n, &sink);
      if (!s.ok()) {
        report.error = path + ": pipeline: " + s.message();
        more = false;
        break;
      }
      start += n;
      report.samples += n;
    }
    if (!report.error.empty()) break;
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(start));
    start = 0;
  }
  if (report.error.empty() && runtime != nullptr) {
    if (Status s = runtime->flush(&sink); !s.ok())
      report.error = path + ": stage 2: " + s.message();
  }
  report.ok = report.error.empty();
  report.audio_seconds = static_cast<double>(report.samples) / rate;
  report.detections = sink.count();
  return report;
}

}  // namespace

FileReport replay_file(const std::string& path, const ModelInfo& info, Pipeline* pipeline,
                       size_t chunk_samples, const std::function<void(const Event&)>& on_event) {
  return replay(path, info, pipeline, nullptr, chunk_samples, on_event);
}

FileReport replay_file(const std::string& path, daemon::ModelRuntime* runtime, size_t chunk_samples,
                       const std::function<void(const Event&)>& on_event) {
  return replay(path, runtime->info(), &runtime->pipeline(), runtime, chunk_samples, on_event);
}

}  // namespace kws::replay
