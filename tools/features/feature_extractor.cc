#include "tools/features/feature_extractor.h"

#include <cstddef>

#include "daemon/audio/audio_file.h"
#include "pipeline/framer.h"
#include "pipeline/frontend.h"
#include "pipeline/memory_carver.h"

namespace kws::features {

struct FeatureExtractor::Core {
  std::vector<std::max_align_t> framer_mem;
  std::vector<std::max_align_t> frontend_mem;
  Framer framer;
  Frontend frontend;
};

namespace {

std::vector<std::max_align_t> words(size_t bytes) {
  return std::vector<std::max_align_t>((bytes + sizeof(std::max_align_t) - 1) /
                                       sizeof(std::max_align_t));
}

}  // namespace

FeatureExtractor::~FeatureExtractor() = default;

Result<std::unique_ptr<FeatureExtractor>> FeatureExtractor::create(const FrontendConfig& cfg) {
  using R = Result<std::unique_ptr<FeatureExtractor>>;
  static_assert(alignof(std::max_align_t) >= kMemoryAlignment);
  std::unique_ptr<FeatureExtractor> fx(new FeatureExtractor());
  fx->cfg_ = cfg;
  fx->core_ = std::make_unique<Core>();
  Core& c = *fx->core_;
  const FramerConfig framer_cfg{cfg.window_samples, cfg.hop_samples};
  size_t bytes = 0;
  if (Status s = Framer::needed_bytes(framer_cfg, &bytes); !s.ok()) {
    return R::failure(std::string("framer: ") + s.message());
  }
  c.framer_mem = words(bytes);
  if (Status s = c.framer.init(framer_cfg, c.framer_mem.data(), bytes); !s.ok()) {
    return R::failure(std::string("framer: ") + s.message());
  }
  if (Status s = Frontend::needed_bytes(cfg, false, &bytes); !s.ok()) {
    return R::failure(std::string("front end: ") + s.message());
  }
  c.frontend_mem = words(bytes);
  if (Status s = c.frontend.init(cfg, c.frontend_mem.data(), bytes); !s.ok()) {
    return R::failure(std::string("front end: ") + s.message());
  }
  return R::success(std::move(fx));
}

Features FeatureExtractor::compute(const int16_t* samples, size_t n, bool want_values) {
  Core& c = *core_;
  Features f;
  f.feature_dim = cfg_.feature_dim();
  f.num_samples = n;
  const size_t frames =
      n < cfg_.window_samples ? 0 : (n - cfg_.window_samples) / cfg_.hop_samples + 1;
  f.q.reserve(frames * f.feature_dim);
  if (want_values) f.values.reserve(frames * f.feature_dim);
  std::vector<int8_t> q(f.feature_dim);
  std::vector<float> v(f.feature_dim);
  c.framer.reset();
  while (n > 0) {
    const size_t used = c.framer.feed(samples, n);
    samples += used;
    n -= used;
    if (c.framer.frame_ready()) {
      c.frontend.compute(c.framer.frame(), q.data(), want_values ? v.data() : nullptr);
      f.q.insert(f.q.end(), q.begin(), q.end());
      if (want_values) f.values.insert(f.values.end(), v.begin(), v.end());
      ++f.num_frames;
      c.framer.pop_frame();
    }
  }
  return f;
}

Result<Features> FeatureExtractor::compute_file(const std::string& path, bool want_values,
                                                size_t fixed_samples) {
  Result<std::vector<int16_t>> audio = audio::read_audio_file(path, cfg_.sample_rate);
  if (!audio) return Result<Features>::failure(audio.error());
  std::vector<int16_t>& samples = *audio;
  if (fixed_samples > 0) samples.resize(fixed_samples, 0);
  return Result<Features>::success(compute(samples.data(), samples.size(), want_values));
}

}  // namespace kws::features
